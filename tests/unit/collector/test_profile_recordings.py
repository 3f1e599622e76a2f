"""Every shipped profile against a recording (devices/recordings): detection and values.

Three recordings are real devices' walks shipped with snmpsim (linux-host, winxp-host,
eaton-9px, trimmed to the subtrees the profiles read); each odd real device has its own
named regression test below.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.parse import SYS_DESCR_OID, SYS_OBJECT_ID_OID, ParsedPoll, decode_text, parse
from collector.profiles import Profile, detect_profile, load_profiles
from tests.unit.collector.recordings import read_snmprec

TS = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
PROFILES = load_profiles()


def poll(recording: str, profile: str) -> ParsedPoll:
    return parse(PROFILES[profile], recording, read_snmprec(recording), TS)


def detected(recording: str) -> Profile | None:
    values = read_snmprec(recording)
    return detect_profile(
        PROFILES, decode_text(values.get(SYS_OBJECT_ID_OID)), decode_text(values.get(SYS_DESCR_OID))
    )


DETECTION = [
    ("ups-1", "ups-mib"),
    ("pdu-1", "pdu"),
    ("switch-1", "h3c-switch"),
    ("env-1", "env-sensor"),
    ("linux-host", "net-snmp-host"),
    ("winxp-host", "windows-host"),
    ("eaton-9px", "eaton-xups"),
    ("apc-ups-2", "apc-ups"),
    ("pdu-2", "pdu"),
    ("env-2", "env-sensor"),
    ("crac-1", "liebert-crac"),
    ("huawei-sw-1", "huawei-switch"),
    ("h3c-sw-1", "h3c-switch"),
    ("sensor-1", "if-mib"),  # a Cisco switch: IF-MIB by sysObjectID; sensors by choice
]


@pytest.mark.parametrize(("recording", "profile"), DETECTION, ids=[d[0] for d in DETECTION])
def test_recording_is_detected_as(recording: str, profile: str) -> None:
    found = detected(recording)
    assert found is not None and found.name == profile


# recording, profile, metric, instance, value, text
VALUES = [
    ("linux-host", "net-snmp-host", "hr_processor_load_percent", "768", 13.0, None),
    ("linux-host", "net-snmp-host", "hr_memory_used_percent", "Physical memory", 93.757192, None),
    ("linux-host", "net-snmp-host", "hr_storage_used_percent", "/export", 94.235008, None),
    ("linux-host", "net-snmp-host", "hr_storage_size_bytes", "/", 2164327 * 4096.0, None),
    ("linux-host", "net-snmp-host", "ucd_load_average", "Load-1", 0.46, None),
    ("linux-host", "net-snmp-host", "ucd_memory_available_bytes", "", 63676 * 1024.0, None),
    ("linux-host", "net-snmp-host", "ucd_memory_available_percent", "", 6.230675, None),
    ("linux-host", "net-snmp-host", "ucd_cpu_idle_percent", "", 79.0, None),
    ("linux-host", "net-snmp-host", "if_speed_mbps", "eth0", 100.0, None),
    ("winxp-host", "windows-host", "hr_memory_used_percent", "Physical Memory", 61.1027, None),
    ("winxp-host", "windows-host", "if_oper_status", "MS TCP Loopback interface", 1.0, "up"),
    ("eaton-9px", "eaton-xups", "eaton_ups_model", "", None, "Eaton 9PX 2200i RT 3U"),
    ("eaton-9px", "eaton-xups", "eaton_ups_battery_runtime_seconds", "", 17218.0, None),
    ("eaton-9px", "eaton-xups", "eaton_ups_output_source", "", 3.0, "normal"),
    ("eaton-9px", "eaton-xups", "eaton_ups_output_voltage_volts", "1", 231.0, None),
    ("eaton-9px", "eaton-xups", "eaton_ups_input_frequency_hertz", "", 50.0, None),
    ("apc-ups-2", "apc-ups", "ups_output_source", "", 3.0, "normal"),  # inherited UPS-MIB
    ("apc-ups-2", "apc-ups", "apc_ups_output_status", "", 2.0, "onLine"),
    ("apc-ups-2", "apc-ups", "apc_ups_battery_runtime_seconds", "", 2100.0, None),
    ("apc-ups-2", "apc-ups", "apc_ups_battery_replace", "", 2.0, "batteryNeedsReplacing"),
    ("apc-ups-2", "apc-ups", "apc_ups_serial", "", None, "AS1234567890"),
    ("pdu-2", "pdu", "pdu_power_watts", "A04-PDU-L", 6130.0, None),
    ("pdu-2", "pdu", "pdu_energy_kwh", "A04-PDU-L", 18234.5, None),
    ("pdu-2", "pdu", "pdu_bank_load_state", "2", 3.0, "nearOverload"),
    ("pdu-2", "pdu", "pdu_bank_current_amperes", "2", 15.8, None),
    ("env-2", "env-sensor", "env_temperature_celsius", "Return air A04", 31.2, None),
    ("env-2", "env-sensor", "env_water_leak_status", "Water leak under CRAC-1", 4.0,
     "highCritical"),
    ("env-2", "env-sensor", "env_door_status", "Door A04 front", 2.0, "normal"),
    ("crac-1", "liebert-crac", "crac_supply_air_temperature_celsius", "", 17.9, None),
    ("crac-1", "liebert-crac", "crac_return_air_temperature_celsius", "", 24.6, None),
    ("crac-1", "liebert-crac", "crac_return_humidity_percent", "", 44.0, None),
    ("crac-1", "liebert-crac", "crac_unit_power", "", 1.0, "on"),
    ("crac-1", "liebert-crac", "crac_system_state", "", 3.0, "normalWithWarning"),
    ("crac-1", "liebert-crac", "crac_alarms_present", "", 1.0, None),
    ("huawei-sw-1", "huawei-switch", "switch_cpu_percent", "MPU Board 0", 17.0, None),
    ("huawei-sw-1", "huawei-switch", "switch_memory_percent", "MPU Board 0", 43.0, None),
    ("huawei-sw-1", "huawei-switch", "switch_temperature_celsius", "MPU Board 0", 41.0, None),
    ("huawei-sw-1", "huawei-switch", "entity_serial", "PWR1", None, "2102312FGS10K5000555"),
    ("huawei-sw-1", "huawei-switch", "entity_model", "PWR1", None, "PAC600S12-CB"),
    ("huawei-sw-1", "huawei-switch", "entity_class", "MPU Board 0", 9.0, "module"),
    ("h3c-sw-1", "h3c-switch", "switch_cpu_percent", "Board 1", 9.0, None),
    ("h3c-sw-1", "h3c-switch", "switch_memory_percent", "Board 1", 62.0, None),
    ("h3c-sw-1", "h3c-switch", "switch_temperature_celsius", "Board 1", 48.0, None),
    ("h3c-sw-1", "h3c-switch", "entity_serial", "Board 1", None, "210235A2DMH19A000013"),
    ("sensor-1", "entity-sensor", "entity_sensor_value", "PSU1 Voltage", 229.5, None),  # milli
    ("sensor-1", "entity-sensor", "entity_sensor_celsius", "Hotspot Temp Sensor", 45.5, None),
    ("sensor-1", "entity-sensor", "entity_sensor_type", "PSU1 Power", 6.0, "watts"),
    ("sensor-1", "entity-sensor", "entity_sensor_status", "Fan 1 Speed", 3.0, "nonoperational"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("recording", "profile", "metric", "instance", "value", "text"),
    VALUES,
    ids=[f"{v[0]}:{v[2]}[{v[3]}]" for v in VALUES],
)
def test_profile_reads_recording(
    recording: str, profile: str, metric: str, instance: str, value: float | None, text: str | None
) -> None:
    result = poll(recording, profile)
    found = {(s.instance): (s.value, s.text) for s in result.samples if s.metric == metric}
    assert found[instance] == (value, text)


CLEAN = sorted({(v[0], v[1]) for v in VALUES} - {("eaton-9px", "eaton-xups")})


@pytest.mark.parametrize(("recording", "profile"), CLEAN, ids=[c[0] for c in CLEAN])
def test_recording_parses_without_problems(recording: str, profile: str) -> None:
    assert poll(recording, profile).problems == ()


def test_row_filters_keep_only_matching_rows() -> None:
    temps = {s.instance for s in poll("sensor-1", "entity-sensor").samples
             if s.metric == "entity_sensor_celsius"}  # fmt: skip
    assert temps == {"Inlet Temp Sensor", "Hotspot Temp Sensor"}  # type 8 only
    boards = {s.instance for s in poll("huawei-sw-1", "huawei-switch").samples
              if s.metric == "switch_cpu_percent"}  # fmt: skip
    assert boards == {"MPU Board 0"}  # the chassis, slot and PSU rows report 0: left out
    serials = {s.instance for s in poll("huawei-sw-1", "huawei-switch").samples
               if s.metric == "entity_serial"}  # fmt: skip
    assert "SLOT 0" not in serials  # no serial: a container, not an asset
    leaks = {s.instance for s in poll("env-2", "env-sensor").samples
             if s.metric in ("env_water_leak_status", "env_door_status")}  # fmt: skip
    assert "Smoke detector" not in leaks


def test_if_mib_prefers_hc_counters() -> None:
    counters = {(c.metric, c.instance): c for c in poll("linux-host", "net-snmp-host").counters}
    eth0 = counters[("if_in_octets", "eth0")]
    assert (eth0.raw, eth0.width, eth0.limit) == (24167091249, 64, 100 * 125000.0)


def test_winxp_without_ifxtable_falls_back_to_32_bit_counters() -> None:
    """Regression: Windows XP's SNMP service has no ifXTable (real walk)."""
    result = poll("winxp-host", "windows-host")
    counters = {(c.metric, c.instance): c for c in result.counters}
    nic = counters[("if_in_octets", "Intel(R) PRO/Wireless 2200BG Network Connection")]
    assert (nic.raw, nic.width) == (911220674, 32)
    assert counters[("if_out_octets", "MS TCP Loopback interface")].width == 32
    # no ifName either: the instance is ifDescr (the NUL terminator stripped)
    assert result.problems == ()


def test_eaton_9px_partial_walk_without_system_group() -> None:
    """Regression: the real Eaton 9PX walk answers sysObjectID (MGE's 705.1) but no
    sysDescr/sysUpTime/sysName: those are unknown with a reason; the UPS values are read."""
    result = poll("eaton-9px", "eaton-xups")
    assert sorted(p.split("[")[0] for p in result.problems) == [
        "sys_descr", "sys_location", "sys_name", "sys_uptime_seconds"
    ]  # fmt: skip
    assert all("not in the reply" in p for p in result.problems)
    assert result.uptime_ticks is None
    assert {s.metric for s in result.samples if s.value is not None} >= {
        "eaton_ups_battery_capacity_percent", "eaton_ups_output_load_percent"
    }  # fmt: skip


def test_linux_host_load_15_uses_the_integer_column() -> None:
    """Regression: the real net-snmp walk says laLoad "0.03" but laLoadInt 2 (it rounds
    separately); the profile reads laLoadInt, so 0.02 is what the device meant to us."""
    loads = {s.instance: s.value for s in poll("linux-host", "net-snmp-host").samples
             if s.metric == "ucd_load_average"}  # fmt: skip
    assert loads == {"Load-1": 0.46, "Load-5": 0.13, "Load-15": 0.02}


INSPECTED = [
    ("ups-mib", {"ups_output_source", "ups_battery_status", "ups_battery_charge_percent",
                 "ups_output_load_percent"}),
    ("liebert-crac", {"crac_return_air_temperature_celsius", "crac_supply_air_temperature_celsius",
                      "crac_return_humidity_percent", "crac_unit_power", "crac_system_state",
                      "crac_alarms_present"}),
    ("h3c-switch", {"if_oper_status", "switch_cpu_percent", "switch_memory_percent",
                    "switch_temperature_celsius"}),
    ("system", set()),
]  # fmt: skip


@pytest.mark.parametrize(("profile", "names"), INSPECTED, ids=[i[0] for i in INSPECTED])
def test_inspection_metrics(profile: str, names: set[str]) -> None:
    assert set(PROFILES[profile].inspection_metrics()) == names


def test_every_non_base_profile_feeds_the_inspection() -> None:
    bases = {"system", "entity-inventory"}
    empty = [n for n, p in PROFILES.items() if n not in bases and not p.inspection_metrics()]
    assert empty == []


def test_ucd_disk_table() -> None:
    """The real Linux walk has no dskTable (no ``disk`` lines in its snmpd.conf): these are
    the columns net-snmp answers for ``disk / 10%`` (path, total kB, percent used)."""
    values = {
        **read_snmprec("linux-host"),
        "1.3.6.1.4.1.2021.9.1.2.1": b"/",
        "1.3.6.1.4.1.2021.9.1.6.1": 8656560,
        "1.3.6.1.4.1.2021.9.1.9.1": 77,
        "1.3.6.1.4.1.2021.9.1.2.2": b"/export",
        "1.3.6.1.4.1.2021.9.1.6.2": 384578164,
        "1.3.6.1.4.1.2021.9.1.9.2": 94,
    }
    result = parse(PROFILES["ucd-snmp"], "linux", values, TS)
    used = {s.instance: s.value for s in result.samples if s.metric == "ucd_disk_used_percent"}
    total = {s.instance: s.value for s in result.samples if s.metric == "ucd_disk_total_bytes"}
    assert used == {"/": 77.0, "/export": 94.0}
    assert total["/"] == 8656560 * 1024.0
    assert result.problems == ()
