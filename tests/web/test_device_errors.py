"""The device page says the last poll error plainly (zh first, en second), with when it
began, the poll duration, and a duplicate SNMPv3 engine ID; and shows no error panel for a
healthy device. Sentences are compared with the catalog's text for the page's language."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role, Sample
from dashboard import i18n
from dashboard.devices.views import error_kind, error_since
from dashboard.formatting import localtime
from store import timeseries
from store.models import Device
from tests.web.conftest import NOW, form_token

AUTH = "auth_failure: 127.0.0.1:161: wrong digest (认证失败)"
TIMEOUT = "timeout: no answer within 2.0s x 2 (超时无应答)"


def up(value: float, minutes_ago: float, text: str | None = None) -> Sample:
    return Sample("sw-9", "device_up", "", value, NOW - timedelta(minutes=minutes_ago), "", text)


def seed(sessions: sessionmaker[Session], samples: list[Sample]) -> None:
    with sessions() as s, s.begin():
        s.add(Device(name="sw-9", device_type="switch", address="10.0.0.9", profile="auto",
                     interval_seconds=60))  # fmt: skip
        for one in samples:  # one batch per poll, oldest first, as the agent sends them
            timeseries.write_samples(s, [one])


def page(client: FlaskClient, lang: str = "zh_CN") -> str:
    if lang != "zh_CN":
        client.post("/language", data={"lang": lang, "csrf_token": form_token(client, "/")})
    resp = client.get("/devices/sw-9")
    assert resp.status_code == 200
    return html.unescape(resp.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_auth_failure_in_plain_words_with_its_start(
    client: FlaskClient,
    logged_in: Callable[[Role], str],
    sessions: sessionmaker[Session],
    lang: str,
) -> None:
    seed(sessions, [
        up(1, 40),  # fine, then timeouts, then the present auth failures
        up(0, 30, TIMEOUT),
        up(0, 20, AUTH),
        up(0, 10, AUTH),
        up(0, 0.1, AUTH),
        Sample("sw-9", "poll_duration_seconds", "", 0.125, NOW - timedelta(minutes=0.1), "s"),
    ])  # fmt: skip
    logged_in(Role.READONLY)
    text = page(client, lang)
    assert 'id="poll-error"' in text and 'data-kind="auth_failure"' in text
    assert i18n.translate(lang, "device.error.auth_failure") in text
    assert i18n.translate(lang, "device.error.timeout") not in text
    started = NOW - timedelta(minutes=20)  # the auth failures began then, not the timeouts
    assert localtime(started) in text
    assert localtime(NOW - timedelta(minutes=30)) not in text
    assert AUTH in text  # the agent's own words, for whoever digs further
    assert 'id="last-poll"' in text and "0.12" in text  # the poll duration
    assert text.index('id="poll-error"') < text.index(i18n.translate(lang, "device.identity"))


def test_healthy_device_has_no_error_panel(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    seed(sessions, [up(0, 10, TIMEOUT), up(1, 0.1)])
    logged_in(Role.READONLY)
    text = page(client)
    assert 'id="poll-error"' not in text and 'id="engine-id-duplicate"' not in text
    assert 'id="last-poll"' not in text  # no duration stored: no line


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (None, "other"),
        ("", "other"),
        ("host probe failed: psutil broke", "other"),
        ("unknown profile 'x': use one of a, b or 'auto'", "other"),
        ("<script>alert(1)</script>: x", "other"),
        ("made_up_kind: x", "other"),
        (TIMEOUT, "timeout"),
        ("not_in_time_window: boots 2147483647 (不在时间窗口内)", "not_in_time_window"),
    ],
    ids=["none", "empty", "host", "unknown-profile", "html", "unknown-kind", "timeout",
         "time-window"],
)  # fmt: skip
def test_odd_reasons_still_show_a_sentence(
    client: FlaskClient,
    logged_in: Callable[[Role], str],
    sessions: sessionmaker[Session],
    reason: str | None,
    kind: str,
) -> None:
    seed(sessions, [up(0, 1, reason)])
    logged_in(Role.READONLY)
    resp = client.get("/devices/sw-9")
    raw = resp.get_data(as_text=True)
    assert "<script>alert" not in raw  # escaped, never executed
    assert f'data-kind="{kind}"' in raw
    assert i18n.translate("zh_CN", f"device.error.{kind}") in html.unescape(raw)


def test_duplicate_engine_id_is_said_on_the_page(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    dup = "engine_id_duplicate: snmpEngineID 80001f88 also answered by sw-10 (引擎 ID 重复)"
    seed(sessions, [up(1, 0.1), Sample("sw-9", "snmp_engine_id_duplicate", "", 1.0,
                                        NOW - timedelta(minutes=0.1), "", dup)])  # fmt: skip
    logged_in(Role.READONLY)
    text = page(client)
    assert 'id="engine-id-duplicate"' in text and "sw-10" in text
    assert i18n.translate("zh_CN", "device.error.engine_id_duplicate") in text
    assert 'id="poll-error"' not in text


T = datetime(2026, 1, 1, 8, 0)


@pytest.mark.parametrize(
    ("points", "kind", "since"),
    [
        ([(T, 0.0, AUTH)], "auth_failure", T),
        ([(T, 0.0, AUTH), (T - timedelta(minutes=1), 0.0, AUTH)], "auth_failure",
         T - timedelta(minutes=1)),
        ([(T, 0.0, AUTH), (T - timedelta(minutes=1), 1.0, None),
          (T - timedelta(minutes=2), 0.0, AUTH)], "auth_failure", T),
        ([(T, 0.0, AUTH), (T - timedelta(minutes=1), 0.0, TIMEOUT)], "auth_failure", T),
        ([(T, 0.0, None), (T - timedelta(minutes=1), 0.0, "x")], "other",
         T - timedelta(minutes=1)),
        ([(T, 0.0, AUTH), (T - timedelta(minutes=1), None, AUTH)], "auth_failure", T),
    ],
    ids=["one", "run", "run-broken-by-success", "kind-changed", "other-run", "null-value"],
)  # fmt: skip
def test_error_since(
    points: list[tuple[datetime, float | None, str | None]], kind: str, since: datetime
) -> None:
    assert error_kind(points[0][2]) == kind
    assert error_since(points, kind) == since
