"""The handover screen in a real (headless) Chromium: the gate's reasons show in red, the
incoming person ticks each item, both sign side by side with their own passwords."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.duty import ShiftSlot
from core.types import Role
from records import journal
from records.handover import service
from store.accounts import create_user
from store.db import session_factory
from store.models import Alarm
from store.models_handover import Handover
from tests.e2e.browser import PASSWORD, chromium_page, chromium_path, login, served

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed: make system-deps"),
]


@dataclass
class Site:
    url: str
    engine: Engine
    handover_id: int


@pytest.fixture
def site(sqlite_engine: Engine) -> Iterator[Site]:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now + timedelta(minutes=20)
    with session_factory(sqlite_engine)() as s, s.begin():
        create_user(s, "zhang", PASSWORD, Role.DUTY, "张三")
        create_user(s, "wang", PASSWORD, Role.DUTY, "王五")
        s.add(Alarm(rule="ups_on_battery", device="ups-1", severity=2, peak_severity=2,
                    status="firing", summary_zh="UPS 电池供电", first_seen=now,
                    last_seen=now))  # fmt: skip
        s.flush()
        hid = service.open_handover(
            s, ShiftSlot("night", start - timedelta(hours=12), start, ("zhang",)),
            ShiftSlot("day", start, start + timedelta(hours=12), ("wang",)), now).id  # fmt: skip
        service.record_arrival(s, hid, "wang", now)  # face to face, 20 minutes early
    with served(sqlite_engine) as url:
        yield Site(url, sqlite_engine, hid)


def test_both_sign_face_to_face(site: Site, tmp_path: Path) -> None:
    target = f"/handover/{site.handover_id}"
    with chromium_page() as page:
        login(page, site.url, "zhang", target)
        gate = page.locator(".handover-gate")
        assert "值班情况未填写" in gate.inner_text()
        assert gate.evaluate("e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
        # both sign without ticking the item: refused, the reason named, nothing signed
        page.fill("input[name=outgoing_password]", PASSWORD)
        page.fill("input[name=incoming_password]", PASSWORD)
        page.fill("textarea[name=notes]", "UPS 电池供电中，已通知厂家")
        page.click(".handover-buttons button.primary")
        page.wait_for_load_state()
        assert "未经接班人确认" in page.locator(".handover-refused").inner_text()
        assert page.input_value("textarea[name=notes]") == "UPS 电池供电中，已通知厂家"
        page.check("input[name=confirm][value^='alarm:']")
        page.fill("input[name=outgoing_password]", PASSWORD)
        page.fill("input[name=incoming_password]", PASSWORD)
        page.screenshot(path=str(tmp_path / "handover.png"), full_page=True)
        page.click(".handover-buttons button.primary")
        page.wait_for_url(f"{site.url}{target}")
        assert "已交接" in page.locator(".banner-ok").inner_text()
    with session_factory(site.engine)() as s:
        row = s.get(Handover, site.handover_id)
        assert row is not None and row.signed_by == "zhang/wang"
        assert len(journal.entries_for(s, "handover", site.handover_id)) == 1
