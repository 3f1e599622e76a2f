"""The device page: what the ledger says, what the device last reported, what is wrong."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dashboard.alarms import service as alarms
from dashboard.extensions import db_session, roomwatch
from dashboard.overview.readings import device_status
from dashboard.security import login_required
from store import timeseries
from store.models import Device, Rack

bp = Blueprint("devices", __name__, template_folder="templates", url_prefix="/devices")


@bp.get("/<name>")
@login_required
def detail(name: str) -> ResponseReturnValue:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        device = s.scalar(
            select(Device)
            .where(Device.name == name)
            .options(selectinload(Device.room), selectinload(Device.rack).selectinload(Rack.room))
        )
        if device is None:
            abort(404)
        latest = timeseries.latest(s, devices=[name])
        open_alarms = [a for a in alarms.open_alarms(s) if a.device == name]
    samples = [latest[k] for k in sorted(latest)]
    status = device_status(
        {(m, i): v for (_, m, i), v in latest.items()},
        device.interval_seconds,
        now,
        device.enabled,
    )
    room = device.rack.room if device.rack is not None else device.room
    return render_template(
        "devices/detail.html",
        device=device,
        room=room,
        samples=samples,
        status=status,
        alarms=sorted(open_alarms, key=lambda a: -a.severity),
        now=now,
    )
