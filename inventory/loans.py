"""Borrow and return (借用/归还) of equipment, tools and keys (钥匙借用, seed 000 §6).

Lending sets the asset's status to on_loan; the return records when and in what state
(ok, damaged, lost): ok gives the asset back the status it was lent with (a spare stays
a spare), damaged puts it under repair, lost retires it; damage and loss are reported in
the audit log and on the loans page. Overdue = not returned after due_at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.errors import LedgerError
from inventory.ledger_rules import RETURN_STATES
from store import audit
from store.models import Device
from store.models_ledger import Loan

AFTER_RETURN = {"ok": "in_use", "damaged": "under_repair", "lost": "retired"}


def _loan_view(loan: Loan) -> dict[str, Any]:
    return {
        "loan": loan.id, "borrower": loan.borrower, "purpose": loan.purpose,
        "due_at": loan.due_at.isoformat(),
        "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
        "return_state": loan.return_state, "return_note": loan.return_note,
    }  # fmt: skip


def open_loan(session: Session, device_id: int) -> Loan | None:
    return session.scalar(
        select(Loan).where(Loan.device_id == device_id, Loan.returned_at.is_(None))
    )


def lend(
    session: Session, device_id: int, borrower: str, due_at: datetime, *, purpose: str = "",
    actor: str, now: datetime, address: str = "",
) -> Loan:  # fmt: skip
    d = session.get(Device, device_id)
    if d is None:
        raise LedgerError("ledger.error.not_found", field="device_id")
    borrower = borrower.strip()
    if not borrower:
        raise LedgerError("ledger.error.required", field="borrower")
    if len(borrower) > 100:
        raise LedgerError("ledger.error.too_long", field="borrower")
    if due_at <= now:
        raise LedgerError("ledger.error.due_in_past", field="due_at")
    if d.status == "retired":
        raise LedgerError("ledger.error.retired", field="device_id")
    if open_loan(session, device_id) is not None or d.status == "on_loan":
        raise LedgerError("ledger.error.already_lent", field="device_id")
    loan = Loan(device_id=device_id, borrower=borrower, purpose=purpose.strip(), lent_by=actor,
                lent_at=now, due_at=due_at, returned_to="", return_state="",
                return_note="", status_before=d.status)  # fmt: skip
    session.add(loan)
    before_status = d.status
    d.status = "on_loan"
    session.flush()
    audit.record(session, actor, "ledger.lend", "asset", d.id,
                 before={"status": before_status}, after={"status": d.status, **_loan_view(loan)},
                 address=address, now=now)  # fmt: skip
    return loan


def give_back(
    session: Session, loan_id: int, state: str, *, note: str = "", actor: str, now: datetime,
    address: str = "",
) -> Loan:  # fmt: skip
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise LedgerError("ledger.error.not_found")
    if loan.returned_at is not None:
        raise LedgerError("ledger.error.already_returned")
    if state not in RETURN_STATES:
        raise LedgerError("ledger.error.bad_return_state", field="return_state")
    if state != "ok" and not note.strip():
        raise LedgerError("ledger.error.note_required", field="return_note")
    d = session.get(Device, loan.device_id)
    assert d is not None
    before = {"status": d.status, **_loan_view(loan)}
    loan.returned_at, loan.returned_to = now, actor
    loan.return_state, loan.return_note = state, note.strip()
    d.status = AFTER_RETURN[state]
    if state == "ok" and loan.status_before in ("spare", "in_use"):
        d.status = loan.status_before  # back as it was lent
    session.flush()
    action = "ledger.return" if state == "ok" else f"ledger.report_{state}"
    audit.record(session, actor, action, "asset", d.id, before=before,
                 after={"status": d.status, **_loan_view(loan)}, address=address,
                 now=now)  # fmt: skip
    return loan


def outstanding(session: Session) -> list[tuple[Loan, Device]]:
    """Loans not returned, the soonest due first."""
    rows = session.execute(
        select(Loan, Device)
        .join(Device, Device.id == Loan.device_id)
        .where(Loan.returned_at.is_(None))
        .order_by(Loan.due_at, Loan.id)
    )
    return [(loan, d) for loan, d in rows]


def recent(session: Session, limit: int = 50) -> list[tuple[Loan, Device]]:
    rows = session.execute(
        select(Loan, Device)
        .join(Device, Device.id == Loan.device_id)
        .where(Loan.returned_at.is_not(None))
        .order_by(Loan.returned_at.desc())
        .limit(limit)
    )
    return [(loan, d) for loan, d in rows]


def for_device(session: Session, device_id: int) -> list[Loan]:
    return list(
        session.scalars(
            select(Loan).where(Loan.device_id == device_id).order_by(Loan.lent_at.desc())
        )
    )


def is_overdue(loan: Loan, now: datetime) -> bool:
    return loan.returned_at is None and loan.due_at < now
