"""Demo: every room gets the shipped inspection template (the demo wires this in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.inspection.templates import install_default
from store.models import Room


def seed(session: Session, now: datetime) -> None:
    for room in session.scalars(select(Room).order_by(Room.id)):
        install_default(session, room.id, now)
