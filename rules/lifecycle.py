"""What people do to an alarm: comment, close, suppress, set priority and owner.

Acknowledgement lives in :mod:`rules.alarms` (it predates this module). Every action here
writes one AlarmEvent (the alarm's timeline) and one audit entry (who, before, after), takes
the caller's Session and never commits. Refusals are :class:`rules.alarms.AlarmError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rules.alarms import AlarmError, AlarmStatus
from store import audit
from store.models import (
    Alarm,
    AlarmComment,
    AlarmEvent,
    AlarmSuppression,
    Device,
    Rack,
    Room,
    RuleState,
)

MAX_TEXT = 2000
PRIORITIES = (1, 2, 3, 4)  # 1 = highest


class SuppressMode(enum.StrEnum):
    UNTIL_TIME = "until_time"
    UNTIL_CLEAR = "until_clear"
    UNTIL_SEVERITY = "until_severity"


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """Where an alarm's device is and what it is (serial/warranty arrive with the ledger)."""

    room: str = ""
    room_title_zh: str = ""
    room_title_en: str = ""
    rack: str = ""
    position_u: int | None = None
    vendor: str = ""
    model: str = ""
    device_type: str = ""


def _text(value: str, what: str, fix: str) -> str:
    value = value.strip()
    if not value:
        raise AlarmError(f"a {what} is required — {fix}")
    return value[:MAX_TEXT]


def _alarm(session: Session, alarm_id: int, *, open_only: bool = True) -> Alarm:
    alarm = session.get(Alarm, alarm_id, with_for_update=True)
    if alarm is None:
        raise AlarmError(f"alarm {alarm_id} does not exist — check the alarm number")
    if open_only and alarm.status == AlarmStatus.RESOLVED.value:
        raise AlarmError(f"alarm {alarm_id} is already resolved — nothing to change")
    return alarm


def _event(alarm: Alarm, now: datetime, kind: str, actor: str, detail: str) -> None:
    alarm.events.append(
        AlarmEvent(ts=now, kind=kind, actor=actor, detail=detail, value=alarm.value)
    )


def add_comment(
    session: Session, alarm_id: int, actor: str, body: str, now: datetime
) -> AlarmComment:
    """A remark on any alarm (also a resolved one: follow-up notes)."""
    body = _text(body, "comment", "write what was seen or done")
    alarm = _alarm(session, alarm_id, open_only=False)
    comment = AlarmComment(alarm_id=alarm.id, ts=now, author=actor, body=body)
    session.add(comment)
    audit.record(session, actor, "alarm.comment", "alarm", alarm.id, after={"body": body}, now=now)
    session.flush()
    return comment


def close(session: Session, alarm_id: int, actor: str, reason: str, now: datetime) -> Alarm:
    """Close an open alarm by hand with a reason.

    The rule's state is reset, so a condition that still holds raises a new alarm on the
    next tick (a new episode): closing hides nothing that is still wrong.
    """
    reason = _text(reason, "reason", "say why the alarm is closed by hand")
    alarm = _alarm(session, alarm_id)
    before = {"status": alarm.status}
    alarm.status = AlarmStatus.RESOLVED.value
    alarm.resolved_at = now
    alarm.closed_by = actor
    alarm.close_reason = reason
    _event(alarm, now, "closed", actor, reason)
    _lift_all(session, alarm, now)
    session.execute(
        delete(RuleState).where(
            RuleState.rule == alarm.rule,
            RuleState.device == alarm.device,
            RuleState.instance == alarm.instance,
        )
    )
    audit.record(
        session,
        actor,
        "alarm.close",
        "alarm",
        alarm.id,
        before=before,
        after={"status": alarm.status, "close_reason": reason},
        now=now,
    )
    session.flush()
    return alarm


def suppress(
    session: Session,
    alarm_id: int,
    actor: str,
    mode: SuppressMode,
    reason: str,
    now: datetime,
    until: datetime | None = None,
) -> AlarmSuppression:
    """Silence an open alarm's notifications (it stays listed and recorded)."""
    reason = _text(reason, "reason", "say why the alarm may stay quiet")
    if mode is SuppressMode.UNTIL_TIME:
        if until is None or until <= now:
            raise AlarmError("suppress until a time needs a time in the future — pick a later one")
    else:
        until = None
    alarm = _alarm(session, alarm_id)
    _lift_all(session, alarm, now)
    row = AlarmSuppression(
        alarm_id=alarm.id,
        mode=mode.value,
        until=until,
        severity_at=alarm.severity,
        reason=reason,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    detail = f"{mode.value}{' ' + until.isoformat() if until else ''}: {reason}"
    _event(alarm, now, "suppressed", actor, detail)
    audit.record(
        session,
        actor,
        "alarm.suppress",
        "alarm",
        alarm.id,
        after={"mode": mode.value, "until": until.isoformat() if until else None, "reason": reason},
        now=now,
    )
    session.flush()
    return row


def _lift_all(session: Session, alarm: Alarm, now: datetime) -> None:
    for row in session.scalars(
        select(AlarmSuppression).where(
            AlarmSuppression.alarm_id == alarm.id, AlarmSuppression.lifted_at.is_(None)
        )
    ):
        row.lifted_at = now


def is_suppressed(row: AlarmSuppression, alarm: Alarm, now: datetime) -> bool:
    """Whether one suppression still silences the alarm (pure over the two rows)."""
    if row.lifted_at is not None or alarm.status == AlarmStatus.RESOLVED.value:
        return False
    if row.mode == SuppressMode.UNTIL_TIME.value:
        return row.until is not None and now < row.until
    if row.mode == SuppressMode.UNTIL_SEVERITY.value:
        return alarm.severity == row.severity_at
    return True  # until clear: as long as the alarm is open


def active_suppression(session: Session, alarm: Alarm, now: datetime) -> AlarmSuppression | None:
    rows = session.scalars(
        select(AlarmSuppression).where(
            AlarmSuppression.alarm_id == alarm.id, AlarmSuppression.lifted_at.is_(None)
        )
    )
    for row in rows:
        if is_suppressed(row, alarm, now):
            return row
    return None


def lift_on_severity_change(session: Session, alarm: Alarm, now: datetime) -> bool:
    """End 'until severity changes' suppressions whose severity is no longer the alarm's."""
    lifted = False
    for row in session.scalars(
        select(AlarmSuppression).where(
            AlarmSuppression.alarm_id == alarm.id,
            AlarmSuppression.lifted_at.is_(None),
            AlarmSuppression.mode == SuppressMode.UNTIL_SEVERITY.value,
        )
    ):
        if row.severity_at != alarm.severity:
            row.lifted_at = now
            _event(alarm, now, "unsuppressed", "system", "severity changed")
            lifted = True
    return lifted


def set_priority(
    session: Session, alarm_id: int, actor: str, priority: int, now: datetime
) -> Alarm:
    if priority not in PRIORITIES:
        raise AlarmError(f"priority {priority} is not valid — use 1 (highest) to 4")
    alarm = _alarm(session, alarm_id)
    if alarm.priority == priority:
        return alarm
    before = {"priority": alarm.priority}
    alarm.priority = priority
    _event(alarm, now, "priority", actor, f"P{before['priority']} → P{priority}")
    audit.record(
        session,
        actor,
        "alarm.priority",
        "alarm",
        alarm.id,
        before=before,
        after={"priority": priority},
        now=now,
    )
    session.flush()
    return alarm


def set_owner(session: Session, alarm_id: int, actor: str, owner: str, now: datetime) -> Alarm:
    """Give the alarm an owner (a user name); an empty owner releases it."""
    owner = owner.strip()[:100]
    alarm = _alarm(session, alarm_id)
    if (alarm.owner or "") == owner:
        return alarm
    before = {"owner": alarm.owner}
    alarm.owner = owner or None
    _event(alarm, now, "owner", actor, f"{before['owner'] or '—'} → {owner or '—'}")
    audit.record(
        session,
        actor,
        "alarm.owner",
        "alarm",
        alarm.id,
        before=before,
        after={"owner": alarm.owner},
        now=now,
    )
    session.flush()
    return alarm


def device_context(session: Session, device: str) -> DeviceContext:
    """The physical context of an alarm's device; empty when it is not in the ledger."""
    row = session.execute(
        select(Device, Room, Rack)
        .outerjoin(Room, Device.room_id == Room.id)
        .outerjoin(Rack, Device.rack_id == Rack.id)
        .where(Device.name == device)
    ).one_or_none()
    if row is None:
        return DeviceContext()
    d, room, rack = row
    return DeviceContext(
        room=room.name if room else "",
        room_title_zh=room.title_zh if room else "",
        room_title_en=room.title_en if room else "",
        rack=rack.name if rack else "",
        position_u=d.position_u,
        vendor=d.vendor,
        model=d.model,
        device_type=d.device_type,
    )


def timeline(session: Session, alarm: Alarm) -> list[tuple[datetime, str, str, str]]:
    """(ts, kind, actor, detail) of the alarm's events and comments, oldest first."""
    rows = [(e.ts, e.kind, e.actor, e.detail) for e in alarm.events]
    comments = session.scalars(
        select(AlarmComment).where(AlarmComment.alarm_id == alarm.id).order_by(AlarmComment.id)
    )
    rows += [(c.ts, "comment", c.author, c.body) for c in comments]
    return sorted(rows, key=lambda r: r[0])
