"""Ingest batches stored at most once: an agent's ``batch_id`` claimed in the transaction
that stores the batch, so a batch and its id are committed together or not at all.

The claim is the transaction's first write. A second delivery of the same id (the agent
gave up waiting and sent it again while the first was still being stored) waits on the
first's row lock, then finds the id taken and answers with the first acknowledgement.
Callers own the session and its transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import IngestBatch


def claim(session: Session, kind: str, agent: str, batch_id: str, now: datetime) -> bool:
    """Take ``batch_id`` for this transaction; False when it was stored before."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, IngestBatch.__table__)
    # RETURNING tells whether the row went in (psycopg gives no rowcount for this insert)
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.batch_id)
    row = {"kind": kind, "agent": agent, "batch_id": batch_id, "accepted": 0, "refused": 0,
           "ack": "", "received_at": now}  # fmt: skip
    return session.execute(stmt, row).first() is not None


def settle(
    session: Session, kind: str, agent: str, batch_id: str, accepted: int, refused: int, ack: str
) -> None:
    """Record the acknowledgement of a claimed batch (same transaction as the claim)."""
    session.execute(
        update(IngestBatch)
        .where(IngestBatch.kind == kind, IngestBatch.agent == agent)
        .where(IngestBatch.batch_id == batch_id)
        .values(accepted=accepted, refused=refused, ack=ack)
    )


def stored_ack(session: Session, kind: str, agent: str, batch_id: str) -> str | None:
    """The acknowledgement (JSON text) the first delivery of ``batch_id`` was answered with."""
    return session.scalar(
        select(IngestBatch.ack).where(
            IngestBatch.kind == kind, IngestBatch.agent == agent, IngestBatch.batch_id == batch_id
        )
    )


def prune(session: Session, before: datetime) -> int:
    """Forget batch ids received before ``before`` (with the raw retention)."""
    result: Any = session.execute(delete(IngestBatch).where(IngestBatch.received_at < before))
    return int(result.rowcount or 0)
