"""Webhook channels: generic JSON, WeCom, DingTalk (signed) and Feishu robots.

Payloads and signatures are pure functions; :func:`post` is the one HTTP call (urllib,
with a timeout), raising :class:`DeliveryFailed` with a one-line reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class DeliveryFailed(Exception):
    """One attempt did not get through; the message is the reason logged on the delivery."""


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel sends: one subject and body in the channel's language."""

    subject: str
    body: str
    kind: str
    severity: int
    alarm_id: int | None
    notification_id: int
    recipients: tuple[str, ...] = ()


def generic_payload(m: Message) -> dict[str, Any]:
    return {
        "source": "roomwatch",
        "notification_id": m.notification_id,
        "kind": m.kind,
        "alarm_id": m.alarm_id,
        "severity": m.severity,
        "subject": m.subject,
        "body": m.body,
    }


def wecom_payload(m: Message) -> dict[str, Any]:
    """WeCom (企业微信) group robot: a text message."""
    return {"msgtype": "text", "text": {"content": f"{m.subject}\n{m.body}"}}


def dingtalk_payload(m: Message) -> dict[str, Any]:
    """DingTalk (钉钉) custom robot: a markdown message."""
    text = "#### " + m.subject + "\n\n" + m.body.replace("\n", "\n\n")
    return {"msgtype": "markdown", "markdown": {"title": m.subject, "text": text}}


def feishu_payload(m: Message, secret: str = "", timestamp: int | None = None) -> dict[str, Any]:
    """Feishu (飞书) custom bot: a text message, signed when the bot has a secret."""
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{m.subject}\n{m.body}"}}
    if secret and timestamp is not None:
        body["timestamp"] = str(timestamp)
        body["sign"] = feishu_sign(secret, timestamp)
    return body


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret,
    base64, then URL-encoded (as the robot documentation describes)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing, base64."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def request_for(kind: str, url: str, secret: str, m: Message, now_ms: int) -> tuple[str, bytes]:
    """The URL and JSON body one channel kind posts."""
    if kind == "wecom":
        payload = wecom_payload(m)
    elif kind == "dingtalk":
        payload = dingtalk_payload(m)
        url = dingtalk_url(url, secret, now_ms)
    elif kind == "feishu":
        payload = feishu_payload(m, secret, now_ms // 1000)
    else:
        payload = generic_payload(m)
    return url, json.dumps(payload, ensure_ascii=False).encode()


def robot_error(kind: str, answer: bytes) -> str | None:
    """The robots answer HTTP 200 with an error code in the body; None when it is fine."""
    if kind not in {"wecom", "dingtalk", "feishu"}:
        return None
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    if code in (0, None):
        return None
    msg = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
    return f"robot answered error {code}: {msg}"[:300]


def post(kind: str, url: str, secret: str, m: Message, now_ms: int, timeout: float) -> None:
    """Send one message; raise DeliveryFailed with the reason."""
    target, body = request_for(kind, url, secret, m, now_ms)
    req = urllib.request.Request(
        target,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "roomwatch"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = resp.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(
            f"cannot reach {urllib.parse.urlsplit(url).netloc}: {reason}"
        ) from None
    problem = robot_error(kind, answer)
    if problem:
        raise DeliveryFailed(problem)
