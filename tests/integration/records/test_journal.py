"""The journal of signed records: chain, verification, amendments, immutability, purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records import journal
from records.errors import RecordError, SignatureRefused
from records.signing import confirm_signer
from store.accounts import create_user

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _sign(s: Session, n: int, start: int = 1, when: datetime = NOW) -> None:
    for i in range(start, start + n):
        journal.freeze(
            s,
            kind="inspection",
            record_id=i,
            content={"item": i, "note": "正常"},
            signer="duty",
            address="127.0.0.1",
            now=when + timedelta(minutes=i),
        )


def test_signed_entries_chain_and_verify(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        _sign(s, 5)
    with sessions() as s:
        result = journal.verify(s)
        assert result.ok and result.checked == 5
        entries = journal.entries_for(s, "inspection", 3)
        assert [e.action for e in entries] == ["sign"]
        assert journal.content_of(entries[0]) == {"item": 3, "note": "正常"}


def test_signing_twice_is_refused_and_amendment_needs_a_reason(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s, s.begin():
        _sign(s, 1)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="already_signed"):
        _sign(s, 1)
    with sessions() as s, s.begin():
        with pytest.raises(RecordError, match="needs_reason"):
            journal.amend(s, original_seq=1, content={"note": "x"}, reason=" ", signer="duty",
                          address="", now=NOW)  # fmt: skip
        fix = journal.amend(s, original_seq=1, content={"note": "温度记错"}, reason="抄错",
                            signer="duty", address="127.0.0.1", now=NOW)  # fmt: skip
        assert fix.amends_seq == 1 and fix.record_id == 1
    with sessions() as s:
        assert [e.action for e in journal.entries_for(s, "inspection", 1)] == ["sign", "amend"]
        assert journal.verify(s).ok


@pytest.mark.parametrize("column", ["content", "signer", "hash"])
def test_tampering_directly_in_the_database_is_caught(engine: Engine, column: str) -> None:
    sessions = sessionmaker(engine)
    with sessions() as s, s.begin():
        _sign(s, 4)
    with engine.begin() as conn:  # an intruder with database access drops the guard first
        _drop_guard(conn)
        conn.execute(text(f"UPDATE journal SET {column} = :v WHERE seq = 3"),
                     {"v": "f" * 64 if column == "hash" else "forged"})  # fmt: skip
    with sessions() as s:
        result = journal.verify(s)
    assert not result.ok
    # a forged hash leaves entry 3 self-inconsistent; any forged field breaks entry 3 itself
    assert result.broken_seq == 3 and result.checked == 2


def test_a_deleted_entry_is_named(engine: Engine) -> None:
    sessions = sessionmaker(engine)
    with sessions() as s, s.begin():
        _sign(s, 4)
    with engine.begin() as conn:
        _drop_guard(conn)
        conn.execute(text("DELETE FROM journal WHERE seq = 2"))
    with sessions() as s:
        result = journal.verify(s)
    assert result.broken_seq == 2 and "missing" in result.problem


def test_the_database_refuses_update_and_delete_of_entries(engine: Engine) -> None:
    with sessionmaker(engine)() as s, s.begin():
        _sign(s, 2)
    for sql in ("UPDATE journal SET content = 'x' WHERE seq = 1",
                "DELETE FROM journal WHERE seq = 2"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with sessionmaker(engine)() as s:
        assert journal.verify(s).checked == 2


def test_purge_only_after_retention_and_chain_resumes(sessions: sessionmaker[Session]) -> None:
    old = NOW - timedelta(days=4 * 365)
    with sessions() as s, s.begin():
        _sign(s, 3, when=old)
        _sign(s, 2, start=10)
    with sessions() as s, s.begin():
        with pytest.raises(RecordError, match="too_recent"):
            journal.purge_before(s, NOW - timedelta(days=30), by="admin", now=NOW)
        assert journal.purge_before(s, NOW - timedelta(days=3 * 365 + 5), by="admin",
                                    now=NOW) == 3  # fmt: skip
    with sessions() as s:
        result = journal.verify(s)
        assert result.ok and result.checked == 3  # two kept + the purge's own entry
        assert journal.entries_for(s, "inspection", 1) == []


def test_signer_must_give_their_password(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        create_user(s, "duty", "right password", Role.DUTY)
        create_user(s, "viewer", "right password", Role.READONLY)
    with sessions() as s:
        assert confirm_signer(s, "duty", "right password").username == "duty"
        with pytest.raises(SignatureRefused, match="wrong_password"):
            confirm_signer(s, "duty", "wrong")
        with pytest.raises(SignatureRefused, match="role_cannot_sign"):
            confirm_signer(s, "viewer", "right password")


def _drop_guard(conn: object) -> None:
    from store.immutable import drop_journal_append_only

    dialect = conn.dialect.name  # type: ignore[attr-defined]
    for sql in drop_journal_append_only(dialect):
        conn.execute(text(sql))  # type: ignore[attr-defined]
