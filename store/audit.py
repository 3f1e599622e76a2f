"""The audit journal: every action, who, when, from where, before and after. Called explicitly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.base import Base
from store.models import AuditEntry, Device, Rack, Room
from store.models_ledger import CredentialProfile

# fields of a before/after that hold another row's id: a person reads that row's name
REFERENCES: dict[str, type[Base]] = {
    "room_id": Room,
    "rack_id": Rack,
    "power_parent_id": Device,
    "network_parent_id": Device,
    "credential_profile_id": CredentialProfile,
}


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str = "",
    request_id: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        ts=now or datetime.now(UTC),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        address=address,
        request_id=request_id,
    )
    session.add(entry)
    return entry


def recent(session: Session, limit: int = 100) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def named(session: Session, changes: list[tuple[str, Any, Any]]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) as shown: an id of another row (``room_id: 1``) becomes that
    row's name (``A101``); a row deleted since keeps its id, marked ``#1``."""

    def name(key: str, value: Any) -> Any:
        model = REFERENCES.get(key)
        if model is None or value is None:
            return value
        row = session.get(model, value)
        return getattr(row, "name", None) or f"#{value}"

    return [(k, name(k, before), name(k, after)) for k, before, after in changes]
