"""The journal of signed duty records: append-only, each entry chained to the previous.

Signing a record writes its content here (R4.4 不得撕页, 不得涂改). The database refuses an
update of any entry and a deletion that no journaled purge covers (triggers made by
migrations 0005 and 0012 through :mod:`store.immutable`).
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, str40, str100, str200, utc


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
    signed before ``before`` may be deleted; the chain resumes from ``last_hash``.

    Each purge is bound to the ``purge`` entry that journals it (``entry_seq``,
    ``entry_hash``), appended just before it; the database refuses a row that is not
    (migration 0012). Rows from before 0012 whose entry could not be found stay unbound
    (NULL): they unlock nothing, and ``records.journal.verify_purges`` reports them."""

    __tablename__ = "journal_purges"
    __table_args__ = (Index("ix_journal_purges_entry_seq", "entry_seq", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    before: Mapped[utc]
    upto_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int]
    purged_by: Mapped[str100]
    purged_at: Mapped[utc]
    entry_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class JournalCheckpoint(Base):
    """The chain's head (``seq``, ``hash``) as it stood at a supervisor's day review.

    The same checkpoints are appended to a file outside the database (records.checkpoints):
    a removed tail of the chain leaves a checkpoint beyond its end, which verify names."""

    __tablename__ = "journal_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[utc]
    made_by: Mapped[str100]
    reason: Mapped[str200]  # what wrote it ("day review 2026-11-20")
