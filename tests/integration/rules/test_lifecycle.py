"""Alarm lifecycle on a real database: comment, close, suppress, priority, owner, context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.types import Severity
from rules.alarms import AlarmError, acknowledge
from rules.lifecycle import (
    SuppressMode,
    active_suppression,
    add_comment,
    close,
    device_context,
    set_owner,
    set_priority,
    suppress,
    timeline,
)
from rules.service import RuleRunner
from store.models import Alarm, AlarmComment, AuditEntry, RuleState
from tests.integration.rules.conftest import Factory, all_alarms, at, feed, kinds, tick


@pytest.fixture
def firing(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> tuple[Factory, RuleRunner, int]:
    runner = make_runner()
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, runner, 0)
    [alarm] = all_alarms(room_db)
    return room_db, runner, alarm.id


def actions(factory: Factory) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_comment_close_and_reopen_as_a_new_episode(firing: tuple[Factory, RuleRunner, int]) -> None:
    factory, runner, alarm_id = firing
    with factory() as s, s.begin():
        add_comment(s, alarm_id, "lisi", "电工已到场", at(10))
        close(s, alarm_id, "lisi", "市电已恢复，UPS 读数滞后", at(20))
    [alarm] = all_alarms(factory)
    assert (alarm.status, alarm.closed_by, alarm.close_reason, alarm.resolved_at) == (
        "resolved", "lisi", "市电已恢复，UPS 读数滞后", at(20)
    )  # fmt: skip
    assert kinds(factory, alarm_id) == ["fired", "closed"]
    assert actions(factory) == ["alarm.comment", "alarm.close"]
    with factory() as s:
        assert s.scalars(select(RuleState)).all() == []  # the rule starts over
        row = s.get(Alarm, alarm_id)
        assert row is not None
        assert [r[1:3] for r in timeline(s, row)] == [
            ("fired", "system"), ("comment", "lisi"), ("closed", "lisi")
        ]  # fmt: skip
    # the condition still holds: a new alarm, a new episode
    feed(factory, 30, ups_output_source=5)
    assert tick(factory, runner, 30).opened == 1
    assert [a.status for a in all_alarms(factory)] == ["resolved", "firing"]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s, i: add_comment(s, i, "u", "  ", at(1)), "a comment is required"),
        (lambda s, i: close(s, i, "u", "", at(1)), "a reason is required"),
        (lambda s, i: close(s, 999, "u", "x", at(1)), "alarm 999 does not exist"),
        (lambda s, i: set_priority(s, i, "u", 9, at(1)), "priority 9 is not valid"),
        (
            lambda s, i: suppress(s, i, "u", SuppressMode.UNTIL_TIME, "x", at(10), at(5)),
            "needs a time in the future",
        ),
        (lambda s, i: suppress(s, i, "u", SuppressMode.UNTIL_CLEAR, " ", at(1)), "a reason"),
    ],
    ids=["empty-comment", "close-no-reason", "unknown", "bad-priority", "past-until", "no-reason"],
)
def test_refusals(firing: tuple[Factory, RuleRunner, int], action, message: str) -> None:  # type: ignore[no-untyped-def]
    factory, _, alarm_id = firing
    with pytest.raises(AlarmError, match=message), factory() as s, s.begin():
        action(s, alarm_id)
    assert actions(factory) == []


def test_closed_alarm_refuses_changes(firing: tuple[Factory, RuleRunner, int]) -> None:
    factory, _, alarm_id = firing
    with factory() as s, s.begin():
        close(s, alarm_id, "u", "done", at(1))
    with pytest.raises(AlarmError, match="already resolved"), factory() as s, s.begin():
        close(s, alarm_id, "u", "again", at(2))
    with factory() as s, s.begin():  # a follow-up remark is still welcome
        add_comment(s, alarm_id, "u", "root cause: breaker", at(3))
        assert s.scalars(select(AlarmComment)).one().body == "root cause: breaker"


def test_priority_and_owner_are_recorded_once(firing: tuple[Factory, RuleRunner, int]) -> None:
    factory, _, alarm_id = firing
    with factory() as s, s.begin():
        set_priority(s, alarm_id, "lead", 1, at(1))
        set_priority(s, alarm_id, "lead", 1, at(2))  # no change, no history
        set_owner(s, alarm_id, "lead", "wangwu", at(3))
        set_owner(s, alarm_id, "lead", "", at(4))
    [alarm] = all_alarms(factory)
    assert (alarm.priority, alarm.owner) == (1, None)
    assert kinds(factory, alarm_id) == ["fired", "priority", "owner", "owner"]
    assert actions(factory) == ["alarm.priority", "alarm.owner", "alarm.owner"]


def test_suppress_until_time(firing: tuple[Factory, RuleRunner, int]) -> None:
    factory, _, alarm_id = firing
    with factory() as s, s.begin():
        suppress(s, alarm_id, "u", SuppressMode.UNTIL_TIME, "planned test", at(10), at(100))
    with factory() as s:
        alarm = s.get(Alarm, alarm_id)
        assert alarm is not None
        assert active_suppression(s, alarm, at(99)) is not None
        assert active_suppression(s, alarm, at(100)) is None


def test_suppress_until_severity_changes(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    for t, load in ((0, 70), (60, 70)):  # pending 60 s then firing (warning)
        feed(room_db, t, ups_output_load_percent=load)
        tick(room_db, runner, t)
    [alarm] = all_alarms(room_db)
    assert alarm.severity == Severity.WARNING
    with room_db() as s, s.begin():
        suppress(s, alarm.id, "u", SuppressMode.UNTIL_SEVERITY, "known", at(61))
    feed(room_db, 70, ups_output_load_percent=85)  # critical: the silence ends
    tick(room_db, runner, 70)
    with room_db() as s:
        row = s.get(Alarm, alarm.id)
        assert row is not None and row.severity == Severity.CRITICAL
        assert active_suppression(s, row, at(71)) is None
    assert kinds(room_db, alarm.id) == ["fired", "suppressed", "severity", "unsuppressed"]


def test_suppress_until_clear_ends_with_the_alarm(firing: tuple[Factory, RuleRunner, int]) -> None:
    factory, runner, alarm_id = firing
    with factory() as s, s.begin():
        suppress(s, alarm_id, "u", SuppressMode.UNTIL_CLEAR, "mains work", at(5))
        alarm = s.get(Alarm, alarm_id)
        assert alarm is not None and active_suppression(s, alarm, at(10**6)) is not None
    feed(factory, 10, ups_output_source=3)
    tick(factory, runner, 10)
    with factory() as s:
        alarm = s.get(Alarm, alarm_id)
        assert alarm is not None and alarm.status == "resolved"
        assert active_suppression(s, alarm, at(11)) is None


def test_device_context_and_unknown_device(room_db: Factory) -> None:
    with room_db() as s:
        ctx = device_context(s, "srv1")
        assert (ctx.room, ctx.room_title_zh, ctx.rack, ctx.position_u) == (
            "A101",
            "一号机房",
            "A01",
            20,
        )
        assert (ctx.vendor, ctx.model, ctx.device_type) == ("ACME", "M-server", "server")
        assert device_context(s, "nope").room == ""


def test_ack_after_close_refused(firing: tuple[Factory, RuleRunner, int]) -> None:
    factory, _, alarm_id = firing
    with factory() as s, s.begin():
        close(s, alarm_id, "u", "done", at(1))
    with pytest.raises(AlarmError), factory() as s, s.begin():
        acknowledge(s, alarm_id, "u", "late", at(2) + timedelta(seconds=1))
