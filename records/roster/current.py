"""Who is on duty now, from the published rosters (drafts are not yet the roster).

The handover area opens a handover at each shift change with :func:`slot_at` and
:func:`next_slot`: they look at rotation shifts only; the day teams' support shifts run
beside the rotation and count in :func:`on_duty_now`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.duty import ShiftSlot
from store.models_roster import RosterMonth, RosterShift


def _published() -> Select[RosterShift]:
    return (
        select(RosterShift)
        .join(RosterMonth, RosterMonth.id == RosterShift.month_id)
        .where(RosterMonth.published_at.is_not(None))
    )


def _slot(rows: list[RosterShift]) -> ShiftSlot | None:
    if not rows:
        return None
    first = rows[0]
    same = [r for r in rows if (r.code, r.starts_at) == (first.code, first.starts_at)]
    return ShiftSlot(
        first.code, first.starts_at, first.ends_at, tuple(sorted({r.username for r in same}))
    )


def slot_at(session: Session, now: datetime) -> ShiftSlot | None:
    """The rotation shift occurrence covering ``now``, with its people (None: nobody)."""
    q = _published().where(
        RosterShift.support.is_(False), RosterShift.starts_at <= now, RosterShift.ends_at > now
    )
    return _slot(list(session.scalars(q.order_by(RosterShift.starts_at.desc()))))


def next_slot(session: Session, now: datetime) -> ShiftSlot | None:
    """The first rotation shift occurrence starting after ``now``."""
    q = _published().where(RosterShift.support.is_(False), RosterShift.starts_at > now)
    first = session.scalars(q.order_by(RosterShift.starts_at).limit(1)).first()
    if first is None:
        return None
    same = q.where(RosterShift.starts_at == first.starts_at, RosterShift.code == first.code)
    return _slot(list(session.scalars(same)))


def on_duty_now(session: Session, now: datetime) -> list[str]:
    """Usernames on any shift (rotation or day team) covering ``now``."""
    q = _published().where(RosterShift.starts_at <= now, RosterShift.ends_at > now)
    return sorted({r.username for r in session.scalars(q)})
