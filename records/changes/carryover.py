"""What the outgoing shift hands over about changes (R4.2: changes in progress)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.duty import CarryOver
from records.changes.queries import overdue
from records.changes.states import State
from store.models_changes import ChangeRequest


def _line(row: ChangeRequest, what: str) -> str:
    names = ", ".join(d.device_name for d in row.devices)
    return f"变更 #{row.id} {row.title} ({names}): {what}"


def carry_over(session: Session, now: datetime) -> list[CarryOver]:
    """Changes in progress, emergency changes awaiting approval, overdue verifications."""
    q = (
        select(ChangeRequest)
        .where(
            or_(
                ChangeRequest.state == State.IN_PROGRESS.value,
                ChangeRequest.state == State.IMPLEMENTED.value,
            )
        )
        .order_by(ChangeRequest.id)
    )
    items: list[CarryOver] = []
    for row in session.scalars(q):
        awaiting = row.emergency and row.approved_at is None
        if row.state == State.IN_PROGRESS.value:
            what = "紧急变更实施中, 待补批" if awaiting else "实施中"
        elif awaiting:
            what = "紧急变更待补批"
        elif overdue(row, now):
            what = "超过一周未确认运行无误"
        else:
            continue
        items.append(CarryOver("change", f"change:{row.id}", _line(row, what),
                               url=f"/changes/{row.id}"))  # fmt: skip
    return items
