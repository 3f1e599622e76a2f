"""The notification pages: channels of every type, routes, the delivery log, test messages;
secrets never shown or audited in full, CSRF, and roles (admins edit, supervisors read)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from rules.notify.worker import claim_due
from store.models import AuditEntry, Delivery, Notification, NotifyChannel, NotifyRoute
from tests.web.conftest import NOW, form_token

Factory = sessionmaker[Session]
SECRET = "SECd1ngTalkSigningKey9876"
TOKEN = "tok0123456789abcdefWXYZ"
DING_URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
TYPES = {
    "smtp": "duty@example.com, boss@example.org",
    "webhook": "http://127.0.0.1:8099/hook",
    "wecom": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={TOKEN}",
    "dingtalk": DING_URL,
    "feishu": f"https://open.feishu.cn/open-apis/bot/v2/hook/{TOKEN}",
}


def post(client: FlaskClient, path: str, **data: str) -> object:
    return client.post(path, data={"csrf_token": form_token(client, "/"), **data})


def channels(sessions: Factory) -> list[NotifyChannel]:
    with sessions() as s:
        return list(s.scalars(select(NotifyChannel).order_by(NotifyChannel.id)))


def audits(sessions: Factory) -> list[AuditEntry]:
    with sessions() as s:
        q = select(AuditEntry).where(AuditEntry.action.like("notify.%")).order_by(AuditEntry.id)
        return list(s.scalars(q))


def create(client: FlaskClient, kind: str, name: str = "ch", **extra: str) -> object:
    data = {"name": name, "kind": kind, "target": TYPES[kind], "language": "zh",
            "enabled": "on", **extra}  # fmt: skip
    return post(client, "/notify/channels", **data)


@pytest.fixture
def admin(logged_in: Callable[[Role], str]) -> str:
    return logged_in(Role.ADMIN)


@pytest.mark.parametrize("kind", list(TYPES))
def test_admin_creates_and_edits_each_type(
    client: FlaskClient, admin: str, sessions: Factory, kind: str
) -> None:
    secret = SECRET if kind in ("dingtalk", "feishu") else ""
    r = create(client, kind, secret=secret)
    assert r.status_code == 302  # type: ignore[attr-defined]
    [ch] = channels(sessions)
    assert (ch.name, ch.kind, ch.secret, ch.enabled) == ("ch", kind, secret, True)
    assert ch.target == TYPES[kind]
    # edit: rename, English, disabled; URL and secret fields left empty keep their values
    target = TYPES[kind] if kind == "smtp" else ""
    r = post(client, f"/notify/channels/{ch.id}", name="ch2", kind=kind, target=target,
             secret="", language="en")  # fmt: skip
    assert r.status_code == 302  # type: ignore[attr-defined]
    [ch] = channels(sessions)
    assert (ch.name, ch.target, ch.secret, ch.language, ch.enabled) == (
        "ch2", TYPES[kind], secret, "en", False)  # fmt: skip
    created, updated = audits(sessions)
    assert (created.action, created.actor, created.before) == ("notify.channel_created", admin,
                                                               None)  # fmt: skip
    assert updated.before is not None and updated.after is not None
    assert (updated.before["name"], updated.after["name"]) == ("ch", "ch2")
    assert updated.request_id and updated.address


@pytest.mark.parametrize(
    ("kind", "target"),
    [("webhook", "ftp://example.com/x"), ("dingtalk", "not a url"), ("smtp", "duty@")],
    ids=["ftp", "words", "email"],
)
def test_bad_target_is_refused_next_to_the_field(
    client: FlaskClient, admin: str, sessions: Factory, kind: str, target: str
) -> None:
    r = post(client, "/notify/channels", name="x", kind=kind, target=target, language="zh")
    assert r.status_code == 400  # type: ignore[attr-defined]
    page = r.get_data(as_text=True)  # type: ignore[attr-defined]
    field = page.split('name="target"')[1].split("</label>")[0]
    assert 'id="error-target"' in field and 'aria-invalid="true"' in field
    assert channels(sessions) == [] and audits(sessions) == []


def test_duplicate_name_is_refused(client: FlaskClient, admin: str, sessions: Factory) -> None:
    create(client, "webhook", "ops")
    r = create(client, "wecom", "ops")
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert 'id="error-name"' in r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert len(channels(sessions)) == 1


def test_secrets_never_in_html_nor_audit(
    client: FlaskClient, admin: str, sessions: Factory
) -> None:
    create(client, "dingtalk", "ding", secret=SECRET)
    [ch] = channels(sessions)
    post(client, f"/notify/channels/{ch.id}", name="ding", kind="dingtalk", target="",
         secret="SECreplacedSecretABCD", language="both", enabled="on")  # fmt: skip
    post(client, f"/notify/channels/{ch.id}/enabled", enabled="off")
    [ch] = channels(sessions)
    assert ch.secret == "SECreplacedSecretABCD" and ch.target == DING_URL
    pages = "".join(
        client.get(p).get_data(as_text=True)
        for p in ("/notify/", f"/notify/channels/{ch.id}", "/notify/deliveries")
    )
    for hidden in (SECRET, "SECreplacedSecret", TOKEN):
        assert hidden not in pages
    assert "••••ABCD" in pages and "••••WXYZ" in pages
    journal = json.dumps([[a.before, a.after] for a in audits(sessions)], ensure_ascii=False)
    assert len(audits(sessions)) == 3
    for hidden in (SECRET, "SECreplacedSecret", TOKEN):
        assert hidden not in journal
    assert "••••9876" in journal and "••••ABCD" in journal


def test_clear_secret(client: FlaskClient, admin: str, sessions: Factory) -> None:
    create(client, "feishu", "fs", secret=SECRET)
    [ch] = channels(sessions)
    post(client, f"/notify/channels/{ch.id}", name="fs", kind="feishu", target="",
         language="zh", enabled="on", clear_secret="on")  # fmt: skip
    assert channels(sessions)[0].secret == ""


def test_forged_post_without_csrf_is_refused(
    client: FlaskClient, admin: str, sessions: Factory
) -> None:
    r = client.post("/notify/channels", data={"name": "x", "kind": "webhook",
                                              "target": TYPES["webhook"]})  # fmt: skip
    assert r.status_code == 400
    assert channels(sessions) == []


@pytest.mark.parametrize("role", [Role.DUTY, Role.READONLY])
def test_duty_and_readonly_get_403(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory, role: Role
) -> None:
    logged_in(role)
    for path in ("/notify/", "/notify/deliveries", "/notify/channels/new"):
        assert client.get(path).status_code == 403
    assert create(client, "webhook").status_code == 403  # type: ignore[attr-defined]
    assert channels(sessions) == []
    assert "/notify/" not in client.get("/").get_data(as_text=True)


def test_supervisor_reads_but_cannot_change(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    with sessions() as s, s.begin():
        ch = NotifyChannel(name="ops", kind="webhook", target=TYPES["webhook"], created_at=NOW)
        s.add(ch)
        s.flush()
        cid = ch.id
    logged_in(Role.SUPERVISOR)
    page = client.get("/notify/").get_data(as_text=True)
    assert "ops" in page and "/notify/channels/new" not in page and "/test" not in page
    assert client.get("/notify/deliveries").status_code == 200
    assert client.get(f"/notify/channels/{cid}").status_code == 403
    for path, data in ((f"/notify/channels/{cid}/enabled", {"enabled": "off"}),
                       (f"/notify/channels/{cid}/test", {}),
                       ("/notify/routes", {"channel_id": str(cid), "min_severity": "1",
                                           "level": "0"})):  # fmt: skip
        assert post(client, path, **data).status_code == 403  # type: ignore[attr-defined]
    assert channels(sessions)[0].enabled and audits(sessions) == []
    assert 'href="/notify/"' in client.get("/").get_data(as_text=True)


def test_routes_with_hours(client: FlaskClient, admin: str, sessions: Factory) -> None:
    create(client, "webhook", "ops")
    [ch] = channels(sessions)
    r = post(client, "/notify/routes", channel_id=str(ch.id), min_severity="2",
             rooms="A101", hours="8pm-8am", level="0")  # fmt: skip
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert 'id="error-hours"' in r.get_data(as_text=True)  # type: ignore[attr-defined]
    r = post(client, "/notify/routes", channel_id=str(ch.id), min_severity="2",
             rooms="A101", hours="20-8", level="1")  # fmt: skip
    assert r.status_code == 302  # type: ignore[attr-defined]
    with sessions() as s:
        [route] = s.scalars(select(NotifyRoute))
        got = (route.min_severity, route.rooms, route.hours, route.level)
    assert got == (2, ["A101"], "20:00-08:00", 1)
    assert "20:00-08:00" in client.get("/notify/").get_data(as_text=True)
    assert post(client, f"/notify/routes/{route.id}/delete").status_code == 302  # type: ignore[attr-defined]
    with sessions() as s:
        assert list(s.scalars(select(NotifyRoute))) == []
    actions = [a.action for a in audits(sessions)]
    assert actions == ["notify.channel_created", "notify.route_added", "notify.route_removed"]


def _log(sessions: Factory) -> dict[str, int]:
    """Channels a and b; 60 deliveries to a (every 3rd failed), 2 sent to b."""
    with sessions() as s, s.begin():
        ids = {}
        for name in ("a", "b"):
            ch = NotifyChannel(name=name, kind="webhook", target=TYPES["webhook"], created_at=NOW)
            s.add(ch)
            s.flush()
            ids[name] = ch.id
        for i in range(62):
            at = NOW - timedelta(minutes=62 - i)
            n = Notification(dedupe_key=f"k{i}", kind="fire", severity=2, subject_zh=f"消息{i}",
                             created_at=at)  # fmt: skip
            s.add(n)
            s.flush()
            failed = i % 3 == 0
            s.add(Delivery(
                notification_id=n.id, channel_id=ids["a" if i < 60 else "b"],
                status="failed" if failed and i < 60 else "sent", attempts=5 if failed else 1,
                last_error="HTTP 500 from endpoint" if failed else "", next_attempt_at=at,
                created_at=at,
            ))  # fmt: skip
    return ids


def test_delivery_log_filters_and_pages(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    ids = _log(sessions)
    logged_in(Role.SUPERVISOR)
    page = client.get("/notify/deliveries").get_data(as_text=True)
    assert page.index("消息61") < page.index("消息59")  # newest first
    assert "消息11" not in page and 'rel="next"' in page  # 50 a page
    older = client.get("/notify/deliveries?page=2").get_data(as_text=True)
    assert "消息11" in older and "消息0<" in older.replace("</td>", "<") and "消息61" not in older
    failed = client.get(f"/notify/deliveries?channel={ids['a']}&status=failed")
    text = failed.get_data(as_text=True)
    assert text.count('class="delivery-failed"') == 20 and "delivery-sent" not in text
    assert "HTTP 500 from endpoint" in text
    b = client.get(f"/notify/deliveries?channel={ids['b']}").get_data(as_text=True)
    assert b.count('<tr id="delivery-') == 2 and "消息60" in b
    bad = client.get("/notify/deliveries?channel=x&status=nonsense&page=-3")
    assert bad.status_code == 200 and bad.get_data(as_text=True).count('<tr id="delivery-') == 50


def test_test_message_is_queued_for_the_worker(
    client: FlaskClient, admin: str, sessions: Factory
) -> None:
    create(client, "dingtalk", "ding", secret=SECRET)
    [ch] = channels(sessions)
    r = post(client, f"/notify/channels/{ch.id}/test")
    assert r.status_code == 302  # type: ignore[attr-defined]
    assert r.headers["Location"].endswith(f"/notify/deliveries?channel={ch.id}")  # type: ignore[attr-defined]
    page = client.get(f"/notify/deliveries?channel={ch.id}").get_data(as_text=True)
    assert "roomwatch" in page and "delivery-pending" in page
    with sessions() as s, s.begin():
        [(_delivery, info, message)] = claim_due(s, NOW + timedelta(seconds=1))
    assert (info.id, info.kind, info.secret) == (ch.id, "dingtalk", SECRET)
    assert message.kind == "test" and "ding" in message.subject and admin in message.body
    assert audits(sessions)[-1].action == "notify.test_queued"
    assert post(client, "/notify/channels/999/test").status_code == 404  # type: ignore[attr-defined]


def test_unknown_channel_is_404(client: FlaskClient, admin: str) -> None:
    assert client.get("/notify/channels/999").status_code == 404
    r = post(client, "/notify/channels/999", name="x", kind="webhook", target=TYPES["webhook"])
    assert r.status_code == 404  # type: ignore[attr-defined]
