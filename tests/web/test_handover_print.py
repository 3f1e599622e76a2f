"""The signed handover and its A4 print say one thing (issue 12, points 4, 5, 6 and 9):
people by their names, the shifts in words, the arrival, the supervisor's review, no forms
on the print; the wrong incoming person hears why; the admin names people."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.duty import ShiftSlot
from core.types import Role
from records.handover import review, service
from store.accounts import create_user
from store.models import Alarm, User
from store.models_inspection import InspectionSheet
from tests.web.conftest import NOW, PASSWORD, form_token, login
from tests.web.test_inspection_pages import _complete_form, _items
from tests.web.test_inspection_pages import sheet_id as sheet_id  # fixture

Sessions = sessionmaker[Session]
START = NOW + timedelta(minutes=30)


@pytest.fixture
def hid(sessions: Sessions, alarm_id: int) -> int:
    """张大伟 (zhang, night shift) hands over to 王大壮 (wang, day shift); 李主管 reviews."""
    with sessions() as s, s.begin():
        create_user(s, "zhang", PASSWORD, Role.DUTY, "张大伟")
        create_user(s, "wang", PASSWORD, Role.DUTY, "王大壮")
        create_user(s, "li", PASSWORD, Role.DUTY, "李小明")
        create_user(s, "boss", PASSWORD, Role.SUPERVISOR, "李主管")
        night = ShiftSlot("N", START - timedelta(hours=12), START, ("zhang",))
        day = ShiftSlot("D", START, START + timedelta(hours=12), ("wang",))
        return service.open_handover(s, night, day, NOW).id


def post(client: FlaskClient, path: str, **data: Any) -> Any:
    data.setdefault("csrf_token", form_token(client, "/handover/"))
    return client.post(path, data=data)


def _sign(app: Flask, client: FlaskClient, hid: int, alarm_id: int) -> None:
    """The firing alarm acknowledged and passed on, wang arrives, both sign."""
    with app.extensions["roomwatch"].sessions() as s, s.begin():
        a = s.get(Alarm, alarm_id)
        assert a is not None
        a.status, a.acked_by, a.owner = "acknowledged", "zhang", "wang"
    incoming = app.test_client()
    login(incoming, "wang")
    assert post(incoming, f"/handover/{hid}/arrive").status_code == 302
    login(client, "zhang")
    form = {"notes": "UPS 电池供电，已通知厂家", "confirm": [f"alarm:{alarm_id}"],
            "outgoing_user": "zhang", "outgoing_password": PASSWORD,
            "incoming_user": "wang", "incoming_password": PASSWORD}  # fmt: skip
    assert post(client, f"/handover/{hid}/sign", **form).status_code == 302


def _cell(page: str, cls: str) -> str:
    found = re.search(rf'class="{cls}">(.*?)</(td|dd)>', page, re.S)
    assert found, f"no {cls} on the page"
    return " ".join(found.group(1).split())


def test_signed_handover_and_its_print_say_one_thing(
    app: Flask, client: FlaskClient, hid: int, alarm_id: int
) -> None:
    _sign(app, client, hid, alarm_id)
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert "已交接：张大伟 交给 王大壮" in page
    assert "夜班 → 白班" in page and "N → D" not in page
    assert _cell(page, "handover-outgoing") == "张大伟"
    assert _cell(page, "handover-incoming") == "王大壮"
    assert "接班人尚未到岗" not in page and f"/handover/{hid}/print" in page

    printed = client.get(f"/handover/{hid}/print")
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    assert "值班交接班记录表" in text and "@page" in text and "size: A4" in text
    assert "<form" not in text and 'type="password"' not in text and "<textarea" not in text
    assert _cell(text, "ho-shifts") == "夜班 → 白班"
    assert _cell(text, "ho-outgoing") == "张大伟" and _cell(text, "ho-incoming") == "王大壮"
    assert _cell(text, "ho-out-sign") == "张大伟" and _cell(text, "ho-in-sign") == "王大壮"
    arrival = _cell(text, "ho-arrival")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", arrival), arrival
    assert "UPS 电池供电，已通知厂家" in text and "✔ 王大壮" in text
    assert "journal-anchor" in text and _cell(text, "ho-review") == ""
    assert "wangdz" not in text and ">wang<" not in text and ">zhang<" not in text


def test_print_shows_the_supervisors_review(
    app: Flask, client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    _sign(app, client, hid, alarm_id)
    tz = review.local_tz()
    with sessions() as s, s.begin():
        review.review_day(s, START.astimezone(tz).date(), tz, username="boss",
                          password=PASSWORD, note="交接清楚", address="10.0.0.2",
                          now=START + timedelta(hours=1))  # fmt: skip
    text = client.get(f"/handover/{hid}/print").get_data(as_text=True)
    cell = _cell(text, "ho-review")
    assert "李主管" in cell and "交接清楚" in cell and "boss" not in cell
    boss = app.test_client()
    login(boss, "boss")
    day = boss.get(f"/handover/day?day={START.astimezone(tz).date().isoformat()}")
    shown = day.get_data(as_text=True)
    assert "张大伟、王大壮" in shown and "已由 李主管" in shown


def test_a_draft_prints_the_planned_people(client: FlaskClient, hid: int) -> None:
    login(client, "li")
    text = client.get(f"/handover/{hid}/print").get_data(as_text=True)
    assert _cell(text, "ho-outgoing") == "张大伟" and _cell(text, "ho-incoming") == "王大壮"
    assert "接班人尚未到岗" in text and "<form" not in text
    assert client.get("/handover/9999/print").status_code == 404


def test_wrong_incoming_person_hears_why_before_the_password(
    client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    login(client, "zhang")
    form = {"notes": "值班正常", "confirm": [f"alarm:{alarm_id}"],
            "outgoing_user": "zhang", "outgoing_password": PASSWORD,
            "incoming_user": "li", "incoming_password": "wrong password"}  # fmt: skip
    resp = post(client, f"/handover/{hid}/sign", **form)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "li 不是本次接班人员（接班人：wang）" in text and "签字密码不正确" not in text
    with sessions() as s:
        assert service.get(s, hid).signed_at is None


def test_admin_names_people_and_others_cannot(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Sessions, hid: int
) -> None:
    login(client, "zhang")
    assert client.get("/users/").status_code == 403
    client.post("/logout", data={"csrf_token": form_token(client, "/handover/")})
    logged_in(Role.ADMIN)
    page = client.get("/users/").get_data(as_text=True)
    assert "张大伟" in page and "roomwatch user add" in page
    with sessions() as s:
        wang = s.scalars(select(User).where(User.username == "wang")).one().id
    token = form_token(client, "/users/")
    bad = client.post(f"/users/{wang}/name", data={"csrf_token": token, "display_name": " "})
    assert bad.status_code == 400 and "姓名须为" in bad.get_data(as_text=True)
    ok = client.post(f"/users/{wang}/name",
                     data={"csrf_token": token, "display_name": "王  大壮 "})  # fmt: skip
    assert ok.status_code == 302
    with sessions() as s:
        assert s.get(User, wang).display_name == "王 大壮"  # type: ignore[union-attr]
    missing = client.post("/users/9999/name", data={"csrf_token": token, "display_name": "x"})
    assert missing.status_code == 404


@pytest.mark.usefixtures("room")
def test_inspection_print_shows_review_and_names(
    client: FlaskClient, sessions: Sessions, sheet_id: int
) -> None:
    with sessions() as s, s.begin():
        create_user(s, "wangdz", PASSWORD, Role.DUTY, "王大壮")
        create_user(s, "boss", PASSWORD, Role.SUPERVISOR, "李主管")
    login(client, "wangdz")
    data = _complete_form(_items(sessions, sheet_id), form_token(client, f"/inspection/{sheet_id}"))
    assert client.post(f"/inspection/{sheet_id}/fill", data=data).status_code == 302
    signed = client.post(f"/inspection/{sheet_id}/sign", data={**data, "password": PASSWORD})
    assert signed.status_code == 302
    text = client.get(f"/inspection/{sheet_id}/print").get_data(as_text=True)
    assert _cell(text, "insp-signer") == "王大壮" and _cell(text, "insp-review") == ""
    tz = review.local_tz()
    with sessions() as s, s.begin():
        sheet = s.get(InspectionSheet, sheet_id)
        assert sheet is not None and sheet.signed_at is not None
        day = sheet.signed_at.astimezone(tz).date()
        review.review_day(s, day, tz, username="boss", password=PASSWORD, note="已阅",
                          address="", now=sheet.signed_at + timedelta(minutes=1))  # fmt: skip
    cell = _cell(client.get(f"/inspection/{sheet_id}/print").get_data(as_text=True),
                 "insp-review")  # fmt: skip
    assert "李主管" in cell and "已阅" in cell
