from __future__ import annotations

import socket
import urllib.request
from datetime import UTC, datetime

import pytest

from agent.metrics import AgentState, MetricsServer, RoomwatchCollector
from agent.poller import PollResult
from core.errors import PortInUseError
from core.types import Sample, Target

TS = datetime(2026, 1, 1, tzinfo=UTC)


def scrape(server: MetricsServer) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as r:
        return str(r.read().decode())


def test_scrape_shows_latest_values_and_health() -> None:
    state = AgentState()
    state.spool_batches = lambda: 3
    ups = Target("ups-1", "snmp")
    state.record(
        PollResult(
            ups,
            [
                Sample("ups-1", "ups_output_load_percent", "1", 30.0, TS, "%"),
                Sample("ups-1", "ups_output_source", "", 5.0, TS, "", "battery"),
                Sample("ups-1", "sys_descr", "", None, TS, "", 'Smart-UPS "SRT"'),
                Sample("ups-1", "ups_battery_charge_percent", "", None, TS, "%", "unknown: x"),
            ],
            True,
        )
    )
    state.record(
        PollResult(ups, [Sample("ups-1", "ups_output_load_percent", "1", 31.5, TS, "%")], True)
    )
    state.record(
        PollResult(
            Target("ghost", "snmp"),
            [Sample("ghost", "device_up", "", 0.0, TS)],
            False,
            error="timeout",
        )
    )
    server = MetricsServer(RoomwatchCollector(state), "127.0.0.1", 0)
    try:
        text = scrape(server)
    finally:
        server.stop()
    assert (
        'roomwatch_ups_output_load_percent{device="ups-1",instance="1",rack="",room=""} 31.5'
        in text
    )
    assert 'roomwatch_ups_output_source{device="ups-1",instance="",rack="",room=""} 5.0' in text
    assert (
        'roomwatch_sys_descr_info{device="ups-1",instance="",rack="",room="",'
        'value="Smart-UPS \\"SRT\\""} 1.0' in text
    )
    assert "ups_battery_charge_percent" not in text  # unknown: no value to show
    assert 'roomwatch_device_up{device="ghost",instance="",rack="",room=""} 0.0' in text
    assert 'roomwatch_agent_polls_total{device="ups-1"} 2.0' in text
    assert 'roomwatch_agent_poll_errors_total{device="ghost"} 1.0' in text
    assert "roomwatch_agent_spool_batches 3.0" in text
    assert "python_gc" not in text  # a private registry, not the global default one


def test_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"127.0.0.1:{port} is already in use"):
            MetricsServer(RoomwatchCollector(AgentState()), "127.0.0.1", port)
