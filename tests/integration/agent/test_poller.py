from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest

from agent.poller import Poller, PollResult
from agent.simroom import SimRoom
from collector.profiles import load_profiles
from core.types import Target
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.snmp

EXPECTED = {
    "ups-1": (
        "ups-mib",
        {
            "sys_descr",
            "sys_name",
            "sys_uptime_seconds",
            "ups_output_source",
            "ups_battery_status",
            "ups_battery_charge_percent",
            "ups_battery_runtime_minutes",
            "ups_battery_temperature_celsius",
            "ups_input_voltage_volts",
            "ups_output_voltage_volts",
            "ups_output_load_percent",
            "device_up",
            "poll_duration_seconds",
        },
    ),
    "switch-1": (
        "h3c-switch",  # H3C's Comware 7 arc: IF-MIB plus the vendor's CPU/memory/temperature
        {
            "sys_descr",
            "if_oper_status",
            "if_admin_status",
            "if_speed_mbps",
            "if_alias",
            "device_up",
        },
    ),
    "env-1": ("env-sensor", {"env_temperature_celsius", "env_humidity_percent", "device_up"}),
    "pdu-1": ("pdu", {"pdu_phase_current_amperes", "pdu_phase_power_watts", "device_up"}),
    # the profiles of issue 3, each against its recording, detected automatically
    "linux-host": ("net-snmp-host", {"hr_processor_load_percent", "hr_storage_used_percent",
                   "ucd_load_average", "ucd_memory_available_percent", "if_oper_status"}),
    "winxp-host": ("windows-host", {"hr_memory_used_percent", "if_oper_status"}),
    "apc-ups-2": ("apc-ups", {"ups_output_source", "apc_ups_output_status",
                  "apc_ups_battery_replace"}),
    "pdu-2": ("pdu", {"pdu_power_watts", "pdu_bank_load_state"}),
    "env-2": ("env-sensor", {"env_water_leak_status", "env_door_status"}),
    "crac-1": ("liebert-crac", {"crac_supply_air_temperature_celsius", "crac_unit_power"}),
    "huawei-sw-1": ("huawei-switch", {"switch_cpu_percent", "entity_serial", "if_oper_status"}),
    "h3c-sw-1": ("h3c-switch", {"switch_temperature_celsius", "entity_model"}),
    "sensor-1": ("if-mib", {"device_up"}),
}  # fmt: skip


@pytest.fixture()
def poller() -> Iterator[Poller]:
    p = Poller(load_profiles())
    yield p
    p.close()


def by_key(result: PollResult) -> dict[tuple[str, str], tuple[float | None, str | None]]:
    return {(s.metric, s.instance): (s.value, s.text) for s in result.samples}


def target(room: SimRoom, device: str) -> Target:
    return next(t for t in room.targets(interval=1) if t.device == device)


@pytest.mark.parametrize("device", sorted(EXPECTED))
@run_async
async def test_each_recording_parses(sim_room: SimRoom, poller: Poller, device: str) -> None:
    result = await poller.poll(target(sim_room, device))
    profile, metrics = EXPECTED[device]
    assert result.ok, result.error
    assert result.profile == profile  # auto-detected from sysObjectID
    assert metrics <= {s.metric for s in result.samples}
    assert result.problems == ()
    assert by_key(result)[("device_up", "")] == (1.0, None)


@run_async
async def test_values_are_plausible(sim_room: SimRoom, poller: Poller) -> None:
    ups = by_key(await poller.poll(target(sim_room, "ups-1")))
    assert {i for (m, i) in ups if m == "ups_output_load_percent"} == {"1", "2", "3"}
    assert all(
        20 <= (v or 0) <= 45 for (m, _), (v, _) in ups.items() if m == "ups_output_load_percent"
    )
    env = by_key(await poller.poll(target(sim_room, "env-1")))
    temp, _ = env[("env_temperature_celsius", "Inlet A03")]
    assert temp is not None and 21.0 <= temp <= 29.5
    hum, _ = env[("env_humidity_percent", "Room humidity A03")]
    assert hum is not None and 38 <= hum <= 56
    sw = by_key(await poller.poll(target(sim_room, "switch-1")))
    assert sw[("if_admin_status", "GigabitEthernet1/0/17")] == (2.0, "down")
    assert sw[("if_alias", "GigabitEthernet1/0/24")] == (None, "uplink-core")
    assert sw[("if_speed_mbps", "GigabitEthernet1/0/24")][0] == 1000.0


@run_async
async def test_ups_on_battery(sim_room: SimRoom, poller: Poller) -> None:
    ups = target(sim_room, "ups-1")
    assert by_key(await poller.poll(ups))[("ups_output_source", "")] == (3.0, "normal")
    await asyncio.to_thread(sim_room.set_ups_on_battery, True)
    try:
        assert by_key(await poller.poll(ups))[("ups_output_source", "")] == (5.0, "battery")
    finally:
        await asyncio.to_thread(sim_room.set_ups_on_battery, False)
    assert by_key(await poller.poll(ups))[("ups_output_source", "")] == (3.0, "normal")


@run_async
async def test_counters_become_rates_on_second_poll(sim_room: SimRoom, poller: Poller) -> None:
    sw = target(sim_room, "switch-1")
    first = await poller.poll(sw)
    assert not [s for s in first.samples if s.metric == "if_in_octets"]
    await asyncio.sleep(1.1)  # the counters grow with time: let some pass
    second = await poller.poll(sw)
    rates = {s.instance: s for s in second.samples if s.metric == "if_in_octets"}
    uplink = rates["GigabitEthernet1/0/24"]
    assert uplink.unit == "B/s"
    assert 20e6 < (uplink.value or 0) < 60e6  # recorded at 40 MB/s
    assert rates["GigabitEthernet1/0/17"].value == 0.0  # admin down: counter stands still


@run_async
async def test_winxp_32_bit_counters_are_walked_when_ifxtable_is_absent(
    sim_room: SimRoom, poller: Poller
) -> None:
    """The poller walks ifInOctets only because ifHCInOctets came back empty (real walk)."""
    host = target(sim_room, "winxp-host")
    await poller.poll(host)
    await asyncio.sleep(0.05)
    second = await poller.poll(host)
    rates = {s.instance: s.value for s in second.samples if s.metric == "if_in_octets"}
    assert rates["MS TCP Loopback interface"] == 0.0  # a static walk: no traffic, but a rate
    assert by_key(second)[("rates_discarded_total", "")] == (0.0, None)


@run_async
async def test_entity_sensor_profile_by_choice(sim_room: SimRoom, poller: Poller) -> None:
    chosen = dataclasses.replace(target(sim_room, "sensor-1"), profile="entity-sensor")
    result = by_key(await poller.poll(chosen))
    assert result[("entity_sensor_celsius", "Hotspot Temp Sensor")] == (45.5, None)
    assert result[("entity_sensor_value", "PSU1 Voltage")] == (229.5, None)


@run_async
async def test_dead_device_is_a_result(poller: Poller, silent_udp_port: int) -> None:
    dead = Target("ghost", "snmp", "127.0.0.1", silent_udp_port, "auto", timeout=0.2, retries=0)
    result = await poller.poll(dead)
    assert not result.ok and result.error and "timeout" in result.error
    assert by_key(result)[("device_up", "")][0] == 0.0
    assert ("poll_duration_seconds", "") in by_key(result)


@run_async
async def test_unknown_profile_and_host_target(poller: Poller) -> None:
    bad = await poller.poll(Target("x", "snmp", profile="nope"))
    assert not bad.ok and "unknown profile" in (bad.error or "")
    host = await poller.poll(Target("demo-host", "host"))
    metrics = {s.metric for s in host.samples}
    assert {
        "host_cpu_percent",
        "host_memory_used_percent",
        "host_disk_used_percent",
        "host_uptime_seconds",
        "device_up",
    } <= metrics
