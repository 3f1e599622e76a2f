"""Alarm actions: acknowledge, comment, close, suppress, priority, owner; maintenance.

Every action needs an acting role (duty, supervisor, admin; maintenance windows:
supervisor, admin), a CSRF token (Flask-WTF, app-wide) and is audited by the rules
service it calls (the request's address and id are stamped on the entry).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.errors import RoomwatchError
from dashboard.alarms import service
from dashboard.alarms.views import MAX_COMMENT, SUPERVISORS, bp
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import ACTING_ROLES, role_required
from rules import lifecycle, maintenance

DURATIONS = {"1h": 1, "4h": 4, "12h": 12, "24h": 24, "72h": 72}


def _back(alarm_id: int) -> str:
    if request.form.get("back") == "list":
        return url_for("alarms.index")
    return url_for("alarms.detail", alarm_id=alarm_id)


def _run(
    alarm_id: int,
    done: str,
    action: Callable[[Session, datetime], object],
    refused: str = "alarms.refused",
) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            action(s, roomwatch().clock.now())
    except RoomwatchError as exc:
        flash(_(refused, reason=str(exc)), "error")
        return redirect(_back(alarm_id))
    flash(_(done, id=alarm_id), "success")
    return redirect(_back(alarm_id))


def _text(name: str) -> str:
    return request.form.get(name, "").strip()[:MAX_COMMENT]


@bp.post("/<int:alarm_id>/ack")
@role_required(*ACTING_ROLES)
def ack(alarm_id: int) -> ResponseReturnValue:
    comment = _text("comment")
    if not comment:
        flash(_("alarms.ack_comment_required"), "error")
        return redirect(_back(alarm_id))
    return _run(
        alarm_id, "alarms.acked",
        lambda s, now: service.acknowledge(s, alarm_id, g.user.username, comment, now),
        "alarms.ack_refused",
    )  # fmt: skip


@bp.post("/<int:alarm_id>/comment")
@role_required(*ACTING_ROLES)
def comment(alarm_id: int) -> ResponseReturnValue:
    body = _text("comment")
    return _run(
        alarm_id, "alarms.commented",
        lambda s, now: lifecycle.add_comment(s, alarm_id, g.user.username, body, now),
    )  # fmt: skip


@bp.post("/<int:alarm_id>/close")
@role_required(*ACTING_ROLES)
def close(alarm_id: int) -> ResponseReturnValue:
    reason = _text("reason")
    return _run(
        alarm_id, "alarms.closed",
        lambda s, now: lifecycle.close(s, alarm_id, g.user.username, reason, now),
    )  # fmt: skip


@bp.post("/<int:alarm_id>/suppress")
@role_required(*ACTING_ROLES)
def suppress(alarm_id: int) -> ResponseReturnValue:
    reason = _text("reason")
    raw_mode = request.form.get("mode", "")
    try:
        mode = lifecycle.SuppressMode(raw_mode)
    except ValueError:
        flash(_("alarms.refused", reason=f"unknown mode {raw_mode!r}"), "error")
        return redirect(_back(alarm_id))
    hours = DURATIONS.get(request.form.get("duration", ""), 0)

    def act(s: Session, now: datetime) -> object:
        until = now + timedelta(hours=hours) if hours else None
        return lifecycle.suppress(s, alarm_id, g.user.username, mode, reason, now, until)

    return _run(alarm_id, "alarms.suppressed", act)


@bp.post("/<int:alarm_id>/priority")
@role_required(*ACTING_ROLES)
def priority(alarm_id: int) -> ResponseReturnValue:
    raw = request.form.get("priority", "")
    value = int(raw) if raw.isdigit() else 0
    return _run(
        alarm_id, "alarms.updated",
        lambda s, now: lifecycle.set_priority(s, alarm_id, g.user.username, value, now),
    )  # fmt: skip


@bp.post("/<int:alarm_id>/owner")
@role_required(*ACTING_ROLES)
def owner(alarm_id: int) -> ResponseReturnValue:
    who = g.user.username if request.form.get("owner") == "me" else _text("owner")
    return _run(
        alarm_id, "alarms.updated",
        lambda s, now: lifecycle.set_owner(s, alarm_id, g.user.username, who, now),
    )  # fmt: skip


def _when(name: str) -> datetime | None:
    """A datetime-local field, read in the server's time zone."""
    raw = request.form.get(name, "")
    try:
        return datetime.fromisoformat(raw).astimezone() if raw else None
    except ValueError:
        return None


@bp.post("/maintenance")
@role_required(*SUPERVISORS)
def maintenance_create() -> ResponseReturnValue:
    start, end = _when("start"), _when("end")
    back = redirect(url_for("alarms.maintenance"))
    if start is None or end is None:
        flash(_("alarms.refused", reason=_("maintenance.bad_time")), "error")
        return back
    devices = request.form.getlist("devices")
    reason = _text("reason")
    s = db_session()
    try:
        with s.begin():
            w = maintenance.create_window(
                s, devices, start, end, reason, g.user.username, roomwatch().clock.now()
            )
            wid = w.id
    except RoomwatchError as exc:
        flash(_("alarms.refused", reason=str(exc)), "error")
        return back
    flash(_("maintenance.created", id=wid), "success")
    return back


@bp.post("/maintenance/<int:window_id>/cancel")
@role_required(*SUPERVISORS)
def maintenance_cancel(window_id: int) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            maintenance.cancel_window(s, window_id, g.user.username, roomwatch().clock.now())
    except RoomwatchError as exc:
        flash(_("alarms.refused", reason=str(exc)), "error")
    else:
        flash(_("maintenance.cancelled", id=window_id), "success")
    return redirect(url_for("alarms.maintenance"))
