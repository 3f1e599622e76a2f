"""Alarm pages: the list (open / all / resolved), one alarm with its history, acknowledge."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.alarms import service
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import ACTING_ROLES, login_required, role_required
from store.models import Alarm

bp = Blueprint("alarms", __name__, template_folder="templates", url_prefix="/alarms")

MAX_COMMENT = 2000


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    which = request.args.get("show", "open")
    if which not in service.FILTERS:
        which = "open"
    s = db_session()
    with s.begin():
        alarms = service.list_alarms(s, which)
    return render_template(
        "alarms/list.html",
        alarms=alarms,
        which=which,
        filters=service.FILTERS,
        now=roomwatch().clock.now(),
    )


@bp.get("/<int:alarm_id>")
@login_required
def detail(alarm_id: int) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        alarm = s.get(Alarm, alarm_id)
        if alarm is None:
            abort(404)
        events = list(alarm.events)
    return render_template(
        "alarms/detail.html", alarm=alarm, events=events, now=roomwatch().clock.now()
    )


@bp.post("/<int:alarm_id>/ack")
@role_required(*ACTING_ROLES)
def ack(alarm_id: int) -> ResponseReturnValue:
    comment = request.form.get("comment", "").strip()
    back = url_for("alarms.detail", alarm_id=alarm_id)
    if request.form.get("back") == "list":
        back = url_for("alarms.index")
    if not comment:
        flash(_("alarms.ack_comment_required"), "error")
        return redirect(back)
    s = db_session()
    try:
        with s.begin():
            # rules.alarms.acknowledge writes the audit entry (the session stamps where from)
            service.acknowledge(
                s, alarm_id, g.user.username, comment[:MAX_COMMENT], roomwatch().clock.now()
            )
    except service.AlarmError as exc:
        flash(_("alarms.ack_refused", reason=str(exc)), "error")
        return redirect(back)
    flash(_("alarms.acked", id=alarm_id), "success")
    return redirect(back)
