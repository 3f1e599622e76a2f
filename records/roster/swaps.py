"""Shift swaps (调班): a person asks, a supervisor approves or rejects (seed 000: 值班人员不得
私自调班,因特殊情况要调班,必须向主管申请). Every step is audited.

A swap exchanges the requester's shift on ``day`` with ``with_user``'s shift on
``with_day``: on one day the two exchange their shifts; on two days each takes the other's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.types import Role
from records.errors import RecordError
from records.roster.patterns import Cell, conflicts
from records.roster.service import cell_of
from store import audit
from store.models import User
from store.models_roster import RosterShift, RosterSwap

APPROVERS = (Role.SUPERVISOR.value, Role.ADMIN.value)


def _shift(session: Session, username: str, day: date) -> RosterShift | None:
    q = select(RosterShift).where(RosterShift.username == username, RosterShift.day == day)
    return session.scalars(q).first()


def _check(session: Session, requester: str, day: date, other: str, other_day: date) -> tuple[
    RosterShift, RosterShift
]:  # fmt: skip
    """The two shifts to exchange, or the reason the swap cannot be."""
    if requester == other:
        raise RecordError("roster.swap_self")
    mine = _shift(session, requester, day)
    if mine is None:
        raise RecordError("roster.swap_no_shift", name=requester, day=day.isoformat())
    theirs = _shift(session, other, other_day)
    if theirs is None:
        raise RecordError("roster.swap_no_shift", name=other, day=other_day.isoformat())
    if day == other_day and mine.code == theirs.code:
        raise RecordError("roster.swap_same")
    # the result must not put anyone in two places at once
    lo, hi = min(day, other_day) - timedelta(days=2), max(day, other_day) + timedelta(days=2)
    near = session.scalars(
        select(RosterShift).where(
            RosterShift.username.in_([requester, other]), RosterShift.day >= lo,
            RosterShift.day <= hi, RosterShift.id.not_in([mine.id, theirs.id]),
        )
    )  # fmt: skip
    a, b = cell_of(mine), cell_of(theirs)
    moved = [
        Cell(a.day, other, a.code, a.start, a.end, a.counted),
        Cell(b.day, requester, b.code, b.start, b.end, b.counted),
    ]
    clash = conflicts([cell_of(r) for r in near] + moved)
    if clash:
        raise RecordError("roster.two_places", name=clash[0][0], day=clash[0][1].isoformat())
    return mine, theirs


def request_swap(
    session: Session, requester: str, day: date, with_user: str, with_day: date, reason: str,
    now: datetime,
) -> RosterSwap:  # fmt: skip
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise RecordError("roster.swap_reason")
    if session.scalars(select(User.id).where(User.username == with_user)).first() is None:
        raise RecordError("roster.unknown_person", name=with_user)
    _check(session, requester, day, with_user, with_day)
    swap = RosterSwap(
        requester=requester, day=day, with_user=with_user, with_day=with_day, reason=reason,
        status="pending", created_at=now, decided_by="",
    )  # fmt: skip
    session.add(swap)
    session.flush()
    audit.record(
        session, requester, "roster.swap_request", "roster_swap", swap.id,
        after={"day": day.isoformat(), "with": with_user, "with_day": with_day.isoformat(),
               "reason": reason},
        now=now,
    )  # fmt: skip
    return swap


def decide(
    session: Session, swap_id: int, approve: bool, actor: str, role: str, now: datetime
) -> RosterSwap:
    """Approve (the shifts are exchanged) or reject a pending swap; supervisors only."""
    if role not in APPROVERS:
        raise RecordError("roster.cannot_approve")
    swap = session.get(RosterSwap, swap_id)
    if swap is None:
        raise RecordError("record.not_found")
    if swap.status != "pending":
        raise RecordError("roster.swap_decided")
    if actor in (swap.requester, swap.with_user):
        raise RecordError("roster.approve_own")
    if approve:
        mine, theirs = _check(session, swap.requester, swap.day, swap.with_user, swap.with_day)
        if mine.day == theirs.day:
            fields = ("code", "starts_at", "ends_at", "counted_minutes", "support")
            for f in fields:
                va, vb = getattr(mine, f), getattr(theirs, f)
                setattr(mine, f, vb)
                setattr(theirs, f, va)
        else:
            mine.username, theirs.username = swap.with_user, swap.requester
    swap.status = "approved" if approve else "rejected"
    swap.decided_at, swap.decided_by = now, actor
    session.flush()
    audit.record(
        session, actor, f"roster.swap_{swap.status}", "roster_swap", swap.id,
        before={"status": "pending"}, after={"status": swap.status}, now=now,
    )  # fmt: skip
    return swap


def swaps(session: Session, pending_only: bool = False, username: str = "") -> list[RosterSwap]:
    q = select(RosterSwap).order_by(RosterSwap.id.desc())
    if pending_only:
        q = q.where(RosterSwap.status == "pending")
    if username:
        q = q.where(or_(RosterSwap.requester == username, RosterSwap.with_user == username))
    return list(session.scalars(q.limit(200)))
