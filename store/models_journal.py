"""The journal of signed duty records: append-only, each entry chained to the previous.

Signing a record writes its content here (R4.4 不得撕页, 不得涂改). The database refuses an
update of any entry and a deletion that no journaled purge covers (triggers made by
migration 0005 through :mod:`store.immutable`).
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, str40, str100, utc


class JournalEntry(Base):
    __tablename__ = "journal"
    __table_args__ = (Index("ix_journal_kind_record", "kind", "record_id"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str40]  # inspection, handover, roster, access, change, review, purge...
    record_id: Mapped[int]
    action: Mapped[str40]  # sign | amend | purge
    amends_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)  # canonical JSON
    signer: Mapped[str100]
    address: Mapped[str100]
    signed_at: Mapped[utc]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class JournalPurge(Base):
    """A purge after the retention period: entries up to ``upto_seq`` and signed records
    signed before ``before`` may be deleted; the chain resumes from ``last_hash``."""

    __tablename__ = "journal_purges"
    id: Mapped[int] = mapped_column(primary_key=True)
    before: Mapped[utc]
    upto_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int]
    purged_by: Mapped[str100]
    purged_at: Mapped[utc]
