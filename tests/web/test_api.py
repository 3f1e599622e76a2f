"""The JSON API: ingest, targets, health, alarms, and its one error shape."""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store import timeseries
from store.models import RawSample, Series
from tests.web.conftest import MAX_BATCH, MAX_BODY, NOW

# a minute before the app's (fixed) clock, written with a +08:00 offset
TS_UTC = NOW - timedelta(minutes=1)
TS = TS_UTC.astimezone(timezone(timedelta(hours=8))).isoformat()


def _item(i: int = 0, **over: Any) -> dict[str, Any]:
    item = {
        "device": "ups-1",
        "metric": "ups_output_load_percent",
        "instance": f"{i}",
        "value": 40.0 + i,
        "unit": "%",
        "ts": TS,
    }
    item.update(over)
    return item


def _post(client: FlaskClient, token: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        "/api/v1/samples", data=data, headers=headers, content_type="application/json"
    )


def _series_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Series)) or 0)


def _error(resp: Any) -> dict[str, Any]:
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def test_ingest_stores_the_batch(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    body = {
        "agent": "agent-1",
        "samples": [
            _item(0),
            _item(1, metric="ups_output_source", value=None, text="battery", unit=""),
            _item(2, value=3),  # an int is a number too
        ],
    }
    resp = _post(client, token, body)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json() == {
        "accepted": 3, "duplicates": 0, "refused": [], "batch_id": None, "replay": False
    }  # fmt: skip
    with sessions() as s:
        latest = timeseries.latest(s, devices=["ups-1"])
        assert latest[("ups-1", "ups_output_load_percent", "0")].value == 40.0
        assert latest[("ups-1", "ups_output_source", "1")].text == "battery"
        assert latest[("ups-1", "ups_output_load_percent", "0")].ts == TS_UTC
        assert s.scalar(select(func.count()).select_from(RawSample)) == 3


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer rw_wrong"}, {"Authorization": "Basic dXNlcjpwdw=="}],
    ids=["none", "bad-token", "not-bearer"],
)
def test_ingest_needs_a_valid_token(
    client: FlaskClient, token: str, headers: dict[str, str]
) -> None:
    resp = client.post("/api/v1/samples", json={"agent": "a", "samples": []}, headers=headers)
    assert resp.status_code == 401
    assert _error(resp)["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_malformed_json_is_400(client: FlaskClient, token: str) -> None:
    resp = _post(client, token, '{"agent": "a", "samples": [')
    assert resp.status_code == 400
    assert _error(resp)["code"] == "bad_json"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_item(ts=TS[:19]), "samples[3].ts"),
        (_item(ts="yesterday"), "samples[3].ts"),
        (_item(metric="ups-load"), "samples[3].metric"),
        (_item(metric="9load"), "samples[3].metric"),
        (_item(device=""), "samples[3].device"),
        (_item(device="x" * 101), "samples[3].device"),
        (_item(value="42"), "samples[3].value"),
        (_item(extra=1), "samples[3].extra"),
        ({k: v for k, v in _item().items() if k != "metric"}, "samples[3].metric"),
    ],
    ids=[
        "naive-ts",
        "bad-ts",
        "dash-metric",
        "digit-metric",
        "empty-device",
        "long-device",
        "string-value",
        "unknown-field",
        "missing-metric",
    ],
)
def test_bad_field_is_422_and_named(
    client: FlaskClient, token: str, sessions: sessionmaker[Session], item: Any, field: str
) -> None:
    resp = _post(client, token, {"agent": "a", "samples": [_item(0), _item(1), _item(2), item]})
    assert resp.status_code == 422
    err = _error(resp)
    assert err["code"] == "validation_error"
    assert field in err["message"]
    assert field in [d["field"] for d in err["details"]]
    assert _series_count(sessions) == 0


def test_non_finite_numbers_are_refused(client: FlaskClient, token: str) -> None:
    resp = _post(
        client,
        token,
        '{"agent": "a", "samples": [{"device": "d", "metric": "m", '
        '"value": NaN, "ts": "2026-01-02T03:04:05Z"}]}',
    )
    assert resp.status_code == 422
    assert _error(resp)["details"][0]["field"] == "samples[0].value"


def test_oversize_body_is_413(client: FlaskClient, token: str) -> None:
    resp = _post(client, token, b'{"agent": "a", "samples": [' + b" " * MAX_BODY + b"]}")
    assert resp.status_code == 413
    assert _error(resp)["code"] == "payload_too_large"


def test_too_many_samples_are_refused_and_nothing_is_stored(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    before = _series_count(sessions)
    resp = _post(client, token, {"agent": "a", "samples": [_item(i) for i in range(MAX_BATCH + 1)]})
    assert resp.status_code == 422
    err = _error(resp)
    assert err["code"] == "too_many_samples"
    assert err["details"][0]["field"] == "samples"
    assert _series_count(sessions) == before


def test_targets_lists_enabled_devices(client: FlaskClient, token: str, room: None) -> None:
    assert client.get("/api/v1/targets").status_code == 401
    resp = client.get("/api/v1/targets", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    targets = resp.get_json()["targets"]
    assert [t["device"] for t in targets] == ["env-1", "srv-1", "sw-1", "ups-1"]  # not old-1
    assert targets[-1] == {
        "device": "ups-1",
        "kind": "snmp",
        "address": "10.0.0.1",
        "port": 161,
        "profile": "ups",
        "version": "2c",
        "community": "public",
        "interval": 30.0,
        "timeout": 2.0,
        "retries": 1,
        "room": "A101",
        "rack": "A01",
    }


def test_health_needs_no_token(client: FlaskClient) -> None:
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_alarms_endpoint(client: FlaskClient, token: str, alarm_id: int) -> None:
    resp = client.get("/api/v1/alarms", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    [alarm] = resp.get_json()["alarms"]
    assert alarm["id"] == alarm_id
    assert (alarm["device"], alarm["severity_label"], alarm["status"]) == (
        "ups-1",
        "critical",
        "firing",
    )


def test_api_errors_are_json(client: FlaskClient) -> None:
    assert _error(client.get("/api/v1/nope"))["code"] == "not_found"
    resp = client.get("/api/v1/samples")
    assert resp.status_code == 405
    assert _error(resp)["code"] == "method_not_allowed"
