"""Ledger reads and writes the foundation needs: rooms, racks, devices, agent targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import SnmpCredentials, Target
from store.models import Device, Rack, Room
from store.models_ledger import CredentialProfile


def enabled_targets(session: Session) -> list[Target]:
    """The agents' work list: every enabled, polled device of the ledger (secrets decrypted
    here, for the agent only: pages and exports mask them)."""
    rows = session.scalars(
        select(Device)
        .where(Device.enabled, Device.kind != "asset", Device.status != "retired")
        .order_by(Device.name)
    )
    return [device_target(d, session) for d in rows]


def credential_profile(d: Device, session: Session | None) -> CredentialProfile | None:
    """The profile a device inherits from: its own group's, else its room's."""
    if session is None:
        return None
    pid = d.credential_profile_id or (d.room.credential_profile_id if d.room else None)
    return session.get(CredentialProfile, pid) if pid is not None else None


def credentials(d: Device, session: Session | None = None) -> SnmpCredentials:
    """A device's own credentials, or inherited when it says so (or has none of its own)."""
    own = d.community or d.snmp_user
    src: Device | CredentialProfile = d
    if d.credential_source == "inherit" or not own:
        src = credential_profile(d, session) or d
    return SnmpCredentials(
        version=src.snmp_version,
        community=src.community,
        user=src.snmp_user,
        auth_protocol=src.snmp_auth_protocol,
        auth_key=src.snmp_auth_key,
        priv_protocol=src.snmp_priv_protocol,
        priv_key=src.snmp_priv_key,
    )


def device_target(d: Device, session: Session | None = None) -> Target:
    return Target(
        device=d.name,
        kind=d.kind,
        address=d.address,
        port=d.port,
        profile=d.profile,
        credentials=credentials(d, session),
        interval=d.interval_seconds,
        timeout=d.timeout_seconds,
        retries=d.retries,
        room=d.room.name if d.room else "",
        rack=d.rack.name if d.rack else "",
    )


def upsert_room(session: Session, name: str, title_zh: str = "", title_en: str = "") -> Room:
    room = session.scalar(select(Room).where(Room.name == name))
    if room is None:
        room = Room(name=name)
        session.add(room)
    room.title_zh, room.title_en = title_zh or name, title_en or name
    session.flush()
    return room


def upsert_rack(session: Session, room: Room, name: str, height_u: int = 42) -> Rack:
    rack = session.scalar(select(Rack).where(Rack.room_id == room.id, Rack.name == name))
    if rack is None:
        rack = Rack(room_id=room.id, name=name)
        session.add(rack)
    rack.height_u = height_u
    session.flush()
    return rack


DEVICE_FIELDS = (
    "kind", "device_type", "title_zh", "title_en", "vendor", "model", "address", "port",
    "snmp_version", "community", "profile", "interval_seconds", "timeout_seconds", "retries",
    "position_u",
)  # fmt: skip


def upsert_device(session: Session, name: str, fields: Mapping[str, Any]) -> Device:
    device = session.scalar(select(Device).where(Device.name == name))
    if device is None:
        device = Device(name=name)
        session.add(device)
    for key in DEVICE_FIELDS:
        if key in fields:
            setattr(device, key, fields[key])
    for key in ("room_id", "rack_id"):
        if key in fields:
            setattr(device, key, fields[key])
    session.flush()
    return device


def seed_room(
    session: Session, spec: Mapping[str, Any], snmp_port: int, interval: float = 10.0
) -> list[Device]:
    """Create or refresh a room from a room description (devices/demo-room.yaml).

    Re-running keeps the rows and only refreshes what may change between runs
    (the simulator's port).
    """
    room_spec = spec["room"]
    room = upsert_room(session, room_spec["name"], room_spec.get("title_zh", ""),
                       room_spec.get("title_en", ""))  # fmt: skip
    racks = {r["name"]: upsert_rack(session, room, r["name"], int(r.get("height_u", 42)))
             for r in spec.get("racks", [])}  # fmt: skip
    devices = []
    for d in spec["devices"]:
        rack = racks.get(d.get("rack", ""))
        fields: dict[str, Any] = {
            "kind": d.get("kind", "snmp"),
            "device_type": d.get("device_type", "server"),
            "title_zh": d.get("title_zh", d["name"]),
            "title_en": d.get("title_en", d["name"]),
            "vendor": d.get("vendor", ""),
            "model": d.get("model", ""),
            "profile": d.get("profile", "auto"),
            "room_id": room.id,
            "rack_id": rack.id if rack else None,
            # 0 = a zero-U device (a PDU on the rack's side): in the rack, in no U slot
            "position_u": d.get("position_u") or None,
            "interval_seconds": float(d.get("interval", interval)),
            "timeout_seconds": float(d.get("timeout", 2.0)),
        }
        if fields["kind"] == "snmp":
            fields.update(address="127.0.0.1", port=snmp_port, snmp_version="2c",
                          community=d.get("recording", d["name"]))  # fmt: skip
        else:
            fields.update(address="127.0.0.1")  # the agent's own host, read by psutil
        devices.append(upsert_device(session, d["name"], fields))
    return devices
