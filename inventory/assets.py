"""Ledger services on assets (the devices table): edit with checks and history.

Every change is audited with before and after (store.audit), secrets masked; an asset's
history is read back from the audit log. Services take a Session and ``now`` and never
commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from inventory.errors import LedgerError
from inventory.ledger_rules import (
    FACES,
    KINDS,
    STATUSES,
    Slot,
    creates_cycle,
    overlaps,
    u_problem,
)
from inventory.vault import mask
from store import audit
from store.models import AuditEntry, Device, Rack, Room
from store.models_ledger import CredentialProfile

OBJECT = "asset"
EDITABLE = (
    "name", "asset_tag", "kind", "device_type", "title_zh", "title_en", "vendor", "model",
    "serial", "owner", "status", "room_id", "rack_id", "position_u", "u_height", "face",
    "address", "port", "purchase_date", "warranty_until", "power_parent_id",
    "network_parent_id", "enabled", "notes",
)  # fmt: skip
SECRET_FIELDS = ("community", "snmp_auth_key", "snmp_priv_key")
CREDENTIAL_FIELDS = ("credential_source", "credential_profile_id", "snmp_version", "community",
                     "snmp_user", "snmp_auth_protocol", "snmp_auth_key", "snmp_priv_protocol",
                     "snmp_priv_key")  # fmt: skip


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def snapshot(d: Device) -> dict[str, Any]:
    """What the history keeps of an asset: every ledger field, secrets masked."""
    out = {k: _plain(getattr(d, k)) for k in EDITABLE}
    out.update({k: getattr(d, k) for k in CREDENTIAL_FIELDS if k not in SECRET_FIELDS})
    out.update({k: mask(getattr(d, k) or "") for k in SECRET_FIELDS})
    return out


def slots_in_rack(session: Session, rack_id: int) -> list[tuple[Device, Slot]]:
    rows = session.scalars(
        select(Device).where(Device.rack_id == rack_id, Device.position_u.is_not(None))
    )
    return [(d, Slot(d.name, d.position_u or 0, d.u_height)) for d in rows]


def check_place(session: Session, d: Device) -> None:
    """Room and rack agree; the U range fits the rack and overlaps no other asset."""
    if d.rack_id is not None:
        rack = session.get(Rack, d.rack_id)
        if rack is None:
            raise LedgerError("ledger.error.unknown_rack", field="rack_id")
        if d.room_id is None:
            d.room_id = rack.room_id
        elif rack.room_id != d.room_id:
            raise LedgerError("ledger.error.rack_not_in_room", field="rack_id")
        if d.position_u is not None:
            slot = Slot(d.name, d.position_u, d.u_height)
            if u_problem(slot, rack.height_u):
                raise LedgerError("ledger.error.u_out_of_rack", field="position_u",
                                  height=rack.height_u)  # fmt: skip
            others = [s for o, s in slots_in_rack(session, rack.id) if o.id != d.id]
            clash = overlaps(slot, others)
            if clash:
                raise LedgerError("ledger.error.u_overlap", field="position_u",
                                  other=", ".join(clash))  # fmt: skip
    elif d.room_id is not None and session.get(Room, d.room_id) is None:
        raise LedgerError("ledger.error.unknown_room", field="room_id")


def check_parents(session: Session, d: Device) -> None:
    for column in ("power_parent_id", "network_parent_id"):
        parent = getattr(d, column)
        if parent is None:
            continue
        if d.id is not None and parent == d.id:
            raise LedgerError("ledger.error.parent_cycle", field=column)
        if session.get(Device, parent) is None:
            raise LedgerError("ledger.error.unknown_parent", field=column)
        if d.id is None:
            continue  # a new asset has no children yet
        chain = {i: p for i, p in session.execute(select(Device.id, getattr(Device, column)))}
        chain[d.id] = parent
        if creates_cycle(d.id, parent, chain):
            raise LedgerError("ledger.error.parent_cycle", field=column)


def _check_values(session: Session, d: Device) -> None:
    if not d.name:
        raise LedgerError("ledger.error.required", field="name")
    if d.status not in STATUSES:
        raise LedgerError("ledger.error.bad_status", field="status")
    if d.face not in FACES:
        raise LedgerError("ledger.error.bad_face", field="face")
    if d.kind not in KINDS:
        raise LedgerError("ledger.error.bad_kind", field="kind")
    if d.kind == "snmp" and not (d.address or "").strip():
        # the agents would poll nothing (the import refuses such a row the same way)
        raise LedgerError("ledger.error.required", field="address")
    taken = select(Device.id).where(Device.id != (d.id or 0))
    if session.scalar(taken.where(Device.name == d.name)) is not None:
        raise LedgerError("ledger.error.name_taken", field="name")
    if d.asset_tag and session.scalar(taken.where(Device.asset_tag == d.asset_tag)):
        raise LedgerError("ledger.error.tag_taken", field="asset_tag")
    if d.serial and session.scalar(taken.where(Device.serial == d.serial)):
        raise LedgerError("ledger.error.serial_taken", field="serial")


def save(
    session: Session, device_id: int | None, fields: Mapping[str, Any], *, actor: str,
    now: datetime, address: str = "",
) -> Device:  # fmt: skip
    """Create (device_id None) or update an asset; checks, then one audit entry."""
    d = session.get(Device, device_id) if device_id is not None else None
    if device_id is not None and d is None:
        raise LedgerError("ledger.error.not_found")
    before = snapshot(d) if d is not None else None
    if d is None:
        d = Device(name="", kind="asset", enabled=False, community="", status="in_use",
                   face="front", u_height=1, port=161, credential_source="device",
                   address="", notes="", serial="", owner="")  # fmt: skip
    with session.no_autoflush:
        for key in EDITABLE:
            if key in fields:
                setattr(d, key, fields[key])
        if d.kind == "asset":
            d.enabled = False  # only snmp/host assets are polled
        _check_values(session, d)
        check_place(session, d)
        check_parents(session, d)
    if d.id is None:
        session.add(d)
    session.flush()
    after = snapshot(d)
    if before != after:
        audit.record(session, actor, "ledger.create" if before is None else "ledger.update",
                     OBJECT, d.id, before=before, after=after, address=address,
                     now=now)  # fmt: skip
    return d


def set_credentials(
    session: Session, d: Device, fields: Mapping[str, Any], *, actor: str, now: datetime,
    address: str = "",
) -> None:  # fmt: skip
    """SNMP credentials of an asset; an empty secret field keeps the stored one."""
    before = snapshot(d)
    source = fields.get("credential_source", d.credential_source)
    if source not in ("device", "inherit"):
        raise LedgerError("ledger.error.bad_source", field="credential_source")
    profile = fields.get("credential_profile_id", d.credential_profile_id)
    if profile is not None and session.get(CredentialProfile, profile) is None:
        raise LedgerError("ledger.error.unknown_profile", field="credential_profile_id")
    if fields.get("snmp_version", d.snmp_version) not in ("1", "2c", "3"):
        raise LedgerError("ledger.error.bad_version", field="snmp_version")
    for key in CREDENTIAL_FIELDS:
        if key not in fields:
            continue
        if key in SECRET_FIELDS and not fields[key]:
            continue
        setattr(d, key, fields[key])
        if key in SECRET_FIELDS:
            flag_modified(d, key)  # written (so sealed) even when equal to a legacy value
    session.flush()
    audit.record(session, actor, "ledger.credentials", OBJECT, d.id, before=before,
                 after=snapshot(d), address=address, now=now)  # fmt: skip


def chain(session: Session, d: Device, column: str) -> list[Device]:
    """The parents of an asset up the power (UPS → PDU → …) or network chain, nearest
    last; stops at a loop left by older data."""
    out: list[Device] = []
    seen = {d.id}
    parent_id = getattr(d, column)
    while parent_id is not None and parent_id not in seen:
        parent = session.get(Device, parent_id)
        if parent is None:
            break
        out.append(parent)
        seen.add(parent.id)
        parent_id = getattr(parent, column)
    return out[::-1]


def history(session: Session, device_id: int) -> list[AuditEntry]:
    """Every audited change of the asset (edits, credentials, loans), newest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == OBJECT, AuditEntry.object_id == str(device_id))
            .order_by(AuditEntry.id.desc())
        )
    )


def changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of the fields an entry changed."""
    before, after = entry.before or {}, entry.after or {}
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
