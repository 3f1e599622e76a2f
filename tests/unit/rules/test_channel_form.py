"""Channel and route forms: per-kind validation, kept secrets, masking (table-driven)."""

from __future__ import annotations

import pytest

from rules.notify.channel_form import (
    ChannelValues,
    check_channel,
    check_route,
    mask,
    mask_url,
)

DING = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef"
STORED = ChannelValues("ding", "dingtalk", DING, "SECabcdefghijklmnop1234", "zh", True)


def form(**kw: str) -> dict[str, str]:
    return {"name": "ops", "kind": "webhook", "target": "http://127.0.0.1:9/x",
            "language": "zh", "enabled": "on", **kw}  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {}),
        ({"kind": "smtp", "target": "a@example.com; b@example.org"}, {}),
        ({"kind": "smtp", "target": "duty@localhost"}, {}),
        ({"kind": "smtp", "target": "not-an-address"}, {"target": "email"}),
        ({"kind": "smtp", "target": "a@example.com, b@@x"}, {"target": "email"}),
        ({"kind": "smtp", "target": " "}, {"target": "emails_required"}),
        ({"kind": "wecom", "target": "ftp://example.com/hook"}, {"target": "url"}),
        ({"kind": "feishu", "target": "https://"}, {"target": "url"}),
        ({"kind": "dingtalk", "target": "javascript:alert(1)"}, {"target": "url"}),
        ({"kind": "webhook", "target": "http://a b/"}, {"target": "url"}),
        ({"kind": "webhook", "target": ""}, {"target": "url_required"}),
        ({"kind": "sms"}, {"kind": "kind"}),
        ({"name": ""}, {"name": "name"}),
        ({"name": "<script>"}, {"name": "name"}),
        ({"language": "fr"}, {"language": "language"}),
        ({"kind": "dingtalk", "secret": "x" * 201}, {"secret": "secret"}),
    ],
    ids=["webhook", "smtp-two", "smtp-localhost", "smtp-bad", "smtp-one-bad", "smtp-empty",
         "ftp-url", "no-host", "js-url", "space-in-url", "no-url", "unknown-kind", "no-name",
         "bad-name", "bad-language", "long-secret"],
)  # fmt: skip
def test_check_channel(fields: dict[str, str], errors: dict[str, str]) -> None:
    values, got = check_channel(form(**fields), None)
    assert got == errors
    assert (values is None) is bool(errors)


def test_secret_only_for_signed_kinds_and_addresses_normalized() -> None:
    v, _ = check_channel(form(kind="smtp", target="a@x.cn;b@y.cn", secret="s3cret"), None)
    assert v is not None and (v.target, v.secret) == ("a@x.cn, b@y.cn", "")
    v, _ = check_channel(form(kind="dingtalk", secret="SEC1"), None)
    assert v is not None and v.secret == "SEC1"


@pytest.mark.parametrize(
    ("fields", "target", "secret"),
    [
        ({"kind": "dingtalk", "target": "", "secret": ""}, DING, STORED.secret),
        ({"kind": "dingtalk", "target": "", "secret": "SECnew"}, DING, "SECnew"),
        ({"kind": "dingtalk", "target": "", "clear_secret": "on"}, DING, ""),
        ({"kind": "feishu", "target": "", "secret": ""}, DING, STORED.secret),
        ({"kind": "webhook", "target": "https://h/x", "secret": ""}, "https://h/x", ""),
    ],
    ids=["both-kept", "secret-replaced", "secret-cleared", "kind-changed-url-kept",
         "unsigned-kind-drops-secret"],
)  # fmt: skip
def test_editing_keeps_what_is_submitted_empty(
    fields: dict[str, str], target: str, secret: str
) -> None:
    v, errors = check_channel(form(name="ding", **fields), STORED)
    assert errors == {}
    assert v is not None and (v.target, v.secret) == (target, secret)


def test_switching_to_smtp_needs_addresses() -> None:
    _, errors = check_channel(form(kind="smtp", target=""), STORED)
    assert errors == {"target": "emails_required"}


@pytest.mark.parametrize(
    ("secret", "shown"),
    [("", ""), ("abc", "••••"), ("SECabcdefgh1234", "••••1234")],
    ids=["none", "short-shows-nothing", "long-shows-last-4"],
)
def test_mask(secret: str, shown: str) -> None:
    assert mask(secret) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (DING, "https://oapi.dingtalk.com/robot/send?access_token=••••cdef"),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef-XYZ9",
         "https://open.feishu.cn/open-apis/bot/v2/hook/••••XYZ9"),
        ("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"),
    ],
    ids=["query-token", "path-token", "plain"],
)  # fmt: skip
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {}),
        ({"channel_id": "9"}, {"channel_id": "channel_id"}),
        ({"channel_id": "x"}, {"channel_id": "channel_id"}),
        ({"min_severity": "4"}, {"min_severity": "min_severity"}),
        ({"level": "-1"}, {"level": "level"}),
        ({"hours": "8pm-8am"}, {"hours": "hours"}),
        ({"rooms": "A" * 101}, {"rooms": "rooms"}),
    ],
    ids=["ok", "unknown-channel", "not-a-number", "severity-4", "negative-level", "bad-hours",
         "long-room"],
)  # fmt: skip
def test_check_route(fields: dict[str, str], errors: dict[str, str]) -> None:
    base = {"channel_id": "1", "min_severity": "2", "rooms": "A101, B2", "hours": "20-8",
            "level": "0"}  # fmt: skip
    v, got = check_route({**base, **fields}, {1})
    assert got == errors
    if not errors:
        assert v is not None and (v.rooms, v.hours) == (("A101", "B2"), "20:00-08:00")
