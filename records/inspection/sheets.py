"""Inspection sheets: open (items copied from the template, automatic ones judged from the
latest readings), fill on site, sign through the journal (R4.4), then frozen.

Services take the session and ``now`` and never commit; every change is refused once the
sheet is signed (:class:`RecordFrozen`), and the database refuses it too (migration 0006).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Sample
from records import journal
from records.errors import NotFound, RecordError, RecordFrozen
from records.inspection.completeness import REPORTED, RESULTS, ItemState, gaps, sheet_result
from records.inspection.defaults import ONSITE_ITEM, ItemSpec
from records.inspection.rounds import due_by
from records.inspection.standards import (
    Judgement,
    Outcome,
    Point,
    Standard,
    convert,
    convertible,
    judge,
    relevant,
)
from records.inspection.templates import template_for
from records.signing import confirm_signer
from store import audit, timeseries
from store.models import Device, Room
from store.models_inspection import (
    InspectionItem,
    InspectionSheet,
    InspectionTemplate,
    InspectionTemplateItem,
)

KIND = "inspection"  # the journal's kind
MAX_NOTE = 2000
MIN_AGE = timedelta(minutes=2)


def max_age(device: Device) -> timedelta:
    """A reading older than three poll intervals is stale (as the overview shows it)."""
    return max(timedelta(seconds=3 * max(device.interval_seconds, 1.0)), MIN_AGE)


def _room_devices(session: Session, room_id: int) -> list[Device]:
    return list(
        session.scalars(
            select(Device)
            .where(Device.room_id == room_id, Device.enabled.is_(True))
            .order_by(Device.name)
        )
    )


def _points(latest: dict[tuple[str, str, str], Sample], device: str, metric: str) -> list[Point]:
    return [
        Point(inst, s.value, s.text, s.ts)
        for (dev, met, inst), s in sorted(latest.items())
        if dev == device and met == metric
    ]


def _admin(latest: dict[tuple[str, str, str], Sample], device: str) -> dict[str, str]:
    out = {}
    for (dev, met, inst), s in latest.items():
        if dev == device and met == "if_admin_status":
            out[inst] = (s.text or ("up" if s.value == 1 else "down")).lower()
    return out


@dataclass(frozen=True, slots=True)
class _Reading:
    metric: str
    unit: str
    judgement: Judgement


def _read(
    latest: dict[tuple[str, str, str], Sample],
    device: Device,
    std: Standard,
    metrics: Sequence[str],
    now: datetime,
    want: str = "",
) -> _Reading | None:
    """The first candidate metric the device reports, judged; None when it reports none.

    ``want``: the unit the standard is written in; a duration read in another unit
    (minutes, seconds) is converted to it first (the UPS backup standard is in hours)."""
    for metric in metrics:
        points = _points(latest, device.name, metric)
        if points:
            raw = next(
                (s.unit for (d, m, _), s in latest.items() if d == device.name and m == metric), ""
            )
            unit = _unit(raw) or unit_of(metric)
            points = relevant(metric, points, _admin(latest, device.name))
            if not points:
                return None
            if convertible(unit, want):
                points = [
                    Point(p.instance, convert(p.value, unit, want), p.text, p.ts) for p in points
                ]
                unit = want
            return _Reading(metric, unit, judge(std, points, now, max_age(device), unit))
    return None


def _unit(unit: str) -> str:
    return {"percent": "%", "celsius": "°C", "degC": "°C", "minutes": "min"}.get(unit, unit)


def _candidates(metrics: str) -> list[str]:
    return [m.strip() for m in metrics.split(",") if m.strip()]


_UNIT_BY_SUFFIX = {"_percent": "%", "_celsius": "°C", "_minutes": "min", "_seconds": "s"}


def unit_of(metric: str) -> str:
    """The unit a metric's name says (for the standard of an item that has no reading)."""
    return next((u for suffix, u in _UNIT_BY_SUFFIX.items() if metric.endswith(suffix)), "")


def _fill_auto(item: InspectionItem, reading: _Reading | None) -> None:
    j = reading.judgement if reading else Judgement(Outcome.NODATA, "—")
    if reading:
        item.metric, item.unit = reading.metric, reading.unit
    elif not item.unit:
        item.unit = unit_of(item.metric)
    item.reading, item.value, item.read_at = j.reading, j.value, j.read_at
    item.auto_result = j.outcome.value
    if j.outcome.value in RESULTS:
        item.result = j.outcome.value


def _items(
    session: Session,
    tpl: InspectionTemplate,
    room_id: int,
    now: datetime,
    only: Sequence[str] | None,
    start: int = 0,
) -> list[InspectionItem]:
    """The items of a sheet: the template's, judged on the room's devices; for an on-site
    check (``only``) the automatic items of those devices and one on-site item each."""
    devices = [d for d in _room_devices(session, room_id) if only is None or d.name in only]
    latest = timeseries.latest(session, [d.name for d in devices]) if devices else {}
    items: list[InspectionItem] = []
    for t in tpl.items:
        if not t.enabled:
            continue
        if t.kind == "auto":
            for d in devices:
                if t.device_type and d.device_type != t.device_type:
                    continue
                std = Standard(t.op, t.low, t.high, t.expect)
                reading = _read(latest, d, std, _candidates(t.metrics), now, t.unit)
                if reading is None and not t.device_type:
                    continue  # "any device with the metric": this one has not got it
                row = _copy(t, start + len(items))
                row.device = d.name
                _fill_auto(row, reading)
                items.append(row)
        elif only is None:
            items.append(_copy(t, start + len(items)))
    for name in only or ():
        onsite = _copy(ONSITE_ITEM, start + len(items))
        onsite.device = name
        items.append(onsite)
    return items


def open_sheet(
    session: Session,
    room: Room,
    now: datetime,
    *,
    kind: str,
    slot: str,
    reason: str = "",
    devices: Sequence[str] | None = None,
    by: str = "system",
) -> InspectionSheet:
    """Open one sheet for a room (or, for an on-site check, some devices of it)."""
    tpl = template_for(session, room.id)
    if tpl is None:
        raise RecordError("inspection.no_template", room=room.name)
    sheet = InspectionSheet(
        room_id=room.id,
        slot=slot[:200],
        kind=kind,
        reason=reason,
        opened_at=now,
        due_by=due_by(now, tpl.overdue_hours),
        result="pending",
    )
    sheet.items = _items(session, tpl, room.id, now, devices)
    sheet.result = sheet_result(_states(sheet.items))
    session.add(sheet)
    session.flush()
    audit.record(
        session,
        by,
        "inspection.opened",
        KIND,
        sheet.id,
        after={"room": room.name, "slot": sheet.slot, "kind": kind},
        now=now,
    )
    return sheet


def add_devices(
    session: Session, sheet: InspectionSheet, devices: Sequence[str], reason: str, now: datetime
) -> InspectionSheet:
    """Widen an open on-site check to more devices of its room (one incident, one sheet)."""
    sheet = _editable(session, sheet.id)
    tpl = template_for(session, sheet.room_id)
    if tpl is None or not devices:
        return sheet
    start = max((i.position for i in sheet.items), default=-1) + 1
    sheet.items.extend(_items(session, tpl, sheet.room_id, now, devices, start))
    sheet.reason = "；".join(r for r in (sheet.reason, reason) if r)
    sheet.result = sheet_result(_states(sheet.items))
    session.flush()
    audit.record(
        session, "system", "inspection.widened", KIND, sheet.id,
        after={"devices": list(devices)}, now=now,
    )  # fmt: skip
    return sheet


def _copy(t: ItemSpec | InspectionTemplateItem, position: int) -> InspectionItem:
    return InspectionItem(
        position=position,
        kind=t.kind,
        code=t.code,
        title_zh=t.title_zh,
        title_en=t.title_en,
        metric=_candidates(t.metrics)[0] if t.metrics else "",
        op=t.op,
        low=t.low,
        high=t.high,
        expect=t.expect,
        unit=t.unit,
    )


def _states(items: Sequence[InspectionItem]) -> list[ItemState]:
    return [ItemState(i.id or i.position, i.result, i.note, i.reported) for i in items]


def get_sheet(session: Session, sheet_id: int) -> InspectionSheet:
    sheet = session.get(InspectionSheet, sheet_id)
    if sheet is None:
        raise NotFound("record.not_found")
    return sheet


def _editable(session: Session, sheet_id: int) -> InspectionSheet:
    sheet = get_sheet(session, sheet_id)
    if sheet.signed_at is not None:
        raise RecordFrozen("record.frozen")
    if sheet.closed_at is not None:
        raise RecordError("inspection.closed")
    return sheet


def refresh(session: Session, sheet_id: int, now: datetime, by: str) -> InspectionSheet:
    """Read the automatic items again (e.g. after fixing a fault on site)."""
    sheet = _editable(session, sheet_id)
    devices = {d.name: d for d in _room_devices(session, sheet.room_id)}
    latest = timeseries.latest(session, list(devices)) if devices else {}
    for item in sheet.items:
        if item.kind != "auto" or item.device not in devices:
            continue
        before = item.auto_result
        std = Standard(item.op, item.low, item.high, item.expect)
        reading = _read(latest, devices[item.device], std, [item.metric], now, item.unit)
        _fill_auto(item, reading)
        if item.auto_result == "nodata" and before in RESULTS and item.checked_by == "":
            item.result = ""  # the reading went away: someone must look
    sheet.result = sheet_result(_states(sheet.items))
    audit.record(session, by, "inspection.refreshed", KIND, sheet.id, now=now)
    return sheet


def fill_waiting(session: Session, sheet: InspectionSheet, now: datetime) -> int:
    """Fill automatic items still waiting for a first reading (a sheet opened before the
    agents' first poll, or while one was away); nobody's tick is touched, nothing audited
    (this is the sheet filling itself, not a person's act). Returns the items filled."""
    waiting = [
        i
        for i in sheet.items
        if i.kind == "auto" and i.auto_result == "nodata" and not i.checked_by
    ]
    if not waiting or sheet.signed_at is not None or sheet.closed_at is not None:
        return 0
    devices = {d.name: d for d in _room_devices(session, sheet.room_id)}
    latest = timeseries.latest(session, list(devices)) if devices else {}
    filled = 0
    for item in waiting:
        if item.device not in devices:
            continue
        std = Standard(item.op, item.low, item.high, item.expect)
        reading = _read(latest, devices[item.device], std, [item.metric], now, item.unit)
        _fill_auto(item, reading)
        filled += item.auto_result != "nodata"
    if filled:
        sheet.result = sheet_result(_states(sheet.items))
    return filled


@dataclass(frozen=True, slots=True)
class Entry:
    """What the inspector entered for one item (from the form)."""

    item_id: int
    result: str = ""
    note: str = ""
    reported: str = ""


def fill(
    session: Session, sheet_id: int, entries: Sequence[Entry], by: str, now: datetime
) -> InspectionSheet:
    """Record the inspector's ticks and notes; an automatic pass/fail is not overridden."""
    sheet = _editable(session, sheet_id)
    by_id = {i.id: i for i in sheet.items}
    for e in entries:
        item = by_id.get(e.item_id)
        if item is None:
            raise RecordError("inspection.bad_item", item=e.item_id)
        if e.result not in ("", *RESULTS) or e.reported not in ("", *REPORTED):
            raise RecordError("inspection.bad_value", item=item.title_zh)
        if len(e.note) > MAX_NOTE:
            raise RecordError("inspection.note_too_long", max=MAX_NOTE)
        result = item.auto_result if item.auto_result in RESULTS else e.result
        changed = (result, e.note.strip(), e.reported) != (item.result, item.note, item.reported)
        if changed:
            item.result, item.note, item.reported = result, e.note.strip(), e.reported
            item.checked_by, item.checked_at = by, now
    sheet.result = sheet_result(_states(sheet.items))
    audit.record(
        session, by, "inspection.filled", KIND, sheet.id, after={"result": sheet.result}, now=now
    )
    return sheet


def content(sheet: InspectionSheet, room: Room) -> dict[str, Any]:
    """The sheet as the journal keeps it: enough to print the paper form again (the entry
    itself holds who signed, when and from where)."""
    return {
        "id": sheet.id,
        "room": room.name,
        "room_title": room.title_zh,
        "slot": sheet.slot,
        "kind": sheet.kind,
        "reason": sheet.reason,
        "opened_at": sheet.opened_at,
        "due_by": sheet.due_by,
        "result": sheet.result,
        "items": [
            {
                "code": i.code,
                "title": i.title_zh,
                "title_en": i.title_en,
                "kind": i.kind,
                "device": i.device,
                "metric": i.metric,
                "standard": {"op": i.op, "low": i.low, "high": i.high, "expect": i.expect},
                "reading": i.reading,
                "value": i.value,
                "unit": i.unit,
                "read_at": i.read_at,
                "auto": i.auto_result,
                "result": i.result,
                "note": i.note,
                "reported": i.reported,
                "checked_by": i.checked_by,
                "checked_at": i.checked_at,
            }
            for i in sheet.items
        ],
    }


def sign(
    session: Session,
    sheet_id: int,
    *,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> InspectionSheet:
    """Sign: password again, complete sheet, journal entry, then frozen (one transaction)."""
    sheet = get_sheet(session, sheet_id)
    if sheet.signed_at is not None:
        raise RecordError("journal.already_signed", kind=KIND, record_id=sheet.id)
    if sheet.closed_at is not None:
        raise RecordError("inspection.closed")
    user = confirm_signer(session, username, password)
    missing = gaps(_states(sheet.items))
    if missing:
        raise RecordError("inspection.incomplete", n=len(missing))
    room = session.get(Room, sheet.room_id)
    assert room is not None
    sheet.result = sheet_result(_states(sheet.items))
    journal.freeze(
        session,
        kind=KIND,
        record_id=sheet.id,
        content=content(sheet, room),
        signer=user.username,
        address=address,
        now=now,
    )
    for item in sheet.items:  # before the sheet: the items' trigger looks at the sheet
        item.signed_at = now
    session.flush()
    sheet.signed_at, sheet.signed_by, sheet.signed_from = now, user.username, address[:100]
    session.flush()
    audit.record(
        session,
        user.username,
        "inspection.signed",
        KIND,
        sheet.id,
        after={"result": sheet.result},
        address=address,
        now=now,
    )
    return sheet


def missing_by_item(sheet: InspectionSheet) -> dict[int, list[str]]:
    """Message ids of what each item still lacks (shown next to it)."""
    out: dict[int, list[str]] = defaultdict(list)
    for g in gaps(_states(sheet.items)):
        out[g.key].append(g.msgid)
    return dict(out)
