"""Notification text, robot payloads and signatures, backoff and escalation steps (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from core.config import NotifySettings
from core.errors import ConfigError
from core.types import Severity
from rules.escalation import ConfiguredContacts, due_level
from rules.notify.templates import AlarmFacts, Kind, pick, render, render_storm
from rules.notify.webhook import (
    Message,
    dingtalk_sign,
    dingtalk_url,
    feishu_sign,
    request_for,
    robot_error,
)
from rules.notify.worker import backoff

AT = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
FACTS = AlarmFacts(
    alarm_id=12,
    device="ups-1",
    summary_zh="1号UPS 电池供电",
    summary_en="UPS 1 on battery",
    severity=Severity.CRITICAL,
    at=AT,
    previous_severity=Severity.WARNING,
    room="A101",
    rack="A01",
    position_u=1,
    value=5,
    level=1,
)
MSG = Message("subj", "line1\nline2", "fire", 3, 12, 7)


@pytest.mark.parametrize(
    ("kind", "lang", "subject", "in_body"),
    [
        (Kind.FIRE, "zh", "【严重】告警：1号UPS 电池供电", "设备：ups-1（A101 A01 U1）"),
        (Kind.FIRE, "en", "[Critical] Alarm: UPS 1 on battery", "Device: ups-1 (A101 / A01 / U1)"),
        (Kind.SEVERITY, "zh", "【严重】级别变化：1号UPS 电池供电", "级别：警告 → 严重"),
        (
            Kind.SEVERITY,
            "en",
            "[Critical] Severity changed: UPS 1 on battery",
            "Warning → Critical",
        ),
        (Kind.ESCALATION, "zh", "【严重】告警升级（第 1 级）：1号UPS 电池供电", "未被确认"),
        (Kind.ESCALATION, "en", "[Critical] Escalated (level 1): UPS 1 on battery", "not ackn"),
        (Kind.CLEAR, "zh", "【严重】已恢复：1号UPS 电池供电", "告警编号：#12"),
        (Kind.CLEAR, "en", "[Critical] Cleared: UPS 1 on battery", "Alarm #12"),
        (Kind.FLAPPING, "en", "[Critical] Flapping: UPS 1 on battery", "keeps changing"),
    ],
    ids=lambda v: v.value if isinstance(v, Kind) else None,
)
def test_render(kind: Kind, lang: str, subject: str, in_body: str) -> None:
    got_subject, body = render(kind, FACTS, lang)
    assert got_subject == subject
    assert in_body in body
    assert "2024-05-01 08:00:00 UTC" in body


def test_storm_groups_worst_first_and_bounds_the_list() -> None:
    many = [
        AlarmFacts(i, f"d{i}", f"告警{i}", f"alarm {i}", Severity(1 + i % 3), AT) for i in range(25)
    ]
    subject, body = render_storm(many, AT, "zh")
    assert subject == "【严重】告警风暴：25 条新告警"
    lines = body.splitlines()
    assert lines[2].startswith("#2 [严重]")
    assert lines[-1] == "……另有 5 条"
    assert render_storm(many, AT, "en")[0] == "[Critical] Alarm storm: 25 new alarms"


@pytest.mark.parametrize(
    ("lang", "text"), [("zh", "中"), ("en", "en"), ("both", "中\n\nen"), ("", "中")]
)
def test_pick(lang: str, text: str) -> None:
    assert pick(lang, "中", "en") == text


def test_dingtalk_signature_follows_the_documented_recipe() -> None:
    secret, ts = "SEC-test-secret", 1_714_550_400_000
    expected = urllib.parse.quote_plus(
        base64.b64encode(
            hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
    )
    assert dingtalk_sign(secret, ts) == expected
    url = dingtalk_url("https://oapi.example/robot/send?access_token=T", secret, ts)
    assert url == f"https://oapi.example/robot/send?access_token=T&timestamp={ts}&sign={expected}"
    assert dingtalk_url("https://x/send", "", ts) == "https://x/send"  # no secret: unsigned


def test_feishu_signature() -> None:
    key = b"1714550400\nsecret"
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu_sign("secret", 1_714_550_400) == expected


@pytest.mark.parametrize(
    ("kind", "expect"),
    [
        ("webhook", {"kind": "fire", "alarm_id": 12, "subject": "subj", "severity": 3}),
        ("wecom", {"msgtype": "text", "text": {"content": "subj\nline1\nline2"}}),
        ("feishu", {"msg_type": "text", "content": {"text": "subj\nline1\nline2"}}),
    ],
)
def test_payloads(kind: str, expect: dict) -> None:
    _, body = request_for(kind, "http://h/x", "", MSG, 0)
    data = json.loads(body)
    assert expect.items() <= data.items()


def test_dingtalk_payload_is_markdown_and_signed_url() -> None:
    url, body = request_for("dingtalk", "http://h/x", "s", MSG, 1000)
    assert url.startswith("http://h/x?timestamp=1000&sign=")
    data = json.loads(body)
    assert data["msgtype"] == "markdown"
    assert data["markdown"]["title"] == "subj"


@pytest.mark.parametrize(
    ("kind", "answer", "problem"),
    [
        ("wecom", b'{"errcode":0,"errmsg":"ok"}', None),
        ("wecom", b'{"errcode":93000,"errmsg":"invalid webhook url"}', "93000"),
        ("dingtalk", b'{"errcode":310000,"errmsg":"sign not match"}', "sign not match"),
        ("feishu", b'{"code":19021,"msg":"sign match fail"}', "19021"),
        ("feishu", b'{"StatusCode":0}', None),
        ("webhook", b'{"errcode":1}', None),  # generic hooks: HTTP status decides
        ("wecom", b"not json", None),
    ],
)
def test_robot_error(kind: str, answer: bytes, problem: str | None) -> None:
    got = robot_error(kind, answer)
    assert (got is None) if problem is None else (got is not None and problem in got)


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 5), (2, 10), (3, 20), (7, 300), (50, 300)])
def test_backoff_doubles_and_caps(attempts: int, seconds: float) -> None:
    cfg = NotifySettings(retry_backoff_seconds=5, retry_max_backoff_seconds=300)
    assert backoff(attempts, cfg) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("minutes", "level"), [(0, 0), (14.9, 0), (15, 1), (29, 1), (30, 2), (600, 2)]
)
def test_due_level(minutes: float, level: int) -> None:
    assert due_level(AT, AT + timedelta(minutes=minutes), [15, 30]) == level


def test_configured_contacts() -> None:
    duty = ConfiguredContacts(["0:duty@x", "1:lead@x", "1:boss@x"])
    assert duty.contacts(1, AT) == ["lead@x", "boss@x"]
    assert duty.contacts(2, AT) == []
    with pytest.raises(ConfigError, match="is not LEVEL:address"):
        ConfiguredContacts(["lead@x"])


def test_notify_settings_from_environment_and_example_file() -> None:
    from pathlib import Path

    from core.config import load_settings

    env = {
        "ROOMWATCH_NOTIFY_ESCALATION_CONTACTS": "1:lead@x,2:boss@x",
        "ROOMWATCH_NOTIFY_ESCALATION_MINUTES": "10,20,40",
        "ROOMWATCH_NOTIFY_SMTP_PORT": "2525",
        "ROOMWATCH_NOTIFY_SMTP_STARTTLS": "true",
    }
    cfg = load_settings(env=env).notify
    assert cfg.escalation_contacts == ["1:lead@x", "2:boss@x"]
    assert cfg.escalation_minutes == [10, 20, 40]
    assert (cfg.smtp_port, cfg.smtp_starttls) == (2525, True)
    with pytest.raises(ConfigError, match=r"notify\.storm_threshold"):
        load_settings(env={"ROOMWATCH_NOTIFY_STORM_THRESHOLD": "0"})
    example = Path(__file__).resolve().parents[3] / "roomwatch.example.toml"
    assert load_settings(example, env={}).notify == NotifySettings()
