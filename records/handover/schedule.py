"""The handover tick: open the handover of the next shift change from the roster's slots.

Run every 30 s by the server (records/ticks.py); idempotent, since a handover is found by
the incoming slot's code and start; an open draft's carried-over items are refreshed.
Without the roster area (not installed yet, or no slot for now) it does nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.duty import ShiftSlot
from records.handover.service import find, open_handover, refresh_items

OPEN_BEFORE = timedelta(minutes=60)  # the sheet is there before the incoming arrives

SlotFn = Callable[[Session, datetime], ShiftSlot | None]


def roster() -> tuple[SlotFn, SlotFn] | None:
    """The roster's ``slot_at`` and ``next_slot``, or None when the roster is missing."""
    try:
        mod = importlib.import_module("records.roster.current")
        return mod.slot_at, mod.next_slot
    except (ImportError, AttributeError):
        return None


def due(outgoing: ShiftSlot | None, incoming: ShiftSlot | None, now: datetime) -> bool:
    """Whether the handover between these slots should be open at ``now``."""
    if outgoing is None or incoming is None or outgoing == incoming or not outgoing.people:
        return False  # nobody on the outgoing slot: nobody could sign its handover
    return incoming.start - OPEN_BEFORE <= now <= incoming.start + timedelta(hours=2)


def tick(session: Session, now: datetime) -> None:
    fns = roster()
    if fns is None:
        return
    slot_at, next_slot = fns
    outgoing, incoming = slot_at(session, now), next_slot(session, now)
    if outgoing is None or incoming is None or not due(outgoing, incoming, now):
        return
    row = find(session, incoming.code, incoming.start)
    if row is None:
        open_handover(session, outgoing, incoming, now)
    elif row.signed_at is None:  # keep the open draft current: new alarms, visitors leaving
        refresh_items(session, row, now)
