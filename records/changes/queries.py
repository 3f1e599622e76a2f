"""What the change pages and the handover read: lists, conflicts, overdue verifications,
alarms outside the change, the calendar's windows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from records.changes.conflicts import Slot, conflict_map, conflicts_of
from records.changes.states import State
from rules.maintenance import active_windows
from store.models import Alarm
from store.models_changes import ChangeRequest

VERIFY_WITHIN = timedelta(days=7)  # 改动后一周内确认机器运行无误
# changes whose window still commits the devices (drafts and ended changes do not)
PLANNED = (State.SUBMITTED.value, State.APPROVED.value, State.IN_PROGRESS.value)


def changes(s: Session, state: str = "") -> list[ChangeRequest]:
    q = select(ChangeRequest).options(selectinload(ChangeRequest.devices))
    if state:
        q = q.where(ChangeRequest.state == state)
    return list(s.scalars(q.order_by(ChangeRequest.window_start.desc(), ChangeRequest.id.desc())))


def slot(row: ChangeRequest) -> Slot:
    devices = frozenset(d.device_id for d in row.devices)
    return Slot(row.id, devices, row.window_start, row.window_end)


def _planned(s: Session) -> list[ChangeRequest]:
    q = (select(ChangeRequest).options(selectinload(ChangeRequest.devices))
         .where(ChangeRequest.state.in_(PLANNED)))  # fmt: skip
    return list(s.scalars(q))


def all_conflicts(s: Session) -> dict[int, list[int]]:
    """Planned changes that share a device at overlapping times, each → the others."""
    return conflict_map(slot(r) for r in _planned(s))


def conflicts_for(s: Session, row: ChangeRequest) -> list[int]:
    """The planned changes this one collides with (it may itself be a draft)."""
    return conflicts_of(slot(row), (slot(r) for r in _planned(s)))


def verify_due(row: ChangeRequest) -> datetime | None:
    return row.implemented_at + VERIFY_WITHIN if row.implemented_at else None


def overdue(row: ChangeRequest, now: datetime) -> bool:
    """Implemented more than a week ago and not yet confirmed running normally."""
    due = verify_due(row)
    return row.state == State.IMPLEMENTED.value and due is not None and now > due


def alarms_outside(s: Session, row: ChangeRequest, now: datetime) -> list[Alarm]:
    """Open alarms on devices this change does not cover and no maintenance window quiets:
    while someone works, these may be a slip onto the wrong device."""
    covered = {d.device_name for d in row.devices} | set(active_windows(s, now))
    q = select(Alarm).where(Alarm.status != "resolved").order_by(Alarm.severity.desc(), Alarm.id)
    return [a for a in s.scalars(q) if a.device not in covered]


def in_range(s: Session, start: datetime, end: datetime) -> list[ChangeRequest]:
    """Changes whose window touches [start, end), cancelled ones left out."""
    q = (select(ChangeRequest).options(selectinload(ChangeRequest.devices))
         .where(ChangeRequest.window_start < end, ChangeRequest.window_end > start,
                ChangeRequest.state != State.CANCELLED.value)
         .order_by(ChangeRequest.window_start))  # fmt: skip
    return list(s.scalars(q))
