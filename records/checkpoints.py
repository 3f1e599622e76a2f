"""Checkpoints of the journal's head, kept outside the rows they protect.

The chain proves that no entry was changed, but not that none was removed from its end:
deleting the newest entries leaves a shorter chain that is still whole. So at every
supervisor day review the chain's last entry (seq, hash) becomes a checkpoint: a row of
``journal_checkpoints`` in the review's transaction, printed on the day's page and on the
record prints, and, once the review is committed, appended to a file beside the database.
The file is an append-only list rewritten atomically (temporary file, fsync, rename), so a
crash leaves the old list or the new one, never half of one.

:func:`compare` checks checkpoints against the chain: one beyond the chain's end means its
tail was removed; one whose hash differs from the entry at its seq means the chain was
rewritten. Both are named in words.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from core.config import DEFAULT_VAR
from records.problems import Problem
from store.models_journal import JournalCheckpoint, JournalEntry, JournalPurge

PG_DEFAULT_NAME = "journal-checkpoints.jsonl"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    made_at: datetime
    reason: str = ""


def file_for(configured: str, database: str | URL) -> Path:
    """The checkpoint file: as configured, else ``<database file>.checkpoints.jsonl`` next to
    a SQLite database, else ``var/journal-checkpoints.jsonl``."""
    if configured:
        return Path(configured)
    url = make_url(database) if isinstance(database, str) else database
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db = Path(str(url.database))
        return db.with_name(db.name + ".checkpoints.jsonl")
    return DEFAULT_VAR / PG_DEFAULT_NAME


def head(session: Session) -> tuple[int, str] | None:
    """The chain's last entry (seq, hash), or None when the journal is empty."""
    row = session.execute(
        select(JournalEntry.seq, JournalEntry.hash).order_by(JournalEntry.seq.desc()).limit(1)
    ).first()
    return None if row is None else (row.seq, row.hash)


def record(session: Session, *, by: str, reason: str, now: datetime) -> Checkpoint | None:
    """Store the chain's head as a checkpoint row (in the caller's transaction)."""
    top = head(session)
    if top is None:
        return None
    session.add(JournalCheckpoint(seq=top[0], hash=top[1], made_at=now, made_by=by[:100],
                                  reason=reason[:200]))  # fmt: skip
    session.flush()
    return Checkpoint(top[0], top[1], now, reason)


def stored(session: Session) -> list[Checkpoint]:
    rows = session.scalars(select(JournalCheckpoint).order_by(JournalCheckpoint.id))
    return [Checkpoint(r.seq, r.hash, r.made_at, r.reason) for r in rows]


def latest(session: Session) -> Checkpoint | None:
    """The newest checkpoint row (what the prints show)."""
    r = session.scalars(
        select(JournalCheckpoint).order_by(JournalCheckpoint.id.desc()).limit(1)
    ).first()
    return None if r is None else Checkpoint(r.seq, r.hash, r.made_at, r.reason)


class CheckpointFileError(Exception):
    """The checkpoint file cannot be read or is not a list of checkpoints."""


def read_file(path: Path) -> list[Checkpoint]:
    """The checkpoints of ``path`` (none when it does not exist yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise CheckpointFileError(f"cannot read {path}: {exc.strerror}") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(Checkpoint(int(data["seq"]), str(data["hash"]),
                                  datetime.fromisoformat(data["at"]).astimezone(UTC),
                                  str(data.get("reason", ""))))  # fmt: skip
        except (ValueError, KeyError, TypeError):
            raise CheckpointFileError(f"{path} line {n} is not a checkpoint") from None
    return out


def _line(cp: Checkpoint) -> str:
    data = {"seq": cp.seq, "hash": cp.hash, "at": cp.made_at.astimezone(UTC).isoformat(),
            "reason": cp.reason}  # fmt: skip
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def append_file(path: Path, cp: Checkpoint) -> None:
    """Add one checkpoint to the file: the whole list is written to a temporary file,
    flushed to disk and renamed over the old one (then the folder is flushed too)."""
    lines = [_line(c) for c in read_file(path)] + [_line(cp)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def compare(session: Session, checkpoints: Iterable[tuple[str, Checkpoint]]) -> list[Problem]:
    """Each checkpoint (with where it was kept) against the chain; the mismatches in words."""
    top = head(session)
    last = top[0] if top else 0
    purge = session.scalars(select(JournalPurge).order_by(JournalPurge.id.desc()).limit(1)).first()
    purged = purge.upto_seq if purge else 0
    out: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for where_en, cp in checkpoints:
        if (cp.seq, cp.hash) in seen:
            continue
        seen.add((cp.seq, cp.hash))
        day = cp.made_at.astimezone(UTC).date().isoformat()
        zh_where = "检查点文件" if where_en == "file" else "检查点表"
        if cp.seq > last:
            out.append(Problem(
                f"the checkpoint of {day} ({where_en}) names entry {cp.seq}, but the journal "
                f"ends at entry {last}: entries were removed from its end",
                f"{day} 的检查点（{zh_where}）记到第 {cp.seq} 条，而日志只到第 {last} 条："
                "末尾的记录被删除了"))  # fmt: skip
            continue
        if cp.seq < purged:
            continue  # cleared by a retention purge: nothing left to compare with
        expected = purge.last_hash if purge and cp.seq == purged else session.scalar(
            select(JournalEntry.hash).where(JournalEntry.seq == cp.seq))  # fmt: skip
        if expected is None:
            continue  # a gap: the chain walk names the missing entry itself
        if expected != cp.hash:
            out.append(Problem(
                f"the checkpoint of {day} ({where_en}) does not match entry {cp.seq}: "
                "the journal was rewritten after that day",
                f"{day} 的检查点（{zh_where}）与第 {cp.seq} 条不符："
                "该日之后日志被改写过"))  # fmt: skip
    return out
