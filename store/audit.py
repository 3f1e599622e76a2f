"""The audit journal: every action, who, when, from where, before and after. Called explicitly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import AuditEntry


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
