"""The alarm console is live: with the page open, a new alarm appears and, once resolved,
leaves the open list, without a reload (headless Chromium against the real server)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from core.config import Settings
from core.types import Role, Sample
from dashboard.alarms import views as alarm_views
from dashboard.app import create_app
from dashboard.serve import WebServer
from inventory.ledger import seed_room
from rules.service import RuleRunner
from store import timeseries
from store.accounts import create_user
from store.db import session_factory
from store.models import Alarm
from tests.e2e.browser import chromium_page, chromium_path
from tests.e2e.test_dashboard_browser import PASSWORD, ROOM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed: make system-deps"),
]
DEADLINE_MS = 15_000  # the page refreshes every second here; generous for a loaded machine


@dataclass
class Live:
    url: str
    engine: Engine
    runner: RuleRunner
    now: datetime

    def power(self, source: str) -> None:
        """The UPS reports its output source, then the rules tick (as `roomwatch serve` does)."""
        self.now += timedelta(seconds=10)
        code = {"normal": 3.0, "battery": 5.0}[source]
        factory = session_factory(self.engine)
        with factory() as s, s.begin():
            timeseries.write_samples(s, [
                Sample("ups-1", "device_up", "", 1.0, self.now),
                Sample("ups-1", "ups_output_source", "", code, self.now, text=source),
            ])  # fmt: skip
        with factory() as s, s.begin():
            self.runner.tick(s, self.now)

    def alarm(self) -> Alarm | None:
        with session_factory(self.engine)() as s:
            return s.scalar(select(Alarm).where(Alarm.rule == "ups_on_battery"))


@pytest.fixture
def live(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    monkeypatch.setattr(alarm_views, "REFRESH_SECONDS", 1)
    with session_factory(sqlite_engine)() as s, s.begin():
        seed_room(s, ROOM, snmp_port=161)
        create_user(s, "zhangsan", PASSWORD, Role.DUTY, "张三")
    site = Live("", sqlite_engine, RuleRunner.from_paths(), datetime.now(UTC))
    site.power("normal")
    app = create_app(Settings(secret_key="e2e-secret"), engine=sqlite_engine)
    web = WebServer(app, "127.0.0.1", 0)
    web.start()
    site.url = web.url
    try:
        yield site
    finally:
        web.stop()


def test_new_alarm_appears_and_resolved_one_leaves_without_reload(live: Live) -> None:
    from playwright.sync_api import expect

    with chromium_page() as page:
        page.goto(f"{live.url}/login?next=/alarms/")
        page.fill("input[name=username]", "zhangsan")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/alarms/")
        rows = page.locator("#alarm-live tr[data-alarm-id]")
        expect(rows).to_have_count(0)
        page.evaluate("window.__sameDocument = true")  # a reload would drop this

        live.power("battery")
        alarm = live.alarm()
        assert alarm is not None and alarm.status == "firing"
        row = page.locator(f"#alarm-live tr[data-alarm-id='{alarm.id}']")
        expect(row).to_be_visible(timeout=DEADLINE_MS)
        expect(row).to_contain_text("ups-1")
        expect(row).to_contain_text("严重")
        assert page.evaluate("window.__sameDocument") is True

        live.power("normal")
        resolved = live.alarm()
        assert resolved is not None and resolved.status == "resolved"
        expect(row).to_have_count(0, timeout=DEADLINE_MS)
        expect(page.locator("#alarm-live .empty")).to_be_visible()
        assert page.evaluate("window.__sameDocument") is True
        assert page.url == f"{live.url}/alarms/"
