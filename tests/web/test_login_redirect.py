"""After login only same-site paths are followed: a table of known open-redirect bypasses.

Each case goes through the real login flow (the test client, CSRF on): the target in the
form, in the query string, and on a GET of the login page while logged in. Every bypass
ends on the overview ("/"), never on another host, never a 500.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import Settings
from core.types import Role
from dashboard.app import create_app
from store.accounts import create_user
from store.db import make_engine, session_factory, upgrade
from tests.web.conftest import PASSWORD, form_token

EVIL = "evil.example"

BYPASSES = [
    pytest.param(f"//{EVIL}/", id="scheme-relative"),
    pytest.param(f"///{EVIL}/", id="three-slashes"),
    pytest.param(f"////{EVIL}/", id="four-slashes"),
    pytest.param(f"/\\{EVIL}/", id="slash-backslash"),
    pytest.param(f"\\/{EVIL}/", id="backslash-slash"),
    pytest.param(f"\\\\{EVIL}/", id="two-backslashes"),
    pytest.param(f"/\t/{EVIL}/", id="tab"),
    pytest.param(f"/%09/{EVIL}/", id="encoded-tab"),
    pytest.param(f"/\n/{EVIL}/", id="newline"),
    pytest.param(f"/\r\n/{EVIL}/", id="crlf"),
    pytest.param(f"/%0d%0a/{EVIL}/", id="encoded-crlf"),
    pytest.param("/x\r\nSet-Cookie: owned=1", id="header-injection"),
    pytest.param("/x%0d%0aSet-Cookie:%20owned=1", id="encoded-header-injection"),
    pytest.param(f" //{EVIL}/", id="leading-space"),
    pytest.param(f"/\x00/{EVIL}/", id="nul"),
    pytest.param(f"https:{EVIL}", id="scheme-no-slashes"),
    pytest.param(f"http:/{EVIL}", id="scheme-one-slash"),
    pytest.param(f"https://{EVIL}/", id="absolute"),
    pytest.param(f"HTTPS://{EVIL}/", id="absolute-upper"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("JaVaScRiPt:alert(1)", id="javascript-mixed-case"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data"),
    pytest.param(f"%2F%2F{EVIL}", id="encoded-slashes"),
    pytest.param(f"/%2F/{EVIL}/", id="slash-encoded-slash"),
    pytest.param(f"/%2f%2f{EVIL}", id="slash-encoded-slashes-lower"),
    pytest.param(f"/%5C/{EVIL}/", id="encoded-backslash"),
    pytest.param(f"/%252F%252F{EVIL}", id="double-encoded-slashes"),
    pytest.param(f"/\uff0f/{EVIL}/", id="fullwidth-solidus"),
    pytest.param(f"\uff0f\uff0f{EVIL}/", id="fullwidth-solidus-only"),
    pytest.param(f"/%EF%BC%8F/{EVIL}/", id="encoded-fullwidth-solidus"),
    pytest.param(f"/\u3000/{EVIL}/", id="ideographic-space"),
    pytest.param(f"/\u200b/{EVIL}/", id="zero-width-space"),
    pytest.param(f"/%E2%80%8B/{EVIL}/", id="encoded-zero-width-space"),
    pytest.param(f"/..//{EVIL}/", id="dot-dot-slash"),
    pytest.param(f"/.//{EVIL}/", id="dot-slash"),
    pytest.param(f"/%2e%2e//{EVIL}/", id="encoded-dot-dot"),
    pytest.param(f"@{EVIL}", id="at-host"),
    pytest.param(EVIL, id="bare-host"),
    pytest.param("/" + "a" * 5000, id="over-long"),
]
KEPT = [
    pytest.param("/alarms/", id="page"),
    pytest.param("/alarms/?status=firing&q=UPS%20A", id="page-with-query"),
    pytest.param("/devices/ups-1", id="device"),
]


@pytest.fixture(scope="module")
def redirect_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app on SQLite for the whole table (the redirect does not depend on the database)."""
    folder: Path = tmp_path_factory.mktemp("redirect")
    engine = make_engine(f"sqlite:///{folder / 'rw.db'}")
    upgrade(engine)
    with session_factory(engine)() as s, s.begin():
        create_user(s, "duty", PASSWORD, Role.DUTY)
    yield create_app(Settings(secret_key="test"), engine=engine, test_config={"TESTING": True})
    engine.dispose()


def browser_view(location: str) -> str:
    """What a forgiving browser makes of a Location: tabs/newlines dropped, \\ as /, folded."""
    for ch in "\t\r\n":
        location = location.replace(ch, "")
    return unicodedata.normalize("NFKC", unquote(location.replace("\\", "/")))


def assert_same_site(location: str) -> None:
    seen = browser_view(location)
    parts = urlsplit(seen)
    assert not parts.scheme and not parts.netloc, location
    assert seen.startswith("/") and not seen.startswith("//"), location
    assert EVIL not in seen.split("?")[0].split("/")[1:2], location


def _post_login(client: FlaskClient, next_in_form: str | None, query: str = "") -> str:
    data = {"username": "duty", "password": PASSWORD, "csrf_token": form_token(client)}
    if next_in_form is not None:
        data["next"] = next_in_form
    resp = client.post("/login" + query, data=data)
    assert resp.status_code == 302, resp.status_code
    return resp.headers["Location"]


@pytest.mark.parametrize("target", BYPASSES)
def test_bypass_ends_on_the_overview(redirect_app: Flask, target: str) -> None:
    in_form = _post_login(redirect_app.test_client(), target)
    in_query = _post_login(redirect_app.test_client(), None, "?next=" + quote(target, safe=""))
    client = redirect_app.test_client()
    _post_login(client, None)
    logged_in_get = client.get("/login?next=" + quote(target, safe=""))
    assert logged_in_get.status_code == 302
    for location in (in_form, in_query, logged_in_get.headers["Location"]):
        assert location == "/"
        assert_same_site(location)


def test_the_reported_url(redirect_app: Flask) -> None:
    """The issue's own reproduction: /login?next=/%09/evil.example/ sent to //evil.example/."""
    client = redirect_app.test_client()
    page = client.get("/login?next=/%09/evil.example/")
    assert 'name="next" value=""' in page.get_data(as_text=True)  # not carried into the form
    assert _post_login(client, None, "?next=/%09/evil.example/") == "/"
    crlf = client.get("/login?next=/%0d%0aSet-Cookie:%20owned=1")  # logged in now: a redirect
    assert crlf.status_code == 302 and crlf.headers["Location"] == "/"


@pytest.mark.parametrize("target", KEPT)
def test_same_site_paths_are_followed(redirect_app: Flask, target: str) -> None:
    assert _post_login(redirect_app.test_client(), target) == target
    assert _post_login(redirect_app.test_client(), None, "?next=" + quote(target, safe="")) == (
        target
    )


def test_language_switch_follows_only_same_site_paths(redirect_app: Flask) -> None:
    client = redirect_app.test_client()
    token = form_token(client)
    for target, expected in ((f"/\t/{EVIL}/", "/login"), ("/login?x=1", "/login?x=1")):
        resp = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
        assert resp.status_code == 302 and resp.headers["Location"] == expected
