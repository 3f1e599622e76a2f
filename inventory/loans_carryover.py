"""Handover carry-over source "loan": every item still out, overdue ones noted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.duty import CarryOver
from inventory.loans import is_overdue, outstanding


def carry_over(session: Session, now: datetime) -> list[CarryOver]:
    items = []
    for loan, d in outstanding(session):
        title = d.title_zh or d.name
        tag = f" [{d.asset_tag}]" if d.asset_tag else ""
        # the duty room's time, as the visitors' lines on the same handover say it
        due = loan.due_at.astimezone().strftime("%m-%d %H:%M")
        late = "（已逾期 overdue）" if is_overdue(loan, now) else ""
        items.append(
            CarryOver(
                source="loan",
                ref=f"loan:{loan.id}",
                summary=f"{title}{tag} 借给 {loan.borrower}，应还 {due}{late}",
                url=f"/ledger/loans#loan-{loan.id}",
            )
        )
    return items
