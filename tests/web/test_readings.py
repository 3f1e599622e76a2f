"""Device cards' status and key readings, and value formatting (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.types import Sample
from dashboard.formatting import number, sample_value, with_unit
from dashboard.overview.readings import Reading, device_status, key_readings

NOW = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)


def _s(metric: str, value: float | None, instance: str = "", age: float = 5, **kw: str) -> Sample:
    return Sample("d", metric, instance, value, NOW - timedelta(seconds=age), **kw)


def _by_key(*samples: Sample) -> dict[tuple[str, str], Sample]:
    return {(s.metric, s.instance): s for s in samples}


@pytest.mark.parametrize(
    ("samples", "enabled", "state"),
    [
        ((), True, "nodata"),
        ((_s("device_up", 1),), True, "up"),
        ((_s("device_up", 0),), True, "down"),
        ((_s("device_up", 1, age=91),), True, "stale"),
        ((_s("device_up", 1, age=89),), True, "up"),
        ((_s("device_up", 1),), False, "disabled"),
        ((_s("if_in_octets", 1),), True, "nodata"),
    ],
    ids=["no-samples", "up", "down", "stale-past-3-intervals", "fresh", "disabled", "no-up-metric"],
)
def test_device_status(samples: tuple[Sample, ...], enabled: bool, state: str) -> None:
    assert device_status(_by_key(*samples), 30, NOW, enabled).state == state


@pytest.mark.parametrize(
    ("kind", "samples", "expected"),
    [
        (
            "ups",
            (
                _s("ups_output_source", 3),
                _s("ups_output_load_percent", 12, "1", unit="%"),
                _s("ups_output_load_percent", 31, "2", unit="%"),
            ),
            [Reading("reading.ups_source", "市电"), Reading("reading.ups_load", "31%")],
        ),
        (
            "ups",
            (_s("ups_output_source", 5, text="battery"),),
            [Reading("reading.ups_source", "电池", "crit")],
        ),
        (
            "switch",
            (
                _s("if_oper_status", 1, "uplink0"),
                _s("if_oper_status", 1, "p2"),
                _s("if_in_octets", 5e9, "p2", unit="bps"),
                _s("if_in_octets", 1e3, "uplink0", unit="bps"),
            ),
            [
                Reading("reading.ports_up", "2 / 2"),
                Reading("reading.uplink_in", "1 kbit/s", note="uplink0"),
                Reading("reading.uplink_out", "—", note="uplink0"),
            ],
        ),
        (
            "sensor",
            (_s("env_humidity_percent", 51.26, "a", unit="%"),),
            [Reading("reading.humidity", "51.3%")],
        ),
        (
            "server",
            (
                _s("host_disk_used_percent", 70, "/", unit="%"),
                _s("host_disk_used_percent", 91, "/var", unit="%"),
            ),
            [Reading("reading.disk", "91%")],
        ),
        ("unknown-kind", (), []),
    ],
    ids=[
        "ups-mains",
        "ups-on-battery",
        "switch-named-uplink",
        "sensor",
        "host-worst-disk",
        "empty",
    ],
)
def test_key_readings(kind: str, samples: tuple[Sample, ...], expected: list[Reading]) -> None:
    assert key_readings(kind, _by_key(*samples)) == expected


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (42.0, "%", "42%"),
        (23.456, "celsius", "23.5°C"),
        (1_250_000, "bps", "1.25 Mbit/s"),
        (38, "min", "38 min"),
        (229.5, "V", "229.5 V"),
        (0.125, "", "0.12"),
        (7, "", "7"),
    ],
)
def test_with_unit(value: float, unit: str, text: str) -> None:
    assert with_unit(value, unit) == text


def test_sample_value_prefers_enum_text() -> None:
    assert sample_value(_s("ups_output_source", 5, text="battery")) == "电池"
    assert sample_value(_s("sys_descr", None, text="Smart-UPS")) == "Smart-UPS"
    assert sample_value(_s("x", None)) == "—"
    assert number(float("inf")) == "inf"
