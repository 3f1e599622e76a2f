"""Alarms: transitions of the engine become one alarm per rule × device × instance.

Functions take a Session and never commit; the caller owns the transaction
(``with factory() as s, s.begin():``). History (AlarmEvent) is written only on a change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import RoomwatchError
from core.types import Severity
from rules.engine import DeviceInfo, Reason, State, StateKey, Transition
from rules.spec import RuleSpec
from rules.summary import default_summary, render
from store import audit
from store.models import Alarm, AlarmEvent


class AlarmError(RoomwatchError):
    """An alarm action that cannot be done (unknown alarm, already resolved or acknowledged)."""


class AlarmStatus(enum.StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class ChangeKind(enum.StrEnum):
    OPENED = "opened"
    REFIRED = "refired"  # fired again while its alarm was still open (e.g. state was lost)
    SEVERITY = "severity"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlarmChange:
    """What happened to an alarm in one tick (what notifications will act on)."""

    alarm_id: int
    rule: str
    device: str
    instance: str
    kind: ChangeKind
    severity: Severity
    previous_severity: Severity | None
    at: datetime


def _open_alarm(session: Session, key: StateKey) -> Alarm | None:
    rule, device, instance = key
    return session.scalars(
        select(Alarm).where(
            Alarm.rule == rule,
            Alarm.device == device,
            Alarm.instance == instance,
            Alarm.status != AlarmStatus.RESOLVED.value,
        )
    ).one_or_none()


def _device_title(device: str, info: DeviceInfo | None, lang: str) -> str:
    if info is None:
        return device
    own = info.title_zh if lang == "zh" else info.title_en
    return own or info.title_en or info.title_zh or device


def _summaries(rule: RuleSpec | None, t: Transition, info: DeviceInfo | None) -> tuple[str, str]:
    """(zh, en) from the rule's templates, or its titles when it has none."""
    out = []
    for lang in ("zh", "en"):
        title = _device_title(t.device, info, lang)
        template = (rule.summary_zh if lang == "zh" else rule.summary_en) if rule else ""
        if template:
            out.append(render(template, t.device, title, t.instance, t.value, t.unit, t.threshold))
        else:
            rule_title = (rule.title_zh if lang == "zh" else rule.title_en) if rule else t.rule
            out.append(default_summary(rule_title, t.device, title, t.instance, t.value, t.unit))
    return out[0], out[1]


def _event(alarm: Alarm, at: datetime, kind: str, detail: str, value: float | None) -> None:
    alarm.events.append(AlarmEvent(ts=at, kind=kind, actor="system", detail=detail, value=value))


def _fire(
    session: Session, t: Transition, rule: RuleSpec | None, info: DeviceInfo | None
) -> AlarmChange | None:
    severity = t.severity or Severity.WARNING
    summary_zh, summary_en = _summaries(rule, t, info)
    alarm = _open_alarm(session, t.key)
    if alarm is None:
        alarm = Alarm(
            rule=t.rule,
            device=t.device,
            instance=t.instance,
            severity=int(severity),
            peak_severity=int(severity),
            status=AlarmStatus.FIRING.value,
            summary_zh=summary_zh,
            summary_en=summary_en,
            value=t.value,
            first_seen=t.at,
            last_seen=t.at,
            count=1,
        )
        session.add(alarm)
        _event(alarm, t.at, "fired", f"{t.reason}: {severity.label}", t.value)
        session.flush()
        return AlarmChange(
            alarm.id, t.rule, t.device, t.instance, ChangeKind.OPENED, severity, None, t.at
        )
    previous = Severity(alarm.severity)
    alarm.last_seen = t.at
    alarm.value = t.value
    alarm.summary_zh, alarm.summary_en = summary_zh, summary_en
    if t.reason is Reason.FIRED:
        alarm.count += 1
    if severity == previous:
        if t.reason is not Reason.FIRED:
            return None
        _event(alarm, t.at, "fired", f"fired again: {severity.label}", t.value)
        kind = ChangeKind.REFIRED
    else:
        alarm.severity = int(severity)
        alarm.peak_severity = max(alarm.peak_severity, int(severity))
        _event(alarm, t.at, "severity", f"{previous.label} → {severity.label}", t.value)
        kind = ChangeKind.SEVERITY
    session.flush()
    return AlarmChange(alarm.id, t.rule, t.device, t.instance, kind, severity, previous, t.at)


def _resolve(session: Session, t: Transition) -> AlarmChange | None:
    alarm = _open_alarm(session, t.key)
    if alarm is None:
        return None
    alarm.status = AlarmStatus.RESOLVED.value
    alarm.resolved_at = t.at
    alarm.last_seen = t.at
    alarm.value = t.value
    _event(alarm, t.at, "resolved", str(t.reason), t.value)
    session.flush()
    severity = Severity(alarm.severity)
    return AlarmChange(
        alarm.id, t.rule, t.device, t.instance, ChangeKind.RESOLVED, severity, severity, t.at
    )


def apply_transitions(
    session: Session,
    transitions: Iterable[Transition],
    rules_by_name: Mapping[str, RuleSpec],
    devices: Mapping[str, DeviceInfo],
    now: datetime,
) -> list[AlarmChange]:
    """Open, update or resolve alarms for the engine's transitions (others are ignored).

    FIRING opens one alarm per rule × device × instance, or updates the open one (a
    severity change is an AlarmEvent "severity"). FIRING/CLEARING → OK resolves it; a later fire
    opens a new alarm. PENDING ↔ OK never touches alarms. Times come from each
    transition's ``at`` (the tick's ``now``).
    """
    changes: list[AlarmChange] = []
    for t in transitions:
        change: AlarmChange | None = None
        if t.to_state is State.FIRING:
            change = _fire(session, t, rules_by_name.get(t.rule), devices.get(t.device))
        elif t.to_state is State.OK and t.from_state.active:  # firing or clearing → ok
            change = _resolve(session, t)
        if change is not None:
            changes.append(change)
    return changes


def touch_open_alarms(
    session: Session, values: Mapping[StateKey, float | None], now: datetime
) -> int:
    """Refresh last_seen and value of the open alarms still firing (no history rows)."""
    if not values:
        return 0
    touched = 0
    for alarm in session.scalars(select(Alarm).where(Alarm.status != AlarmStatus.RESOLVED.value)):
        key = (alarm.rule, alarm.device, alarm.instance)
        if key in values:
            alarm.last_seen = now
            alarm.value = values[key]
            touched += 1
    return touched


def _snapshot(alarm: Alarm) -> dict[str, object]:
    return {
        "status": alarm.status,
        "acked_by": alarm.acked_by,
        "acked_at": alarm.acked_at.isoformat() if alarm.acked_at else None,
        "ack_comment": alarm.ack_comment,
    }


def acknowledge(session: Session, alarm_id: int, actor: str, comment: str, now: datetime) -> Alarm:
    """Acknowledge an open alarm with a comment; audited. Raises AlarmError when refused."""
    comment = comment.strip()
    if not comment:
        raise AlarmError("a comment is required to acknowledge an alarm — say what is being done")
    alarm = session.get(Alarm, alarm_id, with_for_update=True)
    if alarm is None:
        raise AlarmError(f"alarm {alarm_id} does not exist — check the alarm number")
    if alarm.status == AlarmStatus.RESOLVED.value:
        raise AlarmError(f"alarm {alarm_id} is already resolved — nothing to acknowledge")
    if alarm.status == AlarmStatus.ACKNOWLEDGED.value:
        raise AlarmError(
            f"alarm {alarm_id} was already acknowledged by {alarm.acked_by} — add a comment instead"
        )
    before = _snapshot(alarm)
    alarm.status = AlarmStatus.ACKNOWLEDGED.value
    alarm.acked_by = actor
    alarm.acked_at = now
    alarm.ack_comment = comment
    alarm.events.append(
        AlarmEvent(ts=now, kind="acknowledged", actor=actor, detail=comment, value=alarm.value)
    )
    audit.record(
        session,
        actor,
        "alarm.acknowledge",
        "alarm",
        alarm.id,
        before=before,
        after=_snapshot(alarm),
        now=now,
    )
    session.flush()
    return alarm


def open_alarms(session: Session) -> list[Alarm]:
    """Alarms not resolved, worst severity first, then newest."""
    return list(
        session.scalars(
            select(Alarm)
            .where(Alarm.status != AlarmStatus.RESOLVED.value)
            .order_by(Alarm.severity.desc(), Alarm.first_seen.desc(), Alarm.id.desc())
        )
    )


def alarm_counts_by_device(session: Session) -> dict[str, tuple[Severity, int]]:
    """Device → (worst severity of its open alarms, number of open alarms)."""
    q = (
        select(Alarm.device, func.max(Alarm.severity), func.count(Alarm.id))
        .where(Alarm.status != AlarmStatus.RESOLVED.value)
        .group_by(Alarm.device)
    )
    return {device: (Severity(worst), int(n)) for device, worst, n in session.execute(q)}
