from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agent.poller import Poller
from agent.simroom import SimRoom, SimRoomError, load_demo_room
from collector.profiles import load_profiles
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.snmp
ROOT = Path(__file__).resolve().parents[3]


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie nobody reaps (no init in a container) is dead."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" not in state.split()[1]


def test_simulator_dies_with_its_parent() -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
            import sys, time
            from agent.simroom import SimRoom
            room = SimRoom().start()
            print(room.process.pid, flush=True)
            time.sleep(60)
        """),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        sim_pid = int(child.stdout.readline())
        assert alive(sim_pid)
        os.kill(child.pid, signal.SIGKILL)  # no cleanup code runs in the parent
        child.wait(timeout=5)
        deadline = time.monotonic() + 10
        while alive(sim_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(sim_pid), "snmpsim outlived its parent"
    finally:
        if child.poll() is None:
            child.kill()


@run_async
async def test_private_room_set_temperature_and_stop() -> None:
    room = SimRoom()
    room.start()
    pid = room.process.pid if room.process else 0
    poller = Poller(load_profiles())
    try:
        env = next(t for t in room.targets() if t.device == "env-1")
        room.set_temperature(35.2)  # works from inside a running loop too
        result = await poller.poll(env)
        temps = {
            s.instance: s.value for s in result.samples if s.metric == "env_temperature_celsius"
        }
        assert temps == {"Inlet A03": 35.2}
    finally:
        poller.close()
        room.stop()
    assert not alive(pid)
    assert room.process is None


def test_targets_need_a_started_room(tmp_path: Path) -> None:
    with pytest.raises(SimRoomError, match="not started"):
        SimRoom().targets()
    with pytest.raises(SimRoomError, match=r"no \.snmprec"):
        SimRoom(data_dir=tmp_path).start()


def test_targets_one_per_recording(sim_room: SimRoom) -> None:
    targets = sim_room.targets(interval=5)
    names = [t.device for t in targets]
    assert {"env-1", "pdu-1", "switch-1", "ups-1"} <= set(names)  # the demo room's four
    assert names == sorted(p.stem for p in (ROOT / "devices" / "recordings").glob("*.snmprec"))
    assert all(
        t.credentials.community == t.device and t.port == sim_room.port and t.interval == 5
        for t in targets
    )


def test_demo_room_matches_recordings_and_profiles() -> None:
    room = load_demo_room()
    assert room["room"] == {"name": "A101", "title_zh": "一号机房", "title_en": "Machine room A101"}
    racks = {r["name"] for r in room["racks"]}
    profiles = load_profiles()
    recordings = {p.stem for p in (ROOT / "devices" / "recordings").glob("*.snmprec")}
    kinds = {d["name"]: d["kind"] for d in room["devices"]}
    assert kinds["demo-host"] == "host"
    for device in room["devices"]:
        assert device["rack"] in racks
        assert device["device_type"] in {"ups", "switch", "sensor", "pdu", "server"}
        if device["kind"] == "snmp":
            assert device["recording"] in recordings
            assert device["profile"] in profiles
