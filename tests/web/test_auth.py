"""Login, logout, the login guard and CSRF."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from store.models import Alarm, AuditEntry
from tests.web.conftest import form_token, login


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_pages_require_login(client: FlaskClient) -> None:
    for path in ("/", "/alarms/", "/devices/ups-1", "/overview/board"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/login?next=")


def test_login_ok_goes_to_next_and_is_audited(
    client: FlaskClient, make_user: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    make_user(Role.DUTY)
    token = form_token(client, "/login?next=/alarms/")
    resp = client.post(
        "/login",
        data={
            "username": "duty",
            "password": "correct horse battery",
            "csrf_token": token,
            "next": "/alarms/",
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/alarms/"
    assert client.get("/alarms/").status_code == 200
    [entry] = _audit(sessions, "login")
    assert entry.actor == "duty"
    assert entry.address == "127.0.0.1"
    assert entry.request_id


def test_login_never_redirects_off_site(
    client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    token = form_token(client)
    resp = client.post(
        "/login",
        data={
            "username": "duty",
            "password": "correct horse battery",
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert resp.headers["Location"] == "/"


def test_login_failed_is_generic_and_audited(
    client: FlaskClient, make_user: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    make_user(Role.DUTY)
    wrong_password = login(client, "duty", "wrong password")
    unknown_user = login(client, "nobody", "wrong password")
    for resp in (wrong_password, unknown_user):
        assert resp.status_code == 401
        assert "用户名或密码错误" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert sorted(e.actor for e in _audit(sessions, "login.failed")) == ["duty", "nobody"]


def test_logout_is_a_post(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    logged_in(Role.READONLY)
    assert client.get("/logout").status_code == 405
    resp = client.post("/logout", data={"csrf_token": form_token(client, "/")})
    assert resp.status_code == 302
    assert client.get("/").status_code == 302
    assert len(_audit(sessions, "logout")) == 1


def test_forged_posts_without_csrf_token_are_rejected(
    client: FlaskClient,
    logged_in: Callable[[Role], str],
    alarm_id: int,
    sessions: sessionmaker[Session],
) -> None:
    forged_login = client.post("/login", data={"username": "x", "password": "y"})
    assert forged_login.status_code == 400
    logged_in(Role.DUTY)
    forged_ack = client.post(f"/alarms/{alarm_id}/ack", data={"comment": "on it"})
    assert forged_ack.status_code == 400
    wrong_token = client.post(
        f"/alarms/{alarm_id}/ack", data={"comment": "on it", "csrf_token": "forged"}
    )
    assert wrong_token.status_code == 400
    with sessions() as s:
        assert s.get(Alarm, alarm_id).status == "firing"  # type: ignore[union-attr]


def test_session_cookie_is_httponly_and_samesite(
    client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    resp = login(client, "duty")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
