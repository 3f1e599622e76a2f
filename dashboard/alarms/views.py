"""Alarm console pages: the live list with filters, one alarm with its timeline, the
supervisor's response times, maintenance windows. Actions (POST) are in actions.py."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.types import Role
from dashboard.alarms import service
from dashboard.extensions import db_session, roomwatch
from dashboard.security import login_required, role_required
from rules import alarm_stats
from rules.lifecycle import active_suppression, device_context, timeline
from rules.maintenance import list_windows
from store.models import Alarm, Device

bp = Blueprint("alarms", __name__, template_folder="templates", url_prefix="/alarms")

MAX_COMMENT = 2000
REFRESH_SECONDS = 5
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def _rows_context() -> dict[str, object]:
    f = service.AlarmFilter.from_args(request.args)
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        rows = service.console_rows(s, f, g.user.username, now)
        rooms = service.rooms(s)
    return {"rows": rows, "f": f, "now": now, "rooms": rooms, "filters": service.FILTERS}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("alarms/list.html", refresh=REFRESH_SECONDS, **_rows_context())


@bp.get("/rows")
@login_required
def rows() -> ResponseReturnValue:
    """The list's rows alone: what the page's script swaps in every few seconds."""
    return render_template("alarms/_rows.html", **_rows_context())


@bp.get("/<int:alarm_id>")
@login_required
def detail(alarm_id: int) -> ResponseReturnValue:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        alarm = s.get(Alarm, alarm_id)
        if alarm is None:
            abort(404)
        events = timeline(s, alarm)
        context = device_context(s, alarm.device)
        suppression = active_suppression(s, alarm, now)
        root = s.get(Alarm, alarm.inhibited_by_id) if alarm.inhibited_by_id else None
    return render_template(
        "alarms/detail.html",
        alarm=alarm,
        events=events,
        ctx=context,
        suppression=suppression,
        root=root,
        now=now,
        max_comment=MAX_COMMENT,
    )


@bp.get("/times")
@role_required(*SUPERVISORS)
def times() -> ResponseReturnValue:
    """Acknowledgement and resolution times per person, day and shift (supervisors)."""
    days = request.args.get("days", "7")
    n = int(days) if days.isdigit() and 1 <= int(days) <= 90 else 7
    now = roomwatch().clock.now()
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    s = db_session()
    with s.begin():
        handled = service.handled_since(s, service.stats_window(now, n))
    return render_template(
        "alarms/times.html",
        days=n,
        total=len(handled),
        people=alarm_stats.by_person(handled),
        by_day=alarm_stats.by_day(handled, tz),
        shifts=alarm_stats.by_shift(handled, tz),
    )


@bp.get("/maintenance")
@login_required
def maintenance() -> ResponseReturnValue:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        windows = [(w, sorted(d.device.name for d in w.devices)) for w in list_windows(s, now)]
        devices = list(s.scalars(select(Device.name).order_by(Device.name)))
    return render_template(
        "alarms/maintenance.html",
        windows=windows,
        devices=devices,
        now=now,
        can_edit=g.user.can(*SUPERVISORS),
    )
