"""Demo: the next shift change's handover is open, filled with what the demo room carries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from records.handover.schedule import roster
from records.handover.service import find, open_handover


def seed(session: Session, now: datetime) -> None:
    """Open the handover from the current roster slot to the next (idempotent)."""
    fns = roster()
    if fns is None:
        return
    slot_at, next_slot = fns
    outgoing, incoming = slot_at(session, now), next_slot(session, now)
    if outgoing is None or incoming is None:
        return
    if find(session, incoming.code, incoming.start) is None:
        open_handover(session, outgoing, incoming, now, opened_by="demo")
