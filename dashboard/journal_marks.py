"""What a record page shows of the journal: a red banner when the record's rows no longer
match its signature, the record's entry and the latest checkpoint (on the prints), and the
day review's checkpoint written to the file beside the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from records import checkpoints, integrity, journal
from records.checkpoints import Checkpoint
from store.models_journal import JournalEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Marks:
    mismatch: integrity.RecordMismatch | None
    entry: JournalEntry | None
    checkpoint: Checkpoint | None


def marks(session: Session, kind: str, record_id: int) -> Marks:
    """The journal's marks of one record (inside the page's transaction)."""
    return Marks(integrity.check_record(session, kind, record_id),
                 journal.signed_entry(session, kind, record_id),
                 checkpoints.latest(session))  # fmt: skip


def checkpoint_file() -> Path:
    from dashboard.extensions import roomwatch

    ext = roomwatch()
    return checkpoints.file_for(ext.settings.journal.checkpoint_file, ext.engine.url)


def keep_checkpoint(cp: Checkpoint | None) -> str:
    """Append a committed checkpoint to the file; the reason in words when it cannot be."""
    if cp is None:
        return ""
    path = checkpoint_file()
    try:
        checkpoints.append_file(path, cp)
    except (OSError, checkpoints.CheckpointFileError) as exc:
        log.error("journal checkpoint %s not written to %s: %s", cp.seq, path, exc)
        return str(exc)
    return ""
