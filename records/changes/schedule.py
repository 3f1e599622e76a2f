"""The changes' duty tick: flag implemented changes not verified within a week.

Run by the server every 30 s (records/ticks.py), in its own transaction. Idempotent: a
change is flagged once (an ``overdue`` entry in its history, audited).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.changes.queries import overdue
from records.changes.states import State
from store import audit
from store.models_changes import ChangeEvent, ChangeRequest

SYSTEM = "system"


def tick(session: Session, now: datetime) -> None:
    flagged = set(
        session.scalars(select(ChangeEvent.change_id).where(ChangeEvent.action == "overdue"))
    )
    q = select(ChangeRequest).where(ChangeRequest.state == State.IMPLEMENTED.value)
    for row in session.scalars(q):
        if row.id in flagged or not overdue(row, now):
            continue
        session.add(ChangeEvent(change_id=row.id, ts=now, actor=SYSTEM, action="overdue",
                                from_state=row.state, to_state=row.state,
                                note="实施后一周内未确认运行无误"))  # fmt: skip
        audit.record(session, SYSTEM, "change.verification_overdue", "change", row.id,
                     after={"implemented_at": row.implemented_at.isoformat()
                            if row.implemented_at else None}, now=now)  # fmt: skip
    session.flush()
