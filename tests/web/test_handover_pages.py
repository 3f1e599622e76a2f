"""Handover pages per role: duty signs face to face (and cannot override), readonly only
reads, supervisors override with a reason and review the day; bad posts refused whole."""

from __future__ import annotations

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
from records import journal
from records.handover import review, service
from store.accounts import create_user
from store.models import Alarm, AuditEntry
from store.models_handover import DayReview, Handover
from tests.web.conftest import NOW, PASSWORD, form_token, login

Sessions = sessionmaker[Session]
START = NOW + timedelta(minutes=30)


@pytest.fixture
def hid(sessions: Sessions, alarm_id: int) -> int:
    """Users zhang (outgoing) and wang (incoming), a handover carrying one firing alarm."""
    with sessions() as s, s.begin():
        create_user(s, "zhang", PASSWORD, Role.DUTY)
        create_user(s, "wang", PASSWORD, Role.DUTY)
        night = ShiftSlot("night", START - timedelta(hours=12), START, ("zhang",))
        day = ShiftSlot("day", START, START + timedelta(hours=12), ("wang",))
        return service.open_handover(s, night, day, NOW).id


def post(client: FlaskClient, path: str, **data: Any) -> Any:
    data.setdefault("csrf_token", form_token(client, "/handover/"))
    return client.post(path, data=data)


def signing(alarm_id: int, **kw: Any) -> dict[str, Any]:
    form = {"notes": "UPS 电池供电，已通知厂家", "confirm": [f"alarm:{alarm_id}"],
            "outgoing_user": "zhang", "outgoing_password": PASSWORD,
            "incoming_user": "wang", "incoming_password": PASSWORD}  # fmt: skip
    form.update(kw)
    return form


def ready(sessions: Sessions, hid: int, alarm_id: int, arrive: bool = True) -> None:
    """The firing alarm acknowledged and passed to wang; wang arrived in time."""
    with sessions() as s, s.begin():
        a = s.get(Alarm, alarm_id)
        assert a is not None
        a.status, a.acked_by, a.owner = "acknowledged", "zhang", "wang"
        if arrive:
            service.record_arrival(s, hid, "wang", START - timedelta(minutes=20))


def row(sessions: Sessions, hid: int) -> Handover:
    with sessions() as s:
        h = s.get(Handover, hid)
        assert h is not None
        return h


def test_screen_shows_items_and_gate_reasons(client: FlaskClient, hid: int) -> None:
    login(client, "zhang")
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert "UPS 电池供电" in page and 'name="confirm"' in page
    assert "交不清楚不接班" in page and "值班情况未填写" in page
    assert "1 项交接内容未经接班人确认" in page
    listing = client.get("/handover/").get_data(as_text=True)
    assert f"/handover/{hid}" in listing


def test_duty_signs_both_and_the_record_is_frozen(
    app: Flask, client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    ready(sessions, hid, alarm_id, arrive=False)
    incoming = app.test_client()
    login(incoming, "wang")
    assert post(incoming, f"/handover/{hid}/arrive").status_code == 302
    login(client, "zhang")
    resp = post(client, f"/handover/{hid}/sign", **signing(alarm_id))
    assert resp.status_code == 302
    h = row(sessions, hid)
    assert h.signed_by == "zhang/wang" and h.arrived_by == "wang"
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert "已交接" in page and 'name="outgoing_password"' not in page
    # a forged post trying to edit or re-sign the signed record is refused, nothing changes
    forged = post(client, f"/handover/{hid}/save", notes="改写记录", confirm=[])
    assert forged.status_code == 400 and "已签字冻结" in forged.get_data(as_text=True)
    again = post(client, f"/handover/{hid}/sign", **signing(alarm_id))
    assert again.status_code == 400 and "不能再次签字" in again.get_data(as_text=True)
    assert row(sessions, hid).notes == "UPS 电池供电，已通知厂家"
    with sessions() as s:
        assert len(journal.entries_for(s, "handover", hid)) == 1
        actions = set(s.scalars(select(AuditEntry.action)))
        assert {"handover.arrive", "handover.sign"} <= actions


@pytest.mark.parametrize(
    ("kw", "text"),
    [({"incoming_password": "wrong"}, "签字密码不正确"),
     ({"incoming_user": "zhang"}, "不能是同一个人"),
     ({"notes": ""}, "值班情况未填写"),
     ({"confirm": []}, "未经接班人确认"),
     ({"confirm": ["alarm:999"]}, "不属于本次交接"),
     ({"outgoing_password": ""}, "必填")],
    ids=["wrong-password", "same-person", "notes-empty", "unconfirmed", "forged-item",
         "missing-password"],
)  # fmt: skip
def test_bad_signing_is_refused_whole(
    client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int, kw: dict[str, Any],
    text: str,
) -> None:  # fmt: skip
    ready(sessions, hid, alarm_id)
    login(client, "zhang")
    resp = post(client, f"/handover/{hid}/sign", **signing(alarm_id, **kw))
    assert resp.status_code == 400
    assert text in resp.get_data(as_text=True)
    h = row(sessions, hid)
    assert h.signed_at is None and h.notes == ""  # the notes typed were not half-saved
    with sessions() as s:
        assert journal.entries_for(s, "handover", hid) == []


def test_readonly_reads_but_cannot_sign(
    client: FlaskClient, logged_in: Callable[[Role], str], hid: int, alarm_id: int
) -> None:
    logged_in(Role.READONLY)
    page = client.get(f"/handover/{hid}")
    assert page.status_code == 200 and 'name="outgoing_password"' not in page.get_data(True)
    assert post(client, f"/handover/{hid}/sign", **signing(alarm_id)).status_code == 403
    assert post(client, f"/handover/{hid}/save", notes="x").status_code == 403
    assert client.get("/handover/day").status_code == 403


def test_duty_cannot_override(client: FlaskClient, sessions: Sessions, hid: int,
                              alarm_id: int) -> None:  # fmt: skip
    login(client, "zhang")
    form = signing(alarm_id, switching="1", override_reason="我说可以",
                   override_password=PASSWORD)  # fmt: skip
    assert post(client, f"/handover/{hid}/sign", **form).status_code == 403
    assert row(sessions, hid).signed_at is None


def test_supervisor_overrides_with_reason_and_password(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Sessions, hid: int,
    alarm_id: int,
) -> None:  # fmt: skip
    ready(sessions, hid, alarm_id)
    boss = logged_in(Role.SUPERVISOR)
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert 'name="override_reason"' in page
    refused = post(client, f"/handover/{hid}/sign", **signing(alarm_id, switching="1"))
    assert refused.status_code == 400 and "倒闸操作" in refused.get_data(as_text=True)
    bad = post(client, f"/handover/{hid}/sign",
               **signing(alarm_id, switching="1", override_password=PASSWORD))  # fmt: skip
    assert bad.status_code == 400 and "必须写明原因" in bad.get_data(as_text=True)
    ok = post(
        client,
        f"/handover/{hid}/sign",
        **signing(
            alarm_id, switching="1", override_reason="倒闸由检修班继续", override_password=PASSWORD
        ),
    )
    assert ok.status_code == 302
    h = row(sessions, hid)
    assert h.override_by == boss and h.switching is True
    with sessions() as s:
        body = journal.content_of(journal.entries_for(s, "handover", hid)[0])
        assert body["override"]["reason"] == "倒闸由检修班继续"
        entry = journal.entries_for(s, service.OVERRIDE_KIND, hid)[0]
        assert (entry.signer, entry.reason) == (boss, "倒闸由检修班继续")


def test_supervisor_reviews_the_day(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Sessions, hid: int
) -> None:
    logged_in(Role.SUPERVISOR)
    today = NOW.astimezone(review.local_tz()).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    page = client.get("/handover/day")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "尚未审阅" in text and yesterday in text
    day = START.astimezone(review.local_tz()).date().isoformat()
    assert f"/handover/{hid}" in client.get(f"/handover/day?day={day}").get_data(True)
    assert client.get("/handover/day?day=not-a-day").status_code == 400
    bad = post(client, "/handover/day/review", day=yesterday, password="wrong")
    assert bad.status_code == 400 and "签字密码不正确" in bad.get_data(as_text=True)
    assert post(client, "/handover/day/review", day=yesterday, password=PASSWORD,
                note="已审阅").status_code == 302  # fmt: skip
    twice = post(client, "/handover/day/review", day=yesterday, password=PASSWORD)
    assert twice.status_code == 400
    with sessions() as s:
        assert [r.day.isoformat() for r in s.scalars(select(DayReview))] == [yesterday]
    assert "已由 supervisor" in client.get(f"/handover/day?day={yesterday}").get_data(True)


def test_duty_cannot_review_and_posts_need_csrf(
    client: FlaskClient, hid: int, alarm_id: int
) -> None:
    login(client, "zhang")
    assert client.get("/handover/day").status_code == 403
    assert post(client, "/handover/day/review", day="2026-01-01",
                password=PASSWORD).status_code == 403  # fmt: skip
    no_token = client.post(f"/handover/{hid}/sign", data=signing(alarm_id))
    assert no_token.status_code == 400


def test_open_by_hand(client: FlaskClient, sessions: Sessions) -> None:
    with sessions() as s, s.begin():
        create_user(s, "zhang", PASSWORD, Role.DUTY)
    login(client, "zhang")
    resp = post(client, "/handover/open")
    assert resp.status_code == 302
    with sessions() as s:
        h = s.scalars(select(Handover)).one()
        assert h.opened_by == "zhang" and "zhang" in h.outgoing_people


def test_follow_up_item_added_and_must_be_confirmed(
    client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    ready(sessions, hid, alarm_id)
    login(client, "zhang")
    assert post(client, f"/handover/{hid}/note", note="空调 2 号滤网待更换").status_code == 302
    empty = post(client, f"/handover/{hid}/note", note="  ")
    assert empty.status_code == 400 and "请写明待跟进事项" in empty.get_data(as_text=True)
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert "空调 2 号滤网待更换" in page and 'value="note:1"' in page
    refused = post(client, f"/handover/{hid}/sign", **signing(alarm_id))
    assert refused.status_code == 400 and "未经接班人确认" in refused.get_data(as_text=True)
    ok = post(client, f"/handover/{hid}/sign",
              **signing(alarm_id, confirm=[f"alarm:{alarm_id}", "note:1"]))  # fmt: skip
    assert ok.status_code == 302 and row(sessions, hid).signed_at is not None


def test_english_screen(client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int) -> None:
    ready(sessions, hid, alarm_id)
    login(client, "zhang")
    post(client, "/language", lang="en")
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert "The shift notes are empty" in page and "Both sign: hand over" in page
    refused = post(client, f"/handover/{hid}/sign", **signing(alarm_id, switching="1"))
    assert "A switching operation is in progress" in refused.get_data(as_text=True)


# --- issue 12: the handover gate (points 1 and 3) --------------------------------------


def fire_during(sessions: Sessions) -> int:
    """A critical alarm that fires after the handover opened (at NOW)."""
    with sessions() as s, s.begin():
        a = Alarm(rule="room_temp_high", device="crac-2", instance="", severity=3,
                  peak_severity=3, status="firing", summary_zh="机房温度过高",
                  summary_en="Room temperature high", first_seen=NOW + timedelta(minutes=2),
                  last_seen=NOW + timedelta(minutes=2))  # fmt: skip
        s.add(a)
        s.flush()
        return a.id


def test_alarm_fired_during_handover_refuses_signing_with_the_reason(
    client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    ready(sessions, hid, alarm_id)
    new = fire_during(sessions)
    login(client, "zhang")
    confirm = [f"alarm:{alarm_id}", f"alarm:{new}"]
    resp = post(client, f"/handover/{hid}/sign", **signing(alarm_id, confirm=confirm))
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "在交接过程中发生" in text and "机房温度过高" in text and "crac-2" in text
    assert row(sessions, hid).signed_at is None
    with sessions() as s:  # the outgoing shift stays in charge: zhang owns it
        assert s.get(Alarm, new).owner == "zhang"  # type: ignore[union-attr]
    post(client, "/language", lang="en")
    en = post(client, f"/handover/{hid}/sign", **signing(alarm_id, confirm=confirm))
    assert "fired during the handover" in en.get_data(as_text=True)
    assert "Room temperature high" in en.get_data(as_text=True)


def test_duty_cannot_forge_an_override_of_a_fault(
    client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    ready(sessions, hid, alarm_id)
    new = fire_during(sessions)
    login(client, "zhang")
    form = signing(alarm_id, confirm=[f"alarm:{alarm_id}", f"alarm:{new}"],
                   override_reason="我说可以", override_password=PASSWORD)  # fmt: skip
    assert post(client, f"/handover/{hid}/sign", **form).status_code == 403
    with sessions() as s:
        assert row(sessions, hid).signed_at is None
        assert journal.entries_for(s, service.OVERRIDE_KIND, hid) == []


def test_supervisor_override_of_a_fault_signs_and_journals(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Sessions, hid: int,
    alarm_id: int,
) -> None:  # fmt: skip
    ready(sessions, hid, alarm_id)
    new = fire_during(sessions)
    boss = logged_in(Role.SUPERVISOR)
    form = signing(alarm_id, confirm=[f"alarm:{alarm_id}", f"alarm:{new}"],
                   override_reason="故障由接班人接手", override_password=PASSWORD)  # fmt: skip
    assert post(client, f"/handover/{hid}/sign", **form).status_code == 302
    with sessions() as s:
        entry = journal.entries_for(s, service.OVERRIDE_KIND, hid)[0]
        assert (entry.signer, entry.reason) == (boss, "故障由接班人接手")
        assert s.get(Alarm, new).owner == "wang"  # type: ignore[union-attr]


def test_signing_before_the_arrival_is_refused(
    client: FlaskClient, sessions: Sessions, hid: int, alarm_id: int
) -> None:
    ready(sessions, hid, alarm_id, arrive=False)
    login(client, "zhang")
    resp = post(client, f"/handover/{hid}/sign", **signing(alarm_id))
    assert resp.status_code == 400 and "尚未登记到岗" in resp.get_data(as_text=True)
    assert row(sessions, hid).signed_at is None


def test_late_arrival_shown_on_the_record_and_the_day_review(
    app: Flask, client: FlaskClient, logged_in: Callable[[Role], str], sessions: Sessions,
    hid: int, alarm_id: int,
) -> None:  # fmt: skip
    ready(sessions, hid, alarm_id, arrive=False)
    with sessions() as s, s.begin():  # 4 minutes before the start: 6 minutes late (rule 10)
        service.record_arrival(s, hid, "wang", START - timedelta(minutes=4),
                               arrive_before_minutes=10)  # fmt: skip
    logged_in(Role.SUPERVISOR)
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert "迟到 6 分钟" in page and "提前10分钟" in page
    day = START.astimezone(review.local_tz()).date().isoformat()
    assert "迟到 6 分钟" in client.get(f"/handover/day?day={day}").get_data(as_text=True)


def test_arrival_follows_the_rooms_setting(
    app: Flask, client: FlaskClient, sessions: Sessions, hid: int
) -> None:
    settings = app.extensions["roomwatch"].settings.handover
    settings.room_arrive_before_minutes, settings.duty_room = {"B1": 15}, "B1"
    login(client, "wang")
    assert "提前15分钟" in client.get(f"/handover/{hid}").get_data(as_text=True)
    assert post(client, f"/handover/{hid}/arrive").status_code == 302
    h = row(sessions, hid)
    assert h.arrive_before_minutes == 15 and service.minutes_late(h) is None
