"""The device page: what the ledger says, what the device last reported, what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.types import Sample
from dashboard.alarms import service as alarms
from dashboard.devices.tables import layout
from dashboard.extensions import db_session, roomwatch
from dashboard.overview.readings import device_status
from dashboard.security import login_required
from store import timeseries
from store.models import Device, Rack, RawSample, Series

# the kinds of agent.snmp_errors that have a sentence of their own (device.error.<kind>)
ERROR_KINDS = frozenset({
    "timeout", "refused", "auth_failure", "unknown_user", "privacy_failure",
    "not_in_time_window", "security_level", "no_such_object", "no_such_instance",
    "agent_error", "bad_response", "oid_not_increasing", "table_too_big", "config",
    "snmp_error",
})  # fmt: skip
_KIND = re.compile(r"^([a-z][a-z_]*): ")
RUN_LOOKBACK = 2000  # raw device_up points read back to find when the error started
DUPLICATE_METRIC = "snmp_engine_id_duplicate"


@dataclass(frozen=True)
class PollError:
    """The device's last poll error, in a form the page can say plainly."""

    kind: str  # one of ERROR_KINDS, or "other"
    reason: str  # the agent's own words ("auth_failure: ... (认证失败)")
    since: datetime  # the first poll of the present run of this error
    last: datetime


def error_kind(reason: str | None) -> str:
    """The kind named at the start of a ``device_up`` text, or "other"."""
    match = _KIND.match(reason or "")
    return match.group(1) if match and match.group(1) in ERROR_KINDS else "other"


def error_since(points: list[tuple[datetime, float | None, str | None]], kind: str) -> datetime:
    """When the present error began: the oldest point of the newest run of failed polls
    (``device_up`` below 1) of the same kind. ``points`` are newest first, non-empty."""
    since = points[0][0]
    for ts, value, text in points:
        if value is None or value >= 1 or error_kind(text) != kind:
            break
        since = ts
    return since


def _poll_error(s: Session, name: str, latest: dict[tuple[str, str, str], Sample],
                ) -> PollError | None:  # fmt: skip
    up = latest.get((name, "device_up", ""))
    if up is None or up.value is None or up.value >= 1:
        return None
    kind = error_kind(up.text)
    rows = s.execute(
        select(RawSample.ts, RawSample.value, RawSample.text)
        .join(Series, Series.id == RawSample.series_id)
        .where(Series.device == name, Series.metric == "device_up", Series.instance == "")
        .order_by(RawSample.ts.desc())
        .limit(RUN_LOOKBACK)
    ).all()
    points = [(up.ts, up.value, up.text)] + [(ts, v, t) for ts, v, t in rows if ts <= up.ts]
    return PollError(kind, up.text or "", error_since(points, kind), up.ts)


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
        poll_error = _poll_error(s, name, latest)
        open_alarms = [a for a in alarms.open_alarms(s) if a.device == name]
    samples, tables = layout(latest[k] for k in sorted(latest))
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
        tables=tables,
        status=status,
        alarms=sorted(open_alarms, key=lambda a: -a.severity),
        now=now,
        poll_error=poll_error,
        duration=latest.get((name, "poll_duration_seconds", "")),
        duplicate=latest.get((name, DUPLICATE_METRIC, "")),
    )
