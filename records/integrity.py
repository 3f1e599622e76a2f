"""Do a signed record's live rows still say what its journal entry froze?

The chain protects the entries; the triggers protect the rows. Someone who can drop and
recreate the triggers can edit the rows and leave the chain whole, and the screen would
show the altered rows. So each duty area's content is rebuilt from its live rows with the
very function that built it at signing, and compared with the entry's content.

Amendments never change a record's rows or its frozen content (a correction is a remark
below the record, ``{"correction": ...}``), so the ``sign`` entry is what the rows must
match. Some parts of the frozen content are not the record's own rows and are left out of
the comparison: the room's name and title (the ledger may rename a room), the gate's
refusals at signing, the people's display names and the shifts' names (handover: an admin
may rename a person), and the day's tallies of a review.

Roster plans are not signed records (nothing freezes them), so there is nothing to compare.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from records import journal
from records.access import service as access
from records.changes import service as changes
from records.handover import service as handover
from records.inspection import sheets
from records.problems import Problem
from store.models import Room
from store.models_access import AccessEntry
from store.models_changes import ChangeRequest
from store.models_handover import DayReview, Handover
from store.models_inspection import InspectionSheet
from store.models_journal import JournalEntry, JournalPurge


def _inspection(session: Session, row: Any) -> dict[str, Any]:
    room = session.get(Room, row.room_id) or Room(name="", title_zh="", title_en="")
    return sheets.content(row, room)


def _review(session: Session, row: Any) -> dict[str, Any]:
    return {"day": row.day.isoformat(), "note": row.note}


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of signed record is rebuilt from its rows, and what is not its rows."""

    model: type[Any]
    rebuild: Callable[[Session, Any], dict[str, Any]]
    not_rows: frozenset[str]
    en: str
    zh: str


KINDS: dict[str, Kind] = {
    sheets.KIND: Kind(InspectionSheet, _inspection, frozenset({"room", "room_title"}),
                      "inspection sheet", "巡检表"),
    handover.KIND: Kind(Handover, lambda s, row: handover.content(row),
                        frozenset({"gate_refusals", "names", "shifts"}), "handover",
                        "交接班记录"),
    access.KIND: Kind(AccessEntry, access.content, frozenset({"room"}),
                      "access registration", "出入登记"),
    changes.KIND: Kind(ChangeRequest, lambda s, row: changes.content(row), frozenset(),
                       "change request", "变更申请"),
    "review": Kind(DayReview, _review, frozenset({"alarms", "handovers", "journal"}),
                   "day review", "值班审阅"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecordMismatch:
    """A signed record whose rows do not match its entry; ``why`` is one of
    ``changed`` (rows differ), ``missing`` (rows deleted), ``unsigned`` (no longer marked
    signed) or ``no_entry`` (marked signed without a journal entry)."""

    kind: str
    record_id: int
    seq: int | None
    why: str

    def problem(self) -> Problem:
        k = KINDS[self.kind]
        what_en, what_zh = f"{k.en} #{self.record_id}", f"{k.zh} #{self.record_id}"
        entry_en, entry_zh = f"journal entry {self.seq}", f"日志第 {self.seq} 条"
        texts = {
            "changed": (f"{what_en} does not match its signature ({entry_en}): its rows were "
                        "changed after signing",
                        f"{what_zh} 与签名不符（{entry_zh}）：签名后内容被改动"),
            "missing": (f"{what_en} was deleted but is signed in {entry_en}",
                        f"{what_zh} 已在{entry_zh}签名，但记录本身被删除了"),
            "unsigned": (f"{what_en} is signed in {entry_en} but its rows are no longer "
                         "marked as signed", f"{what_zh} 已在{entry_zh}签名，但记录被改成未签名"),
            "no_entry": (f"{what_en} is marked as signed but the journal has no signature "
                         "for it", f"{what_zh} 标为已签名，但日志里没有它的签名"),
        }  # fmt: skip
        en, zh = texts[self.why]
        return Problem(en, zh)


def _plain(value: Any) -> Any:
    """One form for both sides: datetimes in UTC, whole floats as integers (the store may
    give 42.0 for the 42 that was signed)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        return when.astimezone(UTC).isoformat() if when.tzinfo else value
    return value


def _differs(kind: Kind, session: Session, row: Any, frozen: str) -> bool:
    live = _plain(json.loads(journal.canonical(kind.rebuild(session, row))))
    signed = json.loads(frozen)
    if not isinstance(signed, dict):
        return True
    signed = _plain({k: v for k, v in signed.items() if k not in kind.not_rows})
    return {k: v for k, v in live.items() if k not in kind.not_rows} != signed


def _judge(
    session: Session, kind_name: str, record_id: int, seq: int, content: str,
    signed_at: datetime, purged_before: datetime | None,
) -> RecordMismatch | None:  # fmt: skip
    kind = KINDS[kind_name]
    row = session.get(kind.model, record_id)
    if row is None:
        if purged_before is not None and signed_at < purged_before:
            return None  # cleared by a retention purge
        return RecordMismatch(kind_name, record_id, seq, "missing")
    if row.signed_at is None:
        return RecordMismatch(kind_name, record_id, seq, "unsigned")
    if _differs(kind, session, row, content):
        return RecordMismatch(kind_name, record_id, seq, "changed")
    return None


def _purged_before(session: Session) -> datetime | None:
    purge = session.scalars(select(JournalPurge).order_by(JournalPurge.id.desc()).limit(1)).first()
    return purge.before if purge else None


def check_record(session: Session, kind: str, record_id: int) -> RecordMismatch | None:
    """The one record a page shows: None when it is a draft or matches its signature."""
    if kind not in KINDS:
        return None
    entry = journal.signed_entry(session, kind, record_id)
    if entry is None:
        row = session.get(KINDS[kind].model, record_id)
        signed = row is not None and row.signed_at is not None
        return RecordMismatch(kind, record_id, None, "no_entry") if signed else None
    return _judge(session, kind, record_id, entry.seq, entry.content, entry.signed_at,
                  _purged_before(session))  # fmt: skip


def _sign_entries(session: Session, batch: int) -> Iterator[Any]:
    after = 0
    cols = (JournalEntry.seq, JournalEntry.kind, JournalEntry.record_id, JournalEntry.content,
            JournalEntry.signed_at)  # fmt: skip
    while True:
        rows = list(session.execute(
            select(*cols).where(JournalEntry.seq > after, JournalEntry.action == "sign",
                                JournalEntry.kind.in_(list(KINDS)))
            .order_by(JournalEntry.seq).limit(batch)))  # fmt: skip
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()  # read-only walk: keep memory flat over years of records


def check_all(session: Session, batch: int = 500) -> tuple[int, list[RecordMismatch]]:
    """Every signed record against its entry: (records compared, mismatches)."""
    purged_before = _purged_before(session)
    checked, out = 0, []
    signed_ids: dict[str, set[int]] = {k: set() for k in KINDS}
    for e in _sign_entries(session, batch):
        signed_ids[e.kind].add(e.record_id)
        found = _judge(session, e.kind, e.record_id, e.seq, e.content, e.signed_at,
                       purged_before)  # fmt: skip
        checked += 1
        if found is not None:
            out.append(found)
    for name, kind in KINDS.items():
        marked = session.scalars(select(kind.model.id).where(kind.model.signed_at.is_not(None)))
        out.extend(RecordMismatch(name, i, None, "no_entry")
                   for i in sorted(set(marked) - signed_ids[name]))  # fmt: skip
    return checked, out
