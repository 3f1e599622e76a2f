"""Overview, device and alarm pages; acknowledgement by role."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from store.models import Alarm, AuditEntry
from tests.web.conftest import form_token


def test_overview_shows_rooms_devices_readings_and_alarm_banner(
    client: FlaskClient, logged_in: Callable[[Role], str], room: None, alarm_id: int
) -> None:
    logged_in(Role.READONLY)
    page = client.get("/").get_data(as_text=True)
    assert "一号机房" in page and "机柜 A01" in page
    assert "banner-crit" in page and "严重告警 1 条" in page
    assert "UPS 电池供电" in page  # ups-1's worst open alarm
    # UPS: output source with its label, load, charge, runtime
    assert "电池" in page and "42%" in page and "97%" in page and "38 min" in page
    # switch: 1 of the 2 admin-up ports is up; the busiest port's traffic
    assert "1 / 2" in page and "125 Mbit/s" in page and "ge-0/0/1" in page and "2.5 Mbit/s" in page
    assert "23.5°C" in page and "45%" in page  # sensor
    assert "12.5%" in page  # server CPU
    assert "离线" in page  # env-1 reports device_up 0
    assert "数据过期" in page  # srv-1's last device_up is an hour old
    assert "已停用" in page  # old-1 is disabled
    assert 'data-refresh-url="/overview/board"' in page
    assert '<meta http-equiv="refresh"' in page  # works with JS off


def test_overview_all_normal_without_alarms(
    client: FlaskClient, logged_in: Callable[[Role], str], room: None
) -> None:
    logged_in(Role.READONLY)
    board = client.get("/overview/board")
    assert board.status_code == 200
    text = board.get_data(as_text=True)
    assert "banner-ok" in text and "一切正常" in text
    assert "<html" not in text  # a fragment for the live refresh


def test_device_page(
    client: FlaskClient, logged_in: Callable[[Role], str], room: None, alarm_id: int
) -> None:
    logged_in(Role.READONLY)
    resp = client.get("/devices/ups-1")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for text in (
        "M-ups",
        "ACME",
        "10.0.0.1",
        "一号机房",
        "A01",
        "U1",
        "输出来源",
        "电池剩余容量",
        "97%",
        "UPS 电池供电",
    ):
        assert text in page, text


def test_unknown_device_is_404(client: FlaskClient, logged_in: Callable[[Role], str]) -> None:
    logged_in(Role.READONLY)
    resp = client.get("/devices/nope")
    assert resp.status_code == 404
    assert "未找到" in resp.get_data(as_text=True)


def test_alarm_list_filters_and_detail(
    client: FlaskClient, logged_in: Callable[[Role], str], alarm_id: int
) -> None:
    logged_in(Role.READONLY)
    assert "UPS 电池供电" in client.get("/alarms/").get_data(as_text=True)
    assert "UPS 电池供电" in client.get("/alarms/?show=all").get_data(as_text=True)
    assert "UPS 电池供电" not in client.get("/alarms/?show=resolved").get_data(as_text=True)
    detail = client.get(f"/alarms/{alarm_id}").get_data(as_text=True)
    assert "处理记录" in detail and "触发" in detail and "threshold" in detail
    assert client.get("/alarms/999999").status_code == 404


def test_readonly_sees_no_ack_form_and_cannot_ack(
    client: FlaskClient,
    logged_in: Callable[[Role], str],
    alarm_id: int,
    sessions: sessionmaker[Session],
) -> None:
    logged_in(Role.READONLY)
    assert 'name="comment"' not in client.get("/alarms/").get_data(as_text=True)
    resp = client.post(
        f"/alarms/{alarm_id}/ack",
        data={"comment": "looking", "csrf_token": form_token(client, "/alarms/")},
    )
    assert resp.status_code == 403
    with sessions() as s:
        assert s.get(Alarm, alarm_id).status == "firing"  # type: ignore[union-attr]


def test_duty_acknowledges_with_comment(
    client: FlaskClient,
    logged_in: Callable[[Role], str],
    room: None,
    alarm_id: int,
    sessions: sessionmaker[Session],
) -> None:
    logged_in(Role.DUTY)
    assert 'name="comment"' in client.get("/alarms/").get_data(as_text=True)
    assert 'name="comment"' in client.get("/devices/ups-1").get_data(as_text=True)
    token = form_token(client, "/alarms/")
    empty = client.post(f"/alarms/{alarm_id}/ack", data={"comment": " ", "csrf_token": token})
    assert empty.status_code == 302
    assert "必须填写处理说明" in client.get(f"/alarms/{alarm_id}").get_data(as_text=True)
    resp = client.post(
        f"/alarms/{alarm_id}/ack",
        data={"comment": "电工已去查看", "csrf_token": token},
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert f"告警 #{alarm_id} 已确认" in page and "已确认" in page and "电工已去查看" in page
    with sessions() as s:
        alarm = s.get(Alarm, alarm_id)
        assert alarm is not None
        assert (alarm.status, alarm.acked_by) == ("acknowledged", "duty")
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "alarm.acknowledge"))
        assert entry.actor == "duty" and entry.address == "127.0.0.1" and entry.request_id
    again = client.post(
        f"/alarms/{alarm_id}/ack",
        data={"comment": "again", "csrf_token": token},
        follow_redirects=True,
    )
    assert "无法确认" in again.get_data(as_text=True)
