"""Escalation: an alarm not acknowledged within N minutes goes to the next level, by steps.

Who is on duty at a level comes through :class:`OnDuty` (one method). For now the
configured contact list fills it (``[notify] escalation_contacts = ["1:lead@example"]``);
the roster will provide another implementation later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ConfigError
from rules.alarms import AlarmStatus
from rules.notify.planner import Planned, add_notification, facts, quiet_reason, routed_channels
from rules.notify.templates import Kind, render
from store.models import Alarm, AlarmEvent, NotifyChannel


class OnDuty(Protocol):
    def contacts(self, level: int, now: datetime) -> list[str]: ...


class ConfiguredContacts:
    """Contacts per level from configuration entries "LEVEL:address"."""

    def __init__(self, entries: Sequence[str]) -> None:
        self._by_level: dict[int, list[str]] = {}
        for entry in entries:
            level, sep, address = entry.partition(":")
            if not sep or not level.strip().isdigit() or not address.strip():
                raise ConfigError(
                    f"notify.escalation_contacts entry {entry!r} is not LEVEL:address — "
                    'write it like "1:lead@example.com"'
                )
            self._by_level.setdefault(int(level), []).append(address.strip())

    def contacts(self, level: int, now: datetime) -> list[str]:
        return list(self._by_level.get(level, []))


def due_level(first_seen: datetime, now: datetime, steps_minutes: Sequence[float]) -> int:
    """How many escalation steps have elapsed since the alarm fired (pure)."""
    elapsed = now - first_seen
    return sum(1 for m in steps_minutes if elapsed >= timedelta(minutes=m))


def escalate(
    session: Session,
    now: datetime,
    steps_minutes: Sequence[float],
    on_duty: OnDuty,
    windows: Mapping[str, int],
) -> list[Planned]:
    """Raise the level of firing, unacknowledged, non-quiet alarms whose step is due."""
    if not steps_minutes:
        return []
    first_step = timedelta(minutes=min(steps_minutes))
    out: list[Planned] = []
    q = select(Alarm).where(
        Alarm.status == AlarmStatus.FIRING.value, Alarm.first_seen <= now - first_step
    )
    for alarm in session.scalars(q):
        level = due_level(alarm.first_seen, now, steps_minutes)
        if level <= alarm.escalation_level:
            continue
        if quiet_reason(session, alarm, windows, now) is not None:
            continue
        alarm.escalation_level = level
        alarm.escalated_at = now
        who = on_duty.contacts(level, now)
        alarm.events.append(
            AlarmEvent(
                ts=now,
                kind="escalated",
                actor="system",
                detail=f"level {level}: {', '.join(who) or '—'}",
                value=alarm.value,
            )
        )
        f = facts(session, alarm, now, level=level)
        channels = routed_channels(session, Kind.ESCALATION, alarm.severity, f.room, level, now)
        if not channels and who:  # contacts but no route at this level: mail them
            channels = list(
                session.scalars(
                    select(NotifyChannel.id).where(
                        NotifyChannel.enabled, NotifyChannel.kind == "smtp"
                    )
                )
            )[:1]
        out.append(
            add_notification(
                session,
                f"esc:{alarm.id}:{level}",
                Kind.ESCALATION,
                alarm.severity,
                now,
                render(Kind.ESCALATION, f, "zh"),
                render(Kind.ESCALATION, f, "en"),
                alarm_id=alarm.id,
                room=f.room,
                level=level,
                recipients=who,
                channels=channels,
            )
        )
    session.flush()
    return out
