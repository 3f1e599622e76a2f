"""``promtool check metrics`` (Debian's prometheus package) on a real scrape of /metrics
after real polls of every recording in the simulated room."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import urllib.request

import pytest

from agent.metrics import AgentState, MetricsServer, RoomwatchCollector
from agent.poller import Poller
from agent.scheduler import Scheduler
from agent.simroom import SimRoom
from collector.profiles import load_profiles
from collector.traps import TrapEvent

pytestmark = pytest.mark.snmp
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


async def _poll_everything(room: SimRoom, state: AgentState) -> None:
    poller = Poller(load_profiles())
    scheduler = Scheduler(poller.poll, state.record)
    try:
        for target in room.targets(timeout=1.0):
            placed = dataclasses.replace(target, room="A101", rack="A02")
            for _ in range(2):  # twice: counters become rates
                state.record(await scheduler.poll_once(placed))
    finally:
        poller.close()


@pytest.fixture(scope="module")
def scrape(sim_room: SimRoom) -> str:
    import asyncio

    state = AgentState()
    asyncio.run(_poll_everything(sim_room, state))
    state.record_event(TrapEvent(None, "127.0.0.1", "1.3.6.1.6.3.1.1.5.3", "linkDown"))
    server = MetricsServer(RoomwatchCollector(state), "127.0.0.1", 0)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as r:
            return str(r.read().decode())
    finally:
        server.stop()


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool (prometheus) not installed")
def test_promtool_check_metrics_passes_on_a_real_scrape(scrape: str) -> None:
    result = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=scrape, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_polled_metric_has_device_room_rack_instance(scrape: str) -> None:
    line = next(x for x in scrape.splitlines() if x.startswith("roomwatch_switch_cpu_percent{"))
    assert line == (
        'roomwatch_switch_cpu_percent{device="h3c-sw-1",instance="Board 1",rack="A02",room="A101"}'
        " 9.0"
    )  # the exposition sorts label names
    assert 'roomwatch_entity_serial_info{device="huawei-sw-1",instance="PWR1",rack="A02",' in scrape
    # health of every device, counters as counters
    assert "# TYPE roomwatch_poll_timeouts_total counter" in scrape
    assert "# TYPE roomwatch_rates_discarded_total counter" in scrape
    assert (
        'roomwatch_poll_errors_total{device="crac-1",instance="",rack="A02",room="A101"} 0.0'
        in scrape
    )
    assert 'roomwatch_agent_traps_total{trap="linkDown"} 1.0' in scrape


def test_minutes_are_exposed_in_seconds(scrape: str) -> None:
    assert not [x for x in scrape.splitlines() if x.startswith("roomwatch_ups_battery_runtime_min")]
    line = next(
        x for x in scrape.splitlines()
        if x.startswith('roomwatch_ups_battery_runtime_seconds{device="apc-ups-2"')
    )  # fmt: skip
    assert line.endswith(" 2100.0")  # 35 min
