"""Access log pages per role: register, approve (supervisors only), sign in, items, sign out
with a password (frozen after), construction applications, history and the print page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records.access import service
from records.access.forms import Kind, Registration, local_day, local_input
from store.models import AuditEntry, Room
from store.models_access import AccessEntry, AccessItem, WorkApplication
from tests.web.conftest import NOW, PASSWORD, form_token, login

Sessions = sessionmaker[Session]
ID = "110101199001011234"


@pytest.fixture
def room_id(sessions: Sessions) -> int:
    with sessions() as s, s.begin():
        room = Room(name="A101", title_zh="一号机房", title_en="Room One")
        s.add(room)
        s.flush()
        return room.id


@pytest.fixture
def as_role(app: Flask, make_user: Callable[[Role], str]) -> Callable[[Role], FlaskClient]:
    """A client logged in as a fresh user of a role (several roles in one test)."""

    def make(role: Role) -> FlaskClient:
        client = app.test_client()
        assert login(client, make_user(role)).status_code == 302
        return client

    return make


def post(client: FlaskClient, path: str, **data: Any) -> Any:
    data.setdefault("csrf_token", form_token(client, "/access/"))
    return client.post(path, data=data)


def form(room_id: int, **kw: str) -> dict[str, str]:
    return {"room": str(room_id), "kind": "visit", "person": "李明", "organisation": "某厂商",
            "id_number": ID, "purpose": "更换板卡", "escort": "张三",
            "planned_out": local_input(NOW + timedelta(hours=2)), **kw}  # fmt: skip


def entry(sessions: Sessions, eid: int) -> AccessEntry:
    with sessions() as s:
        row = s.get(AccessEntry, eid)
        assert row is not None
        return row


def _eid(resp: Any) -> int:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_visitor_registered_approved_signed_in_and_out(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    duty, boss = as_role(Role.DUTY), as_role(Role.SUPERVISOR)
    eid = _eid(post(duty, "/access/new", **form(room_id)))
    page = duty.get(f"/access/{eid}").get_data(as_text=True)
    assert "110***********1234" in page and ID not in page and "待批准" in page
    assert post(duty, f"/access/{eid}/approve").status_code == 403  # on duty cannot approve
    assert post(duty, f"/access/{eid}/enter").status_code == 400  # not approved yet
    assert entry(sessions, eid).state == "requested"
    assert post(boss, f"/access/{eid}/approve", note="同意").status_code == 302
    assert entry(sessions, eid).decided_by == "supervisor"
    assert post(duty, f"/access/{eid}/enter").status_code == 302
    resp = post(duty, f"/access/{eid}/items", item="硬盘", quantity="2", direction="in")
    assert resp.status_code == 302
    resp = post(duty, f"/access/{eid}/items", item="", quantity="x", direction="up")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="error-item"' in page and 'id="error-quantity"' in page
    assert post(duty, f"/access/{eid}/leave", password="").status_code == 400
    resp = post(duty, f"/access/{eid}/leave", password="wrong")
    assert resp.status_code == 400 and "签字密码不正确" in resp.get_data(as_text=True)
    assert post(duty, f"/access/{eid}/leave", password=PASSWORD).status_code == 302
    row = entry(sessions, eid)
    assert row.state == "left" and row.signed_by == "duty" and row.time_out == NOW
    page = duty.get(f"/access/{eid}").get_data(as_text=True)
    assert "签字封存" in page and 'name="item"' not in page
    resp = post(duty, f"/access/{eid}/items", item="U盘", quantity="1", direction="in")
    assert resp.status_code == 400 and "已签字冻结" in resp.get_data(as_text=True)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AccessItem)) == 1
        actions = list(s.scalars(select(AuditEntry.action)
                                 .where(AuditEntry.object_type == "access_entry")))  # fmt: skip
        addresses = set(s.scalars(select(AuditEntry.address)
                                  .where(AuditEntry.object_type == "access_entry")))  # fmt: skip
    assert actions == ["access.register", "access.approve", "access.enter", "access.item",
                       "access.leave"]  # fmt: skip
    assert addresses == {"127.0.0.1"}


def test_supervisor_rejects_with_a_reason(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    duty, boss = as_role(Role.DUTY), as_role(Role.SUPERVISOR)
    eid = _eid(post(duty, "/access/new", **form(room_id)))
    assert post(boss, f"/access/{eid}/reject", note=" ").status_code == 400
    assert post(boss, f"/access/{eid}/reject", note="无关人员").status_code == 302
    row = entry(sessions, eid)
    assert row.state == "rejected" and row.signed_at is not None


STAFF_ID = "110101198502023456"


@pytest.mark.parametrize("flag", ["on", "1"])
def test_a_forged_staff_field_skips_neither_approval_nor_escort(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions, flag: str
) -> None:
    """Issue 12, point 12: a duty user posting staff=1 for an outsider gets no skip."""
    duty = as_role(Role.DUTY)
    resp = post(duty, "/access/new", **form(room_id, escort="", staff=flag))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="error-escort"' in page and "必须有陪同人员" in page
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AccessEntry)) == 0
    eid = _eid(post(duty, "/access/new", **form(room_id, staff=flag)))
    row = entry(sessions, eid)
    assert row.state == "requested" and not row.staff and row.time_in is None
    assert 'name="staff"' not in duty.get("/access/new").get_data(as_text=True)


def test_staff_on_the_admins_list_enter_on_registration_without_escort(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    admin, duty = as_role(Role.ADMIN), as_role(Role.DUTY)
    assert duty.get("/access/staff").status_code == 403
    assert post(duty, "/access/staff", name="刘工", id_number=STAFF_ID).status_code == 403
    resp = post(admin, "/access/staff", name="刘工", organisation="信息中心", id_number="12")
    assert resp.status_code == 400 and 'id="error-id_number"' in resp.get_data(as_text=True)
    assert post(admin, "/access/staff", name="刘工", organisation="信息中心",
                id_number=STAFF_ID).status_code == 302  # fmt: skip
    page = admin.get("/access/staff").get_data(as_text=True)
    assert "刘工" in page and "110***********3456" in page and STAFF_ID not in page
    eid = _eid(post(duty, "/access/new", **form(room_id, person="刘工", id_number=STAFF_ID,
                                                 escort="")))  # fmt: skip
    assert entry(sessions, eid).state == "inside" and entry(sessions, eid).staff
    assert "刘工" in duty.get("/access/").get_data(as_text=True)
    # the same name with somebody else's ID number is an outsider
    eid = _eid(post(duty, "/access/new", **form(room_id, person="刘工")))
    assert entry(sessions, eid).state == "requested"
    # a duty user registering themselves is staff by their account
    eid = _eid(post(duty, "/access/new", **form(room_id, person="duty", escort="")))
    assert entry(sessions, eid).state == "inside"


def test_the_registering_supervisor_cannot_approve_the_entry(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    """Issue 12, point 12: the person who registers an entry cannot approve it."""
    boss = as_role(Role.SUPERVISOR)
    eid = _eid(post(boss, "/access/new", **form(room_id)))
    page = boss.get(f"/access/{eid}").get_data(as_text=True)
    assert "须由另一位主管批准" in page and f"/access/{eid}/approve" not in page
    resp = post(boss, f"/access/{eid}/approve", note="同意")
    assert resp.status_code == 400 and "登记人不能批准" in resp.get_data(as_text=True)
    resp = post(boss, f"/access/{eid}/reject", note="不同意")
    assert resp.status_code == 400
    row = entry(sessions, eid)
    assert row.state == "requested" and row.decided_by is None and row.signed_at is None
    admin = as_role(Role.ADMIN)
    assert post(admin, f"/access/{eid}/approve", note="同意").status_code == 302
    assert entry(sessions, eid).decided_by == "admin"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"id_number": "12"}, "id_number", "证件号码应为"),
        ({"escort": ""}, "escort", "必须有陪同人员"),
        ({"person": ""}, "person", "必填"),
        ({"room": "999"}, "room", "请选择机房"),
        ({"planned_out": "soon"}, "planned_out", "格式不正确"),
        ({"kind": "construction"}, "work_application", "必填"),
        ({"kind": "construction", "work_application": "999"}, "work_application", "已批准"),
    ],
    ids=["bad-id", "no-escort", "no-person", "unknown-room", "bad-time", "construction-no-work",
         "construction-unknown-work"],
)  # fmt: skip
def test_bad_registration_shows_the_message_next_to_the_field(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions,
    change: dict[str, str], field: str, text: str,
) -> None:  # fmt: skip
    duty = as_role(Role.DUTY)
    resp = post(duty, "/access/new", **form(room_id, **change))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert f'id="error-{field}"' in page and text in page
    assert 'aria-invalid="true"' in page
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AccessEntry)) == 0


def test_readonly_sees_but_cannot_register_or_act(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    with sessions() as s, s.begin():
        reg = Registration(room_id, Kind.VISIT, "王五", "某公司", ID, "参观", "张三", None,
                           NOW + timedelta(hours=1))  # fmt: skip
        eid = service.register(s, reg, by="x", now=NOW).id
    guest = as_role(Role.READONLY)
    for path in ("/access/", f"/access/{eid}", "/access/history", "/access/print",
                 "/access/works"):  # fmt: skip
        assert guest.get(path).status_code == 200, path
    page = guest.get("/access/").get_data(as_text=True)
    assert "王五" in page and "/access/new" not in page
    assert guest.get("/access/new").status_code == 403
    token = form_token(guest, "/access/")
    for path in ("/access/new", f"/access/{eid}/approve", f"/access/{eid}/enter",
                 f"/access/{eid}/items", f"/access/{eid}/leave", "/access/works"):  # fmt: skip
        assert guest.post(path, data={"csrf_token": token}).status_code == 403, path
    assert entry(sessions, eid).state == "requested"


def test_forged_post_without_csrf_is_refused(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    duty = as_role(Role.DUTY)
    assert duty.post("/access/new", data=form(room_id)).status_code == 400
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AccessEntry)) == 0


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    resp = client.get("/access/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_index_flags_overstays(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    with sessions() as s, s.begin():
        reg = Registration(room_id, Kind.VISIT, "王五", "某公司", ID, "参观", "张三", None,
                           NOW - timedelta(hours=1))  # fmt: skip
        eid = service.register(s, reg, by="x", now=NOW - timedelta(hours=3)).id
        service.decide(s, eid, approve=True, by="y", note="", address="",
                       now=NOW - timedelta(hours=3))  # fmt: skip
        service.enter(s, eid, by="x", now=NOW - timedelta(hours=3))
    page = as_role(Role.READONLY).get("/access/").get_data(as_text=True)
    assert "1 人超过批准时间仍在机房内" in page and "超时 60 分钟" in page


def test_construction_application_approved_and_signed_off(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    duty, boss = as_role(Role.DUTY), as_role(Role.SUPERVISOR)
    today = local_day(NOW)
    work = {"room": str(room_id), "company": "华信机电", "content": "更换冷凝水管",
            "people": "王强\n刘洋", "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=2)).isoformat()}  # fmt: skip
    resp = post(duty, "/access/works", **{**work, "end_date": "bad"})
    assert resp.status_code == 400 and 'id="error-end_date"' in resp.get_data(as_text=True)
    assert post(duty, "/access/works", **work).status_code == 302
    with sessions() as s:
        wid = s.scalar(select(WorkApplication.id))
    assert post(duty, f"/access/works/{wid}/approve").status_code == 403
    assert post(duty, f"/access/works/{wid}/signoff").status_code == 400  # not approved
    assert post(boss, f"/access/works/{wid}/approve").status_code == 302
    assert post(duty, f"/access/works/{wid}/signoff").status_code == 302
    resp = post(duty, f"/access/works/{wid}/signoff")
    assert resp.status_code == 400 and "今日已签认" in resp.get_data(as_text=True)
    fields = form(room_id, kind="construction", work_application=str(wid), person="王强")
    eid = _eid(post(duty, "/access/new", **fields))
    assert entry(sessions, eid).state == "approved"


def test_history_search_and_print(
    as_role: Callable[[Role], FlaskClient], room_id: int, sessions: Sessions
) -> None:
    with sessions() as s, s.begin():
        for person, org in (("李明", "华为技术"), ("韩梅梅", "中兴通讯")):
            reg = Registration(room_id, Kind.VISIT, person, org, ID, "巡检", "张三", None,
                               NOW + timedelta(hours=1))  # fmt: skip
            service.register(s, reg, by="x", now=NOW)
    guest = as_role(Role.READONLY)
    page = guest.get("/access/history?organisation=华为").get_data(as_text=True)
    assert "李明" in page and "韩梅梅" not in page
    page = guest.get(f"/access/print?room={room_id}").get_data(as_text=True)
    assert "机房出入登记表" in page and "李明" in page and "韩梅梅" in page
    assert "110***********1234" in page and ID not in page
    resp = guest.get("/access/history?start=yesterday")
    assert resp.status_code == 400 and 'id="error-start"' in resp.get_data(as_text=True)


def test_english_pages(as_role: Callable[[Role], FlaskClient], room_id: int) -> None:
    guest = as_role(Role.READONLY)
    guest.post("/language", data={"lang": "en", "csrf_token": form_token(guest, "/access/")})
    page = guest.get("/access/").get_data(as_text=True)
    assert "Machine-room access log" in page and "机房出入登记" not in page
