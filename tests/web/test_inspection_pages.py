"""Inspection pages per role: fill and sign on a tablet, templates, print and export."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records.inspection import schedule, templates
from store.models import AuditEntry, Room
from store.models_inspection import InspectionItem, InspectionSheet, InspectionTemplate
from tests.web.conftest import NOW, PASSWORD, form_token

pytestmark = pytest.mark.usefixtures("room")


@pytest.fixture
def sheet_id(sessions: sessionmaker[Session]) -> int:
    """Room A101 with the default template and one open sheet (opened by the scheduler)."""
    with sessions() as s, s.begin():
        room = s.scalars(select(Room)).one()
        templates.install_default(s, room.id, NOW)
        s.flush()
        tpl = templates.template_for(s, room.id)
        assert tpl is not None
        tpl.schedule = "00:00"  # a round already due whatever the local time
        schedule.tick(s, NOW)
        return s.scalars(select(InspectionSheet.id)).one()


def _items(sessions: sessionmaker[Session], sheet_id: int) -> list[InspectionItem]:
    with sessions() as s:
        return list(s.scalars(select(InspectionItem).where(InspectionItem.sheet_id == sheet_id)
                              .order_by(InspectionItem.position)))  # fmt: skip


def _complete_form(items: list[InspectionItem], token: str) -> dict[str, str]:
    """Every item ticked; abnormal ones with a note and 'reported'."""
    data = {"csrf_token": token}
    for i in items:
        data[f"item-{i.id}"] = "1"
        data[f"result-{i.id}"] = i.result or "pass"
        if (i.result or i.auto_result) == "fail":
            data[f"note-{i.id}"] = "已通知厂商处理"
            data[f"reported-{i.id}"] = "yes"
    return data


def test_duty_fills_and_signs_and_the_sheet_is_frozen(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    page = client.get(f"/inspection/{sheet_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "UPS 负载率" in html and "42%" in html and 'name="password"' in html
    token = form_token(client, f"/inspection/{sheet_id}")
    items = _items(sessions, sheet_id)
    data = _complete_form(items, token)
    saved = client.post(f"/inspection/{sheet_id}/fill", data=data)
    assert saved.status_code == 302
    signed = client.post(f"/inspection/{sheet_id}/sign", data={**data, "password": PASSWORD})
    assert signed.status_code == 302
    with sessions() as s:
        sheet = s.get(InspectionSheet, sheet_id)
        assert sheet is not None and sheet.signed_by == "duty" and sheet.signed_from
        assert sheet.result == "abnormal"  # the UPS is on battery: an automatic failure
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"inspection.filled", "inspection.signed"} <= actions
    html = client.get(f"/inspection/{sheet_id}").get_data(as_text=True)
    assert 'name="password"' not in html and "已由 duty" in html
    again = client.post(f"/inspection/{sheet_id}/sign", data={**data, "password": PASSWORD})
    assert again.status_code == 409 and "已签字" in again.get_data(as_text=True)
    changed = client.post(f"/inspection/{sheet_id}/fill", data=data)
    assert changed.status_code == 409


def test_an_incomplete_sheet_is_not_signed_and_says_what_is_missing(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    token = form_token(client, f"/inspection/{sheet_id}")
    failed = [i for i in _items(sessions, sheet_id) if i.auto_result == "fail"]
    assert failed, "the fixture's UPS on battery fails its item"
    r = client.post(
        f"/inspection/{sheet_id}/sign", data={"csrf_token": token, "password": PASSWORD}
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "未填完整" in html and "异常项必须记录" in html
    with sessions() as s:
        assert s.get(InspectionSheet, sheet_id).signed_at is None  # type: ignore[union-attr]


def test_wrong_password_is_refused_with_a_message_and_ticks_are_kept(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    token = form_token(client, f"/inspection/{sheet_id}")
    data = _complete_form(_items(sessions, sheet_id), token)
    r = client.post(f"/inspection/{sheet_id}/sign", data={**data, "password": "not mine"})
    assert r.status_code == 400
    assert "签字密码不正确" in r.get_data(as_text=True)
    with sessions() as s:
        sheet = s.get(InspectionSheet, sheet_id)
        assert sheet is not None and sheet.signed_at is None
        assert all(i.result for i in sheet.items)  # what was ticked was saved


def test_readonly_reads_but_cannot_fill_or_sign(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.READONLY)
    html = client.get(f"/inspection/{sheet_id}").get_data(as_text=True)
    assert 'name="password"' not in html
    token = form_token(client, "/inspection/")
    data = {**_complete_form(_items(sessions, sheet_id), token), "password": PASSWORD}
    assert client.post(f"/inspection/{sheet_id}/sign", data=data).status_code == 403
    assert client.post(f"/inspection/{sheet_id}/fill", data=data).status_code == 403
    assert client.get("/inspection/templates/1").status_code == 403


def test_a_forged_post_without_csrf_token_is_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    data = _complete_form(_items(sessions, sheet_id), "")
    del data["csrf_token"]
    r = client.post(f"/inspection/{sheet_id}/sign", data={**data, "password": PASSWORD})
    assert r.status_code == 400
    with sessions() as s:
        assert s.get(InspectionSheet, sheet_id).signed_at is None  # type: ignore[union-attr]


def test_bad_values_are_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    token = form_token(client, f"/inspection/{sheet_id}")
    manual = next(i for i in _items(sessions, sheet_id) if i.kind == "manual")
    r = client.post(f"/inspection/{sheet_id}/fill", data={
        "csrf_token": token, f"item-{manual.id}": "1", f"result-{manual.id}": "maybe"})  # fmt: skip
    assert r.status_code == 400 and "无效" in r.get_data(as_text=True)
    unknown = {"csrf_token": token, "item-999999": "1", "result-999999": "pass"}
    r = client.post(f"/inspection/{sheet_id}/fill", data=unknown)
    assert r.status_code == 400
    assert client.get("/inspection/999999").status_code == 404


def test_supervisor_edits_the_template_and_bad_fields_are_named(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.SUPERVISOR)
    with sessions() as s:
        tpl = s.scalars(select(InspectionTemplate)).one()
        room_id = tpl.room_id
        load = next(i for i in tpl.items if i.code == "ups_load")
        fields = [
            {
                f"title_zh-{i.id}": i.title_zh,
                f"title_en-{i.id}": i.title_en,
                f"enabled-{i.id}": "on",
                f"low-{i.id}": "" if i.low is None else str(i.low),
                f"high-{i.id}": "" if i.high is None else str(i.high),
                f"expect-{i.id}": i.expect,
            }
            for i in tpl.items
        ]  # what the page's form sends back
    path = f"/inspection/templates/{room_id}"
    assert client.get(path).status_code == 200
    data = {"csrf_token": form_token(client, path), "schedule": "08:30, 20:30",
            "overdue_hours": "6"}  # fmt: skip
    for f in fields:
        data |= f
    data[f"high-{load.id}"] = "70"
    bad = client.post(path, data={**data, "schedule": "25:00", f"high-{load.id}": "abc"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "HH:MM" in html and "请填写数字" in html
    ok = client.post(path, data={**data, "new_title_zh": "空调滤网清洁"})
    assert ok.status_code == 302
    with sessions() as s:
        tpl = s.scalars(select(InspectionTemplate)).one()
        assert tpl.schedule == "08:30,20:30" and tpl.overdue_hours == 6
        assert next(i for i in tpl.items if i.code == "ups_load").high == 70
        assert any(i.title_zh == "空调滤网清洁" for i in tpl.items)
        assert "inspection.template_edited" in set(s.scalars(select(AuditEntry.action)))


def test_duty_cannot_edit_templates(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int
) -> None:
    logged_in(Role.DUTY)
    assert client.get("/inspection/templates/1").status_code == 403
    token = form_token(client, "/inspection/")
    r = client.post("/inspection/templates/1", data={"csrf_token": token, "schedule": "10:00"})
    assert r.status_code == 403


def test_index_lists_history_filters_and_overdue(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.SUPERVISOR)
    html = client.get("/inspection/").get_data(as_text=True)
    assert f"#{sheet_id}" in html and "超时未签字" not in html
    with sessions() as s, s.begin():
        sheet = s.get(InspectionSheet, sheet_id)
        assert sheet is not None
        sheet.due_by = NOW.replace(year=NOW.year - 1)
    html = client.get("/inspection/").get_data(as_text=True)
    assert "超时未签字" in html
    link = f'href="/inspection/{sheet_id}">#{sheet_id}</a></td>'  # a row of the history table
    assert link not in client.get("/inspection/?result=pass").get_data(as_text=True)
    assert link in client.get("/inspection/?signed=no&result=abnormal").get_data(as_text=True)
    assert link in client.get("/inspection/?room=1&from=2000-01-01").get_data(as_text=True)
    assert link not in client.get("/inspection/?to=2000-01-01").get_data(as_text=True)


def test_print_and_exports(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int
) -> None:
    logged_in(Role.READONLY)
    page = client.get(f"/inspection/{sheet_id}/print").get_data(as_text=True)
    assert "机房巡检记录表" in page and "UPS 负载率" in page
    csv = client.get(f"/inspection/{sheet_id}/export.csv")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    assert "检查项目" in csv.data.decode("utf-8-sig")
    assert re.search(r'filename="inspection-A101-\d{8}-\d{4}-\d+\.csv"',
                     csv.headers["Content-Disposition"])  # fmt: skip
    xlsx = client.get(f"/inspection/{sheet_id}/export.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert ws is not None
    assert any(
        row and "UPS 负载率" in [str(c) for c in row] for row in ws.iter_rows(values_only=True)
    )
    assert client.get(f"/inspection/{sheet_id}/export.pdf").status_code == 404


def test_duty_opens_an_extra_round(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    token = form_token(client, "/inspection/")
    with sessions() as s:
        room_id = s.scalars(select(Room.id)).one()
    r = client.post("/inspection/open", data={"csrf_token": token, "room": str(room_id)})
    assert r.status_code == 302
    with sessions() as s:
        assert s.scalar(select(InspectionSheet.kind).where(InspectionSheet.id != sheet_id)) \
            == "manual"  # fmt: skip
    assert client.post("/inspection/open", data={"csrf_token": token, "room": "x"}).status_code \
        == 400  # fmt: skip


def test_supervisor_installs_the_default_template_for_a_new_room(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    with sessions() as s, s.begin():
        room = Room(name="B201", title_zh="二号机房")
        s.add(room)
        s.flush()
        room_id = room.id
    logged_in(Role.SUPERVISOR)
    path = f"/inspection/templates/{room_id}"
    assert "安装默认巡检模板" in client.get(path).get_data(as_text=True)
    r = client.post(f"{path}/install", data={"csrf_token": form_token(client, path)})
    assert r.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "气体消防控制盘状态正常" in html and 'value="27"' in html
    assert client.get("/inspection/templates/999999").status_code == 404


def test_history_exports_follow_the_search(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int
) -> None:
    logged_in(Role.READONLY)
    csv = client.get("/inspection/export.csv?signed=no")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("编号,机房") and lines[1].startswith(f"{sheet_id},A101")
    assert len(client.get("/inspection/export.csv?signed=yes").data.splitlines()) == 1
    xlsx = client.get("/inspection/export.xlsx?room=1")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert ws is not None and ws.cell(2, 2).value == "A101"
