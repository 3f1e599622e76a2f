"""Work applications (施工申请单): request, the head's decision, the daily sign-off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.access.views import ACTORS, HEADS, bp
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import client_address, login_required, role_required
from records.access import search, works
from records.access.forms import local_day, parse_work
from records.errors import NotFound, RecordError


def _render(values: dict[str, str], errors: dict[str, str], error: str = "",
            status: int = 200) -> Any:  # fmt: skip
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        rows = works.applications(s)
        rooms = search.rooms(s)
    return render_template(
        "access/works.html", rows=rows, rooms=rooms, values=values, errors=errors, error=error,
        today=local_day(now), can_act=g.user.can(*ACTORS), can_decide=g.user.can(*HEADS),
    ), status  # fmt: skip


@bp.get("/works")
@login_required
def works_index() -> ResponseReturnValue:
    today = local_day(roomwatch().clock.now())
    defaults = {
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=1)).isoformat(),
    }
    return _render(defaults, {})


@bp.post("/works")
@role_required(*ACTORS)
def works_create() -> ResponseReturnValue:
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    now = roomwatch().clock.now()
    req, errors = parse_work(values, local_day(now))
    if req is None:
        return _render(values, errors, status=400)
    s = db_session()
    try:
        with s.begin():
            works.request(s, req, by=g.user.username, now=now, address=client_address())
    except RecordError as exc:
        return _render(values, {str(exc.params.get("field", "form")): exc.msgid}, status=400)
    flash(_("access.work_requested"), "success")
    return redirect(url_for("access.works_index"))


def _work_action(fn: Any, done: str) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            fn(s, roomwatch().clock.now())
    except NotFound:
        return render_template("errors/error.html", status=404), 404
    except RecordError as exc:
        return _render({}, {}, _(exc.msgid, **exc.params), status=400)
    flash(_(done), "success")
    return redirect(url_for("access.works_index"))


@bp.post("/works/<int:work_id>/approve")
@role_required(*HEADS)
def works_approve(work_id: int) -> ResponseReturnValue:
    note = request.form.get("note", "")
    return _work_action(lambda s, now: works.decide(s, work_id, approve=True,
                        by=g.user.username, note=note, now=now, address=client_address()),
                        "access.done_approve")  # fmt: skip


@bp.post("/works/<int:work_id>/reject")
@role_required(*HEADS)
def works_reject(work_id: int) -> ResponseReturnValue:
    note = request.form.get("note", "")
    if not note.strip():
        return _render({}, {}, _("access.err.reject_reason"), status=400)
    return _work_action(lambda s, now: works.decide(s, work_id, approve=False,
                        by=g.user.username, note=note, now=now, address=client_address()),
                        "access.done_reject")  # fmt: skip


@bp.post("/works/<int:work_id>/signoff")
@role_required(*ACTORS)
def works_signoff(work_id: int) -> ResponseReturnValue:
    note = request.form.get("note", "")
    return _work_action(lambda s, now: works.sign_off(s, work_id, by=g.user.username,
                        note=note, now=now, address=client_address()),
                        "access.done_signoff")  # fmt: skip
