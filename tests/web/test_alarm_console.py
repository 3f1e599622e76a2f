"""The alarm console: live list and filters, detail and timeline, every action with its
role check, CSRF and audit entry; maintenance windows; the supervisors' response times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from store.models import (
    Alarm,
    AlarmComment,
    AlarmEvent,
    AlarmSuppression,
    AuditEntry,
    MaintenanceWindow,
)
from tests.web.conftest import NOW, form_token

Sessions = sessionmaker[Session]
LoggedIn = Callable[[Role], str]


def act(client: FlaskClient, path: str, **data: Any) -> Any:
    data.setdefault("csrf_token", form_token(client, "/alarms/"))
    return client.post(path, data=data, follow_redirects=True)


def alarm(sessions: Sessions, alarm_id: int) -> Alarm:
    with sessions() as s:
        row = s.get(Alarm, alarm_id)
        assert row is not None
        return row


def audit_actions(sessions: Sessions) -> list[tuple[str, str, str]]:
    with sessions() as s:
        q = select(AuditEntry).order_by(AuditEntry.id)
        return [
            (e.action, e.actor, e.address)
            for e in s.scalars(q)
            if e.action.startswith(("alarm", "maint"))
        ]


@pytest.fixture
def second_alarm(sessions: Sessions, room: None) -> int:
    """A warning on env-1 (room A101), acknowledged by 'duty'."""
    with sessions() as s, s.begin():
        a = Alarm(
            rule="room_temperature_high", device="env-1", instance="probe1", severity=2,
            peak_severity=2, status="acknowledged", summary_zh="温度偏高", summary_en="Warm",
            first_seen=NOW - timedelta(minutes=30), last_seen=NOW, acked_by="duty",
            acked_at=NOW - timedelta(minutes=25),
        )  # fmt: skip
        s.add(a)
        s.flush()
        return a.id


@pytest.mark.usefixtures("room")
def test_list_filters_and_live_fragment(
    client: FlaskClient, logged_in: LoggedIn, alarm_id: int, second_alarm: int
) -> None:
    logged_in(Role.DUTY)
    page = client.get("/alarms/").get_data(as_text=True)
    assert "UPS 电池供电" in page and "温度偏高" in page
    assert 'id="alarm-live" data-refresh-url="/alarms/rows?show=open"' in page
    assert "roomwatch.js" in page

    def shown(query: str) -> set[str]:
        html = client.get(f"/alarms/rows?{query}").get_data(as_text=True)
        assert "<html" not in html  # a fragment
        return {t for t in ("UPS 电池供电", "温度偏高") if t in html}

    assert shown("show=open") == {"UPS 电池供电", "温度偏高"}
    assert shown("show=open&severity=3") == {"UPS 电池供电"}
    assert shown("show=acknowledged") == {"温度偏高"}
    assert shown("show=firing") == {"UPS 电池供电"}
    assert shown("show=open&mine=1") == {"温度偏高"}  # acknowledged by duty
    assert shown("show=open&room=A101") == {"UPS 电池供电", "温度偏高"}
    assert shown("show=open&room=B999") == set()
    assert shown("show=resolved") == set()
    assert shown("show=bogus&severity=9") == {"UPS 电池供电", "温度偏高"}  # bad filters fall back


@pytest.mark.usefixtures("room")
def test_detail_shows_context_and_timeline(
    client: FlaskClient, logged_in: LoggedIn, alarm_id: int
) -> None:
    logged_in(Role.READONLY)
    page = client.get(f"/alarms/{alarm_id}").get_data(as_text=True)
    assert "一号机房 · A01 · U1" in page
    assert "ACME M-ups" in page
    assert "触发" in page  # the 'fired' event of the timeline
    assert f'action="/alarms/{alarm_id}/close"' not in page  # readonly: no action forms


@pytest.mark.usefixtures("room")
def test_duty_comments_suppresses_sets_priority_owner_and_closes(
    client: FlaskClient, logged_in: LoggedIn, alarm_id: int, sessions: Sessions
) -> None:
    logged_in(Role.DUTY)
    detail = client.get(f"/alarms/{alarm_id}").get_data(as_text=True)
    for what in ("comment", "suppress", "priority", "owner", "close"):
        assert f'action="/alarms/{alarm_id}/{what}"' in detail
    base = f"/alarms/{alarm_id}"
    assert "已为告警" in act(client, f"{base}/comment", comment="电工已到场").get_data(as_text=True)
    page = act(client, f"{base}/suppress", mode="until_time", duration="4h", reason="市电检修")
    assert "已抑制通知" in page.get_data(as_text=True)
    act(client, f"{base}/priority", priority="1")
    act(client, f"{base}/owner", owner="me")
    page = act(client, f"{base}/close", reason="检修完成").get_data(as_text=True)
    assert "已手动关闭" in page and "电工已到场" in page  # the timeline shows the comment
    a = alarm(sessions, alarm_id)
    assert (a.status, a.priority, a.owner, a.closed_by, a.close_reason) == (
        "resolved", 1, "duty", "duty", "检修完成"
    )  # fmt: skip
    with sessions() as s:
        sup = s.scalars(select(AlarmSuppression)).one()
        assert (sup.mode, sup.until, sup.reason) == (
            "until_time",
            NOW + timedelta(hours=4),
            "市电检修",
        )
        assert s.scalars(select(AlarmComment.body)).all() == ["电工已到场"]
    assert [x[0] for x in audit_actions(sessions)] == [
        "alarm.comment", "alarm.suppress", "alarm.priority", "alarm.owner", "alarm.close"
    ]  # fmt: skip
    assert {x[1:] for x in audit_actions(sessions)} == {("duty", "127.0.0.1")}


@pytest.mark.usefixtures("room")
@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("comment", {"comment": "  "}, "a comment is required"),
        ("close", {"reason": ""}, "a reason is required"),
        ("suppress", {"mode": "forever", "reason": "x"}, "unknown mode"),
        ("suppress", {"mode": "until_clear", "reason": ""}, "a reason is required"),
        ("priority", {"priority": "x"}, "priority 0 is not valid"),
    ],
    ids=["empty-comment", "no-reason", "bad-mode", "suppress-no-reason", "bad-priority"],
)
def test_bad_input_is_refused_with_a_reason(
    client: FlaskClient, logged_in: LoggedIn, alarm_id: int, sessions: Sessions,
    path: str, data: dict[str, str], message: str,
) -> None:  # fmt: skip
    logged_in(Role.DUTY)
    page = act(client, f"/alarms/{alarm_id}/{path}", **data).get_data(as_text=True)
    assert "未执行" in page and message in page
    assert alarm(sessions, alarm_id).status == "firing"
    assert audit_actions(sessions) == []


@pytest.mark.usefixtures("room")
@pytest.mark.parametrize("path", ["ack", "comment", "close", "suppress", "priority", "owner"])
def test_readonly_cannot_act(
    client: FlaskClient, logged_in: LoggedIn, alarm_id: int, sessions: Sessions, path: str
) -> None:
    logged_in(Role.READONLY)
    data = {"comment": "x", "reason": "x", "mode": "until_clear", "priority": "1", "owner": "me"}
    resp = client.post(
        f"/alarms/{alarm_id}/{path}", data={**data, "csrf_token": form_token(client, "/alarms/")}
    )
    assert resp.status_code == 403
    assert alarm(sessions, alarm_id).status == "firing"
    assert audit_actions(sessions) == []


@pytest.mark.usefixtures("room")
@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_forged_post_is_rejected(
    client: FlaskClient, logged_in: LoggedIn, alarm_id: int, sessions: Sessions, token: str | None
) -> None:
    logged_in(Role.DUTY)
    data = {"reason": "x"}
    if token:
        data["csrf_token"] = token
    resp = client.post(f"/alarms/{alarm_id}/close", data=data)
    assert resp.status_code == 400
    assert alarm(sessions, alarm_id).status == "firing"


def test_anonymous_is_sent_to_login(client: FlaskClient, alarm_id: int) -> None:
    resp = client.post(f"/alarms/{alarm_id}/close", data={"reason": "x"})
    assert resp.status_code in (302, 400)
    assert client.get("/alarms/rows").status_code == 302


@pytest.mark.usefixtures("room")
def test_maintenance_windows_by_supervisor_only(
    client: FlaskClient, logged_in: LoggedIn, sessions: Sessions
) -> None:
    logged_in(Role.DUTY)
    page = client.get("/alarms/maintenance").get_data(as_text=True)
    assert "维护窗口" in page and 'name="devices"' not in page
    form = {"devices": ["ups-1"], "start": "2099-01-01T08:00", "end": "2099-01-01T12:00",
            "reason": "电池更换"}  # fmt: skip
    token = form_token(client, "/alarms/maintenance")
    assert client.post("/alarms/maintenance", data={**form, "csrf_token": token}).status_code == 403


@pytest.mark.usefixtures("room")
def test_supervisor_creates_and_cancels_a_window(
    client: FlaskClient, logged_in: LoggedIn, sessions: Sessions
) -> None:
    logged_in(Role.SUPERVISOR)
    start = (NOW + timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    end = (NOW + timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    token = form_token(client, "/alarms/maintenance")
    form = {"devices": ["ups-1", "sw-1"], "start": start, "end": end, "reason": "电池更换",
            "csrf_token": token}  # fmt: skip
    page = client.post("/alarms/maintenance", data=form, follow_redirects=True)
    assert "已创建" in page.get_data(as_text=True)
    assert "sw-1, ups-1" in page.get_data(as_text=True)
    bad = client.post(
        "/alarms/maintenance", data={**form, "end": start, "start": end}, follow_redirects=True
    ).get_data(as_text=True)
    assert "ends before it starts" in bad
    with sessions() as s:
        [w] = s.scalars(select(MaintenanceWindow)).all()
        assert (w.created_by, w.reason, w.end - w.start) == (
            "supervisor",
            "电池更换",
            timedelta(hours=2),
        )
    done = client.post(f"/alarms/maintenance/{w.id}/cancel", data={"csrf_token": token},
                       follow_redirects=True)  # fmt: skip
    assert "已取消" in done.get_data(as_text=True)
    assert [a[0] for a in audit_actions(sessions)] == ["maintenance.create", "maintenance.cancel"]


@pytest.mark.usefixtures("room")
def test_response_times_for_supervisors(
    client: FlaskClient, logged_in: LoggedIn, second_alarm: int, sessions: Sessions
) -> None:
    with sessions() as s, s.begin():
        s.add(AlarmEvent(alarm_id=second_alarm, ts=NOW, kind="acknowledged", actor="duty"))
    logged_in(Role.DUTY)
    assert client.get("/alarms/times").status_code == 403
    client.post("/logout", data={"csrf_token": form_token(client, "/alarms/")})
    logged_in(Role.SUPERVISOR)
    page = client.get("/alarms/times?days=30").get_data(as_text=True)
    assert "按人员" in page and "按班次" in page
    assert "<th>duty</th><td>1</td><td>5.0 分钟</td>" in page  # acked 5 minutes after it fired
    assert client.get("/alarms/times?days=abc").status_code == 200  # falls back to 7 days
