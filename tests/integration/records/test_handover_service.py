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


def _ready(
    db: sessionmaker[Session], hid: int, release: bool = True, arrive: bool = True
) -> list[str]:
    """Notes written, the critical alarm released by its owner, the incoming person arrived
    in time; returns every item's ref (to confirm)."""
    with db() as s, s.begin():
        if release:
            s.get(Alarm, 1).owner = "wang"  # type: ignore[union-attr]
        if arrive:
            service.record_arrival(s, hid, "wang", START - timedelta(minutes=20))
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
    refs = _ready(db, hid, arrive=False)
    with db() as s, s.begin():  # 5 minutes before the start: late under the 10-minute rule
        service.record_arrival(s, hid, "wang", START - timedelta(minutes=5))
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
        # every open alarm now belongs to the incoming person, with a timeline event
        assert s.get(Alarm, 3).owner == "wang"  # type: ignore[union-attr]
        assert s.get(Alarm, 2).owner == "wang"  # type: ignore[union-attr]
        ev = s.scalars(select(AlarmEvent).where(AlarmEvent.alarm_id == 3)).one()
        assert ev.kind == "owner" and f"handover #{hid}" in ev.detail
    with pytest.raises(RecordError, match="already_signed"), db() as s, s.begin():
        _sign(s, hid, confirmed=refs)


def test_gate_refuses_and_writes_nothing(db: sessionmaker[Session]) -> None:
    hid = _open(db)
    with db() as s, s.begin():
        service.record_arrival(s, hid, "wang", NOW)
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
     ({"incoming_user": "viewer"}, "handover.not_incoming"),
     ({"confirmed": ["alarm:99"]}, "handover.unknown_item"),
     # who signs is checked before the password: the wrong person hears why (issue 12.6)
     ({"incoming_user": "boss", "incoming_password": "nope"}, "handover.not_incoming"),
     ({"outgoing_user": "boss", "outgoing_password": "nope"}, "handover.not_outgoing")],
    ids=["outgoing-password", "incoming-password", "same-person", "not-outgoing",
         "readonly-not-incoming", "forged-item", "wrong-incoming-before-password",
         "wrong-outgoing-before-password"],
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
        service.record_arrival(s, hid, "wang", NOW)
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
        s.get(Alarm, 1).first_seen = old - timedelta(hours=1)  # type: ignore[union-attr]
        hid = service.open_handover(s, NIGHT, DAY, old).id
        service.record_arrival(s, hid, "wang", old)
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


# --- issue 12, point 1: a fault that arises during a handover stops it --------------------


def _fire(db: sessionmaker[Session], n: int, sev: int, at: datetime, status: str = "firing",
          acked: str | None = None) -> None:  # fmt: skip
    with db() as s, s.begin():
        a = _alarm(n, f"dev-{n}", sev, status, acked)
        a.first_seen = at
        s.add(a)


def test_alarm_fired_during_handover_refuses_and_stays_with_outgoing(
    db: sessionmaker[Session],
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    # acknowledged at once, even owned by the incoming person: it still stops the handover
    _fire(db, 7, 3, NOW + timedelta(minutes=1), "acknowledged", "wang")
    with pytest.raises(GateRefused) as exc, db() as s, s.begin():
        _sign(s, hid, confirmed=[*refs, "alarm:7"])
    fired = [r for r in exc.value.refusals if r.msgid == "handover.gate.alarm_fired"]
    assert [(r.params["id"], r.params["device"], r.params["alarm"]) for r in fired] == [
        (7, "dev-7", "告警7")
    ]
    assert exc.value.kept == (7,) and exc.value.outgoing == "zhang"
    with db() as s, s.begin():
        service.keep_with_outgoing(s, hid, exc.value.kept, exc.value.outgoing, NOW)
    with db() as s:
        assert s.get(Alarm, 7).owner == "zhang"  # type: ignore[union-attr]
        assert service.get(s, hid).signed_at is None


def test_critical_alarm_firing_unacknowledged_at_signing_refuses(
    db: sessionmaker[Session],
) -> None:
    hid = _open(db)
    _fire(db, 8, 3, NOW - timedelta(minutes=30))  # before the opening, nobody acknowledged
    refs = _ready(db, hid)
    with pytest.raises(GateRefused) as exc, db() as s, s.begin():
        _sign(s, hid, confirmed=[*refs, "alarm:8"])
    assert [r.msgid for r in exc.value.refusals] == ["handover.gate.alarm_unacknowledged"]
    # the warning alarm 2 (firing) passes at the default severity, stops at "warning"
    with db() as s, s.begin():
        s.get(Alarm, 8).status = "resolved"  # type: ignore[union-attr]
    with pytest.raises(GateRefused) as warn, db() as s, s.begin():
        _sign(s, hid, confirmed=refs, gate_severity=2)
    assert [(r.msgid, r.params["id"]) for r in warn.value.refusals] == [
        ("handover.gate.alarm_unacknowledged", 2),
        ("handover.gate.alarm_in_handling", 3),
    ]
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)


def test_override_of_a_fault_is_journaled_and_the_incoming_owns_the_alarms(
    db: sessionmaker[Session],
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    _fire(db, 7, 3, NOW + timedelta(minutes=1))
    with db() as s, s.begin():
        _sign(s, hid, confirmed=[*refs, "alarm:7"],
              override=Override("boss", PW, "接班人已接手处理 UPS 故障"))  # fmt: skip
    with db() as s:
        entries = journal.entries_for(s, service.OVERRIDE_KIND, hid)
        assert [(e.action, e.signer, e.reason) for e in entries] == [
            ("override", "boss", "接班人已接手处理 UPS 故障")]  # fmt: skip
        body = journal.content_of(entries[0])
        assert body["refusals"][0]["msgid"] == "handover.gate.alarm_fired"
        assert body["refusals"][0]["id"] == 7
        assert {a.id: a.owner for a in s.scalars(select(Alarm).where(Alarm.id.in_([1, 2, 3, 7])))
                } == {1: "wang", 2: "wang", 3: "wang", 7: "wang"}  # fmt: skip
        assert journal.verify(s).ok


# --- point 2: carried-over items that block -------------------------------------------


def _change(s: Session, title: str, device_type: str = "server", state: str = "in_progress"
            ) -> int:  # fmt: skip
    from store.models import Device
    from store.models_changes import ChangeDevice, ChangeRequest

    d = Device(name=f"d-{title[:20]}-{device_type}", device_type=device_type, kind="asset")
    s.add(d)
    s.flush()
    c = ChangeRequest(title=title, plan="按方案执行", risk="high", backout_plan="回退",
                      window_start=NOW - timedelta(hours=1), window_end=NOW + timedelta(hours=2),
                      state=state, requested_by="zhang", created_at=NOW - timedelta(days=1),
                      emergency=True, started_at=NOW - timedelta(minutes=30))  # fmt: skip
    c.devices.append(ChangeDevice(device_id=d.id, device_name=d.name))
    s.add(c)
    s.flush()
    return c.id


@pytest.mark.parametrize(
    ("title", "dtype", "state", "blocks"),
    [("配电柜倒闸操作", "server", "in_progress", True),
     ("更换 UPS 模块", "ups", "in_progress", True),
     ("更换交换机风扇", "switch", "in_progress", False),
     ("配电柜倒闸操作", "server", "implemented", False)],
    ids=["switching-words", "power-device", "no-power-work", "finished"],
)  # fmt: skip
def test_change_with_switching_in_progress_blocks(
    db: sessionmaker[Session], title: str, dtype: str, state: str, blocks: bool
) -> None:
    with db() as s, s.begin():
        cid = _change(s, title, dtype, state)
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s:
        item = {i.ref: i for i in service.get(s, hid).items}[f"change:{cid}"]
        assert bool(item.blocking) is blocks
    if not blocks:
        return
    with pytest.raises(GateRefused) as exc, db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    assert [r.params.get("reason") for r in exc.value.refusals] == [
        "handover.block.change_switching"]  # fmt: skip


def test_open_onsite_check_and_overdue_key_block(db: sessionmaker[Session]) -> None:
    from store.models import Device, Room
    from store.models_inspection import InspectionSheet
    from store.models_ledger import Loan

    with db() as s, s.begin():
        room = Room(name="A101")
        s.add(room)
        s.flush()
        for kind in ("onsite", "scheduled"):
            s.add(InspectionSheet(room_id=room.id, slot=f"{kind}:1", kind=kind,
                                  opened_at=NOW - timedelta(hours=1), due_by=NOW))  # fmt: skip
        for n, (dtype, due) in enumerate((("key", NOW - timedelta(hours=1)),
                                          ("key", NOW + timedelta(hours=1)),
                                          ("tool", NOW - timedelta(hours=1)))):  # fmt: skip
            d = Device(name=f"asset-{n}", device_type=dtype, kind="asset")
            s.add(d)
            s.flush()
            s.add(Loan(device_id=d.id, borrower="li", lent_by="zhang", lent_at=NOW - timedelta(
                hours=3), due_at=due))  # fmt: skip
    hid = _open(db)
    with db() as s:
        blocking = {i.summary[:9]: i.blocking for i in service.get(s, hid).items if i.blocking}
        by_source = sorted((i.source, i.blocking) for i in service.get(s, hid).items
                           if i.blocking)  # fmt: skip
    assert by_source == [("inspection", "handover.block.onsite_open"),
                         ("loan", "handover.block.key_overdue")], blocking  # fmt: skip


# --- point 3: the arrival, face to face, by the room's rule ---------------------------


def test_signing_needs_the_arrival_of_the_incoming_signer(db: sessionmaker[Session]) -> None:
    hid = _open(db)
    refs = _ready(db, hid, arrive=False)
    with pytest.raises(RecordError) as exc, db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    assert exc.value.msgid == "handover.not_arrived_yet"
    with db() as s, s.begin():
        create_user(s, "li", PW, Role.DUTY)
        service.record_arrival(s, hid, "li", START - timedelta(minutes=20))
    with pytest.raises(RecordError) as other, db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    assert other.value.msgid in {"handover.arrived_other", "handover.not_incoming"}
    with db() as s:
        assert service.get(s, hid).signed_at is None


@pytest.mark.parametrize(
    ("rule", "early", "late"),
    [(10, 10, None), (10, 9, 1), (15, 12, 3), (15, 15, None)],
    ids=["machine-room-on-time", "machine-room-late", "engineering-late",
         "engineering-on-time"],
)  # fmt: skip
def test_lateness_follows_the_rooms_rule(
    db: sessionmaker[Session], rule: int, early: int, late: int | None
) -> None:
    hid = _open(db)
    with db() as s, s.begin():
        row = service.record_arrival(s, hid, "wang", START - timedelta(minutes=early),
                                     arrive_before_minutes=rule)  # fmt: skip
        assert service.minutes_late(row) == late
        assert service.arrive_by(row) == START - timedelta(minutes=rule)
    with db() as s:
        assert service.content(service.get(s, hid))["late"] is (late is not None)
