"""The roster's background tick: flag the next month's roster when it is not published by
the 25th (R4.1: drafted before the 25th for the next month). Idempotent: one flag a month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.roster.patterns import due_state, next_month
from records.roster.service import get_month
from store import audit
from store.models_roster import RosterDueFlag


def next_month_state(session: Session, now: datetime) -> tuple[str, str]:
    """(next month "YYYY-MM", '' | 'due' | 'overdue') as of local ``now``."""
    today = now.astimezone().date()
    month = next_month(today)
    row = get_month(session, month)
    return month, due_state(today, row is not None and row.published_at is not None)


def tick(session: Session, now: datetime) -> None:
    month, state = next_month_state(session, now)
    if state != "overdue":
        return
    if session.scalars(select(RosterDueFlag).where(RosterDueFlag.month == month)).first():
        return
    flag = RosterDueFlag(month=month, flagged_at=now)
    session.add(flag)
    session.flush()
    audit.record(session, "system", "roster.overdue", "roster_month", month,
                 after={"month": month}, now=now)  # fmt: skip
