"""A batch the server refuses for good goes to dead-letter/ and the next batches go on;
a wrong token or a server that is down never sends good batches there; every retry of a
batch carries the batch id it was made with."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.uplink import Uplink
from core.types import Sample

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
Body = dict[str, Any]


class Server:
    """A real HTTP server on 127.0.0.1 whose answer to each POST ``decide`` chooses."""

    def __init__(self) -> None:
        self.decide: Callable[[Body], int] = lambda body: 202
        self.health = 200
        self.posts: list[tuple[int, Body]] = []  # every POST and the status it got
        self.hold: threading.Event | None = None  # set: answer only once this is set
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = server.decide(body)
                server.posts.append((status, body))
                if server.hold is not None:  # stored, but the answer comes too late
                    server.hold.wait(30)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"{}" if status < 400 else b'{"error": {"code": "x"}}')
                except OSError:  # the agent gave up waiting (the timeout test)
                    pass

            def do_GET(self) -> None:
                self.send_response(server.health)
                self.end_headers()
                self.wfile.write(b'{"status": "ok"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stored(self) -> list[Body]:
        return [b for status, b in self.posts if 200 <= status < 300]

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


def poll(device: str, n: int, text: str | None = None) -> list[Sample]:
    ts = T0 + timedelta(seconds=n)
    return [Sample(device, "device_up", "", 1.0, ts), Sample(device, "sys_descr", "", None, ts,
                                                            "", text or "ok")]  # fmt: skip


def uplink(server: Server, spool: Path, **kw: Any) -> Uplink:
    return Uplink(server.url, "tok", "agent-7", spool, report_health=False, timeout=2, **kw)


def poisoned(body: Body) -> bool:
    return any(s["device"] == "bad-1" for s in body.get("samples", []))


def test_batch_the_server_cannot_store_is_dead_lettered_after_n_5xx(
    server: Server, tmp_path: Path
) -> None:
    server.decide = lambda body: 500 if poisoned(body) else 202
    up = uplink(server, tmp_path, dead_letter_after=3)
    up.add(poll("bad-1", 0))  # today: retried forever, ahead of everything else
    rejected = up.push().rejected
    for n in range(1, 4):
        up.add(poll("good-1", n))  # the healthy neighbour keeps polling
        report = up.push()
        rejected += report.rejected
    assert (rejected, report.pending) == (1, 0)
    assert [status for status, b in server.posts if poisoned(b)] == [500, 500, 500]  # N tries
    good = [s for b in server.stored() for s in b["samples"] if s["metric"] == "device_up"]
    assert len(good) == 3  # none of the good polls lost
    (letter,) = (tmp_path / "dead-letter").glob("*.json")
    assert json.loads(letter.read_bytes())["samples"][0]["device"] == "bad-1"
    assert up.health().dead_lettered == 1 and up.health().dead_letter_files == 1
    print(f"poisoned batch: produced 8 samples, stored {2 * len(good)}, dead-lettered 2")


def test_5xx_while_the_server_is_unwell_never_dead_letters(server: Server, tmp_path: Path) -> None:
    server.decide = lambda body: 500  # the database is down: everything fails...
    server.health = 503  # ...and the server's health check says so
    up = uplink(server, tmp_path, dead_letter_after=2)
    up.add(poll("good-1", 0))
    for _ in range(5):
        assert up.push().rejected == 0
    server.decide = lambda body: 202
    assert up.push().sent == 1
    assert not (tmp_path / "dead-letter").exists()


@pytest.mark.parametrize("status", [401, 429, 503], ids=["bad-token", "slow-down", "away"])
def test_retryable_answers_keep_the_batch(server: Server, tmp_path: Path, status: int) -> None:
    server.decide = lambda body: status
    up = uplink(server, tmp_path, dead_letter_after=2)
    up.add(poll("good-1", 0))
    for _ in range(4):
        report = up.push()
        assert (report.sent, report.rejected, report.pending) == (0, 0, 1)
    server.decide = lambda body: 202
    assert up.push().sent == 1  # the token fixed, the server back: delivered
    assert len(server.stored()) == 1 and up.health().dead_lettered == 0


def test_4xx_dead_letters_at_once_and_the_old_rejected_folder_counts(
    server: Server, tmp_path: Path
) -> None:
    (tmp_path / "rejected").mkdir()
    (tmp_path / "rejected" / "batch-00000000000000000001-00000000.json").write_text("{}")
    server.decide = lambda body: 422 if poisoned(body) else 202
    up = uplink(server, tmp_path)
    assert up.health().dead_letter_files == 1  # what an earlier version set aside
    up.add(poll("bad-1", 0))
    up.push()
    up.add(poll("good-1", 1))
    assert up.push().sent == 1
    assert up.health().dead_letter_files == 2 and up.health().dead_lettered == 1


def test_nul_in_a_device_string_never_reaches_the_wire(server: Server, tmp_path: Path) -> None:
    up = uplink(server, tmp_path)
    up.add(poll("ups-1", 0, text="Smart-UPS\x00\x00 1500\x1b[0m"))
    assert up.push().sent == 1
    (body,) = server.stored()
    assert body["samples"][1]["text"] == "Smart-UPS 1500[0m"


def test_every_retry_of_a_batch_carries_its_id(server: Server, tmp_path: Path) -> None:
    """The server stores the batch but answers after the agent gave up (a timeout): the
    retry must say it is the same batch, so the server can answer it as a replay."""
    server.hold = threading.Event()
    up = Uplink(server.url, "tok", "agent-7", tmp_path, report_health=False, timeout=0.5)
    up.add(poll("ups-1", 0))
    report = up.push()
    assert report.sent == 0 and report.error and "timed out" in report.error
    server.hold.set()
    server.hold = None
    up.add(poll("ups-1", 1))  # a new poll while the first batch waits
    assert up.push().sent == 2
    first, retry, second = (b for _, b in server.posts)
    assert first["batch_id"] == retry["batch_id"] != second["batch_id"]
    assert first["samples"] == retry["samples"]
    assert len(first["batch_id"]) == 32


def test_batch_id_survives_a_restart(server: Server, tmp_path: Path) -> None:
    server.decide = lambda body: 503
    up = uplink(server, tmp_path)
    up.add(poll("ups-1", 0))
    up.push()
    server.decide = lambda body: 202
    again = uplink(server, tmp_path)  # a new process on the same spool
    assert again.push().sent == 1
    assert server.posts[0][1]["batch_id"] == server.posts[1][1]["batch_id"]
