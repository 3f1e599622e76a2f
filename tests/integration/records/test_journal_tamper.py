"""An attacker with the application's database access against the journal (issue 11, 1-2).

TRUNCATE, a forged purge row, and a purge row forged after dropping its guard: each is
refused by the database or reported by :func:`records.journal.verify_purges`, while the
legitimate ``purge_before`` still works, twice in a row, with the chain verified.

The triggers judge the retention period by the database's own clock, so these tests take
their times from the real clock (the store's injected ``now`` cannot move it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from records import journal
from records.retention import RECORD_TABLES
from store.db import alembic_config, upgrade
from store.immutable import drop_journal_purges_bound
from store.models_handover import DayReview, Handover, HandoverItem
from store.models_journal import JournalEntry, JournalPurge

TODAY = datetime.now(UTC).replace(microsecond=0)
YEAR = timedelta(days=365)
OLD = TODAY - 4 * YEAR  # beyond the three-year retention period
YOUNG = TODAY - timedelta(days=1)
BEFORE = TODAY - 3 * YEAR - timedelta(days=5)  # what `roomwatch journal purge` may remove

SIGNED_TABLES = (
    "journal", "journal_purges", "inspection_sheets", "inspection_items", "handovers",
    "handover_items", "handover_reviews", "access_entries", "access_items",
    "change_requests", "change_devices", "change_events",
)  # fmt: skip


def _sign(s: Session, record_id: int, when: datetime) -> JournalEntry:
    return journal.freeze(s, kind="handover", record_id=record_id, content={"notes": "正常"},
                          signer="duty", address="127.0.0.1", now=when)  # fmt: skip


def _handover(s: Session, when: datetime, code: str) -> int:
    """A handover with one item, signed at ``when`` (rows first, then the signature)."""
    row = Handover(outgoing_code="night", incoming_code=code, due_at=when, opened_at=when,
                   opened_by="duty", items=[HandoverItem(source="note", ref="note:1")])  # fmt: skip
    s.add(row)
    s.flush()
    row.signed_at = when
    _sign(s, row.id, when)
    return row.id


@pytest.fixture
def seeded(engine: Engine) -> dict[str, int]:
    """Two handovers with their journal entries: one beyond retention, one a day old."""
    with sessionmaker(engine)() as s, s.begin():
        ids = {"old": _handover(s, OLD, "day"), "young": _handover(s, YOUNG, "night")}
        s.add(DayReview(day=OLD.date(), note="", signed_at=OLD))
    return ids


def _refused(engine: Engine, sql: str, params: dict[str, object] | None = None) -> str:
    """Run ``sql`` in its own transaction; the database's refusal, or "" when it went through."""
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params or {})
    except DBAPIError as exc:
        return str(exc.orig)
    return ""


def _entry_hash(engine: Engine, seq: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(text("SELECT hash FROM journal WHERE seq = :s"), {"s": seq}))


# --- 1. TRUNCATE ------------------------------------------------------------------------


@pytest.mark.pg
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_truncate_is_refused_on_every_signed_table(engine: Engine) -> None:
    """PostgreSQL's TRUNCATE fires no row trigger; each signed table refuses it itself. The
    tables are read from the database too: any table with a frozen or append-only trigger."""
    with engine.connect() as conn:
        guarded = set(conn.scalars(text(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE '%\\_frozen' OR t.tgname LIKE '%append\\_only'")))  # fmt: skip
    assert set(SIGNED_TABLES) <= guarded
    # CASCADE, as an intruder would type it: a parent's children refuse as well
    refusals = {t: _refused(engine, f"TRUNCATE {t} CASCADE").split("\n")[0] for t in guarded}
    assert [t for t, m in refusals.items() if not m.startswith("roomwatch: ")] == []
    assert {t: refusals[t] for t in SIGNED_TABLES} == {
        t: f"roomwatch: {t} holds signed records and cannot be emptied with TRUNCATE"
        for t in SIGNED_TABLES
    }


@pytest.mark.parametrize("table", ["journal", "handovers", "handover_items", "handover_reviews"])
def test_delete_without_where_fires_the_row_triggers(
    engine: Engine, seeded: dict[str, int], table: str
) -> None:
    """SQLite has no TRUNCATE: its DELETE without WHERE (the "truncate optimisation") is not
    taken when the table has triggers, so every signed row is still refused."""
    count = f"SELECT count(*) FROM {table}"
    with engine.connect() as conn:
        rows = conn.scalar(text(count))
    assert _refused(engine, f"DELETE FROM {table}").startswith("roomwatch: ")
    with engine.connect() as conn:
        assert rows and conn.scalar(text(count)) == rows


# --- 2. a forged purge ------------------------------------------------------------------

_LEGACY_COLUMNS = "before, upto_seq, last_hash, count, purged_by, purged_at"
_LEGACY_INSERT = (f"INSERT INTO journal_purges ({_LEGACY_COLUMNS}) VALUES "
                  "(:before, :upto_seq, :last_hash, :count, :purged_by, :purged_at)")  # fmt: skip


def _forge(s: Session, case: str, before: datetime = TODAY + YEAR) -> dict[str, object]:
    """A forged journal_purges row over the newest signature, by default reaching past
    today (appending the purge entry it leans on, if the case has one)."""
    sign = s.scalars(select(JournalEntry).where(JournalEntry.action == "sign")
                     .order_by(JournalEntry.seq.desc())).first()  # fmt: skip
    assert sign is not None
    row: dict[str, object] = {
        "before": before, "upto_seq": sign.seq, "last_hash": sign.hash, "count": sign.seq,
        "purged_by": "x", "purged_at": TODAY, "entry_seq": None, "entry_hash": None,
    }  # fmt: skip
    if case == "a sign entry":
        row |= {"entry_seq": sign.seq, "entry_hash": sign.hash}
    elif case == "a missing entry":
        row |= {"entry_seq": 999, "entry_hash": "e" * 64}
    elif case in ("an entry inside retention", "another hash", "an entry saying otherwise"):
        fake = journal.append(s, kind="purge", record_id=sign.seq, action="purge",
                              content={"before": before, "entries": sign.seq,
                                       "upto_seq": sign.seq, "covers": []},
                              signer="x", address="", now=TODAY)  # fmt: skip
        digest = "f" * 64 if case == "another hash" else fake.hash
        row |= {"entry_seq": fake.seq, "entry_hash": digest}
        if case == "an entry saying otherwise":
            row["count"] = 1
    return row


@pytest.mark.parametrize(
    ("case", "refusal"),
    [
        ("unbound", "must follow its own purge entry"),
        ("a sign entry", "must follow its own purge entry"),
        ("an entry inside retention", "three-year retention period"),
        ("another hash", "must follow its own purge entry"),
        ("an entry saying otherwise", "must follow its own purge entry"),
    ],
    ids=["unbound", "bound-to-a-signature", "inside-retention", "other-hash", "content-differs"],
)
def test_a_forged_purge_row_is_refused_by_the_database(
    engine: Engine, seeded: dict[str, int], case: str, refusal: str
) -> None:
    """The attack of issue 11: one INSERT into journal_purges unlocked every DELETE."""
    with sessionmaker(engine)() as s, s.begin():  # inside retention, or as a real purge would
        row = _forge(s, case, TODAY + YEAR if "retention" in case else BEFORE)
    if case == "unbound":  # the very statement of the report, with the columns it had
        sql = _LEGACY_INSERT
    else:
        sql = (f"INSERT INTO journal_purges ({_LEGACY_COLUMNS}, entry_seq, entry_hash) VALUES "
               "(:before, :upto_seq, :last_hash, :count, :purged_by, :purged_at, :entry_seq, "
               ":entry_hash)")  # fmt: skip
    message = _refused(engine, sql, row)
    assert message.startswith("roomwatch: ") and refusal in message, message
    assert _refused(engine, "DELETE FROM journal WHERE seq = 1").startswith("roomwatch: ")
    assert _refused(engine, "DELETE FROM handovers").startswith("roomwatch: ")


def test_a_purge_forged_past_its_guard_deletes_nothing_young_and_is_reported(
    engine: Engine, seeded: dict[str, int]
) -> None:
    """The intruder drops the INSERT guard and forges a purge over everything, up to next
    year: the delete triggers still refuse every row younger than the retention period (by
    the database's clock), and verify_purges names the purge the chain does not contain."""
    with engine.begin() as conn:
        for sql in drop_journal_purges_bound(engine.dialect.name):
            conn.execute(text(sql))
    with sessionmaker(engine)() as s, s.begin():
        s.add(JournalPurge(**_forge(s, "a sign entry")))
    young, old = seeded["young"], seeded["old"]
    for sql in ("DELETE FROM journal WHERE seq = 2",  # the young handover's entry
                f"DELETE FROM handover_items WHERE handover_id = {young}",
                f"DELETE FROM handovers WHERE id = {young}"):  # fmt: skip
        assert _refused(engine, sql).startswith("roomwatch: "), sql
    # what the forged purge does reach: rows beyond retention, which a real purge could take
    for sql in ("DELETE FROM journal WHERE seq = 1",
                f"DELETE FROM handover_items WHERE handover_id = {old}"):  # fmt: skip
        assert _refused(engine, sql) == "", sql
    with sessionmaker(engine)() as s:
        problems = journal.verify_purges(s)
    assert len(problems) == 1 and "which is not a purge" in problems[0], problems


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("unbound", "is not bound to any purge entry"),
        ("a sign entry", "which is not a purge"),
        ("a missing entry", "which is not in the journal"),
        ("another hash", "whose hash is not the one the purge holds"),
        ("an entry saying otherwise", "does not match what its journal entry"),
    ],
    ids=["unbound", "bound-to-a-signature", "missing", "other-hash", "content-differs"],
)
def test_verify_purges_rejects_a_purge_the_chain_does_not_contain(
    engine: Engine, seeded: dict[str, int], case: str, problem: str
) -> None:
    with sessionmaker(engine)() as s, s.begin():
        assert journal.purge_before(s, BEFORE, by="admin", now=TODAY) == 1
        assert journal.verify_purges(s) == []
    with engine.begin() as conn:  # the intruder drops the INSERT guard first
        for sql in drop_journal_purges_bound(engine.dialect.name):
            conn.execute(text(sql))
    with sessionmaker(engine)() as s, s.begin():
        s.add(JournalPurge(**_forge(s, case)))
    with sessionmaker(engine)() as s:
        problems = journal.verify_purges(s)
    assert len(problems) == 1 and problems[0].startswith("purge 2 "), problems
    assert problem in problems[0]


def test_two_successive_purges_keep_chain_records_and_purges_verified(engine: Engine) -> None:
    """The second purge deletes the first one's own entry: its content lists the first purge
    (covers), so every purge is still accounted for; the chain verifies, and goes on."""
    sessions = sessionmaker(engine)
    with sessions() as s, s.begin():
        _handover(s, TODAY - 9 * YEAR, "a")  # entry 1
        _handover(s, TODAY - 6 * YEAR, "b")  # entry 2
    with sessions() as s, s.begin():  # five years ago, of what was then eight years old
        then = TODAY - 5 * YEAR
        assert journal.purge_before(s, then - 3 * YEAR - timedelta(days=5), by="admin",
                                    now=then, record_tables=RECORD_TABLES) == 1  # fmt: skip
    with sessions() as s, s.begin():
        young = _handover(s, YOUNG, "c")  # entry 4, after the first purge's (3)
    with sessions() as s, s.begin():  # entries 2 and 3 (the first purge's own) go
        assert journal.purge_before(s, BEFORE, by="admin", now=TODAY,
                                    record_tables=RECORD_TABLES) == 2  # fmt: skip
    with sessions() as s, s.begin():
        _sign(s, 99, TODAY)
    with sessions() as s:
        result = journal.verify(s)
        assert result.ok and result.checked == 3, result
        assert journal.verify_purges(s) == []
        first, second = s.scalars(select(JournalPurge).order_by(JournalPurge.id))
        assert (first.entry_seq, second.entry_seq) == (3, 5)
        assert s.get(JournalEntry, 3) is None
        entry = s.get(JournalEntry, 5)
        assert entry is not None
        assert journal.content_of(entry)["covers"] == [{"seq": 3, "hash": first.entry_hash}]
        assert [h.id for h in s.scalars(select(Handover))] == [young]
        assert s.scalar(select(func.count()).select_from(HandoverItem)) == 1


def test_migration_binds_an_existing_purge_and_leaves_an_unknown_one_unbound(
    engine: Engine,
) -> None:
    """Purges made before 0012 wrote their entry after the row: 0012 binds the row to that
    entry. A row with no entry stays unbound, unlocks nothing, and is reported."""
    with sessionmaker(engine)() as s, s.begin():
        for i, when in ((1, OLD), (2, OLD), (3, YOUNG)):
            _sign(s, i, when)
    command.downgrade(alembic_config(engine), "0011")
    legacy = {"before": BEFORE, "upto_seq": 2, "last_hash": _entry_hash(engine, 2),
              "count": 2, "purged_by": "admin", "purged_at": TODAY}  # fmt: skip
    unknown = legacy | {"upto_seq": 3, "last_hash": _entry_hash(engine, 3)}
    with sessionmaker(engine)() as s, s.begin():  # the flow before 0012: row, delete, entry
        s.execute(text(_LEGACY_INSERT), legacy)
        s.execute(text("DELETE FROM journal WHERE seq <= 2"))
        journal.append(s, kind="purge", record_id=2, action="purge",
                       content={"before": BEFORE, "entries": 2, "upto_seq": 2},
                       signer="admin", address="", now=TODAY)  # fmt: skip
        s.execute(text(_LEGACY_INSERT), unknown)
    upgrade(engine)
    with sessionmaker(engine)() as s:
        bound, unbound = s.scalars(select(JournalPurge).order_by(JournalPurge.id))
        assert (bound.entry_seq, bound.entry_hash, unbound.entry_seq) == (
            4, _entry_hash(engine, 4), None)  # fmt: skip
        problems = journal.verify_purges(s)
    assert len(problems) == 1 and problems[0].startswith("purge 2 ") and "not bound" in problems[0]
    assert _refused(engine, "DELETE FROM journal WHERE seq = 3").startswith("roomwatch: ")
