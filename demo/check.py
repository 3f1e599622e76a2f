"""``roomwatch demo --check``: one poll lands, one page renders, over real HTTP."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

from core.errors import RoomwatchError

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class DemoCheckError(RoomwatchError):
    """The demo did not come up as it should; the message says which stage failed."""


def wait_for(what: str, probe: Callable[[], bool], timeout: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(every)  # polling an external process's progress, not a sync stand-in
    raise DemoCheckError(f"{what} did not happen within {timeout:.0f} s")


def login_and_fetch(base_url: str, username: str, password: str, path: str = "/") -> str:
    """Log in through the real login form (CSRF token included) and return a page's HTML."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base_url}/login", timeout=10).read().decode()
    match = CSRF.search(form)
    if not match:
        raise DemoCheckError("the login page has no CSRF token")
    data = urllib.parse.urlencode(
        {"csrf_token": match.group(1), "username": username, "password": password}
    ).encode()
    opener.open(f"{base_url}/login", data=data, timeout=10).read()
    with opener.open(f"{base_url}{path}", timeout=10) as resp:
        final = resp.geturl()
        html = resp.read().decode()
    if "/login" in final:
        raise DemoCheckError(f"could not log in as {username} (still on the login page)")
    return str(html)
