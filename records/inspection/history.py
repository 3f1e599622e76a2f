"""Finding sheets: history by room, date and result; overdue sheets for the supervisor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Room
from store.models_inspection import InspectionSheet

RESULTS = ("pending", "pass", "abnormal", "not_needed")
PAGE = 200


@dataclass(frozen=True, slots=True)
class Query:
    room_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None
    result: str = ""  # "" | pending | pass | abnormal | not_needed
    signed: str = ""  # "" | yes | no


def _start(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone()


def search(
    session: Session, q: Query, tz: tzinfo | None = None, limit: int = PAGE
) -> list[tuple[InspectionSheet, Room]]:
    """Sheets matching the query, newest first; days are local days of the duty room."""
    tz = tz or datetime.now().astimezone().tzinfo
    stmt = select(InspectionSheet, Room).join(Room, Room.id == InspectionSheet.room_id)
    if q.room_id is not None:
        stmt = stmt.where(InspectionSheet.room_id == q.room_id)
    if q.day_from is not None:
        stmt = stmt.where(InspectionSheet.opened_at >= _start(q.day_from, tz))
    if q.day_to is not None:
        stmt = stmt.where(InspectionSheet.opened_at < _start(q.day_to + timedelta(days=1), tz))
    if q.result in RESULTS:
        stmt = stmt.where(InspectionSheet.result == q.result)
    if q.signed == "yes":
        stmt = stmt.where(InspectionSheet.signed_at.is_not(None))
    elif q.signed == "no":
        stmt = stmt.where(InspectionSheet.signed_at.is_(None), InspectionSheet.closed_at.is_(None))
    stmt = stmt.order_by(InspectionSheet.opened_at.desc(), InspectionSheet.id.desc()).limit(limit)
    return [(s, r) for s, r in session.execute(stmt)]


def overdue(session: Session, now: datetime) -> list[tuple[InspectionSheet, Room]]:
    """Sheets not signed by their due time, oldest first (flagged to the supervisor)."""
    stmt = (
        select(InspectionSheet, Room)
        .join(Room, Room.id == InspectionSheet.room_id)
        .where(
            InspectionSheet.signed_at.is_(None),
            InspectionSheet.closed_at.is_(None),
            InspectionSheet.due_by < now,
        )
        .order_by(InspectionSheet.due_by)
    )
    return [(s, r) for s, r in session.execute(stmt)]


def open_sheets(session: Session) -> list[tuple[InspectionSheet, Room]]:
    stmt = (
        select(InspectionSheet, Room)
        .join(Room, Room.id == InspectionSheet.room_id)
        .where(InspectionSheet.signed_at.is_(None), InspectionSheet.closed_at.is_(None))
        .order_by(InspectionSheet.opened_at)
    )
    return [(s, r) for s, r in session.execute(stmt)]
