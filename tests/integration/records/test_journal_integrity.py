"""Verify sees the chain's end and the records themselves (issue 11, point 3), on SQLite and
PostgreSQL: an attacker with database access turns the guards off, edits, and turns them
back on; the checkpoints and the record comparison still name what was done."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from records import checkpoints, integrity, journal
from records.access import service as access
from records.changes import service as changes
from records.changes.states import Action
from records.handover import review
from records.inspection import sheets
from store.accounts import get_user
from store.models_inspection import InspectionSheet
from store.models_journal import JournalCheckpoint
from tests.integration.records.test_access_service import PW as ACCESS_PW
from tests.integration.records.test_access_service import _inside
from tests.integration.records.test_access_service import room_id as room_id  # fixture
from tests.integration.records.test_changes_service import DUTY, _act, _approved
from tests.integration.records.test_changes_service import ids as ids  # fixture
from tests.integration.records.test_handover_service import PW, _open, _ready
from tests.integration.records.test_handover_service import _sign as sign_handover
from tests.integration.records.test_handover_service import db as db  # fixture
from tests.integration.records.test_inspection_sheets import NOW, PASSWORD, _fill_all, _tick
from tests.integration.records.test_inspection_sheets import room as room  # fixture


def tamper(engine: Engine, table: str, sql: str) -> None:
    """What an intruder with database access does: the table's guards off, the change, the
    guards back on (SQLite: drop and re-create its triggers; PostgreSQL: disable them)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            saved = list(conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": table}))  # fmt: skip
            for name, _ in saved:
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(sql))
            for _, create in saved:
                conn.execute(text(create))
        else:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            conn.execute(text(sql))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def _notes(s: Session, n: int) -> None:
    for i in range(1, n + 1):
        journal.freeze(s, kind="note", record_id=i, content={"n": i}, signer="duty",
                       address="", now=NOW + timedelta(minutes=i))  # fmt: skip


def test_deleting_the_newest_entry_is_named_by_the_checkpoint(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    kept = tmp_path / "checkpoints.jsonl"
    with sessions() as s, s.begin():
        _notes(s, 3)
        cp = checkpoints.record(s, by="boss", reason="day review", now=NOW + timedelta(hours=1))
    assert cp is not None and cp.seq == 3
    checkpoints.append_file(kept, cp)
    with sessions() as s:
        assert journal.verify(s, records=True, checkpoint_file=kept).ok
    # the newest entry goes, and the checkpoint row with it: only the file remembers
    tamper(engine, "journal", "DELETE FROM journal WHERE seq = 3")
    tamper(engine, "journal_checkpoints", "DELETE FROM journal_checkpoints")
    with sessions() as s:
        result = journal.verify(s, records=True, checkpoint_file=kept)
    assert result.broken_seq is None and result.checked == 2  # the shorter chain is whole
    assert not result.ok
    [problem] = result.problems
    assert "names entry 3, but the journal ends at entry 2" in problem.en
    assert "removed from its end" in problem.en and "末尾的记录被删除了" in problem.zh


def test_a_rewritten_chain_does_not_match_its_checkpoint(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    kept = tmp_path / "checkpoints.jsonl"
    with sessions() as s, s.begin():
        _notes(s, 2)
        cp = checkpoints.record(s, by="boss", reason="day review", now=NOW)
    assert cp is not None
    checkpoints.append_file(kept, cp)
    # the last entry deleted and signed again with other content: a whole, rewritten chain
    tamper(engine, "journal", "DELETE FROM journal WHERE seq = 2")
    with sessions() as s, s.begin():
        journal.freeze(s, kind="note", record_id=2, content={"n": "forged"}, signer="duty",
                       address="", now=NOW)  # fmt: skip
    with sessions() as s:
        result = journal.verify(s, checkpoint_file=kept)
    assert result.broken_seq is None and not result.ok
    # the table and the file hold the same checkpoint: named once
    assert [p.en for p in result.problems] == [
        f"the checkpoint of {NOW.date()} (table) does not match entry 2: the journal was "
        "rewritten after that day"]  # fmt: skip


def test_the_day_review_writes_the_chain_head_as_a_checkpoint(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        sign_handover(s, hid, confirmed=refs)
    with db() as s, s.begin():
        row = review.review_day(s, date(2026, 11, 21), UTC, username="boss", password=PW,
                                note="已审阅", address="",
                                now=NOW + timedelta(hours=10))  # fmt: skip
        entry = journal.signed_entry(s, review.KIND, row.id)
    with db() as s:
        [cp] = s.scalars(select(JournalCheckpoint)).all()
        assert entry is not None and (cp.seq, cp.hash) == (entry.seq, entry.hash)
        assert cp.made_by == "boss" and "2026-11-21" in cp.reason
        assert checkpoints.latest(s) == checkpoints.Checkpoint(cp.seq, cp.hash, cp.made_at,
                                                               cp.reason)  # fmt: skip
        result = journal.verify(s, records=True)
    assert result.ok and result.records == 2 and result.checkpoints == 1  # handover, review


def test_checkpoint_file_is_an_append_only_list(tmp_path: Path) -> None:
    kept = tmp_path / "sub" / "checkpoints.jsonl"
    first = checkpoints.Checkpoint(3, "a" * 64, NOW, "day review 2026-11-20")
    second = checkpoints.Checkpoint(9, "b" * 64, NOW + timedelta(days=1), "day review")
    checkpoints.append_file(kept, first)
    checkpoints.append_file(kept, second)
    assert checkpoints.read_file(kept) == [first, second]
    assert [p.name for p in kept.parent.iterdir()] == ["checkpoints.jsonl"]  # no temp left
    assert checkpoints.read_file(tmp_path / "none.jsonl") == []


def test_an_edited_inspection_item_is_named_and_untouched_records_pass(
    engine: Engine, sessions: sessionmaker[Session], room: int
) -> None:
    _tick(sessions)
    with sessions() as s:
        sheet_id = s.scalars(select(InspectionSheet.id)).one()
    with sessions() as s, s.begin():
        _fill_all(s, sheet_id)
        sheets.sign(s, sheet_id, username="duty", password=PASSWORD, address="", now=NOW)
    with sessions() as s:
        clean = journal.verify(s, records=True)
        assert clean.ok and clean.records == 1
        assert integrity.check_record(s, "inspection", sheet_id) is None
    tamper(engine, "inspection_items",
           f"UPDATE inspection_items SET result = 'pass', note = '' WHERE sheet_id = {sheet_id} "
           "AND result = 'fail'")  # fmt: skip
    with sessions() as s:
        result = journal.verify(s, records=True)
        found = integrity.check_record(s, "inspection", sheet_id)
    assert result.broken_seq is None and not result.ok  # the chain itself is whole
    assert result.mismatched == (("inspection", sheet_id),)
    [problem] = result.problems
    assert problem.en.startswith(f"inspection sheet #{sheet_id} does not match its signature")
    assert problem.zh.startswith(f"巡检表 #{sheet_id} 与签名不符")
    assert found is not None and found.why == "changed"


def test_an_edited_handover_row_is_named(engine: Engine, db: sessionmaker[Session]) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        sign_handover(s, hid, confirmed=refs)
    with db() as s:
        assert journal.verify(s, records=True).ok
    tamper(
        engine,
        "handover_items",
        f"UPDATE handover_items SET summary = '一切正常' WHERE handover_id = {hid}",
    )
    with db() as s:
        result = journal.verify(s, records=True)
    assert result.mismatched == (("handover", hid),)
    assert "handover #" in result.problems[0].en and "交接班记录" in result.problems[0].zh


def test_a_record_marked_unsigned_is_named(engine: Engine, db: sessionmaker[Session]) -> None:
    first = _open(db)
    refs = _ready(db, first)
    with db() as s, s.begin():
        sign_handover(s, first, confirmed=refs)
    tamper(engine, "handovers", f"UPDATE handovers SET signed_at = NULL WHERE id = {first}")
    with db() as s:
        [found] = integrity.check_all(s)[1]
    assert (found.kind, found.record_id, found.why) == ("handover", first, "unsigned")
    assert "no longer marked as signed" in found.problem().en


def test_an_access_registration_matches_until_edited(
    engine: Engine, sessions: sessionmaker[Session], room_id: int
) -> None:
    eid = _inside(sessions, room_id)
    with sessions() as s, s.begin():
        access.leave(s, eid, username="duty", password=ACCESS_PW, address="",
                     now=NOW + timedelta(hours=1))  # fmt: skip
    with sessions() as s:
        clean = journal.verify(s, records=True)
    assert clean.ok and clean.records == 1, clean.problems
    tamper(engine, "access_entries", f"UPDATE access_entries SET person = '王五' WHERE id = {eid}")
    with sessions() as s:
        assert journal.verify(s, records=True).mismatched == (("access", eid),)


def test_a_closed_change_matches_until_edited(
    engine: Engine, sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    cid = _approved(sessions, [ids["ups-1"]])
    _act(sessions, cid, (Action.START, DUTY), (Action.IMPLEMENT, DUTY), (Action.VERIFY, DUTY))
    with sessions() as s, s.begin():
        user = get_user(s, "duty")
        assert user is not None
        changes.close(s, cid, user, "", NOW + timedelta(hours=2))
    with sessions() as s:
        clean = journal.verify(s, records=True)
    assert clean.ok and clean.records == 1, clean.problems
    tamper(engine, "change_events", f"UPDATE change_events SET note = '' WHERE change_id = {cid}")
    with sessions() as s:
        assert journal.verify(s, records=True).mismatched == (("change", cid),)
