"""The inspection scheduler, run by the server every 30 s (records.ticks).

Idempotent: each round's sheet has a unique slot key, an on-site check is opened once per
incident (records.inspection.incidents), and an overdue sheet is flagged once; calling
twice at the same ``now`` does nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.inspection import incidents
from records.inspection.rounds import current_round, parse_rounds, slot_key
from records.inspection.sheets import fill_waiting, open_sheet
from store import audit
from store.models import Room
from store.models_inspection import InspectionSheet, InspectionTemplate

log = logging.getLogger(__name__)


def _exists(session: Session, slot: str) -> bool:
    return (
        session.scalar(select(InspectionSheet.id).where(InspectionSheet.slot == slot)) is not None
    )


def open_due_rounds(session: Session, now: datetime, tz: tzinfo | None = None) -> list[int]:
    """Open the sheet of each room's current round when it is not open yet."""
    opened = []
    for tpl, room in session.execute(
        select(InspectionTemplate, Room).join(Room, Room.id == InspectionTemplate.room_id)
    ):
        try:
            rounds = parse_rounds(tpl.schedule)
        except ValueError:
            log.warning("inspection schedule of room %s is not valid: %r", room.name, tpl.schedule)
            continue
        start = current_round(rounds, now.astimezone(tz))
        if start is None:
            continue
        slot = slot_key(room.name, start)
        if not _exists(session, slot):
            opened.append(open_sheet(session, room, now, kind="scheduled", slot=slot).id)
    return opened


def open_onsite_checks(session: Session, now: datetime) -> list[int]:
    """Critical alarms ask for an on-site check (R3.6): one sheet per incident, closed as
    not needed when its alarms clear before anyone started it (records.inspection.incidents)."""
    return incidents.tick(session, now)


def flag_overdue(session: Session, now: datetime) -> list[int]:
    """Mark sheets not signed in time, once each, with an audit entry for the supervisor."""
    flagged = []
    for sheet in session.scalars(
        select(InspectionSheet).where(
            InspectionSheet.signed_at.is_(None),
            InspectionSheet.closed_at.is_(None),
            InspectionSheet.due_by < now,
            InspectionSheet.overdue_flagged_at.is_(None),
        )
    ):
        sheet.overdue_flagged_at = now
        audit.record(session, "system", "inspection.overdue", "inspection", sheet.id, now=now)
        flagged.append(sheet.id)
    return flagged


def fill_open_sheets(session: Session, now: datetime) -> int:
    """Readings that arrived since an open sheet was made fill its waiting items."""
    sheets = session.scalars(
        select(InspectionSheet).where(
            InspectionSheet.signed_at.is_(None), InspectionSheet.closed_at.is_(None)
        )
    )
    return sum(fill_waiting(session, sheet, now) for sheet in sheets)


def tick(session: Session, now: datetime, tz: tzinfo | None = None) -> None:
    open_due_rounds(session, now, tz)
    open_onsite_checks(session, now)
    fill_open_sheets(session, now)
    flag_overdue(session, now)
