"""Handover on SQLite and PostgreSQL: open with alarms, sign both, owner transfer,
override journaled, refusals that write nothing, immutability down to the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.duty import ShiftSlot
from core.types import Role
from records import journal
from records.errors import RecordError, RecordFrozen, SignatureRefused
from records.handover import review, schedule, service
from records.handover.retention import RECORD_TABLES
from records.handover.service import GateRefused, Override
from store.accounts import create_user
from store.models import Alarm, AlarmEvent
from store.models_handover import DayReview, Handover, HandoverItem

NOW = datetime(2026, 11, 21, 7, 50, tzinfo=UTC)
START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
PW = "pass-1234"
NIGHT = ShiftSlot("night", START - timedelta(hours=12), START, ("zhang",))
DAY = ShiftSlot("day", START, START + timedelta(hours=12), ("wang",))


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    with sessions() as s, s.begin():
        for name, role in (("zhang", Role.DUTY), ("wang", Role.DUTY), ("boss", Role.SUPERVISOR),
                           ("viewer", Role.READONLY)):  # fmt: skip
            create_user(s, name, PW, role)
        s.add_all([_alarm(1, "ups-1", 3, "acknowledged", "zhang"),
                   _alarm(2, "sw-1", 2, "firing", None),
                   _alarm(3, "env-1", 2, "acknowledged", "zhang"),
                   _alarm(4, "old-1", 3, "resolved", "zhang")])  # fmt: skip
    yield sessions


def _alarm(n: int, device: str, sev: int, status: str, acked: str | None) -> Alarm:
    return Alarm(id=n, rule=f"r{n}", device=device, severity=sev, peak_severity=sev,
                 status=status, summary_zh=f"告警{n}", first_seen=NOW - timedelta(hours=1),
                 last_seen=NOW, acked_by=acked, acked_at=NOW if acked else None,
                 resolved_at=NOW if status == "resolved" else None)  # fmt: skip


def _open(db: sessionmaker[Session]) -> int:
    with db() as s, s.begin():
        return service.open_handover(s, NIGHT, DAY, NOW).id


def _sign(s: Session, hid: int, **kw: object) -> Handover:
    args: dict[str, object] = dict(outgoing_user="zhang", outgoing_password=PW,
                                   incoming_user="wang", incoming_password=PW,
                                   address="10.0.0.9", now=NOW)  # fmt: skip
    args.update(kw)
    return service.sign(s, hid, **args)  # type: ignore[arg-type]


def _ready(db: sessionmaker[Session], hid: int, release: bool = True) -> list[str]:
    """Notes written, the critical alarm released by its owner, every item confirmed."""
    with db() as s, s.begin():
        if release:
            s.get(Alarm, 1).owner = "wang"  # type: ignore[union-attr]
        row = service.get(s, hid)
        refs = [i.ref for i in row.items]
        service.save_draft(s, hid, actor="zhang", now=NOW, notes="UPS 电池供电中", switching=False,
                           fault=False)  # fmt: skip
    return refs


def test_open_carries_open_alarms_and_is_idempotent(db: sessionmaker[Session]) -> None:
    hid = _open(db)
    assert _open(db) == hid
    with db() as s:
        row = service.get(s, hid)
        assert [i.ref for i in row.items] == ["alarm:1", "alarm:2", "alarm:3"]
        assert row.outgoing_people == "zhang" and row.due_at == START
        assert "ups-1" in row.items[0].summary and row.items[0].url == "/alarms/1"


def test_tick_opens_from_the_roster_once(
    db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "roster", lambda: (lambda s, n: NIGHT, lambda s, n: DAY))
    for _ in range(2):
        with db() as s, s.begin():
            schedule.tick(s, NOW)
    with db() as s:
        assert s.scalar(select(Handover.id).where(Handover.incoming_code == "day")) is not None
        assert len(list(s.scalars(select(Handover)))) == 1
    monkeypatch.setattr(schedule, "roster", lambda: None)
    with db() as s, s.begin():
        schedule.tick(s, NOW)  # no roster: nothing happens


def test_sign_both_freezes_once_and_hands_alarms_over(db: sessionmaker[Session]) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        service.record_arrival(s, hid, "wang", START - timedelta(minutes=10))
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    with db() as s:
        row = service.get(s, hid)
        assert row.signed_at == NOW and row.signed_by == "zhang/wang"
        assert row.signed_from == "10.0.0.9" and all(i.confirmed for i in row.items)
        entries = journal.entries_for(s, "handover", hid)
        assert [e.action for e in entries] == ["sign"]
        body = journal.content_of(entries[0])
        assert body["late"] is True and body["incoming_signer"] == "wang"
        assert len(body["items"]) == 3
        # acknowledged alarms now belong to the incoming person, with a timeline event
        assert s.get(Alarm, 3).owner == "wang"  # type: ignore[union-attr]
        assert s.get(Alarm, 2).owner is None  # type: ignore[union-attr]
        ev = s.scalars(select(AlarmEvent).where(AlarmEvent.alarm_id == 3)).one()
        assert ev.kind == "owner" and f"handover #{hid}" in ev.detail
    with pytest.raises(RecordError, match="already_signed"), db() as s, s.begin():
        _sign(s, hid, confirmed=refs)


def test_gate_refuses_and_writes_nothing(db: sessionmaker[Session]) -> None:
    hid = _open(db)
    with pytest.raises(GateRefused) as exc, db() as s, s.begin():
        _sign(s, hid, confirmed=["alarm:2"])
    assert [r.msgid for r in exc.value.refusals] == [
        "handover.gate.alarm_in_handling", "handover.gate.unconfirmed",
        "handover.gate.notes_required"]  # fmt: skip
    with db() as s:
        row = service.get(s, hid)
        assert row.signed_at is None and not any(i.confirmed for i in row.items)
        assert journal.entries_for(s, "handover", hid) == []


@pytest.mark.parametrize(
    ("kw", "msgid"),
    [({"outgoing_password": "nope"}, "sign.wrong_password"),
     ({"incoming_password": "nope"}, "sign.wrong_password"),
     ({"incoming_user": "zhang"}, "handover.same_person"),
     ({"outgoing_user": "boss"}, "handover.not_outgoing"),
     ({"incoming_user": "viewer"}, "sign.role_cannot_sign"),
     ({"confirmed": ["alarm:99"]}, "handover.unknown_item")],
    ids=["outgoing-password", "incoming-password", "same-person", "not-outgoing", "readonly",
         "forged-item"],
)  # fmt: skip
def test_bad_signatures_are_refused(
    db: sessionmaker[Session], kw: dict[str, object], msgid: str
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    kw.setdefault("confirmed", refs)
    with pytest.raises(RecordError) as exc, db() as s, s.begin():
        _sign(s, hid, **kw)
    assert exc.value.msgid == msgid
    with db() as s:
        assert service.get(s, hid).signed_at is None
        assert journal.entries_for(s, "handover", hid) == []


def test_supervisor_override_is_journaled(db: sessionmaker[Session]) -> None:
    hid = _open(db)
    with db() as s, s.begin():
        service.save_draft(s, hid, actor="zhang", now=NOW, notes="倒闸操作未完", switching=True,
                           fault=False)  # fmt: skip
    with pytest.raises(RecordError, match="needs_reason"), db() as s, s.begin():
        _sign(s, hid, override=Override("boss", PW, " "))
    with pytest.raises(SignatureRefused, match="role_cannot_sign"), db() as s, s.begin():
        _sign(s, hid, override=Override("zhang", PW, "我自己批准"))
    with db() as s, s.begin():
        _sign(s, hid, override=Override("boss", PW, "倒闸由检修班继续"))
    with db() as s:
        row = service.get(s, hid)
        assert row.override_by == "boss" and row.signed_at == NOW
        body = journal.content_of(journal.entries_for(s, "handover", hid)[0])
        assert body["override"] == {"by": "boss", "reason": "倒闸由检修班继续"}
        assert "handover.gate.switching" in {r["msgid"] for r in body["gate_refusals"]}


def test_signed_handover_is_frozen_in_service_and_database(
    db: sessionmaker[Session], engine: Engine
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    with pytest.raises(RecordFrozen), db() as s, s.begin():
        service.save_draft(s, hid, actor="zhang", now=NOW, notes="改写", switching=False,
                           fault=False)  # fmt: skip
    with pytest.raises(RecordFrozen), db() as s, s.begin():
        service.record_arrival(s, hid, "wang", NOW)
    for sql in (f"UPDATE handovers SET notes = 'x' WHERE id = {hid}",
                f"DELETE FROM handovers WHERE id = {hid}",
                f"UPDATE handover_items SET confirmed = false WHERE handover_id = {hid}",
                f"DELETE FROM handover_items WHERE handover_id = {hid}",
                f"INSERT INTO handover_items (handover_id, source, ref, summary, blocking, url, "
                f"confirmed) VALUES ({hid}, 'note', 'x', 'x', '', '', false)"):  # fmt: skip
        with pytest.raises(DBAPIError, match="roomwatch: "), engine.begin() as conn:
            conn.execute(text(sql))
    with db() as s:
        assert service.get(s, hid).notes == "UPS 电池供电中"
        assert len(list(s.scalars(select(HandoverItem)))) == 3


def test_day_review_signed_once_and_frozen(db: sessionmaker[Session], engine: Engine) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    day = date(2026, 11, 21)
    later = NOW + timedelta(hours=10)
    with db() as s:
        assert day - timedelta(days=1) in review.missing_reviews(s, day + timedelta(days=1))
        log = review.summary(s, day, UTC)
        assert [h.id for h in log.handovers] == [hid] and log.kinds == {"handover": 1}
    with pytest.raises(SignatureRefused), db() as s, s.begin():
        review.review_day(s, day, UTC, username="zhang", password=PW, note="", address="",
                          now=later)  # fmt: skip
    with pytest.raises(RecordError, match="future"), db() as s, s.begin():
        review.review_day(s, day + timedelta(days=1), UTC, username="boss", password=PW,
                          note="", address="", now=later)  # fmt: skip
    with db() as s, s.begin():
        review.review_day(s, day, UTC, username="boss", password=PW, note="已审阅",
                          address="10.0.0.1", now=later)  # fmt: skip
    with pytest.raises(RecordError, match="already_signed"), db() as s, s.begin():
        review.review_day(s, day, UTC, username="boss", password=PW, note="", address="",
                          now=later)  # fmt: skip
    with db() as s:
        rv = s.scalars(select(DayReview)).one()
        assert rv.signed_by == "boss" and review.summary(s, day, UTC).review is not None
        assert day not in review.missing_reviews(s, day + timedelta(days=1))
        assert journal.verify(s).ok
    with pytest.raises(DBAPIError, match="roomwatch: "), engine.begin() as conn:
        conn.execute(text("UPDATE handover_reviews SET note = 'x'"))


def test_draft_follows_the_sources_and_keeps_hand_written_items(
    db: sessionmaker[Session],
) -> None:
    hid = _open(db)
    with db() as s, s.begin():
        note = service.add_note(s, hid, "  机房 A 门禁  待厂家 修复 ", "zhang", NOW)
        assert note.ref == "note:1" and note.summary == "机房 A 门禁 待厂家 修复"
        a = s.get(Alarm, 2)
        assert a is not None
        a.status, a.resolved_at = "resolved", NOW
    with pytest.raises(RecordError, match="note_required"), db() as s, s.begin():
        service.add_note(s, hid, "   ", "zhang", NOW)
    with db() as s, s.begin():
        service.save_draft(s, hid, actor="zhang", now=NOW, notes="n", switching=False,
                           fault=False, confirmed=["note:1"])  # fmt: skip
    with db() as s:
        items = {i.ref: i for i in service.get(s, hid).items}
        assert sorted(items) == ["alarm:1", "alarm:3", "note:1"]  # resolved alarm:2 dropped
        assert items["note:1"].confirmed and items["note:1"].confirmed_by == "zhang"


def test_retention_purge_clears_old_signed_handovers(db: sessionmaker[Session]) -> None:
    old = NOW - timedelta(days=4 * 365)
    with db() as s, s.begin():
        s.get(Alarm, 1).owner = "wang"  # type: ignore[union-attr]
        hid = service.open_handover(s, NIGHT, DAY, old).id
        service.sign(s, hid, outgoing_user="zhang", outgoing_password=PW, incoming_user="wang",
                     incoming_password=PW, address="", now=old, notes="旧记录",
                     confirmed=["alarm:1", "alarm:2", "alarm:3"])  # fmt: skip
        review.review_day(s, old.date(), UTC, username="boss", password=PW, note="",
                          address="", now=old)  # fmt: skip
        draft = service.open_handover(s, DAY, NIGHT, old).id
    with db() as s, s.begin():
        before = NOW - timedelta(days=3 * 365 + 2)
        journal.purge_before(s, before, by="admin", now=NOW, record_tables=RECORD_TABLES)
    with db() as s:
        assert [h.id for h in s.scalars(select(Handover))] == [draft]  # drafts are kept
        assert s.scalars(select(DayReview)).first() is None
        assert {i.handover_id for i in s.scalars(select(HandoverItem))} == {draft}
        assert journal.verify(s).ok
