"""RuleRunner against a real database (SQLite and PostgreSQL): alarms open once, resolve,
are acknowledged with an audit entry, and survive a restart without duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.types import Sample, Severity
from rules.alarms import (
    AlarmError,
    AlarmStatus,
    ChangeKind,
    acknowledge,
    alarm_counts_by_device,
    open_alarms,
)
from rules.service import RuleRunner
from store import timeseries
from store.models import AuditEntry, Device, RuleState
from tests.integration.rules.conftest import Factory, at, tick
from tests.integration.rules.conftest import all_alarms as alarms
from tests.integration.rules.conftest import kinds as events


@pytest.fixture
def factory(sessions: Factory) -> Factory:
    with sessions() as s, s.begin():
        s.add(Device(name="ups1", device_type="ups", title_zh="1号UPS", title_en="UPS 1"))
        s.add(Device(name="sw1", device_type="switch", title_zh="核心交换机", title_en="Core"))
    return sessions


def feed(factory: Factory, t: float, **values: float) -> None:
    """Write UPS samples at T0 + t seconds (metric=value keyword arguments)."""
    with factory() as s, s.begin():
        timeseries.write_samples(
            s, [Sample("ups1", metric, "", value, at(t)) for metric, value in values.items()]
        )


@pytest.fixture
def runner() -> RuleRunner:
    return RuleRunner.from_paths([])  # the built-in pack


def test_on_battery_opens_one_alarm_and_ticks_do_not_duplicate(
    factory: Factory, runner: RuleRunner
) -> None:
    feed(factory, 0, ups_output_source=5, ups_output_load_percent=40)
    first = tick(factory, runner, 0)
    assert (first.opened, first.firing) == (1, 1)
    for t in (5, 10, 15):
        feed(factory, t, ups_output_source=5)
        report = tick(factory, runner, t)
        assert (report.opened, report.transitions, report.states_written) == (0, 0, 0)
    [alarm] = alarms(factory)
    assert (alarm.rule, alarm.device, alarm.status) == ("ups_on_battery", "ups1", "firing")
    assert alarm.severity == alarm.peak_severity == Severity.CRITICAL
    assert (alarm.first_seen, alarm.last_seen, alarm.count) == (at(0), at(15), 1)
    assert alarm.summary_zh == "1号UPS：输出切换为电池供电（市电中断），请立即检查市电"
    assert alarm.summary_en == "UPS 1: output on battery (mains lost), check mains power"
    assert events(factory, alarm.id) == ["fired"]


def test_back_to_normal_resolves_and_a_new_episode_opens_a_new_alarm(
    factory: Factory, runner: RuleRunner
) -> None:
    feed(factory, 0, ups_output_source=5)
    tick(factory, runner, 0)
    feed(factory, 10, ups_output_source=3)  # 3 = normal
    report = tick(factory, runner, 10)
    assert report.resolved == 1
    [alarm] = alarms(factory)
    assert (alarm.status, alarm.resolved_at, alarm.value) == ("resolved", at(10), 3)
    assert events(factory, alarm.id) == ["fired", "resolved"]
    assert open_alarms_of(factory) == []
    feed(factory, 20, ups_output_source=5)
    assert tick(factory, runner, 20).opened == 1
    assert [a.status for a in alarms(factory)] == ["resolved", "firing"]


def open_alarms_of(factory: Factory) -> list[tuple[str, str]]:
    with factory() as s:
        return [(a.rule, a.device) for a in open_alarms(s)]


def test_load_pending_escalation_hysteresis(factory: Factory, runner: RuleRunner) -> None:
    # pending 60 s, fires critical, de-escalates, held in the clear band (55..60), resolves
    timeline = [(0, 70), (30, 70), (60, 85), (70, 70), (80, 58), (90, 54)]
    open_after = [False, False, True, True, True, False]
    for (t, load), is_open in zip(timeline, open_after, strict=True):
        feed(factory, t, ups_output_load_percent=load)
        tick(factory, runner, t)
        assert bool(open_alarms_of(factory)) is is_open, t
    [alarm] = alarms(factory)
    assert (alarm.status, alarm.first_seen, alarm.resolved_at) == ("resolved", at(60), at(90))
    assert alarm.peak_severity == Severity.CRITICAL and alarm.severity == Severity.WARNING
    assert events(factory, alarm.id) == ["fired", "severity", "resolved"]
    assert alarm.summary_en == "UPS 1: load 70% above 60%"


def test_acknowledge_is_recorded_and_audited(factory: Factory, runner: RuleRunner) -> None:
    feed(factory, 0, ups_output_source=5)
    tick(factory, runner, 0)
    [alarm] = alarms(factory)
    with factory() as s, s.begin():
        acked = acknowledge(s, alarm.id, "zhangsan", "  已通知电工检查市电  ", at(30))
        assert acked.status == AlarmStatus.ACKNOWLEDGED
    [alarm] = alarms(factory)
    assert (alarm.acked_by, alarm.acked_at, alarm.ack_comment) == (
        "zhangsan", at(30), "已通知电工检查市电"
    )  # fmt: skip
    assert events(factory, alarm.id) == ["fired", "acknowledged"]
    with factory() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "alarm.acknowledge")).one()
    assert (entry.actor, entry.object_type, entry.object_id) == ("zhangsan", "alarm", str(alarm.id))
    assert entry.before is not None and entry.before["status"] == "firing"
    assert entry.after is not None and entry.after["status"] == "acknowledged"
    # still firing ticks keep it acknowledged and open; the next resolve closes it
    feed(factory, 40, ups_output_source=5)
    tick(factory, runner, 40)
    assert open_alarms_of(factory) == [("ups_on_battery", "ups1")]
    with factory() as s, s.begin(), pytest.raises(AlarmError, match="already acknowledged"):
        acknowledge(s, alarm.id, "lisi", "again", at(50))


@pytest.mark.parametrize(
    ("alarm_id", "comment", "words"),
    [(None, "ok", "already resolved"), (None, "   ", "comment is required"),
     (9999, "ok", "does not exist")],
    ids=["resolved", "empty-comment", "unknown-id"],
)  # fmt: skip
def test_acknowledge_refused(
    factory: Factory, runner: RuleRunner, alarm_id: int | None, comment: str, words: str
) -> None:
    feed(factory, 0, ups_output_source=5)
    tick(factory, runner, 0)
    feed(factory, 10, ups_output_source=3)
    tick(factory, runner, 10)
    [alarm] = alarms(factory)
    with factory() as s, s.begin(), pytest.raises(AlarmError, match=words):
        acknowledge(s, alarm_id or alarm.id, "zhangsan", comment, at(20))
    with factory() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == 0


def test_restart_continues_without_duplicates(factory: Factory) -> None:
    feed(factory, 0, ups_output_source=5, ups_output_load_percent=70)
    tick(factory, RuleRunner.from_paths([]), 0)  # on battery fires, load goes pending
    with factory() as s:
        states = {r.rule: r.state for r in s.scalars(select(RuleState))}
    assert states == {"ups_on_battery": "firing", "ups_load_high": "pending"}
    restarted = RuleRunner.from_paths([])
    feed(factory, 30, ups_output_source=5, ups_output_load_percent=70)
    report = tick(factory, restarted, 30)
    assert (report.opened, report.transitions) == (0, 0)
    again = RuleRunner.from_paths([])
    feed(factory, 60, ups_output_source=5, ups_output_load_percent=70)
    report = tick(factory, again, 60)  # the pending load rule fires at t0 + 60 s
    assert [(c.rule, c.kind) for c in report.changes] == [("ups_load_high", ChangeKind.OPENED)]
    assert sorted(a.rule for a in alarms(factory)) == ["ups_load_high", "ups_on_battery"]


def test_lost_state_with_open_alarm_does_not_duplicate(
    factory: Factory, runner: RuleRunner
) -> None:
    feed(factory, 0, ups_output_source=5)
    tick(factory, runner, 0)
    with factory() as s, s.begin():
        s.query(RuleState).delete()
    feed(factory, 10, ups_output_source=5)
    report = tick(factory, runner, 10)
    assert [c.kind for c in report.changes] == [ChangeKind.REFIRED]
    [alarm] = alarms(factory)
    assert alarm.count == 2


def test_open_alarms_order_and_counts_by_device(factory: Factory, runner: RuleRunner) -> None:
    feed(factory, 0, ups_output_load_percent=70)
    tick(factory, runner, 0)
    feed(factory, 60, ups_output_load_percent=70)
    tick(factory, runner, 60)  # warning
    feed(factory, 70, ups_output_source=5, ups_output_load_percent=70)
    tick(factory, runner, 70)  # critical, newer
    with factory() as s, s.begin():
        timeseries.write_samples(s, [Sample("sw1", "device_up", "", 0, at(70))])
    tick(factory, runner, 70)
    tick(factory, runner, 100)
    assert open_alarms_of(factory) == [
        ("device_unreachable", "sw1"), ("ups_on_battery", "ups1"), ("ups_load_high", "ups1")
    ]  # fmt: skip
    with factory() as s:
        assert alarm_counts_by_device(s) == {
            "ups1": (Severity.CRITICAL, 2), "sw1": (Severity.CRITICAL, 1)
        }  # fmt: skip


def test_scope_keeps_ups_rules_off_other_devices(factory: Factory, runner: RuleRunner) -> None:
    with factory() as s, s.begin():
        timeseries.write_samples(s, [Sample("sw1", "ups_output_source", "", 5, at(0))])
    assert tick(factory, runner, 0).opened == 0
