"""Ingest under a hostile or broken agent (issue 11, points 6-8), on SQLite and PostgreSQL.

One unstorable sample is refused by name while its neighbours are stored; no JSON body
gives a 500; samples outside the time window the store keeps (ahead of the server's clock,
older than the raw retention) are refused and counted; a batch id is stored at most once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import load_settings
from store import timeseries
from store.models import IngestBatch, RawSample, TrapEvent
from tests.web.conftest import NOW

URL = "/api/v1/samples"
RECENT = NOW - timedelta(seconds=30)


def item(i: int = 0, **over: Any) -> dict[str, Any]:
    body = {"device": f"dev-{i}", "metric": "temperature_celsius", "value": 20.0 + i,
            "unit": "celsius", "ts": RECENT.isoformat()}  # fmt: skip
    body.update(over)
    return body


def post(client: FlaskClient, token: str, body: Any, url: str = URL) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def raw_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RawSample)) or 0)


def counters(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


# -- point 6: one bad sample ------------------------------------------------------------


def test_nul_text_is_refused_by_name_and_its_neighbours_are_stored(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    """On PostgreSQL a NUL made every push of the batch a 500, for good (text holds no NUL)."""
    batch = [item(0), item(1, text="bad\x00label"), item(2), item(3, instance="eth\x000"), item(4)]
    resp = post(client, token, {"agent": "a", "samples": batch})
    assert resp.status_code == 202, resp.get_data(as_text=True)
    ack = resp.get_json()
    assert ack["accepted"] == 3
    assert [(r["index"], r["device"], r["metric"], r["code"]) for r in ack["refused"]] == [
        (1, "dev-1", "temperature_celsius", "unstorable"),
        (3, "dev-3", "temperature_celsius", "unstorable"),
    ]
    assert ack["refused"][0]["reason"].startswith("text: contains a NUL character")
    assert ack["refused"][1]["reason"].startswith("instance: contains a NUL character")
    assert raw_count(sessions) == 3
    with sessions() as s:
        assert set(timeseries.latest(s)) == {(f"dev-{i}", "temperature_celsius", "")
                                             for i in (0, 2, 4)}  # fmt: skip


@pytest.mark.parametrize(
    "ts", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+10:00"], ids=["past-9999", "before-1"]
)
def test_a_time_out_of_range_in_utc_is_refused_in_words(
    client: FlaskClient, token: str, sessions: sessionmaker[Session], ts: str
) -> None:
    """Converting these to UTC overflowed: a 500 on both databases."""
    resp = post(client, token, {"agent": "a", "samples": [item(0), item(1, ts=ts)]})
    assert resp.status_code == 202, resp.get_data(as_text=True)
    [refused] = resp.get_json()["refused"]
    assert (refused["index"], refused["device"], refused["code"]) == (1, "dev-1", "unstorable")
    assert refused["reason"] == (
        f"ts: {ts} is out of range once converted to UTC (0001-01-01 to 9999-12-31)"
    )
    assert raw_count(sessions) == 1


DEEP = "[" * 30_000 + "]" * 30_000  # deep, and under the 64 KiB body limit


def one(extra: str = "", count: int = 1) -> str:
    """A body of ``count`` samples whose JSON gets ``extra`` (', "key": value') at its end."""
    sample = '{"device": "d", "metric": "m", "ts": "' + RECENT.isoformat() + '"' + extra + "}"
    return '{"agent": "a", "samples": [' + ", ".join([sample] * count) + "]}"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(one(', "device": "d\\ud800"'), 400, id="lone-high-surrogate-escape"),
        pytest.param(one(', "text": "\\udc00x"'), 400, id="lone-low-surrogate-escape"),
        pytest.param(b'{"agent": "a\xed\xa0\x80", "samples": []}', 400, id="surrogate-utf8"),
        pytest.param(b'{"agent": "a\xff", "samples": []}', 400, id="invalid-utf8"),
        pytest.param(b'\xef\xbb\xbf{"agent": "a", "samples": []}', 400, id="utf8-bom"),
        pytest.param("", 400, id="empty"),
        pytest.param("null", 422, id="null"),
        pytest.param("[]", 422, id="array"),
        pytest.param('"text"', 422, id="string"),
        pytest.param("{}", 422, id="empty-object"),
        pytest.param('{"agent": "a", "samples": {}}', 422, id="samples-object"),
        pytest.param('{"agent": "a", "samples": [1, null, "x", []]}', 422, id="samples-junk"),
        pytest.param(one(', "value": 1e400'), 422, id="float-1e400"),
        pytest.param(one(', "value": -1e400'), 422, id="float-minus-1e400"),
        pytest.param(one(', "value": NaN'), 422, id="nan"),
        pytest.param(one(', "value": Infinity'), 422, id="infinity"),
        pytest.param(one(', "value": 1' + "0" * 400), 422, id="int-400-digits"),
        pytest.param(one(', "value": 1' + "0" * 5000), 400, id="int-5000-digits"),
        pytest.param(one(', "value": 1e308'), 202, id="float-1e308"),
        pytest.param(one(', "value": 5e-324'), 202, id="float-denormal"),
        pytest.param(one(', "value": true'), 422, id="bool-value"),
        pytest.param(one(', "value": {"x": [1]}'), 422, id="object-value"),
        pytest.param(one(', "ts": 1e20'), 422, id="number-ts"),
        pytest.param(one(', "ts": "2026-01-01T00:00:00+24:00"'), 422, id="offset-24h"),
        pytest.param(one(', "ts": "99999-01-01T00:00:00Z"'), 422, id="year-99999"),
        pytest.param(one(', "ts": "9999-12-31T23:59:59-10:00"'), 202, id="ts-overflow-utc"),
        pytest.param(one(', "text": null, "value": null'), 202, id="null-text-and-value"),
        pytest.param(one(', "text": "a\\u0000b"'), 202, id="nul-text"),
        pytest.param(one(', "device": "\\u0000"'), 202, id="nul-device"),
        pytest.param(one(', "unit": "\\u0000"'), 202, id="nul-unit"),
        pytest.param(one(', "text": "\\u0001\\u001f\\u007f"'), 202, id="other-control-chars"),
        pytest.param(one(', "text": "\\ud83d\\ude00"'), 202, id="surrogate-pair"),
        pytest.param(one(', "text": "\\u0000", "x": 1'), 422, id="nul-and-unknown-field"),
        pytest.param('{"agent": "a\\u0000", "samples": []}', 422, id="nul-agent"),
        pytest.param('{"agent": "a", "batch_id": "a\\u0000", "samples": []}', 422,
                     id="nul-batch-id"),
        pytest.param('{"agent": "a", "batch_id": "../etc", "samples": []}', 422,
                     id="path-batch-id"),
        pytest.param('{"agent": "a", "batch_id": "", "samples": []}', 422, id="empty-batch-id"),
        pytest.param('{"agent": "a", "batch_id": "' + "x" * 65 + '", "samples": []}', 422,
                     id="long-batch-id"),
        pytest.param('{"agent": "a", "batch_id": 7, "samples": []}', 422, id="number-batch-id"),
        pytest.param('{"agent": "a", "samples": [], "agent": "b"}', 202, id="duplicate-key"),
        pytest.param('{"agent": "a", "samples": ' + DEEP + "}", 400, id="nested-30k"),
        pytest.param('{"agent": "a", "samples": [], "x": ' + DEEP + "}", 400, id="nested-extra"),
        pytest.param(one(count=51), 422, id="too-many"),
    ],
)  # fmt: skip
def test_no_body_gives_a_server_error(
    client: FlaskClient, token: str, body: str | bytes, status: int
) -> None:
    resp = post(client, token, body)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    if status >= 400:
        assert set(resp.get_json()["error"]) == {"code", "message", "details"}


def test_the_events_endpoint_refuses_nul_and_overflowing_times_alone(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    def trap(**kw: Any) -> dict[str, Any]:
        return {"device": None, "address": "192.0.2.1", "trap_oid": "1.3.6.1.4.1.9.9",
                "name": "x", "ts": RECENT.isoformat(), **kw}  # fmt: skip

    events = [trap(), trap(name="a\x00"), trap(ts="9999-12-31T23:59:59-10:00"),
              trap(varbinds={"1.3.6.1.2.1.2.2.1.6.1": "\x00\x1b\x21\x3a\x4f\x5c"})]  # fmt: skip
    resp = post(client, token, {"agent": "a", "events": events}, "/api/v1/events")
    assert resp.status_code == 202, resp.get_data(as_text=True)
    ack = resp.get_json()
    assert ack["accepted"] == 2  # a binary OCTET STRING varbind is kept (JSON escapes NUL)
    assert [(r["index"], r["code"]) for r in ack["refused"]] == [(1, "unstorable"),
                                                                 (2, "unstorable")]  # fmt: skip
    assert ack["refused"][0]["reason"].startswith("name: contains a NUL character")
    with sessions() as s:
        assert len(s.scalars(select(TrapEvent)).all()) == 2


# -- point 7: the time window -------------------------------------------------------------


def test_a_future_sample_is_refused_and_the_series_keeps_moving(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    """A device_up at 2999 stayed the latest value for good: agent_not_reporting never fired."""
    key = ("ups-1", "device_up", "")

    def up(ts: datetime) -> dict[str, Any]:
        return {"device": "ups-1", "metric": "device_up", "value": 1.0, "ts": ts.isoformat()}

    first = NOW - timedelta(minutes=2)
    assert post(client, token, {"agent": "a", "samples": [up(first)]}).status_code == 202
    resp = post(client, token, {"agent": "a", "samples": [
        up(datetime(2999, 1, 1, tzinfo=UTC)),
        up(NOW + timedelta(seconds=301)),  # just past the default 5-minute skew
        up(NOW + timedelta(seconds=299)),  # inside it: taken
    ]})  # fmt: skip
    ack = resp.get_json()
    assert ack["accepted"] == 1
    assert [(r["index"], r["code"]) for r in ack["refused"]] == [(0, "future"), (1, "future")]
    assert ack["refused"][0]["reason"].startswith("ts 2999-01-01T00:00:00+00:00 is ")
    assert "ahead of the server's clock" in ack["refused"][0]["reason"]
    assert "check the agent's clock" in ack["refused"][0]["reason"]
    later = NOW + timedelta(seconds=300)
    assert post(client, token, {"agent": "a", "samples": [up(later)]}).status_code == 202
    with sessions() as s:
        assert timeseries.latest(s)[key].ts == later  # not frozen in 2999


def test_a_sample_older_than_the_raw_retention_is_refused(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    old, kept = NOW - timedelta(days=7, seconds=1), NOW - timedelta(days=6, hours=23)
    resp = post(
        client,
        token,
        {"agent": "a", "samples": [item(0, ts=old.isoformat()), item(1, ts=kept.isoformat())]},
    )
    ack = resp.get_json()
    assert ack["accepted"] == 1
    [refused] = ack["refused"]
    assert (refused["index"], refused["code"]) == (0, "too_old")
    assert "beyond the raw retention of 7 days" in refused["reason"]
    assert raw_count(sessions) == 1


def test_skew_and_retention_are_settings_with_environment_overrides() -> None:
    env = {"ROOMWATCH_SERVER_MAX_CLOCK_SKEW_SECONDS": "30",
           "ROOMWATCH_SERVER_RAW_RETENTION_DAYS": "2"}  # fmt: skip
    server = load_settings(env=env).server
    assert (server.max_clock_skew_seconds, server.raw_retention_days) == (30, 2)
    assert (load_settings(env={}).server.max_clock_skew_seconds) == 300


def test_a_tighter_skew_setting_refuses_sooner(client: FlaskClient, token: str, app: Any) -> None:
    app.extensions["roomwatch"].settings.server.max_clock_skew_seconds = 0
    resp = post(
        client,
        token,
        {
            "agent": "a",
            "samples": [
                item(0, ts=(NOW + timedelta(seconds=1)).isoformat()),
                item(1, ts=NOW.isoformat()),
            ],
        },
    )
    assert [r["code"] for r in resp.get_json()["refused"]] == ["future"]


# -- point 8: a batch stored at most once -------------------------------------------------


def test_the_same_batch_id_twice_is_stored_once_and_acknowledged_alike(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    body = {"agent": "agent-1", "batch_id": "agent-1_000042",
            "samples": [item(i) for i in range(10)] + [item(10, text="\x00")]}  # fmt: skip
    first = post(client, token, body)
    again = post(client, token, body)
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.get_json()["replay"] is False
    assert again.get_json() == {**first.get_json(), "replay": True}
    assert again.get_json()["accepted"] == 10 and len(again.get_json()["refused"]) == 1
    assert raw_count(sessions) == 10
    with sessions() as s:
        [row] = s.scalars(select(IngestBatch)).all()
        assert (row.kind, row.agent, row.batch_id, row.accepted, row.refused) == (
            "samples", "agent-1", "agent-1_000042", 10, 1
        )  # fmt: skip
    # another agent's batch with the same id is its own batch
    other = post(client, token, {**body, "agent": "agent-2",
                                 "samples": [item(20, ts=NOW.isoformat())]})  # fmt: skip
    assert other.get_json()["replay"] is False and raw_count(sessions) == 11


def test_a_batch_without_id_replayed_adds_no_duplicate_point(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    """The unique (series, ts): a resend without batch id (an old agent) skips what is stored."""
    body = {"agent": "a", "samples": [item(i) for i in range(5)]}
    assert post(client, token, body).get_json()["duplicates"] == 0
    again = post(client, token, body).get_json()
    assert (again["accepted"], again["duplicates"]) == (5, 5)
    assert raw_count(sessions) == 5


def test_an_events_batch_id_is_stored_once(
    client: FlaskClient, token: str, sessions: sessionmaker[Session]
) -> None:
    ev = {"address": "192.0.2.1", "trap_oid": "1.3.6.1.4.1.9.9", "name": "x",
          "ts": RECENT.isoformat()}  # fmt: skip
    body = {"agent": "a", "batch_id": "traps-1", "events": [ev, ev]}
    first = post(client, token, body, "/api/v1/events").get_json()
    again = post(client, token, body, "/api/v1/events").get_json()
    assert again == {**first, "replay": True}
    with sessions() as s:
        assert len(s.scalars(select(TrapEvent)).all()) == 2
    # a samples batch may carry the same id: the two streams are apart
    samples = post(client, token, {"agent": "a", "batch_id": "traps-1", "samples": [item()]})
    assert samples.get_json()["replay"] is False


def test_metrics_count_accepted_refused_and_replayed(client: FlaskClient, token: str) -> None:
    before = counters(client)
    assert before[("roomwatch_ingest_samples_refused_total", (("reason", "future"),))] == 0
    body = {"agent": "a", "batch_id": "b-1", "samples": [
        item(0), item(1), item(2, text="\x00"), item(3, ts="2999-01-01T00:00:00Z"),
        item(4, ts="2020-01-01T00:00:00Z"), item(5, ts="9999-12-31T23:59:59-10:00")]}  # fmt: skip
    post(client, token, body)
    post(client, token, body)  # a replay: counted as a duplicate batch, nothing else
    post(client, token, {"agent": "a", "samples": [item(0)]})  # a point stored before
    after = counters(client)
    assert after[("roomwatch_ingest_samples_accepted_total", ())] == 3
    assert after[("roomwatch_ingest_samples_duplicate_total", ())] == 1
    for reason, n in (("unstorable", 2), ("future", 1), ("too_old", 1)):
        assert after[("roomwatch_ingest_samples_refused_total", (("reason", reason),))] == n
    assert after[("roomwatch_ingest_duplicate_batches_total", (("kind", "samples"),))] == 1
    assert client.get("/metrics").status_code == 200  # open, like the agent's, no login
