"""The spool under real disk faults: a full tmpfs, a read-only mount, a path that is a file.

Nothing stops delivery: batches the disk cannot take are sent from memory, a bounded
memory queue drops its oldest and counts them, temporary files never stay behind, and the
agent's health says so (``/metrics`` here; the server-side alarm in test_spool_alarm).
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from agent.metrics import AgentState, RoomwatchCollector
from agent.uplink import Uplink
from core.types import Sample
from tests.integration.agent.test_uplink import Api

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
TEXT = "UPS 输出状态 normal " * 4  # text makes a poll a few kB: a 64 kB disk fills quickly


def poll(n: int, first: int, size: int = 20) -> list[Sample]:
    """Poll number ``n``: ``size`` samples whose values number them ``first``... on."""
    ts = T0 + timedelta(seconds=n)
    return [
        Sample("ups-1", "ups_note", str(i), float(first + i), ts, "", TEXT) for i in range(size)
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mount(*args: str) -> str | None:
    """Run mount/umount; the reason it failed, or None."""
    done = subprocess.run(list(args), capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 kB tmpfs (skipped, with the reason, where mounting is not permitted)."""
    where = tmp_path / "spool"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    reason = _mount("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where))
    if reason:
        pytest.skip(f"cannot mount a tmpfs here: {reason}")
    try:
        yield where
    finally:
        _mount("umount", "-l", str(where))


def read_only(path: Path, ro: bool = True) -> None:
    """Remount ``path`` read-only (root ignores chmod, not a read-only mount) or back."""
    reason = _mount("mount", "-o", f"remount,{'ro' if ro else 'rw'}", str(path))
    if reason:
        pytest.skip(f"cannot remount {path} {'read-only' if ro else 'read-write'}: {reason}")


def received(api: Api, device: str = "ups-1") -> list[dict]:  # type: ignore[type-arg]
    return [s for b in api.bodies for s in b["samples"] if s["device"] == device]


def leftovers(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.iterdir() if p.name.endswith(".tmp"))


def metrics_text(up: Uplink) -> str:
    state = AgentState()
    state.spool_batches = up.pending_batches
    state.spool_health = up.health
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RoomwatchCollector(state, "agent-7"))
    return generate_latest(registry).decode()


def test_full_disk_sends_from_memory_and_loses_nothing(tmpfs: Path) -> None:
    port = free_port()  # the server is away while the disk fills
    up = Uplink(f"http://127.0.0.1:{port}", "t", "agent-7", tmpfs, timeout=2)
    produced = 0
    n = 0
    while up.health().ok or up.health().memory_batches < 3:
        up.add(poll(n, produced))
        produced += 20
        n += 1
        report = up.push()
        assert report.error and "unreachable" in report.error
        assert n < 200, "a 64 kB disk should have filled by now"
    health = up.health()
    assert not health.ok and "No space left" in (health.error or "")
    assert health.disk_batches > 0 and health.samples_dropped == 0
    assert leftovers(tmpfs) == []  # failed writes leave no temporary file to fill the disk
    text = metrics_text(up)
    assert "roomwatch_agent_spool_ok 0.0" in text
    assert f"roomwatch_agent_memory_queue_batches {float(health.memory_batches)}" in text
    server = Api(port)  # the server comes back
    try:
        up.add(poll(n, produced))
        produced += 20
        for _ in range(5):  # the freed disk takes what memory held; everything goes out
            if up.push().pending == 0 and up.health().memory_batches == 0:
                break
        values = [s["value"] for s in received(server)]
        assert sorted(values) == [float(v) for v in range(produced)]  # each once, none lost
        assert values == sorted(values)  # and in the order they were polled
        spool_ok = [s["value"] for s in received(server, "agent-7") if s["metric"] ==
                    "agent_spool_ok"]  # fmt: skip
        assert 0.0 in spool_ok  # the server heard that the spool was failing
        up.add(poll(n + 1, produced))  # the next poll finds the disk writable again
        produced += 20
        assert up.push().pending == 0
        assert up.health().ok and leftovers(tmpfs) == []
        values = [s["value"] for s in received(server)]
    finally:
        server.stop()
    print(f"full disk: produced {produced}, stored {len(values)}, dropped 0")


def test_full_disk_and_full_memory_drop_oldest_and_count(tmpfs: Path) -> None:
    port = free_port()
    up = Uplink(f"http://127.0.0.1:{port}", "t", "agent-7", tmpfs, timeout=2,
                memory_queue_samples=100, report_health=False)  # fmt: skip
    produced = 0
    for n in range(60):  # ~1200 samples: far more than 64 kB and 100 in memory hold
        up.add(poll(n, produced))
        produced += 20
        up.push()
    health = up.health()
    assert not health.ok and health.memory_items <= 100 and health.samples_dropped > 0
    assert f"roomwatch_agent_samples_dropped_total {float(health.samples_dropped)}" in (
        metrics_text(up)
    )
    server = Api(port)
    try:
        while up.push().pending:
            pass
        stored = [s["value"] for s in received(server)]
    finally:
        server.stop()
    assert len(stored) + health.samples_dropped == produced  # every sample stored or counted
    assert stored[-20:] == [float(v) for v in range(produced - 20, produced)]  # newest kept
    assert len(set(stored)) == len(stored)
    print(f"full disk + memory bound 100: produced {produced}, stored {len(stored)}, "
          f"dropped {health.samples_dropped} (counted)")  # fmt: skip


def test_read_only_spool_sends_from_memory(tmpfs: Path) -> None:
    server = Api()
    try:
        up = Uplink(server.url, "t", "agent-7", tmpfs)
        up.add(poll(0, 0))  # the open batch is on disk...
        read_only(tmpfs)  # ...when the disk turns read-only (an I/O error remount)
        try:
            produced = 20
            for n in range(1, 6):
                up.add(poll(n, produced))
                produced += 20
                report = up.push()
                assert (report.pending, report.error) == (0, None)  # delivered from memory
            assert not up.health().ok and "Read-only" in (up.health().error or "")
            assert "roomwatch_agent_spool_ok 0.0" in metrics_text(up)
        finally:
            read_only(tmpfs, ro=False)
        up.add(poll(6, produced))
        produced += 20
        assert up.push().pending == 0
        assert up.health().ok  # writable again: back to the disk
        values = [s["value"] for s in received(server)]
        assert values == [float(v) for v in range(produced)]  # nothing lost, no duplicate
        spool_ok = [s["value"] for s in received(server, "agent-7")
                    if s["metric"] == "agent_spool_ok"]  # fmt: skip
        assert spool_ok[0] == 0.0 and spool_ok[-1] == 1.0  # failing, then well again
    finally:
        server.stop()
    print(f"read-only spool: produced {produced}, stored {len(values)}")


def test_spool_read_only_from_the_start_still_sends_what_it_holds(tmpfs: Path) -> None:
    port = free_port()
    before = Uplink(f"http://127.0.0.1:{port}", "t", "agent-7", tmpfs, timeout=2,
                    report_health=False)  # fmt: skip
    for n in range(3):
        before.add(poll(n, n * 20))
        before.push()  # server away: three batches on disk
    assert before.pending_batches() == 3
    (tmpfs / ".batch-leftover.jsonl.tmp").write_bytes(b"x" * 1000)  # a write cut short
    read_only(tmpfs)
    try:
        server = Api(port)
        try:
            up = Uplink(server.url, "t", "agent-7", tmpfs, report_health=False)  # restart
            up.add(poll(3, 60))
            assert up.push().pending == 0  # the three on disk and the new one from memory
            values = [s["value"] for s in received(server)]
        finally:
            server.stop()
    finally:
        read_only(tmpfs, ro=False)
    assert values == [float(v) for v in range(80)]
    Uplink("http://127.0.0.1:9", "t", "agent-7", tmpfs, report_health=False)  # start-up...
    assert leftovers(tmpfs) == []  # ...removes what a cut-short write left


def test_spool_path_is_a_file(tmp_path: Path) -> None:
    server = Api()
    blocker = tmp_path / "spool"
    blocker.write_text("not a directory")
    try:
        up = Uplink(server.url, "t", "agent-7", blocker)  # today: FileExistsError at start
        up.add(poll(0, 0))
        assert up.push().pending == 0
        assert [s["value"] for s in received(server)] == [float(v) for v in range(20)]
        assert not up.health().ok
    finally:
        server.stop()


def test_a_batch_left_open_by_a_kill_is_closed_at_start(tmp_path: Path) -> None:
    first = Uplink("http://127.0.0.1:9", "t", "agent-7", tmp_path, report_health=False)
    first.add(poll(0, 0))
    first.add(poll(1, 20))
    (opened,) = tmp_path.glob("open-*.jsonl")
    with opened.open("ab") as fh:
        fh.write(b'[{"device": "ups-1", "metric": "ups_no')  # the poll being written at the kill
    server = Api()
    try:
        again = Uplink(server.url, "t", "agent-7", tmp_path, report_health=False)
        assert again.push().sent == 1
        (body,) = server.bodies
    finally:
        server.stop()
    assert [s["value"] for s in body["samples"]] == [float(v) for v in range(40)]
    assert body["batch_id"] in opened.name  # the id it was made with
    assert not list(tmp_path.glob("open-*"))


def test_trap_events_go_out_from_memory_too(tmp_path: Path) -> None:
    from collector.traps import make_event

    blocker = tmp_path / "spool"
    blocker.write_text("not a directory")
    server = Api()
    try:
        up = Uplink(server.url, "t", "agent-7", blocker)
        trap = [("1.3.6.1.6.3.1.1.4.1.0", "1.3.6.1.2.1.33.2.0.1")]
        up.add_events([make_event([], "127.0.0.3", 162, trap, T0)])
        report = up.push_events()  # today: the write raises and the event is lost
        assert (report.sent, report.pending) == (1, 0)
        (body,) = server.bodies
        assert body["events"][0]["trap_oid"] == "1.3.6.1.2.1.33.2.0.1"
        assert len(body["batch_id"]) == 32
    finally:
        server.stop()
