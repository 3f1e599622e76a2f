"""Borrow and return (借用/归还) of equipment, tools and keys (钥匙借用, seed 000 §6).

Lending sets the asset's status to on_loan; the return records when and in what state
(ok, damaged, lost): ok gives the asset back the status it was lent with (a spare stays
a spare), damaged puts it under repair, lost retires it; damage and loss are reported in
the audit log and on the loans page. Overdue = not returned after due_at.

A key (device type "key") is lent only with a supervisor's approval (钥匙借用须主管批准),
recorded on the loan: a supervisor (or admin) who lends it approves by doing so; anyone
else names the approving supervisor, who confirms with their password (:func:`approve_key`).
The borrower never approves their own loan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Role
from inventory.errors import LedgerError
from inventory.ledger_rules import RETURN_STATES
from store import audit
from store.accounts import check_password, get_user
from store.models import Device, User
from store.models_ledger import Loan

AFTER_RETURN = {"ok": "in_use", "damaged": "under_repair", "lost": "retired"}
KEY_TYPES = frozenset({"key"})
APPROVERS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


@dataclass(frozen=True, slots=True)
class KeyApproval:
    """A supervisor's approval of one key loan: who gave it and when."""

    by: str
    at: datetime


def needs_approval(d: Device) -> bool:
    return d.device_type in KEY_TYPES


def _is_approver(user: User) -> bool:
    return user.active and user.role in APPROVERS


def _confirm_approver(session: Session, approver: str, password: str) -> User:
    """The supervisor named on the form, when the password typed is theirs."""
    if not approver:
        raise LedgerError("ledger.error.key_needs_approval", field="approver")
    user = get_user(session, approver)
    if user is None or not user.active or not password or not check_password(user, password):
        raise LedgerError("ledger.error.approver_password", field="approver_password")
    if not _is_approver(user):
        raise LedgerError("ledger.error.approver_not_supervisor", field="approver")
    return user


def approve_key(
    session: Session, borrower: str, *, actor: str, approver: str = "", password: str = "",
    now: datetime,
) -> KeyApproval:  # fmt: skip
    """The approval of a key loan, or a refusal naming the field to fix.

    A supervisor or admin lending the key approves it by their own (logged-in) act; anyone
    else names the approving supervisor, who types their password. A name without the
    password, a wrong password or a person who is not a supervisor approves nothing; nor
    does the borrower approve their own loan.
    """
    acting = get_user(session, actor)
    if acting is not None and _is_approver(acting) and not approver.strip():
        user = acting
    else:
        user = _confirm_approver(session, approver.strip(), password)
    if borrower.strip() in {n for n in (user.username, user.display_name) if n}:
        raise LedgerError("ledger.error.approver_is_borrower", field="approver")
    return KeyApproval(user.username, now)


def approvers(session: Session) -> list[User]:
    """Who may approve lending a key (the lend forms offer them by name)."""
    return list(session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(APPROVERS))
        .order_by(User.username)))  # fmt: skip


def _loan_view(loan: Loan) -> dict[str, Any]:
    return {
        "loan": loan.id, "borrower": loan.borrower, "purpose": loan.purpose,
        "due_at": loan.due_at.isoformat(),
        "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
        "return_state": loan.return_state, "return_note": loan.return_note,
        "approved_by": loan.approved_by,
    }  # fmt: skip


def open_loan(session: Session, device_id: int) -> Loan | None:
    return session.scalar(
        select(Loan).where(Loan.device_id == device_id, Loan.returned_at.is_(None))
    )


def lend(
    session: Session, device_id: int, borrower: str, due_at: datetime, *, purpose: str = "",
    actor: str, now: datetime, address: str = "", approval: KeyApproval | None = None,
) -> Loan:  # fmt: skip
    """Lend an asset; a key only with ``approval`` (from :func:`approve_key`)."""
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
    if needs_approval(d) and approval is None:
        raise LedgerError("ledger.error.key_needs_approval", field="approver")
    loan = Loan(device_id=device_id, borrower=borrower, purpose=purpose.strip(), lent_by=actor,
                lent_at=now, due_at=due_at, returned_to="", return_state="",
                return_note="", status_before=d.status)  # fmt: skip
    if approval is not None and needs_approval(d):
        loan.approved_by, loan.approved_at = approval.by, approval.at
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
