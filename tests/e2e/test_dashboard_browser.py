"""What a person clicks, in a real (headless) Chromium against the real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.types import Role, Sample
from inventory.ledger import seed_room
from rules.service import RuleRunner
from store import timeseries
from store.accounts import create_user
from store.db import session_factory
from store.models import Alarm, AuditEntry
from tests.e2e.browser import PASSWORD, chromium_page, chromium_path, login, served

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed: make system-deps"),
]
ROOM = {
    "room": {"name": "A101", "title_zh": "一号机房", "title_en": "Machine room A101"},
    "racks": [{"name": "A01"}],
    "devices": [{"name": "ups-1", "kind": "snmp", "device_type": "ups", "rack": "A01",
                 "title_zh": "一号 UPS", "title_en": "UPS 1", "position_u": 1}],
}  # fmt: skip


@dataclass
class Site:
    url: str
    engine: Engine


@pytest.fixture
def site(sqlite_engine: Engine) -> Iterator[Site]:
    factory = session_factory(sqlite_engine)
    now = datetime.now(UTC)
    with factory() as s, s.begin():
        seed_room(s, ROOM, snmp_port=161)
        create_user(s, "zhangsan", PASSWORD, Role.DUTY, "张三")
        create_user(s, "guest", PASSWORD, Role.READONLY, "访客")
        timeseries.write_samples(s, [
            Sample("ups-1", "device_up", "", 1.0, now),
            Sample("ups-1", "ups_output_source", "", 5.0, now, text="battery"),
            Sample("ups-1", "ups_output_load_percent", "1", 38.0, now, unit="%"),
        ])  # fmt: skip
    with factory() as s, s.begin():
        RuleRunner.from_paths().tick(s, now)
    with served(sqlite_engine) as url:
        yield Site(url, sqlite_engine)


def test_duty_sees_the_alarm_and_acknowledges_it(site: Site, tmp_path: Path) -> None:
    with chromium_page() as page:
        login(page, site.url, "zhangsan")
        banner = page.locator(".banner").first.inner_text()
        assert "严重" in banner  # critical, in words as well as colour
        assert "一号 UPS" in page.content()
        page.click("a[href='/alarms/']")
        row = page.locator("tr", has_text="ups-1")
        row.locator("input[name=comment]").fill("已到现场，市电检修中")
        row.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "张三" in page.content() or "zhangsan" in page.content()
        page.screenshot(path=str(tmp_path / "acked.png"))
    with session_factory(site.engine)() as s:
        alarm = s.scalar(select(Alarm).where(Alarm.rule == "ups_on_battery"))
        assert alarm is not None and alarm.status == "acknowledged"
        assert alarm.acked_by == "zhangsan" and alarm.ack_comment == "已到现场，市电检修中"
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "alarm.acknowledge"))
        assert audit is not None and audit.address == "127.0.0.1"


def test_readonly_has_no_ack_button_and_language_switches(site: Site) -> None:
    with chromium_page() as page:
        login(page, site.url, "guest")
        page.goto(f"{site.url}/alarms/")
        assert page.locator("input[name=comment]").count() == 0
        page.click("button[name=lang][value=en]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Alarms" in page.content()
