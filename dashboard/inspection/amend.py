"""The amend post shared by the inspection sheet and handover screens (records.amendments):
validate the fields, sign the correction with the password, say what was wrong next to it."""

from __future__ import annotations

from collections.abc import Collection

from flask import g, request

from core.types import Role
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import client_address
from records.amendments import MAX_TEXT, amend_record
from records.errors import RecordError

FIELD_OF = {"amend.needs_text": "correction", "journal.amend_needs_reason": "reason",
            "sign.wrong_password": "amend_password"}  # fmt: skip


def may_amend(signers: Collection[str]) -> bool:
    """A signer of the record, or a supervisor/admin (the form shows only to them)."""
    user = g.user
    return user.can(Role.SUPERVISOR, Role.ADMIN) or (
        user.can(Role.DUTY) and user.username in signers
    )


def post_amend(
    kind: str, record_id: int, signers: Collection[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Append the posted correction; (errors by field, the form as typed) — no errors: done."""
    f = request.form
    form = {"correction": f.get("correction", ""), "reason": f.get("reason", "")}
    errors: dict[str, str] = {}
    if not form["correction"].strip():
        errors["correction"] = _("amend.needs_text")
    if not form["reason"].strip():
        errors["reason"] = _("journal.amend_needs_reason")
    for key in ("correction", "reason"):
        if len(form[key]) > MAX_TEXT:
            errors[key] = _("amend.too_long", max=MAX_TEXT)
    if not f.get("amend_password"):
        errors["amend_password"] = _("sign.wrong_password")
    if errors:
        return errors, form
    s = db_session()
    try:
        with s.begin():
            amend_record(s, kind=kind, record_id=record_id, signers=signers,
                         username=g.user.username, password=f.get("amend_password", ""),
                         correction=form["correction"], reason=form["reason"],
                         address=client_address(), now=roomwatch().clock.now())  # fmt: skip
    except RecordError as e:
        errors[FIELD_OF.get(e.msgid, "form")] = _(e.msgid, **e.params)
    return errors, form
