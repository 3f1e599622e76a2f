"""Change actions: create, edit the draft, submit, approve, reject, start, implement,
verify, cancel, announce, close (signed with the password). Roles on every route, CSRF
app-wide; the records service audits each action (the request's address is stamped)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from dashboard.changes.views import (
    APPROVERS,
    FIELDS,
    actor,
    bp,
    local_tz,
    render_detail,
    render_form,
)
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import ACTING_ROLES, client_address, role_required
from records.changes import form as change_form
from records.changes import queries, service
from records.changes.states import Action
from records.errors import RecordError
from records.signing import confirm_signer
from store.models import Device

MAX_NOTE = 2000


def _posted() -> tuple[dict[str, str], list[str]]:
    raw = {k: request.form.get(k, "") for k in FIELDS}
    return raw, request.form.getlist("devices")


def _save(change_id: int | None) -> ResponseReturnValue:
    raw, devices = _posted()
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        known = {d.id: d.name for d in s.scalars(select(Device))}
    data, codes = change_form.validate(raw, devices, known, now, local_tz())
    shown = {**raw, "devices": devices}
    if data is None:
        return render_form(change_id, shown, {k: _(v) for k, v in codes.items()}, 400)
    try:
        with s.begin():
            if change_id is None:
                row = service.create(s, data, actor(), now)
            else:
                row = service.update(s, change_id, data, actor(), now)
            cid = row.id
    except RecordError as exc:
        if exc.msgid == "record.not_found":
            abort(404)
        return render_form(change_id, shown, {"form": _(exc.msgid, **exc.params)}, 400)
    flash(_("changes.saved", id=cid), "success")
    return redirect(url_for("changes.detail", change_id=cid))


@bp.post("/new")
@role_required(*ACTING_ROLES)
def create() -> ResponseReturnValue:
    return _save(None)


@bp.post("/<int:change_id>/edit")
@role_required(*ACTING_ROLES)
def update(change_id: int) -> ResponseReturnValue:
    return _save(change_id)


def _act(change_id: int, action: Action) -> ResponseReturnValue:
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    now = roomwatch().clock.now()
    s = db_session()
    try:
        with s.begin():
            row = service.act(s, change_id, action, actor(), now, note)
            clashes = queries.conflicts_for(s, row) if action is Action.SUBMIT else []
            outside = len(queries.alarms_outside(s, row, now)) if action is Action.START else 0
    except RecordError as exc:
        if exc.msgid == "record.not_found":
            abort(404)
        return render_detail(change_id, error=_(exc.msgid, **exc.params), status=400)
    flash(_(f"changes.done.{action.value}", id=change_id), "success")
    if clashes:
        ids = ", ".join(f"#{c}" for c in clashes)
        flash(_("changes.warn.conflicts", ids=ids), "error")
    if outside:
        flash(_("changes.warn.outside", n=outside), "error")
    return redirect(url_for("changes.detail", change_id=change_id))


@bp.post("/<int:change_id>/<any(submit, start, implement, verify, cancel):action>")
@role_required(*ACTING_ROLES)
def act(change_id: int, action: str) -> ResponseReturnValue:
    return _act(change_id, Action(action))


@bp.post("/<int:change_id>/<any(approve, reject):action>")
@role_required(*APPROVERS)
def decide(change_id: int, action: str) -> ResponseReturnValue:
    return _act(change_id, Action(action))


@bp.post("/<int:change_id>/announce")
@role_required(*ACTING_ROLES)
def announce(change_id: int) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            service.announce(s, change_id, actor(), roomwatch().clock.now())
    except RecordError as exc:
        if exc.msgid == "record.not_found":
            abort(404)
        return render_detail(change_id, error=_(exc.msgid, **exc.params), status=400)
    flash(_("changes.done.announce", id=change_id), "success")
    return redirect(url_for("changes.detail", change_id=change_id))


@bp.post("/<int:change_id>/close")
@role_required(*ACTING_ROLES)
def close(change_id: int) -> ResponseReturnValue:
    """Closing signs: the password is typed again (a signature is not a click)."""
    password = request.form.get("password", "")
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    s = db_session()
    try:
        with s.begin():
            user = confirm_signer(s, g.user.username, password)
            service.close(s, change_id, user, client_address(), roomwatch().clock.now(), note)
    except RecordError as exc:
        if exc.msgid == "record.not_found":
            abort(404)
        msg = _(exc.msgid, **exc.params)
        if exc.msgid.startswith("sign."):
            return render_detail(change_id, close_error=msg, status=400)
        return render_detail(change_id, error=msg, status=400)
    flash(_("changes.done.close", id=change_id), "success")
    return redirect(url_for("changes.detail", change_id=change_id))
