"""The time-series store on SQLite and PostgreSQL (same code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from core.types import Sample
from store import timeseries
from store.models import RawSample

T0 = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def _s(metric: str, value: float | None, dt: float = 0, **kw: str) -> Sample:
    return Sample("ups-1", metric, kw.get("instance", ""), value, T0 + timedelta(seconds=dt),
                  unit=kw.get("unit", ""), text=kw.get("text"))  # fmt: skip


def test_latest_is_the_newest_and_raw_keeps_all(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        stored = timeseries.write_samples(
            s,
            [_s("ups_output_load_percent", 30, 0, unit="%"), _s("ups_output_load_percent", 35, 10)],
        )
    assert stored == 2
    with sessions() as s:
        latest = timeseries.latest(s)
        assert latest[("ups-1", "ups_output_load_percent", "")].value == 35
        assert latest[("ups-1", "ups_output_load_percent", "")].ts == T0 + timedelta(seconds=10)
        points = timeseries.history(s, "ups-1", "ups_output_load_percent", "", T0)
        assert [v for _, v in points] == [30, 35]


def test_replayed_old_batch_never_overwrites_newer_latest(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        timeseries.write_samples(s, [_s("ups_battery_charge_percent", 100, 60)])
    with sessions() as s, s.begin():  # a spooled batch from before arrives late
        timeseries.write_samples(s, [_s("ups_battery_charge_percent", 80, 0)])
    with sessions() as s:
        assert timeseries.latest(s)[("ups-1", "ups_battery_charge_percent", "")].value == 100
        assert s.scalar(select(func.count()).select_from(RawSample)) == 2


def test_text_values_instances_and_filters(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        timeseries.write_samples(s, [
            _s("sys_descr", None, text="UPS 10kVA"),
            _s("ups_input_voltage_volts", 221.5, instance="1", unit="V"),
            _s("ups_input_voltage_volts", 219.0, instance="2", unit="V"),
        ])  # fmt: skip
    with sessions() as s:
        assert timeseries.latest(s)[("ups-1", "sys_descr", "")].text == "UPS 10kVA"
        volts = timeseries.latest(s, metrics=["ups_input_voltage_volts"])
        assert {k[2]: v.value for k, v in volts.items()} == {"1": 221.5, "2": 219.0}
        assert timeseries.latest(s, devices=["nope"]) == {}


def test_timestamps_come_back_aware_utc(sessions: sessionmaker[Session]) -> None:
    shanghai = T0.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    with sessions() as s, s.begin():
        timeseries.write_samples(
            s, [Sample("env-1", "env_temperature_celsius", "", 24.0, shanghai)]
        )
    with sessions() as s:
        got = timeseries.latest(s)[("env-1", "env_temperature_celsius", "")].ts
        assert got == T0 and got.tzinfo is not None


def test_failed_batch_stores_nothing(sessions: sessionmaker[Session]) -> None:
    bad = [
        _s("ups_output_load_percent", 30),
        Sample("ups-1", "x", "", 1.0, T0.replace(tzinfo=None)),
    ]
    with pytest.raises(StatementError, match="naive datetime"), sessions() as s, s.begin():
        timeseries.write_samples(s, bad)
    with sessions() as s:
        assert timeseries.latest(s) == {}


def test_prune_raw_keeps_recent(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        timeseries.write_samples(s, [_s("m", 1, 0), _s("m", 2, 3600), _s("m", 3, 7200)])
    with sessions() as s, s.begin():
        assert timeseries.prune_raw(s, T0 + timedelta(seconds=3600)) == 1
    with sessions() as s:
        assert [v for _, v in timeseries.history(s, "ups-1", "m", "", T0)] == [2, 3]
        assert timeseries.latest(s)[("ups-1", "m", "")].value == 3


def test_sqlite_runs_in_wal_mode(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
