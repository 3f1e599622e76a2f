"""The staff list (本中心工作人员) the admin keeps: people without a dashboard account who
enter the room as staff (no approval, no escort) when the name and ID number match."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.types import Role
from dashboard.access.views import bp
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import client_address, role_required
from records.access import staff
from records.errors import NotFound, RecordError

KEEPERS = (Role.ADMIN,)


def _render(values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    s = db_session()
    with s.begin():
        rows = staff.members(s)
    return render_template("access/staff.html", rows=rows, values=values, errors=errors), status


@bp.get("/staff")
@role_required(*KEEPERS)
def staff_list() -> ResponseReturnValue:
    return _render({}, {})


@bp.post("/staff")
@role_required(*KEEPERS)
def staff_add() -> ResponseReturnValue:
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    s = db_session()
    try:
        with s.begin():
            staff.add(s, values.get("name", ""), values.get("organisation", ""),
                      values.get("id_number", ""), by=g.user.username,
                      now=roomwatch().clock.now(), address=client_address())  # fmt: skip
    except RecordError as exc:
        return _render(values, {str(exc.params.get("field", "form")): exc.msgid}, 400)
    flash(_("access.staff_added"), "success")
    return redirect(url_for("access.staff_list"))


@bp.post("/staff/<int:member_id>/remove")
@role_required(*KEEPERS)
def staff_remove(member_id: int) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            staff.remove(s, member_id, by=g.user.username, now=roomwatch().clock.now(),
                         address=client_address())  # fmt: skip
    except NotFound:
        return render_template("errors/error.html", status=404), 404
    flash(_("access.staff_removed"), "success")
    return redirect(url_for("access.staff_list"))
