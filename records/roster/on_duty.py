"""The rule engine's escalation contacts from the roster (rules.escalation.OnDuty).

Level 1 reaches the people on duty now, level 2 and above the supervisors; when the
roster names nobody with an address (no published roster, no emails), the configured
contacts answer instead, so an alarm always escalates somewhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records.roster.current import on_duty_now
from rules.escalation import OnDuty
from store.models import User


def addresses(session: Session, level: int, now: datetime) -> list[str]:
    """Roster addresses for an escalation level (empty when the roster has nobody)."""
    q = select(User.email).where(User.active.is_(True), User.email != "")
    if level <= 1:
        people = on_duty_now(session, now)
        if not people:
            return []
        q = q.where(User.username.in_(people))
    else:
        q = q.where(User.role == Role.SUPERVISOR.value)
    return sorted(set(session.scalars(q)))


class RosterOnDuty:
    def __init__(self, session_factory: sessionmaker[Session], fallback: OnDuty) -> None:
        self._sessions = session_factory
        self._fallback = fallback

    def contacts(self, level: int, now: datetime) -> list[str]:
        with self._sessions() as s:
            found = addresses(s, level, now)
        return found or self._fallback.contacts(level, now)
