"""Loans page (借用/归还): what is out (overdue flagged), lend and return forms.

A key is lent only with a supervisor's approval: the service checks it
(``loans.approve_key``) from the approver and password posted, never from a flag."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.ledger.forms import due_time
from dashboard.ledger.views import ACTORS, bp, can_act
from dashboard.security import client_address, login_required, role_required
from inventory import loans
from inventory.errors import LedgerError
from inventory.ledger_rules import RETURN_STATES
from store.models import Device


def _render(errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        out = [(loan, d, loans.is_overdue(loan, now)) for loan, d in loans.outstanding(s)]
        lendable = list(s.scalars(
            select(Device).where(Device.status.in_(("in_use", "spare"))).order_by(Device.name)
        ))  # fmt: skip
        page = render_template(
            "ledger/loans.html", out=out, done=loans.recent(s), lendable=lendable,
            states=RETURN_STATES, errors=errors or {}, form=request.form, can_act=can_act(),
            overdue=sum(o for _l, _d, o in out), approvers=loans.approvers(s),
        )  # fmt: skip
    return page, status


@bp.get("/loans")
@login_required
def loan_list() -> ResponseReturnValue:
    return _render()


@bp.post("/loans/lend")
@role_required(*ACTORS)
def lend() -> ResponseReturnValue:
    f = request.form
    errors: dict[str, str] = {}
    device = f.get("device_id", "")
    if not device.isdigit():
        errors["device_id"] = _("ledger.error.required")
    due = due_time(f.get("due_at", ""))
    if due is None:
        errors["due_at"] = _("ledger.error.bad_date")
    if len(f.get("purpose", "")) > 2000:
        errors["purpose"] = _("ledger.error.too_long")
    if errors:
        return _render(errors, 400)
    assert due is not None
    s = db_session()
    now, borrower = roomwatch().clock.now(), f.get("borrower", "")
    try:
        with s.begin():
            d = s.get(Device, int(device))
            approval = None
            if d is not None and loans.needs_approval(d):
                approval = loans.approve_key(
                    s, borrower, actor=g.user.username, approver=f.get("approver", ""),
                    password=f.get("approver_password", ""), now=now)  # fmt: skip
            loans.lend(s, int(device), borrower, due, purpose=f.get("purpose", ""),
                       actor=g.user.username, now=now, address=client_address(),
                       approval=approval)  # fmt: skip
    except LedgerError as exc:
        s.rollback()
        return _render({exc.field or "_": _(exc.msgid, **exc.params)}, 400)
    flash(_("ledger.lent"), "success")
    back = f.get("back", "")
    return redirect(back if back.startswith("/ledger/") else url_for("ledger.loan_list"))


@bp.post("/loans/<int:loan_id>/return")
@role_required(*ACTORS)
def give_back(loan_id: int) -> ResponseReturnValue:
    f = request.form
    s = db_session()
    try:
        with s.begin():
            loans.give_back(s, loan_id, f.get("return_state", ""), note=f.get("return_note", "")
                            [:2000], actor=g.user.username, now=roomwatch().clock.now(),
                            address=client_address())  # fmt: skip
    except LedgerError as exc:
        s.rollback()
        return _render({f"{exc.field or '_'}-{loan_id}": _(exc.msgid, **exc.params)}, 400)
    flash(_("ledger.returned"), "success")
    return redirect(url_for("ledger.loan_list"))
