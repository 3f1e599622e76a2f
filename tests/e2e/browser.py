"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright: e2e tests, screenshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium_page(width: int = 1400, height: int = 900, locale: str = "zh-CN") -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed: run `make system-deps`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            viewport = {"width": width, "height": height}
            context = browser.new_context(viewport=viewport, locale=locale)
            yield context.new_page()
        finally:
            browser.close()


PASSWORD = "correct horse battery"  # every e2e user's


@contextmanager
def served(engine: Any) -> Iterator[str]:
    """The dashboard over ``engine``'s database on 127.0.0.1 (a free port): its base URL."""
    from core.config import Settings
    from dashboard.app import create_app
    from dashboard.serve import WebServer

    web = WebServer(create_app(Settings(secret_key="e2e-secret"), engine=engine), "127.0.0.1", 0)
    web.start()
    try:
        yield web.url
    finally:
        web.stop()


def login(page: Any, url: str, user: str, target: str = "/") -> None:
    """Sign in as ``user`` from ``target`` (which, like every page, sends a stranger to the
    login form) and land back on it."""
    page.context.clear_cookies()
    page.goto(f"{url}{target}")
    assert "/login" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}{target}")
