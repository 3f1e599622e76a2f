"""On-site checks (告警现场检查, R3.6): one sheet per incident, not one per alarm.

An **incident** is a room's run of critical alarms: it begins when a critical alarm fires
in a room that has no on-site check going, and it goes on while any critical alarm of a
device of that room is open, or cleared less than ``QUIET`` (30 minutes) ago. Alarms that
come back within ``QUIET`` (a UPS that drops to battery every few minutes, a flapping
uplink, the demo's five-minute cycle of both) are the same incident: one person goes to
the room once, so there is one sheet.

* The first critical alarm opens the sheet: the automatic items of the alarmed device(s)
  and one "on-site check" item per device.
* A critical alarm of another device of the room while the sheet is open (not signed)
  adds that device's items to the same sheet; its reason lists every device.
* A signed sheet covers its incident: the same devices alarming again in the same
  incident open nothing more; a device not on it opens a new sheet for that device.
* When the incident ends (every critical alarm of the room has been clear for ``QUIET``)
  and nobody has started the sheet (no item filled by a person), it is **closed as not
  needed** with the time the alarms cleared: it leaves the handover and the overdue list,
  keeps its readings, and can no longer be filled or signed. A sheet someone started
  stays open for them to finish and sign.
* After an incident has ended, the next critical alarm is a new incident and a new sheet.

:func:`incident_end` and :func:`plan` are pure (table-tested); :func:`tick` reads the
alarms and sheets of each room and carries out the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.types import Severity
from records.inspection.sheets import KIND, add_devices, open_sheet
from store import audit
from store.models import Alarm, Device, Room
from store.models_inspection import InspectionSheet, InspectionTemplate

QUIET = timedelta(minutes=30)
ONSITE = "onsite"


@dataclass(frozen=True, slots=True)
class Span:
    """One critical alarm of a room: first fired, resolved (None while open)."""

    device: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class SheetState:
    """The room's latest on-site sheet, as the plan needs it."""

    opened_at: datetime
    devices: frozenset[str]
    signed: bool = False
    closed: bool = False
    started: bool = False  # a person has filled an item


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do for one room: close the latest sheet as not needed (the alarms cleared at
    ``close``), add devices to it, and/or open a new sheet for devices."""

    close: datetime | None = None
    add: tuple[str, ...] = ()
    open: tuple[str, ...] = ()


def incident_end(
    spans: Sequence[Span], since: datetime, now: datetime, quiet: timedelta = QUIET
) -> datetime | None:
    """When the incident going on at ``since`` ended (its last alarm cleared, followed by
    ``quiet`` without one), or None while it goes on."""
    covered = since
    for span in sorted(spans, key=lambda s: s.start):
        if span.end is not None and span.end < since:
            continue  # cleared before this incident's sheet
        if span.start > covered + quiet:
            return covered  # a gap: what came after is another incident
        if span.end is None:
            return None
        covered = max(covered, span.end)
    return covered if now - covered >= quiet else None


def plan(
    latest: SheetState | None,
    spans: Sequence[Span],
    alarmed: Sequence[str],
    now: datetime,
    quiet: timedelta = QUIET,
) -> Plan:
    """The room's next step; ``alarmed``: devices with an open critical alarm, in order."""
    if latest is None or latest.closed:
        return Plan(open=tuple(alarmed))
    end = incident_end(spans, latest.opened_at, now, quiet)
    if end is None:  # the sheet's incident goes on
        new = tuple(d for d in alarmed if d not in latest.devices)
        if not new:
            return Plan()
        return Plan(open=new) if latest.signed else Plan(add=new)
    idle = not latest.signed and not latest.started
    return Plan(close=end if idle else None, open=tuple(alarmed))


def _latest(session: Session, room_id: int) -> InspectionSheet | None:
    return session.scalars(
        select(InspectionSheet)
        .where(InspectionSheet.room_id == room_id, InspectionSheet.kind == ONSITE)
        .order_by(InspectionSheet.opened_at.desc(), InspectionSheet.id.desc())
        .limit(1)
    ).first()


def _state(sheet: InspectionSheet) -> SheetState:
    return SheetState(
        opened_at=sheet.opened_at,
        devices=frozenset(i.device for i in sheet.items if i.device),
        signed=sheet.signed_at is not None,
        closed=sheet.closed_at is not None,
        started=any(i.checked_by for i in sheet.items),
    )


def _why(alarms: Sequence[Alarm], devices: Sequence[str]) -> str:
    first: dict[str, str] = {}
    for a in alarms:
        first.setdefault(a.device, a.summary_zh or a.summary_en or a.rule)
    return "；".join(f"{d}: {first[d]}" for d in devices if d in first)


def close_not_needed(
    session: Session, sheet: InspectionSheet, cleared_at: datetime, now: datetime
) -> None:
    """Close an on-site check nobody started: its alarms cleared before anyone went."""
    sheet.closed_at, sheet.cleared_at, sheet.result = now, cleared_at, "not_needed"
    session.flush()
    audit.record(session, "system", "inspection.closed_not_needed", KIND, sheet.id,
                 after={"cleared_at": cleared_at.isoformat()}, now=now)  # fmt: skip


def _alarms(session: Session, room_id: int, since: datetime | None) -> list[Alarm]:
    """The room's critical alarms still open, and (``since``) those cleared after it."""
    still_open = Alarm.status != "resolved"
    recent = or_(still_open, Alarm.resolved_at >= since) if since is not None else still_open
    return list(
        session.scalars(
            select(Alarm)
            .join(Device, Device.name == Alarm.device)
            .where(Device.room_id == room_id, Alarm.peak_severity >= int(Severity.CRITICAL))
            .where(recent)
            .order_by(Alarm.first_seen, Alarm.id)
        )
    )


def tick(session: Session, now: datetime, quiet: timedelta = QUIET) -> list[int]:
    """Carry out each room's plan; returns the ids of the sheets opened."""
    opened = []
    rooms = session.scalars(
        select(Room)
        .join(InspectionTemplate, InspectionTemplate.room_id == Room.id)
        .order_by(Room.id)
    )
    for room in rooms:
        sheet = _latest(session, room.id)
        state = _state(sheet) if sheet is not None else None
        live = state is not None and not state.closed
        alarms = _alarms(session, room.id, state.opened_at if live and state else None)
        spans = [Span(a.device, a.first_seen, _end(a)) for a in alarms]
        alarmed = list(dict.fromkeys(
            a.device for a in alarms
            if a.status != "resolved" and a.severity >= int(Severity.CRITICAL)
        ))  # fmt: skip
        step = plan(state, spans, alarmed, now, quiet)
        if sheet is not None and step.close is not None:
            close_not_needed(session, sheet, step.close, now)
        if sheet is not None and step.add:
            add_devices(session, sheet, step.add, _why(alarms, step.add), now)
        if step.open:
            new = open_sheet(session, room, now, kind=ONSITE,
                             slot=f"onsite:{room.name}@{now.isoformat(timespec='seconds')}",
                             reason=_why(alarms, step.open), devices=step.open)  # fmt: skip
            opened.append(new.id)
    return opened


def _end(alarm: Alarm) -> datetime | None:
    if alarm.status != "resolved":
        return None
    return alarm.resolved_at or alarm.last_seen
