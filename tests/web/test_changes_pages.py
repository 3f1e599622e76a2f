"""Change pages per role: request, approve (not one's own, not as duty), calendar,
close with a signature; bad input next to its field; forged posts refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from rules.maintenance import active_windows
from store.accounts import create_user
from store.models import AuditEntry, Device
from store.models_changes import ChangeRequest
from tests.web.conftest import NOW, PASSWORD, form_token, login

Factory = sessionmaker[Session]
H = timedelta(hours=1)


def local(ts: datetime) -> str:
    return ts.astimezone().strftime("%Y-%m-%dT%H:%M")


def device_ids(sessions: Factory) -> dict[str, int]:
    with sessions() as s:
        return {d.name: d.id for d in s.scalars(select(Device))}


def as_user(app: Flask, sessions: Factory, name: str, role: Role) -> FlaskClient:
    with sessions() as s, s.begin():
        create_user(s, name, PASSWORD, role)
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def request_form(client: FlaskClient, devices: list[int], **kw: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": form_token(client, "/changes/new"),
        "title": "更换 UPS 电池", "plan": "断开旁路, 更换电池组", "impact": "A01 机柜市电直供",
        "risk": "medium", "devices": [str(d) for d in devices],
        "window_start": local(NOW + H), "window_end": local(NOW + 3 * H),
        "backout_plan": "装回旧电池", "backup_taken": "on",
    }  # fmt: skip
    data.update(kw)
    return data


def count(sessions: Factory) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(ChangeRequest)) or 0


def new_change(client: FlaskClient, devices: list[int], **kw: object) -> int:
    resp = client.post("/changes/new", data=request_form(client, devices, **kw))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    match = re.search(r"/changes/(\d+)$", resp.headers["Location"])
    assert match
    return int(match.group(1))


def post(client: FlaskClient, cid: int, action: str, **data: str) -> object:
    token = form_token(client, f"/changes/{cid}")
    return client.post(f"/changes/{cid}/{action}", data={"csrf_token": token, **data})


@pytest.fixture
def duty(app: Flask, sessions: Factory, room: None) -> FlaskClient:
    return as_user(app, sessions, "zhang", Role.DUTY)


@pytest.fixture
def boss(app: Flask, sessions: Factory, room: None) -> FlaskClient:
    return as_user(app, sessions, "li", Role.SUPERVISOR)


def test_duty_requests_and_a_supervisor_approves_into_maintenance(
    duty: FlaskClient, boss: FlaskClient, sessions: Factory
) -> None:
    ids = device_ids(sessions)
    cid = new_change(duty, [ids["ups-1"], ids["srv-1"]])
    page = duty.get(f"/changes/{cid}").get_data(as_text=True)
    assert "更换 UPS 电池" in page and "srv-1, ups-1" in page and "草稿" in page
    assert post(duty, cid, "submit").status_code == 302  # type: ignore[attr-defined]
    assert post(duty, cid, "approve").status_code == 403  # type: ignore[attr-defined]
    resp = post(boss, cid, "approve", note="同意")
    assert resp.status_code == 302  # type: ignore[attr-defined]
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.state == "approved" and row.approved_by == "li"
        assert set(active_windows(s, NOW + 2 * H)) == {"ups-1", "srv-1"}
        audited = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(cid))))
        assert {"change.create", "change.submit", "change.approve"} <= audited
    page = boss.get(f"/changes/{cid}").get_data(as_text=True)
    assert "已批准" in page and "同意" in page


def test_a_supervisor_cannot_approve_their_own_change(
    boss: FlaskClient, app: Flask, sessions: Factory
) -> None:
    ids = device_ids(sessions)
    cid = new_change(boss, [ids["sw-1"]])
    post(boss, cid, "submit")
    resp = post(boss, cid, "approve")
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert "申请人不能审批自己的变更" in resp.get_data(as_text=True)  # type: ignore[attr-defined]
    other = as_user(app, sessions, "wang", Role.ADMIN)
    assert post(other, cid, "approve").status_code == 302  # type: ignore[attr-defined]


def test_readonly_sees_but_cannot_act(app: Flask, duty: FlaskClient, sessions: Factory) -> None:
    ids = device_ids(sessions)
    cid = new_change(duty, [ids["ups-1"]])
    viewer = as_user(app, sessions, "guest", Role.READONLY)
    assert viewer.get("/changes/").status_code == 200
    page = viewer.get(f"/changes/{cid}").get_data(as_text=True)
    assert "更换 UPS 电池" in page and "提交审批" not in page
    assert viewer.get("/changes/new").status_code == 403
    token = form_token(viewer, "/changes/")
    assert viewer.post("/changes/new", data={"csrf_token": token}).status_code == 403
    assert viewer.post(f"/changes/{cid}/submit", data={"csrf_token": token}).status_code == 403
    assert viewer.post(f"/changes/{cid}/approve", data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"window_end": local(NOW)}, "window_end", "结束时间必须晚于开始时间"),
        ({"devices": []}, "devices", "请至少选择一台设备"),
        ({"devices": ["999999"]}, "devices", "设备不在台账中"),
        ({"title": ""}, "title", "必填"),
        ({"risk": "huge"}, "risk", "请选择风险"),
        ({"window_start": "not a time"}, "window_start", "时间格式不正确"),
    ],
    ids=["end-before-start", "no-devices", "unknown-device", "no-title", "bad-risk", "bad-time"],
)
def test_bad_input_is_shown_next_to_its_field(
    duty: FlaskClient, sessions: Factory, change: dict[str, object], field: str, message: str
) -> None:
    ids = device_ids(sessions)
    data = {**request_form(duty, [ids["ups-1"]]), **change}
    resp = duty.post("/changes/new", data=data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert re.search(rf'id="error-{field}">[^<]*{message}', html), html
    assert count(sessions) == 0


def test_forged_posts_without_a_token_are_refused(duty: FlaskClient, sessions: Factory) -> None:
    ids = device_ids(sessions)
    data = request_form(duty, [ids["ups-1"]])
    data.pop("csrf_token")
    assert duty.post("/changes/new", data=data).status_code == 400
    assert count(sessions) == 0
    cid = new_change(duty, [ids["ups-1"]])
    assert duty.post(f"/changes/{cid}/submit", data={}).status_code == 400
    with sessions() as s:
        assert s.get(ChangeRequest, cid).state == "draft"  # type: ignore[union-attr]


def test_calendar_shows_windows_and_flags_conflicts(duty: FlaskClient, sessions: Factory) -> None:
    ids = device_ids(sessions)
    first = new_change(duty, [ids["ups-1"]], title="第一个变更")
    post(duty, first, "submit")
    second = new_change(duty, [ids["ups-1"]], title="第二个变更")
    resp = post(duty, second, "submit")
    assert resp.status_code == 302  # type: ignore[attr-defined]
    page = duty.get(f"/changes/{second}").get_data(as_text=True)
    assert 'id="warn-conflicts"' in page and f"#{first}" in page
    day = (NOW + H).astimezone().date().isoformat()
    for view in ("month", "week"):
        cal = duty.get(f"/changes/calendar?view={view}&date={day}").get_data(as_text=True)
        assert "第一个变更" in cal and "第二个变更" in cal and "时间冲突" in cal
    assert duty.get("/changes/calendar?date=garbage").status_code == 200
    listing = duty.get("/changes/").get_data(as_text=True)
    assert listing.count("时间冲突") == 2


def test_close_needs_the_password_and_freezes(
    duty: FlaskClient, boss: FlaskClient, sessions: Factory
) -> None:
    ids = device_ids(sessions)
    cid = new_change(duty, [ids["ups-1"]])
    post(duty, cid, "submit")
    post(boss, cid, "reject", note="方案不完整")
    resp = post(duty, cid, "close", password="wrong")
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert 'id="error-password"' in resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert post(duty, cid, "close", password=PASSWORD).status_code == 302  # type: ignore[attr-defined]
    page = duty.get(f"/changes/{cid}").get_data(as_text=True)
    assert "已关闭" in page and f"/changes/{cid}/close" not in page
    assert post(boss, cid, "cancel").status_code == 400  # type: ignore[attr-defined]
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.signed_by == "zhang" and row.state == "closed"


def test_edit_a_draft_and_unknown_change(duty: FlaskClient, sessions: Factory) -> None:
    ids = device_ids(sessions)
    cid = new_change(duty, [ids["ups-1"]])
    form = duty.get(f"/changes/{cid}/edit").get_data(as_text=True)
    assert "更换 UPS 电池" in form
    data = request_form(duty, [ids["sw-1"]], title="改为交换机升级")
    assert duty.post(f"/changes/{cid}/edit", data=data).status_code == 302
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.title == "改为交换机升级"
        assert [d.device_name for d in row.devices] == ["sw-1"]
    assert duty.get("/changes/999999").status_code == 404
    assert post(duty, cid, "submit").status_code == 302  # type: ignore[attr-defined]
    assert duty.get(f"/changes/{cid}/edit").status_code == 403


def test_english_pages(duty: FlaskClient, logged_in: Callable[[Role], str]) -> None:
    token = form_token(duty, "/changes/")
    duty.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    page = duty.get("/changes/new").get_data(as_text=True)
    assert "New change request" in page and "Backout plan" in page
