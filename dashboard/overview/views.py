"""Overview page and its live fragment (refreshed by static/roomwatch.js every 10 s)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.types import Sample
from dashboard.alarms import service as alarms
from dashboard.extensions import db_session, roomwatch
from dashboard.overview.readings import Reading, Status, device_status, key_readings
from dashboard.security import login_required
from store import timeseries
from store.models import Alarm, Device, Rack, Room

bp = Blueprint("overview", __name__, template_folder="templates")

REFRESH_SECONDS = 10


@dataclass
class Card:
    device: Device
    status: Status
    readings: list[Reading]
    worst: Alarm | None
    open_count: int


@dataclass
class RackView:
    rack: Rack | None
    cards: list[Card] = field(default_factory=list)


@dataclass
class RoomView:
    room: Room | None
    racks: dict[int | None, RackView] = field(default_factory=dict)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("overview/index.html", refresh=REFRESH_SECONDS, **_board())


@bp.get("/overview/board")
@login_required
def board() -> ResponseReturnValue:
    return render_template("overview/_board.html", **_board())


def _board() -> dict[str, Any]:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        open_alarms = alarms.open_alarms(s)
        counts = alarms.alarm_counts_by_device(s)
        rooms = _rooms(s, now, open_alarms, counts)
    states: defaultdict[str, int] = defaultdict(int)
    for view in rooms:
        for rack in view.racks.values():
            for card in rack.cards:
                states[card.status.state] += 1
    return {
        "severity_counts": alarms.by_severity(open_alarms),
        "rooms": rooms,
        "states": dict(states),
        "now": now,
    }


def _rooms(
    s: Session, now: datetime, open_alarms: list[Alarm], counts: Mapping[str, tuple[int, int]]
) -> list[RoomView]:
    devices = list(
        s.scalars(
            select(Device)
            .options(selectinload(Device.room), selectinload(Device.rack).selectinload(Rack.room))
            .order_by(Device.name)
        )
    )
    latest = timeseries.latest(s, devices=[d.name for d in devices])
    per_device: dict[str, dict[tuple[str, str], Sample]] = defaultdict(dict)
    for (device, metric, instance), sample in latest.items():
        per_device[device][(metric, instance)] = sample
    worst = alarms.worst_by_device(open_alarms)
    views: dict[int | None, RoomView] = {
        room.id: RoomView(room) for room in s.scalars(select(Room).order_by(Room.name))
    }
    for d in devices:
        room = d.rack.room if d.rack is not None else d.room
        view = views.setdefault(room.id if room else None, RoomView(room))
        rack = view.racks.setdefault(d.rack_id, RackView(d.rack))
        samples = per_device.get(d.name, {})
        rack.cards.append(
            Card(
                device=d,
                status=device_status(samples, d.interval_seconds, now, d.enabled),
                readings=key_readings(d.device_type, samples),
                worst=worst.get(d.name),
                open_count=counts.get(d.name, (0, 0))[1],
            )
        )
    for view in views.values():
        view.racks = dict(sorted(view.racks.items(), key=_rack_order))
        for rack in view.racks.values():
            rack.cards.sort(key=lambda c: (-(c.device.position_u or 0), c.device.name))
    # rooms in name order, devices placed nowhere last
    return [v for k, v in views.items() if k is not None] + ([views[None]] if None in views else [])


def _rack_order(item: tuple[int | None, RackView]) -> tuple[int, str]:
    rack = item[1].rack
    return (1, "") if rack is None else (0, rack.name)
