"""POST /api/v1/events: token, validation, stored, evaluated at once (not on the next tick)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Alarm, Notification, NotifyChannel, NotifyRoute, TrapEvent
from tests.web.conftest import NOW  # MAX_BATCH = 50 bounds events too

URL = "/api/v1/events"


def trap(**kw: Any) -> dict[str, Any]:
    return {
        "device": "ups-1",
        "address": "127.0.0.1",
        "trap_oid": "1.3.6.1.2.1.33.2.1",
        "name": "upsTrapOnBattery",
        "varbinds": {"1.3.6.1.2.1.33.1.2.3.0": 42},
        "ts": (NOW - timedelta(seconds=1)).isoformat(),
        **kw,
    }


def post(client: FlaskClient, token: str, body: Any) -> Any:
    return client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})


def test_needs_a_token(client: FlaskClient) -> None:
    r = client.post(URL, json={"agent": "a", "events": []})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.usefixtures("room")
def test_on_battery_trap_opens_the_alarm_at_once(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as s, s.begin():
        ch = NotifyChannel(
            name="hook", kind="webhook", target="http://127.0.0.1:9/", created_at=NOW
        )
        s.add(ch)
        s.flush()
        s.add(NotifyRoute(channel_id=ch.id, kinds=[], rooms=[]))
    r = post(client, token, {"agent": "agent-1", "events": [trap()]})
    assert r.status_code == 202, r.get_data(as_text=True)
    body = r.get_json()
    assert (body["accepted"], body["alarms_opened"], body["unmatched"]) == (1, 1, 0)
    with sessions() as s:
        [alarm] = s.scalars(select(Alarm)).all()
        assert (alarm.device, alarm.status, alarm.severity) == ("ups-1", "firing", 3)
        [ev] = s.scalars(select(TrapEvent)).all()
        assert (ev.agent, ev.device, ev.name, ev.varbinds) == (
            "agent-1", "ups-1", "upsTrapOnBattery", {"1.3.6.1.2.1.33.1.2.3.0": "42"}
        )  # fmt: skip
        assert [n.kind for n in s.scalars(select(Notification))] == ["fire"]
    again = post(client, token, {"agent": "agent-1", "events": [trap()]}).get_json()
    assert again["alarms_opened"] == 0  # the open alarm is not opened twice
    with sessions() as s:
        assert len(s.scalars(select(Alarm)).all()) == 1
        assert len(s.scalars(select(Notification)).all()) == 1


@pytest.mark.usefixtures("room")
def test_unknown_device_is_stored_not_evaluated(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    body = post(
        client, token, {"agent": "a", "events": [trap(device=None, address="192.0.2.9")]}
    ).get_json()
    assert (body["accepted"], body["unmatched"], body["alarms_opened"]) == (1, 1, 0)
    with sessions() as s:
        assert s.scalars(select(TrapEvent.device)).one() is None


@pytest.mark.usefixtures("room")
def test_unknown_trap_is_only_stored(client: FlaskClient, token: str) -> None:
    body = post(
        client,
        token,
        {"agent": "a", "events": [trap(name="coldStart", trap_oid="1.3.6.1.6.3.1.1.5.1")]},
    ).get_json()
    assert (body["accepted"], body["transitions"]) == (1, 0)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"agent": "a", "events": [trap(trap_oid="not.an.oid")]},
            422,
            "validation_error",
            "events[0].trap_oid",
        ),
        (
            {"agent": "a", "events": [trap(ts="2024-05-01T08:00:00")]},
            422,
            "validation_error",
            "events[0].ts",
        ),
        ({"agent": "a", "events": [trap(extra=1)]}, 422, "validation_error", "events[0].extra"),
        (
            {"agent": "a", "events": [trap(address="")]},
            422,
            "validation_error",
            "events[0].address",
        ),
        ({"agent": "", "events": []}, 422, "validation_error", "agent"),
        (
            {"agent": "a", "events": [trap(varbinds={"1.3": [1]})]},
            422,
            "validation_error",
            "events[0].varbinds.1.3.constrained-str",
        ),
        ({"agent": "a", "events": [trap()] * 51}, 422, "too_many_events", "events"),
    ],
    ids=[
        "bad-oid",
        "naive-ts",
        "extra-field",
        "empty-address",
        "empty-agent",
        "bad-varbind-value",
        "too-many",
    ],
)
def test_bad_input(
    client: FlaskClient, token: str, body: Any, status: int, code: str, field: str
) -> None:
    r = post(client, token, body)
    assert r.status_code == status
    err = r.get_json()["error"]
    assert err["code"] == code
    assert err["details"][0]["field"] == field


@pytest.mark.usefixtures("room")
def test_agent_shape_with_z_time_and_no_trap_oid(client: FlaskClient, token: str) -> None:
    odd = trap(trap_oid="", name="", ts="2026-01-01T00:00:00.000Z", device=None)
    body = post(client, token, {"agent": "a", "events": [trap(ts="2026-01-01T00:00:00Z"), odd]})
    assert body.status_code == 202, body.get_data(as_text=True)
    assert body.get_json()["accepted"] == 2


def test_not_json(client: FlaskClient, token: str) -> None:
    r = client.post(URL, data=b"{nope", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_json"
