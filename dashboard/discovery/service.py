"""Ledger side of the discovery import: what to compare with, where to place, the insert.

Functions take the request's Session and never commit: the view's transaction makes the
whole import one unit (all selected devices or none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.discovered import DiscoveredRow, LedgerEntry, audit_fields, device_fields
from inventory.ledger import upsert_device
from store import audit
from store.models import Device, Rack, Room


@dataclass(frozen=True, slots=True)
class Place:
    room_id: int | None
    rack_id: int | None


def ledger_entries(s: Session) -> list[LedgerEntry]:
    devices = s.scalars(select(Device).order_by(Device.name))
    return [
        LedgerEntry(
            d.name, d.address, d.port, d.snmp_version, d.community, d.profile, d.vendor, d.model
        )
        for d in devices
    ]


def places(s: Session) -> tuple[list[Room], list[tuple[Rack, str]]]:
    """Rooms, and racks with their room's name, for the selectors."""
    rooms = list(s.scalars(select(Room).order_by(Room.name)))
    names = {r.id: r.name for r in rooms}
    racks = s.scalars(select(Rack).order_by(Rack.room_id, Rack.name))
    return rooms, [(r, names.get(r.room_id, "")) for r in racks]


def resolve_place(s: Session, room_id: int | None, rack_id: int | None) -> Place | None:
    """The room and rack chosen (a rack implies its room); None when they do not exist or
    the rack is in another room."""
    rack = s.get(Rack, rack_id) if rack_id is not None else None
    if rack_id is not None and rack is None:
        return None
    if room_id is not None and s.get(Room, room_id) is None:
        return None
    if rack is not None:
        if room_id is not None and rack.room_id != room_id:
            return None
        return Place(rack.room_id, rack.id)
    return Place(room_id, None)


def add_devices(
    s: Session, candidates: Sequence[DiscoveredRow], place: Place, actor: str,
    address: str, request_id: str, now: datetime,
) -> list[Device]:  # fmt: skip
    """Create one ledger SNMP device per candidate and audit each (community masked)."""
    added = []
    for c in candidates:
        fields = {**device_fields(c), "room_id": place.room_id, "rack_id": place.rack_id}
        device = upsert_device(s, c.name, fields)
        audit.record(
            s, actor, "device.discovered_added", "device", device.name, before=None,
            after={**audit_fields(c), "room_id": place.room_id, "rack_id": place.rack_id},
            address=address, request_id=request_id, now=now,
        )  # fmt: skip
        added.append(device)
    return added
