"""Served over TLS (public_url https://, or server.tls): Secure session cookie and HSTS.

The session cookie is HttpOnly and SameSite=Lax in every case.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import ServerSettings, Settings
from core.types import Role
from dashboard.app import create_app
from store.accounts import create_user
from store.db import session_factory
from tests.web.conftest import PASSWORD

YEAR = 365 * 24 * 3600


@pytest.fixture
def app_with(sqlite_engine: Engine) -> Callable[..., Flask]:
    def make(**server: object) -> Flask:
        settings = Settings(secret_key="test", server=ServerSettings.model_validate(server))
        return create_app(settings, engine=sqlite_engine, test_config={"TESTING": True})

    return make


@pytest.fixture
def sqlite_sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return session_factory(sqlite_engine)


@pytest.mark.parametrize(
    ("server", "secure", "hsts"),
    [
        ({}, False, None),
        ({"public_url": "http://roomwatch.example"}, False, None),
        ({"public_url": "https://roomwatch.example"}, True, f"max-age={YEAR}"),
        ({"public_url": "HTTPS://roomwatch.example/"}, True, f"max-age={YEAR}"),
        ({"public_url": "https://roomwatch.example", "tls": False}, False, None),
        ({"public_url": "http://roomwatch.example", "tls": True}, True, f"max-age={YEAR}"),
        ({"tls": True, "hsts_seconds": 600}, True, "max-age=600"),
        ({"public_url": "https://roomwatch.example", "hsts_seconds": 0}, True, None),
    ],
    ids=["default", "http", "https", "https-upper", "tls-off", "tls-on", "short-hsts", "no-hsts"],
)
def test_secure_cookie_and_hsts(
    app_with: Callable[..., Flask], server: dict[str, object], secure: bool, hsts: str | None
) -> None:
    resp = app_with(**server).test_client().get("/login", base_url="https://localhost")
    [cookie] = resp.headers.getlist("Set-Cookie")  # the session, holding the CSRF token
    attributes = [part.strip() for part in cookie.split(";")]
    assert attributes[0].startswith("roomwatch_session=")
    assert ("Secure" in attributes) is secure
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes
    assert resp.headers.get("Strict-Transport-Security") == hsts


def test_login_over_https_keeps_its_secure_session(
    app_with: Callable[..., Flask], sqlite_sessions: sessionmaker[Session]
) -> None:
    with sqlite_sessions() as s, s.begin():
        create_user(s, "duty", PASSWORD, Role.DUTY)
    client = app_with(public_url="https://roomwatch.example").test_client()
    https = "https://roomwatch.example"
    page = client.get("/login", base_url=https).get_data(as_text=True)  # read over TLS
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login",
        base_url=https,
        data={"username": "duty", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": f"{https}/login"},  # Flask-WTF checks it on HTTPS
    )
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"]
    assert resp.headers["Strict-Transport-Security"] == f"max-age={YEAR}"
    assert client.get("/", base_url=https).status_code == 200
