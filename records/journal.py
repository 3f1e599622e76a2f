"""The journal: signing freezes a record's content into an append-only hash chain (R4.4).

Each entry carries the SHA-256 of the previous entry; :func:`verify` walks the chain and
names the first entry whose stored hash or link does not match. A correction is a new
``amend`` entry that refers to the original and says why (不得撕页, 不得涂改); nothing is
ever updated. A purge after the retention period (three years by default) deletes old
entries and signed records only through a :class:`JournalPurge` bound to the ``purge``
entry that journals it (:func:`purge_before`, checked by :func:`verify_purges`), and the
chain resumes from the purge's last hash.

Callers pass the session and the time; the caller's transaction commits the entry together
with the record's ``signed_at``, so a crash never leaves one without the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from records.errors import NotFound, RecordError
from records.problems import Problem
from store.immutable import RETENTION_DAYS
from store.models_journal import JournalEntry, JournalPurge

GENESIS = "0" * 64
RETENTION = timedelta(days=RETENTION_DAYS)  # three years (seed 000 §9: 值班记录保存三年)


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
    """The (seq, hash) a new entry follows: the newest entry's. A purge never deletes its own
    entry, so an empty journal after a purge means its end was torn off: go on after the
    newest purge's entry (or its last purged one), never from seq 1, so verify shows a gap."""
    last = session.scalars(select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)).first()
    if last is not None:
        return last.seq, last.hash
    purge = session.scalars(select(JournalPurge).order_by(JournalPurge.id.desc()).limit(1)).first()
    if purge is None:
        return 0, GENESIS
    if purge.entry_seq is not None and purge.entry_hash is not None:
        return purge.entry_seq, purge.entry_hash
    return purge.upto_seq, purge.last_hash


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


_CHAIN_ZH = {
    "missing": "第 {seq} 条缺失",
    "link": "第 {seq} 条与前一条的链接断开",
    "hash": "第 {seq} 条的内容与其哈希不符",
}


@dataclass(frozen=True, slots=True)
class Verification:
    """What verify checked and found: ``broken_seq`` is the first bad entry of the chain, if
    any; ``problems`` every mismatch in words (chain, purges, checkpoints, records)."""

    checked: int
    broken_seq: int | None = None
    problem: str = ""
    records: int = 0  # signed records compared with their entries (``records=True``)
    purges: int = 0
    checkpoints: int = 0
    last_checkpoint: datetime | None = None  # when the newest checkpoint was made
    problems: tuple[Problem, ...] = ()  # the chain's own problem first, when it is broken
    mismatched: tuple[tuple[str, int], ...] = ()  # (kind, record id) whose rows differ

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.problems


def _walk(
    session: Session, progress: Callable[[int, int], None] | None, batch: int
) -> tuple[int, int | None, str, str]:
    """The chain in order: (entries checked, first bad seq, problem, its kind)."""
    total = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    purge = session.scalars(select(JournalPurge).order_by(JournalPurge.id.desc()).limit(1)).first()
    expect_seq, prev = (purge.upto_seq, purge.last_hash) if purge else (0, GENESIS)
    checked, after = 0, expect_seq
    while True:
        # plain rows, not ORM objects: verify reads every entry ever signed
        query = select(*_COLUMNS).where(JournalEntry.seq > after).order_by(JournalEntry.seq)
        rows: list[Any] = list(session.execute(query.limit(batch)))
        if not rows:
            return checked, None, "", ""
        for e in rows:
            if e.seq != expect_seq + 1:
                return checked, expect_seq + 1, f"entry {expect_seq + 1} is missing", "missing"
            if e.prev_hash != prev:
                return checked, e.seq, "its link to the previous entry is broken", "link"
            if _stored_hash(e) != e.hash:
                return checked, e.seq, "its content does not match its hash", "hash"
            expect_seq, prev, checked = e.seq, e.hash, checked + 1
        after = rows[-1].seq
        if progress:
            progress(checked, total)


def verify(
    session: Session, progress: Callable[[int, int], None] | None = None, batch: int = 2000,
    *, records: bool = False, checkpoint_file: Path | None = None,
) -> Verification:  # fmt: skip
    """Walk the whole chain in order (stopping at the first entry that does not match), check
    every purge against the chain and every checkpoint (the table's, and ``checkpoint_file``'s
    when given) against the chain's entries; with ``records``, compare each signed record's
    live rows with the content frozen in its entry (``roomwatch journal verify`` and the
    server's daily check do all of it)."""
    from records import checkpoints, integrity  # the duty areas import this module

    checked, broken, problem, how = _walk(session, progress, batch)
    found: list[Problem] = []
    if broken is not None:
        found.append(Problem(f"journal entry {broken}: {problem}",
                             f"签名日志：{_CHAIN_ZH[how].format(seq=broken)}"))  # fmt: skip
    purges = session.scalar(select(func.count()).select_from(JournalPurge)) or 0
    found += [Problem(p, f"清理记录与日志不符：{p}") for p in verify_purges(session)]
    kept = [("table", c) for c in checkpoints.stored(session)]
    if checkpoint_file is not None:
        try:
            kept += [("file", c) for c in checkpoints.read_file(checkpoint_file)]
        except checkpoints.CheckpointFileError as exc:
            found.append(Problem(f"checkpoint file: {exc}", f"检查点文件无法读取：{exc}"))
    found += checkpoints.compare(session, kept)
    compared, mismatched = 0, []
    if records:
        compared, bad = integrity.check_all(session)
        found += [m.problem() for m in bad]
        mismatched = [(m.kind, m.record_id) for m in bad]
    newest = max((c.made_at for _, c in kept), default=None)
    distinct = len({(c.seq, c.hash) for _, c in kept})
    return Verification(checked, broken, problem, compared, purges, distinct, newest,
                        tuple(found), tuple(mismatched))  # fmt: skip


def purge_before(
    session: Session, before: datetime, *, by: str, now: datetime,
    record_tables: tuple[tuple[str, str], ...] = (),
) -> int:  # fmt: skip
    """Delete journal entries signed before ``before`` (and signed rows of ``record_tables``,
    pairs of table and signed column), never inside the retention period. Returns the number
    of entries removed.

    The order is what the database checks (migration 0012): first the ``purge`` entry is
    appended (it is newer than ``before``, so this purge never deletes it), then the
    :class:`JournalPurge` row bound to that entry's seq and hash, then the deletions. The
    entry lists, under ``covers``, every earlier purge whose entry lies in the deleted
    prefix, so :func:`verify_purges` can still account for those purges afterwards."""
    if before > now - RETENTION:
        raise RecordError("journal.purge_too_recent", before=before.date().isoformat())
    _lock(session)
    # only a prefix of the chain can go: stop at the first entry that is not old
    first_kept = session.scalar(select(func.min(JournalEntry.seq))
                                .where(JournalEntry.signed_at >= before))  # fmt: skip
    prefix = select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)
    if first_kept is not None:
        prefix = prefix.where(JournalEntry.seq < first_kept)
    last = session.scalars(prefix).first()
    if last is None:
        return 0
    upto, last_hash = last.seq, last.hash
    count = session.scalar(select(func.count()).select_from(JournalEntry)
                           .where(JournalEntry.seq <= upto)) or 0  # fmt: skip
    covers = [{"seq": seq, "hash": digest} for seq, digest in session.execute(
        select(JournalPurge.entry_seq, JournalPurge.entry_hash)
        .where(JournalPurge.entry_seq <= upto).order_by(JournalPurge.entry_seq))]  # fmt: skip
    entry = append(session, kind="purge", record_id=upto, action="purge",
                   content={"before": before, "entries": count, "upto_seq": upto,
                            "covers": covers},
                   signer=by, address="", now=now)  # fmt: skip
    session.add(JournalPurge(before=before, upto_seq=upto, last_hash=last_hash, count=count,
                             purged_by=by, purged_at=now, entry_seq=entry.seq,
                             entry_hash=entry.hash))  # fmt: skip
    session.flush()
    session.execute(delete(JournalEntry).where(JournalEntry.seq <= upto))
    for table, column in record_tables:
        session.execute(text(f"DELETE FROM {table} WHERE {column} < :before"), {"before": before})
    return count


def verify_purges(session: Session) -> list[str]:
    """Check every purge against the chain; return the problems in words (empty when fine).

    A purge must be bound to a ``purge`` entry that records it (seq, hash, and the same
    ``upto_seq``, ``before`` and count). When a later purge deleted that entry, a purge entry
    still in the journal must list it under ``covers``. A purge entry with no purge row, or
    a listed purge that is no longer held, is reported too."""
    purges = list(session.scalars(select(JournalPurge).order_by(JournalPurge.id)))
    bound = {p.entry_seq for p in purges if p.entry_seq is not None}
    present = {e.seq: e for e in session.scalars(select(JournalEntry).where(
        (JournalEntry.action == "purge") | JournalEntry.seq.in_(bound)))}  # fmt: skip
    problems: list[str] = []
    covered: set[tuple[int, str]] = set()
    held = {(p.entry_seq, p.entry_hash) for p in purges}
    for e in present.values():
        if e.action != "purge" or _stored_hash(e) != e.hash:
            continue
        if e.seq not in bound:
            problems.append(f"journal entry {e.seq} records a purge that journal_purges does "
                            "not hold")  # fmt: skip
        for c in _covers(e):
            covered.add(c)
            if c not in held:
                problems.append(f"journal entry {e.seq} records that the purge journaled by "
                                f"entry {c[0]} was purged, but journal_purges no longer holds "
                                "that purge")  # fmt: skip
    for p in purges:
        problem = _purge_problem(p, present.get(p.entry_seq or 0), covered)
        if problem:
            name = f"purge {p.id} (entries up to {p.upto_seq}, signed before {p.before:%Y-%m-%d})"
            problems.append(f"{name} {problem}")
    return problems


def _purge_problem(p: JournalPurge, e: JournalEntry | None, covered: set[tuple[int, str]]) -> str:
    """What is wrong with one purge row, given its entry (None when absent); "" when fine."""
    if p.entry_seq is None or p.entry_hash is None:
        return ("is not bound to any purge entry of the journal (made before purges were "
                "bound, or forged)")  # fmt: skip
    if e is None:
        if (p.entry_seq, p.entry_hash) in covered:
            return ""
        return (f"names journal entry {p.entry_seq}, which is not in the journal, and no later "
                "purge records that it was purged")  # fmt: skip
    if e.action != "purge" or e.kind != "purge":
        return f"names journal entry {e.seq}, which is not a purge"
    if e.hash != p.entry_hash or _stored_hash(e) != e.hash:
        return f"names journal entry {e.seq}, whose hash is not the one the purge holds"
    data = content_of(e)
    if (e.record_id != p.upto_seq or data.get("upto_seq") != p.upto_seq
            or data.get("entries") != p.count or _when(data.get("before")) != p.before
            or p.upto_seq >= e.seq):  # fmt: skip
        return f"does not match what its journal entry {e.seq} recorded"
    return ""


def _covers(e: JournalEntry) -> set[tuple[int, str]]:
    """The earlier purges a purge entry records as deleted with its prefix: (seq, hash)."""
    listed = content_of(e).get("covers", [])
    if not isinstance(listed, list):
        return set()
    return {(c["seq"], c["hash"]) for c in listed
            if isinstance(c, dict) and isinstance(c.get("seq"), int)
            and isinstance(c.get("hash"), str)}  # fmt: skip


def _when(value: object) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
