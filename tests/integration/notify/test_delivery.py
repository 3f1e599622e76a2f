"""Notifications end to end on loopback: webhooks, robots, SMTP, retries, hangs, restarts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable

import pytest
from sqlalchemy import delete, select

from core.clock import FixedClock
from core.config import NotifySettings
from rules.notify.worker import CHANNEL_RULE, DeliveryWorker, recover_stale
from rules.service import RuleRunner
from store.models import Alarm, Delivery, Notification, RuleState
from tests.integration.notify.conftest import Hook, Mailbox
from tests.integration.rules.conftest import Factory, add_channel, all_alarms, at, feed, tick

Runner = Callable[..., RuleRunner]


def worker(factory: Factory, clock: FixedClock | None = None, **cfg: object) -> DeliveryWorker:
    settings = NotifySettings(**{"timeout_seconds": 2.0, **cfg})  # type: ignore[arg-type]
    return DeliveryWorker(factory, settings, clock=clock or FixedClock(at(3600)), threads=2)


def deliver(w: DeliveryWorker, expect: int) -> None:
    """Hand over what is due and wait until ``expect`` attempts in all are recorded."""
    w.run_once()
    assert w.wait_finished(expect, 10), f"only {w.finished} of {expect} attempts finished"


def deliveries(factory: Factory) -> list[tuple[str, int, str]]:
    with factory() as s:
        q = select(Delivery.status, Delivery.attempts, Delivery.last_error).order_by(Delivery.id)
        return [tuple(r) for r in s.execute(q)]  # type: ignore[misc]


def notes(factory: Factory) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(Notification.kind).order_by(Notification.id)))


def test_fire_severity_clear_once_each_to_a_json_webhook(
    room_db: Factory, make_runner: Runner, hook: Hook
) -> None:
    add_channel(room_db, "hook", "webhook", hook.url, language="en")
    runner = make_runner()
    w = worker(room_db)
    timeline = [(0, 70), (60, 70), (65, 70), (70, 85), (75, 85), (80, 50), (85, 50)]
    for t, load in timeline:
        feed(room_db, t, ups_output_load_percent=load)
        tick(room_db, runner, t)
    assert notes(room_db) == ["fire", "severity", "clear"]  # never on every tick
    deliver(w, 3)
    bodies = [json.loads(b) for _, _, b in hook.requests]
    assert [b["kind"] for b in bodies] == ["fire", "severity", "clear"]
    assert bodies[0]["subject"] == "[Warning] Alarm: ups1: load 70% above 60%"
    assert "Device: ups1 (A101 / A01 / U1)" in bodies[0]["body"]
    assert bodies[1]["subject"].startswith("[Critical] Severity changed")
    assert [s for s, _, _ in deliveries(room_db)] == ["sent"] * 3


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_robot_formats(room_db: Factory, make_runner: Runner, hook: Hook, kind: str) -> None:
    add_channel(room_db, kind, kind, hook.url + "?access_token=T", secret="SECxyz")
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, make_runner(), 0)
    clock = FixedClock(at(0))
    deliver(worker(room_db, clock), 1)
    path, _, raw = hook.requests[0]
    body = json.loads(raw)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["access_token"] == ["T"]
    if kind == "wecom":
        assert body["msgtype"] == "text"
        assert body["text"]["content"].startswith("【严重】告警：ups1：输出切换为电池供电")
    elif kind == "dingtalk":
        ts = query["timestamp"][0]
        assert ts == str(int(at(0).timestamp() * 1000))
        digest = hmac.new(b"SECxyz", f"{ts}\nSECxyz".encode(), hashlib.sha256).digest()
        assert query["sign"] == [base64.b64encode(digest).decode()]  # parse_qs unquotes
        assert body["markdown"]["title"].startswith("【严重】告警")
    else:
        assert body["msg_type"] == "text" and "ups1" in body["content"]["text"]
        assert body["timestamp"] == str(int(at(0).timestamp()))
        key = f"{body['timestamp']}\nSECxyz".encode()
        assert (
            body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        )
    assert deliveries(room_db)[0][0] == "sent"


@pytest.mark.parametrize(
    ("lang", "subject", "line"),
    [
        (
            "zh",
            "【严重】告警：ups1：输出切换为电池供电（市电中断），请立即检查市电",
            "设备：ups1（A101 A01 U1）",
        ),
        (
            "en",
            "[Critical] Alarm: ups1: output on battery (mains lost), check mains power",
            "Device: ups1",
        ),
    ],
)
def test_email_over_smtp(
    room_db: Factory, make_runner: Runner, mailbox: Mailbox, lang: str, subject: str, line: str
) -> None:
    add_channel(room_db, "mail", "smtp", "duty@example.com, lead@example.com", language=lang)
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, make_runner(), 0)
    deliver(worker(room_db, smtp_host=mailbox.host, smtp_port=mailbox.port), 1)
    assert mailbox.wait_for(1)
    msg = mailbox.messages[0]
    assert msg["Subject"] == subject
    assert msg["To"] == "duty@example.com, lead@example.com"
    body = msg.get_content()
    assert line in body and "2024-05-01 08:00:00 UTC" in body


def test_smtp_unreachable_is_a_logged_failure(room_db: Factory, make_runner: Runner) -> None:
    add_channel(room_db, "mail", "smtp", "duty@example.com")
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, make_runner(), 0)
    deliver(worker(room_db, smtp_host="127.0.0.1", smtp_port=1), 1)
    status, attempts, why = deliveries(room_db)[0]
    assert (status, attempts) == ("pending", 1)
    assert why.startswith("cannot reach SMTP 127.0.0.1:1")


def test_500_retries_with_backoff_fails_and_raises_the_channel_alarm(
    room_db: Factory, make_runner: Runner, hook: Hook
) -> None:
    hook.mode = "error500"
    add_channel(room_db, "bad", "webhook", hook.url)
    add_channel(room_db, "other", "webhook", hook.url + "?other")
    runner = make_runner()
    clock = FixedClock(at(0))
    w = worker(room_db, clock, retry_attempts=3, retry_backoff_seconds=10, channel_failures_alarm=3)
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, runner, 0)
    deliver(w, 2)  # both channels fail once
    assert deliveries(room_db) == [("pending", 1, "HTTP 500 Internal Server Error")] * 2
    assert w.run_once() == 0  # not due before the backoff
    clock.advance(10)
    deliver(w, 4)
    clock.advance(19)
    assert w.run_once() == 0  # the second wait is 20 s
    clock.advance(1)
    deliver(w, 6)
    assert [d[:2] for d in deliveries(room_db)[:2]] == [("failed", 3)] * 2
    with room_db() as s:
        channel_alarms = s.scalars(
            select(Alarm).where(Alarm.rule == CHANNEL_RULE).order_by(Alarm.instance)
        ).all()
    assert [a.instance for a in channel_alarms] == ["bad", "other"]
    assert channel_alarms[0].summary_en.startswith("Notification channel bad failed 3 times")
    assert notes(room_db) == ["fire", "channel", "channel"]
    # the endpoint recovers: the channel alarm's own message gets through and resolves it
    hook.mode = "ok"
    deliver(w, 8)
    with room_db() as s:
        assert {a.status for a in s.scalars(select(Alarm).where(Alarm.rule == CHANNEL_RULE))} == {
            "resolved"
        }


def test_a_hanging_webhook_never_blocks_the_tick_nor_other_channels(
    room_db: Factory, make_runner: Runner, hook: Hook, mailbox: Mailbox
) -> None:
    hook.mode = "hang"
    add_channel(room_db, "hangs", "webhook", hook.url)
    add_channel(room_db, "mail", "smtp", "duty@example.com")
    runner = make_runner()
    w = worker(room_db, timeout_seconds=30, smtp_host=mailbox.host, smtp_port=mailbox.port)
    w.poll_seconds = 0.05
    w.start()
    try:
        feed(room_db, 0, ups_output_source=5)
        tick(room_db, runner, 0)
        w.wake()
        assert hook.wait_for(1), "the webhook was never called"
        assert mailbox.wait_for(1), "the mail waited behind the hanging webhook"
        started = time.monotonic()
        feed(room_db, 5, ups_output_source=3)
        report = tick(room_db, runner, 5)  # while the endpoint still hangs
        assert report.resolved == 1
        assert time.monotonic() - started < 2.0
    finally:
        hook.release.set()
        w.stop()


def test_restart_never_notifies_twice(room_db: Factory, make_runner: Runner, hook: Hook) -> None:
    add_channel(room_db, "hook", "webhook", hook.url)
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, make_runner(), 0)
    with room_db() as s, s.begin():  # lose every rule state: the engine fires again
        s.execute(delete(RuleState))
    fresh = make_runner()  # a restarted server
    feed(room_db, 5, ups_output_source=5)
    report = tick(room_db, fresh, 5)
    assert report.transitions == 1
    assert notes(room_db) == ["fire"]
    assert len(all_alarms(room_db)) == 1


def test_interrupted_sending_is_retried_after_restart(
    room_db: Factory, make_runner: Runner
) -> None:
    add_channel(room_db, "hook", "webhook", "http://127.0.0.1:9/x")
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, make_runner(), 0)
    with room_db() as s, s.begin():
        for d in s.scalars(select(Delivery)):
            d.status = "sending"  # the process died while sending
    with room_db() as s, s.begin():
        assert recover_stale(s, at(5)) == 0  # too recent: maybe still in flight
    with room_db() as s, s.begin():
        assert recover_stale(s, at(3600)) == 1
    assert deliveries(room_db)[0][0] == "pending"


def test_storm_sends_one_grouped_message(room_db: Factory, make_runner: Runner, hook: Hook) -> None:
    add_channel(room_db, "hook", "webhook", hook.url)
    runner = make_runner(storm_threshold=2, storm_window_seconds=60)
    for t in (0, 60, 120):
        for dev in ("x1", "x2", "x3", "x4"):  # unrelated devices: nothing is inhibited
            feed(room_db, t, device=dev, device_up=0)
        tick(room_db, runner, t)
    assert sorted(notes(room_db)) == ["grouped"] * 4 + ["storm"]
    deliver(worker(room_db), 1)
    body = json.loads(hook.requests[0][2])
    assert body["kind"] == "storm"
    assert body["subject"].startswith("【") and "告警风暴：4 条新告警" in body["subject"]


def test_escalation_steps_to_on_duty_contacts(
    room_db: Factory, make_runner: Runner, mailbox: Mailbox
) -> None:
    add_channel(room_db, "mail", "smtp", "duty@example.com")
    runner = make_runner(
        escalation_minutes=[15, 30],
        escalation_contacts=["1:lead@example.com", "2:boss@example.com"],
    )
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, runner, 0)
    for minutes, levels in ((14, 0), (15, 1), (20, 1), (31, 2), (60, 2)):
        with room_db() as s, s.begin():
            runner.escalate(s, at(minutes * 60))
        with room_db() as s:
            assert s.scalars(select(Alarm.escalation_level)).one() == levels
    with room_db() as s:
        esc = s.scalars(select(Notification).where(Notification.kind == "escalation")).all()
    assert [(n.level, n.recipients) for n in esc] == [
        (1, ["lead@example.com"]),
        (2, ["boss@example.com"]),
    ]
    deliver(worker(room_db, smtp_host=mailbox.host, smtp_port=mailbox.port), 3)
    assert mailbox.wait_for(3)
    rcpt = sorted(m["To"] for m in mailbox.messages)
    assert rcpt == ["boss@example.com", "duty@example.com", "lead@example.com"]
    subjects = sorted(m["Subject"] for m in mailbox.messages)
    assert any("告警升级（第 2 级）" in s for s in subjects)


def test_acknowledged_alarm_is_not_escalated(room_db: Factory, make_runner: Runner) -> None:
    from rules.alarms import acknowledge

    runner = make_runner(escalation_minutes=[15])
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, runner, 0)
    [alarm] = all_alarms(room_db)
    with room_db() as s, s.begin():
        acknowledge(s, alarm.id, "duty", "on it", at(60))
    with room_db() as s, s.begin():
        assert runner.escalate(s, at(3600)) == []
