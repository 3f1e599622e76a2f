"""Where assets live and what they inherit: sites, rooms (site, credential profile), racks
(row, height) and credential profiles. Create-or-update by name; audited, secrets masked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory.errors import LedgerError
from inventory.vault import mask
from store import audit
from store.models import Device, Rack, Room
from store.models_ledger import CredentialProfile, Site

PROFILE_TEXT = ("snmp_user", "snmp_auth_protocol", "snmp_priv_protocol")
PROFILE_SECRETS = ("community", "snmp_auth_key", "snmp_priv_key")


def _name(value: str, field: str = "name") -> str:
    value = value.strip()
    if not value:
        raise LedgerError("ledger.error.required", field=field)
    if len(value) > 100:
        raise LedgerError("ledger.error.too_long", field=field)
    return value


def save_site(
    session: Session, name: str, title: str, *, actor: str, now: datetime, address: str = ""
) -> Site:
    name = _name(name)
    site = session.scalar(select(Site).where(Site.name == name))
    before = {"title": site.title} if site else None
    if site is None:
        site = Site(name=name)
        session.add(site)
    site.title = title.strip()[:200]
    session.flush()
    audit.record(session, actor, "ledger.site", "site", site.id, before=before,
                 after={"name": name, "title": site.title}, address=address, now=now)  # fmt: skip
    return site


def save_room(
    session: Session, name: str, title_zh: str, site_id: int | None, profile_id: int | None,
    *, actor: str, now: datetime, address: str = "",
) -> Room:  # fmt: skip
    name = _name(name)
    if site_id is not None and session.get(Site, site_id) is None:
        raise LedgerError("ledger.error.unknown_site", field="site_id")
    if profile_id is not None and session.get(CredentialProfile, profile_id) is None:
        raise LedgerError("ledger.error.unknown_profile", field="credential_profile_id")
    room = session.scalar(select(Room).where(Room.name == name))
    before = None
    if room is None:
        room = Room(name=name, title_en=name)
        session.add(room)
    else:
        before = {"title_zh": room.title_zh, "site_id": room.site_id,
                  "credential_profile_id": room.credential_profile_id}  # fmt: skip
    room.title_zh = title_zh.strip()[:200] or name
    room.site_id, room.credential_profile_id = site_id, profile_id
    session.flush()
    audit.record(session, actor, "ledger.room", "room", room.id, before=before,
                 after={"name": name, "title_zh": room.title_zh, "site_id": site_id,
                        "credential_profile_id": profile_id}, address=address, now=now)  # fmt: skip
    return room


def save_rack(
    session: Session, room_id: int, name: str, row_name: str, height_u: int, *, actor: str,
    now: datetime, address: str = "",
) -> Rack:  # fmt: skip
    name = _name(name)
    if session.get(Room, room_id) is None:
        raise LedgerError("ledger.error.unknown_room", field="room_id")
    if not 1 <= height_u <= 60:
        raise LedgerError("ledger.error.bad_number", field="height_u")
    rack = session.scalar(select(Rack).where(Rack.room_id == room_id, Rack.name == name))
    before = None
    if rack is None:
        rack = Rack(room_id=room_id, name=name)
        session.add(rack)
    else:
        before = {"row_name": rack.row_name, "height_u": rack.height_u}
        top = session.scalar(
            select(func.max(Device.position_u + Device.u_height - 1)).where(
                Device.rack_id == rack.id
            )
        )
        if top is not None and top > height_u:
            raise LedgerError("ledger.error.rack_too_low", field="height_u", top=top)
    rack.row_name, rack.height_u = row_name.strip()[:100], height_u
    session.flush()
    audit.record(session, actor, "ledger.rack", "rack", rack.id, before=before,
                 after={"room_id": room_id, "name": name, "row_name": rack.row_name,
                        "height_u": height_u}, address=address, now=now)  # fmt: skip
    return rack


def profile_view(p: CredentialProfile) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "snmp_version": p.snmp_version}
    out.update({k: getattr(p, k) for k in PROFILE_TEXT})
    out.update({k: mask(getattr(p, k) or "") for k in PROFILE_SECRETS})
    return out


def save_profile(
    session: Session, fields: Mapping[str, str], *, actor: str, now: datetime, address: str = ""
) -> CredentialProfile:
    """Create or update a profile by name; an empty secret keeps the stored one."""
    name = _name(fields.get("name", ""))
    version = fields.get("snmp_version", "2c")
    if version not in ("1", "2c", "3"):
        raise LedgerError("ledger.error.bad_version", field="snmp_version")
    p = session.scalar(select(CredentialProfile).where(CredentialProfile.name == name))
    before = profile_view(p) if p else None
    if p is None:
        p = CredentialProfile(name=name, community="", snmp_user="", snmp_auth_protocol="",
                              snmp_auth_key="", snmp_priv_protocol="",
                              snmp_priv_key="")  # fmt: skip
        session.add(p)
    p.snmp_version = version
    for key in (*PROFILE_TEXT, *PROFILE_SECRETS):
        value = fields.get(key, "")
        if len(value) > 200:
            raise LedgerError("ledger.error.too_long", field=key)
        if key in PROFILE_SECRETS and not value:
            continue
        setattr(p, key, value.strip() if key in PROFILE_TEXT else value)
    session.flush()
    audit.record(session, actor, "ledger.profile", "credential_profile", p.id, before=before,
                 after=profile_view(p), address=address, now=now)  # fmt: skip
    return p
