from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.parse import Raw, decode_text, health_samples, parse
from collector.profiles import load_profiles

TS = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
PROFILES = load_profiles()

UPS_REPLY: dict[str, Raw] = {
    "1.3.6.1.2.1.1.1.0": b"Smart-UPS SRT 10000",
    "1.3.6.1.2.1.1.2.0": "1.3.6.1.4.1.318.1.3.27",
    "1.3.6.1.2.1.1.3.0": 12345,
    "1.3.6.1.2.1.1.5.0": b"ups-1",
    "1.3.6.1.2.1.1.6.0": "A101".encode("gb18030"),
    "1.3.6.1.2.1.33.1.4.1.0": 5,
    "1.3.6.1.2.1.33.1.2.1.0": 2,
    "1.3.6.1.2.1.33.1.2.2.0": 0,
    "1.3.6.1.2.1.33.1.2.3.0": 42,
    "1.3.6.1.2.1.33.1.2.4.0": 97,
    "1.3.6.1.2.1.33.1.2.5.0": 2184,
    "1.3.6.1.2.1.33.1.2.7.0": 27,
    "1.3.6.1.2.1.33.1.4.2.0": 500,
    "1.3.6.1.2.1.33.1.6.1.0": 0,
    "1.3.6.1.2.1.33.1.3.3.1.3.1": 229,
    "1.3.6.1.2.1.33.1.3.3.1.3.2": 231,
    "1.3.6.1.2.1.33.1.4.4.1.5.1": 33,
    "1.3.6.1.2.1.33.1.4.4.1.5.2": 41,
}


def values(result: object, metric: str) -> dict[str, tuple[float | None, str | None]]:
    return {s.instance: (s.value, s.text) for s in result.samples if s.metric == metric}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("ups_output_source", {"": (5.0, "battery")}),
        ("ups_battery_status", {"": (2.0, "normal")}),
        ("ups_battery_voltage_volts", {"": (218.4, None)}),  # scale 0.1, no float noise
        ("sys_uptime_seconds", {"": (123.45, None)}),  # TimeTicks are 1/100 s
        ("sys_descr", {"": (None, "Smart-UPS SRT 10000")}),
        ("sys_object_id", {"": (None, "1.3.6.1.4.1.318.1.3.27")}),
        ("ups_input_voltage_volts", {"1": (229.0, None), "2": (231.0, None)}),
        ("ups_output_load_percent", {"1": (33.0, None), "2": (41.0, None)}),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_ups_reply(metric: str, expected: dict[str, tuple[float | None, str | None]]) -> None:
    result = parse(PROFILES["ups-mib"], "ups-1", UPS_REPLY, TS)
    assert values(result, metric) == expected
    assert result.problems == ()
    assert result.uptime_ticks == 12345


def test_units_and_device_and_ts() -> None:
    result = parse(PROFILES["ups-mib"], "ups-1", UPS_REPLY, TS)
    load = next(s for s in result.samples if s.metric == "ups_output_load_percent")
    assert (load.device, load.unit, load.ts) == ("ups-1", "%", TS)


BAD_CELLS = [
    ("no-such-instance", None, "no such object/instance"),
    ("string-not-number", b"n/a", "expected a number"),
    ("bool", True, "expected a number"),
]


@pytest.mark.parametrize(("case", "raw", "reason"), BAD_CELLS, ids=[c[0] for c in BAD_CELLS])
def test_malformed_scalar_becomes_unknown_sample(case: str, raw: Raw, reason: str) -> None:
    reply = {**UPS_REPLY, "1.3.6.1.2.1.33.1.2.4.0": raw}
    result = parse(PROFILES["ups-mib"], "ups-1", reply, TS)
    (value, text) = values(result, "ups_battery_charge_percent")[""]
    assert value is None and text is not None and reason in text
    assert any("ups_battery_charge_percent" in p for p in result.problems)
    assert values(result, "ups_output_source")[""] == (5.0, "battery")  # the rest still parses


def test_scalar_absent_from_reply_is_unknown() -> None:
    reply = dict(UPS_REPLY)
    del reply["1.3.6.1.2.1.33.1.4.1.0"]
    result = parse(PROFILES["ups-mib"], "ups-1", reply, TS)
    assert values(result, "ups_output_source")[""] == (None, "unknown: not in the reply")


def test_numeric_string_is_accepted() -> None:
    reply = {**UPS_REPLY, "1.3.6.1.2.1.33.1.2.7.0": b" 26.5 "}
    result = parse(PROFILES["ups-mib"], "ups-1", reply, TS)
    assert values(result, "ups_battery_temperature_celsius")[""] == (26.5, None)


def test_unknown_enum_code_is_labelled() -> None:
    reply = {**UPS_REPLY, "1.3.6.1.2.1.33.1.4.1.0": 9}
    result = parse(PROFILES["ups-mib"], "ups-1", reply, TS)
    assert values(result, "ups_output_source")[""] == (9.0, "unknown(9)")


IF = "1.3.6.1.2.1.2.2.1."
IFX = "1.3.6.1.2.1.31.1.1.1."
SWITCH_REPLY: dict[str, Raw] = {
    "1.3.6.1.2.1.1.3.0": 500,
    IF + "7.1": 1,
    IF + "7.24": 1,
    IF + "7.30": 2,
    IF + "8.1": 1,
    IF + "8.24": 2,
    IF + "8.30": 2,
    IFX + "1.1": b"GigabitEthernet1/0/1",
    IFX + "1.24": b"GigabitEthernet1/0/24",
    IFX + "6.1": 1000,
    IFX + "6.24": 2**64 - 1,
    IFX + "6.30": -5,
    IFX + "10.1": 2000,
    IFX + "15.1": 1000,
    IFX + "18.24": b"uplink-core",
}


def test_interface_table_instances_are_if_names_with_index_fallback() -> None:
    result = parse(PROFILES["if-mib"], "switch-1", SWITCH_REPLY, TS)
    oper = values(result, "if_oper_status")
    assert oper == {
        "GigabitEthernet1/0/1": (1.0, "up"),
        "GigabitEthernet1/0/24": (2.0, "down"),
        "30": (2.0, "down"),
    }  # no ifName for row 30: the index stands in
    assert values(result, "if_alias") == {"GigabitEthernet1/0/24": (None, "uplink-core")}
    counters = {(c.metric, c.instance): c.raw for c in result.counters}
    assert counters == {
        ("if_in_octets", "GigabitEthernet1/0/1"): 1000,
        ("if_in_octets", "GigabitEthernet1/0/24"): 2**64 - 1,
        ("if_out_octets", "GigabitEthernet1/0/1"): 2000,
    }
    assert all(c.width == 64 and c.unit == "B/s" for c in result.counters)
    # a negative counter is bad device data: an unknown sample, not a crash
    assert values(result, "if_in_octets")["30"][0] is None
    # scalars of the system profile missing from this reply are unknown, not errors
    assert values(result, "sys_descr")[""][0] is None


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"plain", "plain"),
        ("机房".encode(), "机房"),
        ("机房".encode("gb18030"), "机房"),
        (b"\xff\xfe\xfa", "ÿþú"),
        (b"name\x00\x00", "name"),
        (b"rack\x00A1\x00junk", "rackA1junk"),
        (b"\x1b[1mUPS\x1b[0m\x07\x7f", "[1mUPS[0m"),
        (b"line 1\r\n\tline 2\n", "line 1\r\n\tline 2\n"),
        ("机\x00房".encode(), "机房"),
        ("机\x00房".encode("gb18030"), "机房"),
        ("a\u0085b".encode(), "ab"),
        (b"\xff\x85\x00z", "ÿz"),
        ("oid\x00", "oid"),
        (None, None),
        (7, "7"),
    ],
    ids=[
        "ascii",
        "utf8",
        "gb18030",
        "latin1",
        "nul-padded",
        "nul-inside",
        "escapes-bell-del",
        "tab-newline-kept",
        "utf8-nul",
        "gb18030-nul",
        "utf8-c1",
        "latin1-c1-nul",
        "str-nul",
        "none",
        "int",
    ],
)
def test_decode_text(raw: Raw, text: str | None) -> None:
    assert decode_text(raw) == text


def test_nul_in_a_device_string_never_becomes_sample_text() -> None:
    """A NUL inside sysDescr made every push of that agent fail on PostgreSQL (issue 11)."""
    reply = {**UPS_REPLY, "1.3.6.1.2.1.1.1.0": b"Smart-UPS\x00 SRT\x00\x0010000\x00"}
    result = parse(PROFILES["ups-mib"], "ups-1", reply, TS)
    assert values(result, "sys_descr") == {"": (None, "Smart-UPS SRT10000")}
    assert not any("\x00" in (s.text or "") + s.instance for s in result.samples)


def test_health_samples() -> None:
    up, took = health_samples("d", False, 1.2345678, TS, "timeout")
    assert (up.metric, up.value, up.text) == ("device_up", 0.0, "timeout")
    assert (took.metric, took.value, took.unit) == ("poll_duration_seconds", 1.234568, "s")


def _derived_profile() -> object:
    from collector.profiles import Profile

    return Profile.model_validate({
        "name": "derived", "title": {"zh": "派生", "en": "Derived"},
        "tables": [{"name": "t", "metrics": [
            {"name": "used_pct", "oid": "1.9.6", "percent_of": "1.9.5"},
            {"name": "used_bytes", "oid": "1.9.6", "multiply_by": "1.9.4"},
            {"name": "sensor", "oid": "1.9.14", "scale_column": "1.9.12",
             "precision_column": "1.9.13"},
        ]}],
    })  # fmt: skip


DERIVED = [
    # id, row values, metric, expected value (None = unknown with a reason)
    ("percent", {"1.9.6.1": 25, "1.9.5.1": 200}, "used_pct", 12.5),
    ("percent-of-zero", {"1.9.6.1": 25, "1.9.5.1": 0}, "used_pct", None),
    ("percent-total-missing", {"1.9.6.1": 25}, "used_pct", None),
    ("percent-total-text", {"1.9.6.1": 25, "1.9.5.1": b"lots"}, "used_pct", None),
    ("multiply", {"1.9.6.1": 3, "1.9.4.1": 4096}, "used_bytes", 12288.0),
    ("multiply-missing", {"1.9.6.1": 3}, "used_bytes", None),
    ("sensor-units", {"1.9.14.1": 27, "1.9.12.1": 9, "1.9.13.1": 0}, "sensor", 27.0),
    ("sensor-milli-precision", {"1.9.14.1": 2295, "1.9.12.1": 8, "1.9.13.1": 1}, "sensor",
     0.2295),
    ("sensor-kilo", {"1.9.14.1": 3, "1.9.12.1": 10, "1.9.13.1": 0}, "sensor", 3000.0),
    ("sensor-bad-scale", {"1.9.14.1": 27, "1.9.12.1": 99, "1.9.13.1": 0}, "sensor", None),
    ("sensor-bad-precision", {"1.9.14.1": 27, "1.9.12.1": 9, "1.9.13.1": 42}, "sensor", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "raw", "metric", "expected"), DERIVED, ids=[d[0] for d in DERIVED]
)
def test_derived_values(
    case: str, raw: dict[str, Raw], metric: str, expected: float | None
) -> None:
    result = parse(_derived_profile(), "d", raw, TS)  # type: ignore[arg-type]
    got = [s for s in result.samples if s.metric == metric]
    assert len(got) == 1
    assert got[0].value == expected
    if expected is None:
        assert got[0].text and got[0].text.startswith("unknown:")
        assert any(p.startswith(metric) for p in result.problems)
