"""Access log on SQLite and PostgreSQL: approval before entry, sign-out freezes the
registration (service and database), construction under an approved application with a
daily sign-off, the handover's visitors, history search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records import journal
from records.access import demo, search, service, staff, works
from records.access.carryover import carry_over
from records.access.forms import Direction, ItemLine, Kind, Registration, Search, WorkRequest
from records.errors import RecordError, RecordFrozen, SignatureRefused
from store.accounts import create_user
from store.models import AuditEntry, Room
from store.models_access import AccessEntry, AccessItem, WorkSignoff

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # noon in Beijing, morning in UTC: same day
H = timedelta(hours=1)
PW = "pw-duty-123"
ID = "110101199001011234"


@pytest.fixture
def room_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as s, s.begin():
        create_user(s, "duty", PW, Role.DUTY)
        create_user(s, "boss", "pw-boss-123", Role.SUPERVISOR)
        create_user(s, "guest", "pw-guest-123", Role.READONLY)
        room = Room(name="A101", title_zh="一号机房", title_en="Room One")
        s.add_all([room, Room(name="B201")])
        s.flush()
        return room.id


def _reg(room_id: int, **kw: object) -> Registration:
    fields: dict[str, object] = {
        "room_id": room_id, "kind": Kind.VISIT, "person": "李明", "organisation": "某厂商",
        "id_number": ID, "purpose": "更换板卡", "escort": "张三",
        "work_application_id": None, "planned_out": NOW + 2 * H,
    }  # fmt: skip
    fields.update(kw)
    return Registration(**fields)  # type: ignore[arg-type]


def _register(sessions: sessionmaker[Session], room_id: int, **kw: object) -> int:
    with sessions() as s, s.begin():
        return service.register(s, _reg(room_id, **kw), by="duty", now=NOW).id


def _inside(sessions: sessionmaker[Session], room_id: int, **kw: object) -> int:
    eid = _register(sessions, room_id, **kw)
    with sessions() as s, s.begin():
        service.decide(s, eid, approve=True, by="boss", note="", address="10.0.0.6", now=NOW)
        service.enter(s, eid, by="duty", now=NOW + timedelta(minutes=5))
    return eid


def test_outsider_waits_for_approval_then_enters_and_signs_out_frozen(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    eid = _register(sessions, room_id)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="bad_transition"):
        service.enter(s, eid, by="duty", now=NOW)
    eid = _inside(sessions, room_id)
    with sessions() as s, s.begin():
        service.add_item(s, eid, ItemLine("硬盘", 2, Direction.IN), by="duty", now=NOW)
        service.add_item(s, eid, ItemLine("旧板卡", 1, Direction.OUT), by="duty", now=NOW + H)
    with sessions() as s, s.begin():
        service.leave(s, eid, username="duty", password=PW, address="10.0.0.5", now=NOW + H)
    with sessions() as s:
        entry = s.get(AccessEntry, eid)
        assert entry is not None and entry.state == "left"
        assert entry.time_in == NOW + timedelta(minutes=5) and entry.time_out == NOW + H
        assert entry.signed_by == "duty" and entry.signed_from == "10.0.0.5"
        assert entry.id_masked == "110***********1234"
        signed = journal.signed_entry(s, "access", eid)
        assert signed is not None
        content = journal.content_of(signed)
        assert content["id_number"] == "110***********1234" and ID not in signed.content
        assert [i["item"] for i in content["items"]] == ["硬盘", "旧板卡"]
        mine = (AuditEntry.object_type == "access_entry", AuditEntry.object_id == str(eid))
        actions = list(s.scalars(select(AuditEntry.action).where(*mine).order_by(AuditEntry.id)))
        assert actions == ["access.register", "access.approve", "access.enter", "access.item",
                           "access.item", "access.leave"]  # fmt: skip
    with sessions() as s, s.begin():
        with pytest.raises(RecordFrozen):
            service.add_item(s, eid, ItemLine("U盘", 1, Direction.IN), by="duty", now=NOW)
        with pytest.raises(RecordFrozen):
            service.decide(s, eid, approve=False, by="boss", note="x", address="", now=NOW)


def test_the_clear_id_number_is_stored_nowhere(
    sessions: sessionmaker[Session], room_id: int, engine: Engine
) -> None:
    eid = _register(sessions, room_id)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM access_entries WHERE id = :i"), {"i": eid}).one()
        audits = conn.execute(text("SELECT after FROM audit_log")).all()
    assert ID not in " ".join(str(v) for v in row) and ID not in str(audits)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE access_entries SET person = 'x'",
        "DELETE FROM access_entries",
        "UPDATE access_items SET quantity = 9",
        "DELETE FROM access_items",
        "INSERT INTO access_items (entry_id, item, quantity, direction, checked_by, checked_at)"
        " VALUES ({eid}, 'x', 1, 'in', 'x', '2026-11-21 00:00:00')",
    ],
    ids=["update", "delete", "update-item", "delete-item", "insert-item"],
)
def test_the_database_refuses_changes_to_a_signed_registration(
    sessions: sessionmaker[Session], room_id: int, engine: Engine, sql: str
) -> None:
    eid = _inside(sessions, room_id)
    with sessions() as s, s.begin():
        service.add_item(s, eid, ItemLine("硬盘", 2, Direction.IN), by="duty", now=NOW)
        service.leave(s, eid, username="duty", password=PW, address="", now=NOW + H)
    with pytest.raises(DBAPIError, match="roomwatch: "), engine.begin() as conn:
        conn.execute(text(sql.format(eid=eid)))
    with sessions() as s:
        assert s.get(AccessEntry, eid).person == "李明"  # type: ignore[union-attr]
        assert s.scalar(select(AccessItem.quantity)) == 2


def test_wrong_password_signs_nothing(sessions: sessionmaker[Session], room_id: int) -> None:
    eid = _inside(sessions, room_id)
    with sessions() as s, s.begin(), pytest.raises(SignatureRefused, match="wrong_password"):
        service.leave(s, eid, username="duty", password="nope", address="", now=NOW + H)
    with sessions() as s, s.begin(), pytest.raises(SignatureRefused, match="role_cannot_sign"):
        service.leave(s, eid, username="guest", password="pw-guest-123", address="", now=NOW + H)
    with sessions() as s:
        entry = s.get(AccessEntry, eid)
        assert entry is not None and entry.state == "inside" and entry.signed_at is None
        assert journal.signed_entry(s, "access", eid) is None


def test_rejection_closes_and_freezes(sessions: sessionmaker[Session], room_id: int) -> None:
    eid = _register(sessions, room_id)
    with sessions() as s, s.begin():
        service.decide(s, eid, approve=False, by="boss", note="无关人员", address="", now=NOW)
    with sessions() as s, s.begin():
        entry = s.get(AccessEntry, eid)
        assert entry is not None and entry.state == "rejected" and entry.signed_by == "boss"
        assert entry.decision_note == "无关人员"
        with pytest.raises(RecordFrozen):
            service.enter(s, eid, by="duty", now=NOW)


STAFF_ID = "110101198502023456"


@pytest.mark.parametrize(
    ("kw", "state"),
    [({"person": "duty", "escort": ""}, "inside"),
     ({"person": "王大壮", "escort": ""}, "inside"),
     ({"person": "刘工", "id_number": STAFF_ID, "escort": ""}, "inside"),
     ({"person": "刘工"}, "requested"),
     ({"person": "guest"}, "requested"),
     ({"person": "gone"}, "requested")],
    ids=["account-login", "account-display-name", "staff-list-name-and-id",
         "staff-list-name-other-id", "readonly-account-is-not-staff",
         "inactive-account-is-not-staff"],
)  # fmt: skip
def test_staff_come_from_the_account_or_the_staff_list(
    sessions: sessionmaker[Session], room_id: int, kw: dict[str, object], state: str
) -> None:
    """Issue 12, point 12: who is staff is looked up, never taken from the registration."""
    with sessions() as s, s.begin():
        create_user(s, "wangdz", "pw-wangdz-123", Role.SUPERVISOR, "王大壮")
        create_user(s, "gone", "pw-gone-1234", Role.DUTY).active = False
        staff.add(s, "刘工", "信息中心", STAFF_ID, by="admin", now=NOW)
    eid = _register(sessions, room_id, **kw)
    with sessions() as s:
        entry = s.get(AccessEntry, eid)
        assert entry is not None and entry.state == state
        assert entry.staff == (state == "inside")
        assert (entry.time_in is not None) == (state == "inside")


def test_a_name_on_the_staff_list_with_another_id_still_needs_an_escort(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    with sessions() as s, s.begin():
        staff.add(s, "刘工", "信息中心", STAFF_ID, by="admin", now=NOW)
    with sessions() as s, s.begin(), pytest.raises(RecordError) as info:
        service.register(s, _reg(room_id, person="刘工", escort=""), by="duty", now=NOW)
    assert info.value.msgid == "access.err.escort_required"


def test_the_staff_list_keeps_no_clear_id_and_is_audited(
    sessions: sessionmaker[Session], room_id: int, engine: Engine
) -> None:
    with sessions() as s, s.begin():
        member = staff.add(s, "刘工", "信息中心", STAFF_ID, by="admin", now=NOW)
        mid = member.id
        assert member.id_masked == "110***********3456"
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="already_listed"):
        staff.add(s, "刘工", "", STAFF_ID.lower(), by="admin", now=NOW)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match=r"err\.id_number"):
        staff.add(s, "李四", "", "12", by="admin", now=NOW)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM access_staff")).one()
    assert STAFF_ID not in " ".join(str(v) for v in row)
    with sessions() as s, s.begin():
        staff.remove(s, mid, by="admin", now=NOW)
    with sessions() as s:
        assert staff.members(s) == []
        actions = list(s.scalars(select(AuditEntry.action)
                                 .where(AuditEntry.object_type == "access_staff")))  # fmt: skip
    assert actions == ["access.staff.add", "access.staff.remove"]


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_the_registering_user_cannot_decide_the_entry(
    sessions: sessionmaker[Session], room_id: int, approve: bool
) -> None:
    """Issue 12, point 12: whoever registered an entry does not approve it (as for work
    applications); another head does."""
    with sessions() as s, s.begin():
        eid = service.register(s, _reg(room_id), by="boss", now=NOW).id
    with sessions() as s, s.begin(), pytest.raises(RecordError) as info:
        service.decide(s, eid, approve=approve, by="boss", note="x", address="", now=NOW)
    assert info.value.msgid == "access.self_approval"
    with sessions() as s:
        entry = s.get(AccessEntry, eid)
        assert entry is not None and entry.state == "requested" and entry.decided_by is None
    with sessions() as s, s.begin():
        create_user(s, "boss2", "pw-boss2-123", Role.SUPERVISOR)
        service.decide(s, eid, approve=True, by="boss2", note="", address="", now=NOW)
    with sessions() as s:
        assert s.get(AccessEntry, eid).decided_by == "boss2"  # type: ignore[union-attr]


def test_an_outsider_needs_an_escort(sessions: sessionmaker[Session], room_id: int) -> None:
    with sessions() as s, s.begin(), pytest.raises(RecordError) as info:
        service.register(s, _reg(room_id, escort=""), by="duty", now=NOW)
    assert info.value.msgid == "access.err.escort_required"
    assert info.value.params["field"] == "escort"


def test_approval_expires(sessions: sessionmaker[Session], room_id: int) -> None:
    eid = _register(sessions, room_id)
    with sessions() as s, s.begin():
        service.decide(s, eid, approve=True, by="boss", note="", address="", now=NOW)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="approval_expired"):
        service.enter(s, eid, by="duty", now=NOW + 3 * H)


def _work(sessions: sessionmaker[Session], room_id: int, approve: bool | None = True,
          start: date = date(2026, 11, 20), end: date = date(2026, 11, 22)) -> int:  # fmt: skip
    with sessions() as s, s.begin():
        work = works.request(s, WorkRequest(room_id, "华信机电", "更换冷凝水管", ("王强",),
                                            start, end), by="duty", now=NOW)  # fmt: skip
        if approve is not None:
            works.decide(s, work.id, approve=approve, by="boss", note="", now=NOW)
        return work.id


@pytest.mark.parametrize(
    ("approve", "start", "msgid"),
    [(None, date(2026, 11, 20), "access.err.work_not_approved"),
     (False, date(2026, 11, 20), "access.err.work_not_approved"),
     (True, date(2026, 11, 22), "access.err.work_not_active")],
    ids=["not-decided", "rejected", "not-started"],
)  # fmt: skip
def test_construction_needs_an_approved_current_application(
    sessions: sessionmaker[Session], room_id: int, approve: bool | None, start: date, msgid: str
) -> None:
    wid = _work(sessions, room_id, approve, start)
    with sessions() as s, s.begin(), pytest.raises(RecordError) as info:
        service.register(s, _reg(room_id, kind=Kind.CONSTRUCTION, work_application_id=wid),
                         by="duty", now=NOW)  # fmt: skip
    assert info.value.msgid == msgid and info.value.params["field"] == "work_application"


def test_construction_under_an_approved_application(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    wid = _work(sessions, room_id)
    eid = _register(sessions, room_id, kind=Kind.CONSTRUCTION, work_application_id=wid)
    with sessions() as s:
        entry = s.get(AccessEntry, eid)
        assert entry is not None and entry.state == "approved" and entry.decided_by == "boss"
    other = s.scalar(select(Room.id).where(Room.name == "B201"))
    with sessions() as s, s.begin(), pytest.raises(RecordError, match=r"access\.err\.work"):
        service.register(s, _reg(other, kind=Kind.CONSTRUCTION, work_application_id=wid),
                         by="duty", now=NOW)  # fmt: skip
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="after_work"):
        late = NOW + timedelta(days=5)
        reg = _reg(room_id, kind=Kind.CONSTRUCTION, work_application_id=wid, planned_out=late)
        service.register(s, reg, by="duty", now=NOW)


def test_daily_signoff_once_a_day_while_active(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    wid = _work(sessions, room_id)
    with sessions() as s, s.begin():
        works.sign_off(s, wid, by="duty", note="现场已清理", now=NOW)
        assert works.unsigned_today(s, NOW) == []
        assert [w.id for w in works.unsigned_today(s, NOW + 24 * H)] == [wid]
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="signed_today"):
        works.sign_off(s, wid, by="boss", note="", now=NOW + H)
    with sessions() as s, s.begin():
        works.sign_off(s, wid, by="duty", note="", now=NOW + 24 * H)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="not_active_today"):
        works.sign_off(s, wid, by="duty", note="", now=NOW + 72 * H)
    pending = _work(sessions, room_id, approve=None)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="not_active_today"):
        works.sign_off(s, pending, by="duty", note="", now=NOW)
    with sessions() as s:
        assert len(list(s.scalars(select(WorkSignoff)))) == 2


def test_a_decided_application_is_not_decided_again(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    wid = _work(sessions, room_id)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="already_decided"):
        works.decide(s, wid, approve=False, by="boss", note="x", now=NOW)


def test_carry_over_lists_people_inside_and_overstays(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    late = _inside(sessions, room_id, person="王五", planned_out=NOW + H)
    ok = _inside(sessions, room_id, person="赵六", planned_out=NOW + 8 * H)
    _register(sessions, room_id, person="孙七")  # waiting: not inside
    gone = _inside(sessions, room_id, person="周八")
    with sessions() as s, s.begin():
        service.leave(s, gone, username="duty", password=PW, address="", now=NOW + H)
    with sessions() as s:
        items = carry_over(s, NOW + 3 * H)
    assert [i.ref for i in items] == [f"visitor:{late}", f"visitor:{ok}"]
    assert all(i.source == "visitor" and i.blocking == "" for i in items)
    assert "王五" in items[0].summary and "超时 2h00" in items[0].summary
    assert "A101" in items[1].summary and "超时" not in items[1].summary
    assert items[0].url == f"/access/{late}"
    with sessions() as s:
        board = service.board(s, NOW + 3 * H)
    assert [p.entry.person for p in board.overstays] == ["王五"]
    assert [p.entry.person for p in board.requested] == ["孙七"]


def test_history_search(sessions: sessionmaker[Session], room_id: int) -> None:
    _register(sessions, room_id, person="李明", organisation="华为技术")
    _register(sessions, room_id, person="李雷", organisation="中兴通讯")
    other = _register(sessions, room_id, person="韩梅梅", organisation="100%_公司")
    with sessions() as s:

        def people(f: Search) -> list[str]:
            return sorted(e.person for e, _ in search.history(s, f))

        assert people(Search(person="李")) == ["李明", "李雷"]
        assert people(Search(organisation="华为")) == ["李明"]
        assert people(Search(organisation="%_")) == ["韩梅梅"]
        assert people(Search(room_id=room_id + 1)) == []
        assert len(people(Search(start=date(2026, 11, 21), end=date(2026, 11, 21)))) == 3
        assert people(Search(start=date(2026, 11, 22))) == []
        assert people(Search(end=date(2026, 11, 20))) == []
        assert other


def test_demo_seed_once(sessions: sessionmaker[Session], room_id: int) -> None:
    with sessions() as s, s.begin():
        demo.seed(s, NOW)
        demo.seed(s, NOW)
    with sessions() as s:
        assert [e.state for e in s.scalars(select(AccessEntry))] == ["inside"]
        assert len(works.active(s, NOW)) == 1
        assert len(carry_over(s, NOW)) == 1


def test_retention_purge_takes_signed_entries_with_their_items(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    """What the lead's RECORD_TABLES entry ("access_entries", "signed_at") relies on."""
    old = NOW - timedelta(days=4 * 365)  # the database checks retention on its own clock
    with sessions() as s, s.begin():
        reg = _reg(room_id, person="周八", planned_out=old + 2 * H)
        gone = service.register(s, reg, by="duty", now=old).id
        service.decide(s, gone, approve=True, by="boss", note="", address="", now=old)
        service.enter(s, gone, by="duty", now=old + timedelta(minutes=5))
        service.add_item(s, gone, ItemLine("硬盘", 1, Direction.IN), by="duty", now=old)
        service.leave(s, gone, username="duty", password=PW, address="", now=old + H)
    kept = _inside(sessions, room_id, person="王五")
    with sessions() as s, s.begin():
        service.add_item(s, kept, ItemLine("U盘", 1, Direction.IN), by="duty", now=NOW)
    with sessions() as s, s.begin():
        purged = journal.purge_before(s, old + timedelta(days=1), by="admin", now=NOW,
                                      record_tables=(("access_entries", "signed_at"),))  # fmt: skip
    assert purged == 1
    with sessions() as s:
        assert [e.id for e in s.scalars(select(AccessEntry))] == [kept]
        assert [i.item for i in s.scalars(select(AccessItem))] == ["U盘"]


def test_the_requester_cannot_approve_their_own_work_application(
    sessions: sessionmaker[Session], room_id: int
) -> None:
    with sessions() as s, s.begin():
        work = works.request(s, WorkRequest(room_id, "华信机电", "更换冷凝水管", ("王强",),
                                            date(2026, 11, 20), date(2026, 11, 22)),
                             by="boss", now=NOW)  # fmt: skip
        wid = work.id
    with pytest.raises(RecordError, match="work_self_approval"), sessions() as s, s.begin():
        works.decide(s, wid, approve=True, by="boss", note="", now=NOW)
    with sessions() as s:
        assert works.get(s, wid).status == works.REQUESTED
