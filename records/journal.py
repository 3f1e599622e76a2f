"""The journal: signing freezes a record's content into an append-only hash chain (R4.4).

Each entry carries the SHA-256 of the previous entry; :func:`verify` walks the chain and
names the first entry whose stored hash or link does not match. A correction is a new
``amend`` entry that refers to the original and says why (不得撕页, 不得涂改); nothing is
ever updated. A purge after the retention period (three years by default) deletes old
entries and signed records only through a journaled :class:`JournalPurge`, and the chain
resumes from the purge's last hash.

Callers pass the session and the time; the caller's transaction commits the entry together
with the record's ``signed_at``, so a crash never leaves one without the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from records.errors import NotFound, RecordError
from store.models_journal import JournalEntry, JournalPurge

GENESIS = "0" * 64
RETENTION = timedelta(days=3 * 365 + 1)  # three years (seed 000 §9: 值班记录保存三年)


def canonical(content: Mapping[str, Any]) -> str:
    """One JSON text per content: sorted keys, no spaces, UTF-8 kept, datetimes as ISO."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_iso)  # fmt: skip


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def entry_hash(
    *, seq: int, kind: str, record_id: int, action: str, amends_seq: int | None, reason: str,
    content: str, signer: str, address: str, signed_at: datetime, prev_hash: str,
) -> str:  # fmt: skip
    """The hash of one entry over every stored field and the previous hash."""
    fields = [str(seq), kind, str(record_id), action, "" if amends_seq is None else str(amends_seq),
              reason, content, signer, address, signed_at.astimezone(UTC).isoformat(),
              prev_hash]  # fmt: skip
    digest = hashlib.sha256()
    for f in fields:
        data = f.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


_COLUMNS = tuple(JournalEntry.__table__.c)


def _stored_hash(e: Any) -> str:
    """The hash of a stored entry (an ORM object or a row of :data:`_COLUMNS`)."""
    return entry_hash(seq=e.seq, kind=e.kind, record_id=e.record_id, action=e.action,
                      amends_seq=e.amends_seq, reason=e.reason, content=e.content,
                      signer=e.signer, address=e.address, signed_at=e.signed_at,
                      prev_hash=e.prev_hash)  # fmt: skip


def _lock(session: Session) -> None:
    """One writer at a time appends (PostgreSQL advisory lock; SQLite serializes writes)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7710001)"))


def _tail(session: Session) -> tuple[int, str]:
    last = session.scalars(select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)).first()
    if last is not None:
        return last.seq, last.hash
    purge = session.scalars(select(JournalPurge).order_by(JournalPurge.id.desc()).limit(1)).first()
    return (purge.upto_seq, purge.last_hash) if purge else (0, GENESIS)


def append(
    session: Session, *, kind: str, record_id: int, action: str, content: Mapping[str, Any],
    signer: str, address: str, now: datetime, amends_seq: int | None = None, reason: str = "",
) -> JournalEntry:  # fmt: skip
    """Append one entry at the end of the chain (in the caller's transaction)."""
    if not signer:
        raise RecordError("journal.no_signer")
    _lock(session)
    seq, prev = _tail(session)
    body = canonical(content)
    entry = JournalEntry(seq=seq + 1, kind=kind, record_id=record_id, action=action,
                         amends_seq=amends_seq, reason=reason, content=body, signer=signer,
                         address=address[:100], signed_at=now, prev_hash=prev, hash="")  # fmt: skip
    entry.hash = _stored_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def freeze(
    session: Session, *, kind: str, record_id: int, content: Mapping[str, Any], signer: str,
    address: str, now: datetime,
) -> JournalEntry:  # fmt: skip
    """Sign a record: its content becomes a ``sign`` entry. Signing twice is refused."""
    if signed_entry(session, kind, record_id) is not None:
        raise RecordError("journal.already_signed", kind=kind, record_id=record_id)
    return append(session, kind=kind, record_id=record_id, action="sign", content=content,
                  signer=signer, address=address, now=now)  # fmt: skip


def amend(
    session: Session, *, original_seq: int, content: Mapping[str, Any], reason: str, signer: str,
    address: str, now: datetime,
) -> JournalEntry:  # fmt: skip
    """A correction: a new entry referring to the original, with the reason (required)."""
    if not reason.strip():
        raise RecordError("journal.amend_needs_reason")
    original = session.get(JournalEntry, original_seq)
    if original is None:
        raise NotFound("journal.no_entry", seq=original_seq)
    return append(session, kind=original.kind, record_id=original.record_id, action="amend",
                  content=content, signer=signer, address=address, now=now,
                  amends_seq=original.seq, reason=reason.strip())  # fmt: skip


def signed_entry(session: Session, kind: str, record_id: int) -> JournalEntry | None:
    """The ``sign`` entry of a record, if it was signed."""
    return session.scalars(
        select(JournalEntry).where(
            JournalEntry.kind == kind,
            JournalEntry.record_id == record_id,
            JournalEntry.action == "sign",
        )
    ).first()


def entries_for(session: Session, kind: str, record_id: int) -> list[JournalEntry]:
    """The signing entry and every amendment of a record, oldest first."""
    return list(session.scalars(
        select(JournalEntry).where(JournalEntry.kind == kind, JournalEntry.record_id == record_id)
        .order_by(JournalEntry.seq)))  # fmt: skip


def content_of(entry: JournalEntry) -> dict[str, Any]:
    data = json.loads(entry.content)
    return data if isinstance(data, dict) else {"value": data}


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of walking the chain: ``broken_seq`` is the first bad entry, if any."""

    checked: int
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(
    session: Session, progress: Callable[[int, int], None] | None = None, batch: int = 2000
) -> Verification:
    """Walk the whole chain in order; stop at the first entry that does not match."""
    total = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    purge = session.scalars(select(JournalPurge).order_by(JournalPurge.id.desc()).limit(1)).first()
    expect_seq, prev = (purge.upto_seq, purge.last_hash) if purge else (0, GENESIS)
    checked, after = 0, expect_seq
    while True:
        # plain rows, not ORM objects: verify reads every entry ever signed
        query = select(*_COLUMNS).where(JournalEntry.seq > after).order_by(JournalEntry.seq)
        rows: list[Any] = list(session.execute(query.limit(batch)))
        if not rows:
            return Verification(checked)
        for e in rows:
            if e.seq != expect_seq + 1:
                return Verification(checked, expect_seq + 1, f"entry {expect_seq + 1} is missing")
            if e.prev_hash != prev:
                return Verification(checked, e.seq, "its link to the previous entry is broken")
            if _stored_hash(e) != e.hash:
                return Verification(checked, e.seq, "its content does not match its hash")
            expect_seq, prev, checked = e.seq, e.hash, checked + 1
        after = rows[-1].seq
        if progress:
            progress(checked, total)


def purge_before(
    session: Session, before: datetime, *, by: str, now: datetime,
    record_tables: tuple[tuple[str, str], ...] = (),
) -> int:  # fmt: skip
    """Delete journal entries signed before ``before`` (and signed rows of ``record_tables``,
    pairs of table and signed column), never inside the retention period; the purge is
    recorded first and then journaled. Returns the number of entries removed."""
    if before > now - RETENTION:
        raise RecordError("journal.purge_too_recent", before=before.date().isoformat())
    _lock(session)
    old = list(session.scalars(select(JournalEntry).where(JournalEntry.signed_at < before)
                               .order_by(JournalEntry.seq)))  # fmt: skip
    if not old:
        return 0
    # only a prefix of the chain can go: stop at the first entry that is not old
    first_kept = session.scalar(select(func.min(JournalEntry.seq))
                                .where(JournalEntry.signed_at >= before))  # fmt: skip
    prefix = [e for e in old if first_kept is None or e.seq < first_kept]
    if not prefix:
        return 0
    session.add(JournalPurge(before=before, upto_seq=prefix[-1].seq, last_hash=prefix[-1].hash,
                             count=len(prefix), purged_by=by, purged_at=now))  # fmt: skip
    session.flush()
    session.execute(delete(JournalEntry).where(JournalEntry.seq <= prefix[-1].seq))
    for table, column in record_tables:
        session.execute(text(f"DELETE FROM {table} WHERE {column} < :before"), {"before": before})
    append(session, kind="purge", record_id=prefix[-1].seq, action="purge",
           content={"before": before, "entries": len(prefix), "upto_seq": prefix[-1].seq},
           signer=by, address="", now=now)  # fmt: skip
    return len(prefix)
