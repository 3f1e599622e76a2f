"""The searchable register: person, organisation, room and a date range (R5, history)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from records.access.forms import Search
from store.models import Room
from store.models_access import AccessEntry

LIMIT = 500


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def history(session: Session, f: Search, *, limit: int = LIMIT) -> list[tuple[AccessEntry, str]]:
    """Registrations matching ``f`` (requested within the dates, local days), newest first."""
    q = (select(AccessEntry, Room.name).join(Room, Room.id == AccessEntry.room_id)
         .options(selectinload(AccessEntry.items)))  # fmt: skip
    if f.person:
        q = q.where(AccessEntry.person.ilike(_like(f.person), escape="\\"))
    if f.organisation:
        q = q.where(AccessEntry.organisation.ilike(_like(f.organisation), escape="\\"))
    if f.room_id is not None:
        q = q.where(AccessEntry.room_id == f.room_id)
    if f.start is not None:
        q = q.where(AccessEntry.requested_at >= datetime.combine(f.start, time()).astimezone())
    if f.end is not None:
        end = datetime.combine(f.end + timedelta(days=1), time()).astimezone()
        q = q.where(AccessEntry.requested_at < end)
    q = q.order_by(AccessEntry.requested_at.desc(), AccessEntry.id.desc()).limit(limit)
    return [(e, name) for e, name in session.execute(q)]


def rooms(session: Session) -> list[Room]:
    return list(session.scalars(select(Room).order_by(Room.name)))
