from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from agent.runner import run_agent
from agent.simroom import SimRoom
from core.config import Settings
from core.types import Target
from tests.fixtures.aio import run_async
from tests.integration.agent.test_uplink import Api

DEMO = {"ups-1", "pdu-1", "switch-1", "env-1"}  # the demo room's recordings


def demo_targets(room: SimRoom, interval: float) -> list[Target]:
    return [t for t in room.targets(interval=interval) if t.device in DEMO]


pytestmark = pytest.mark.snmp


@run_async
async def test_agent_polls_pushes_and_serves_metrics(sim_room: SimRoom, tmp_path: Path) -> None:
    api = Api()
    settings = Settings()
    settings.agent.server_url = api.url
    settings.agent.token = "tok"
    settings.agent.metrics_port = 0
    settings.agent.spool_dir = str(tmp_path / "spool")
    settings.agent.push_interval_seconds = 0.2
    settings.agent.trap_port = 0  # not this test's subject; 1162 may be taken on this machine
    stop = asyncio.Event()
    targets = demo_targets(sim_room, interval=0.5)
    task = asyncio.create_task(run_agent(settings, stop, targets=targets))

    def devices_seen() -> set[str]:
        # the agent also reports its spool's health as the pseudo-device named after it
        return {s["device"] for b in api.bodies for s in b["samples"]} - {"agent-1"}

    try:
        for _ in range(100):
            if devices_seen() >= {t.device for t in targets} or task.done():
                break
            await asyncio.sleep(0.1)
        assert devices_seen() == {t.device for t in targets}
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        api.stop()
    assert api.bodies[0]["agent"] == "agent-1"
    assert not list((tmp_path / "spool").glob("batch-*.json*"))  # everything delivered


def test_metrics_endpoint_while_running(sim_room: SimRoom, tmp_path: Path) -> None:
    import socket
    import threading

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings()
    settings.agent.server_url = "http://127.0.0.1:9"  # nobody: batches stay spooled
    settings.agent.metrics_port = port
    settings.agent.spool_dir = str(tmp_path)
    settings.agent.push_interval_seconds = 0.2
    settings.agent.trap_port = 0
    stop = threading.Event()
    thread = threading.Thread(
        target=lambda: asyncio.run(
            run_agent(settings, stop, targets=demo_targets(sim_room, interval=0.5))
        )
    )
    thread.start()
    try:
        text = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    text = r.read().decode()
            except OSError:
                text = ""
            ready = (
                'roomwatch_ups_output_source{device="ups-1"' in text
                and 'roomwatch_device_up{device="switch-1"' in text
            )
            if ready and "spool_batches 0" not in text:
                break
            threading.Event().wait(0.1)
        assert 'roomwatch_ups_output_source{device="ups-1",instance="",rack="",room=""} 3.0' in text
        assert 'roomwatch_device_up{device="switch-1",instance="",rack="",room=""} 1.0' in text
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert list(tmp_path.glob("batch-*.jsonl"))  # kept on disk for when the server is back
