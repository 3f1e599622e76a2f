"""The inspection sheet on a tablet, in a real (headless) Chromium: big touch targets, an
abnormal item needs a note and "reported to the supervisor", signing asks the password
again, and the signed sheet is frozen (no more inputs, the signature line shown)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from core.types import Role
from records import journal
from records.inspection import sheets, templates
from store.accounts import create_user
from store.db import session_factory
from store.models import Room
from store.models_inspection import InspectionSheet
from tests.e2e.browser import PASSWORD, chromium_page, chromium_path, login, served

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed: make system-deps"),
]
TOUCH = 44  # px: the smallest comfortable finger target


@dataclass
class Site:
    url: str
    engine: Engine
    sheet_id: int


@pytest.fixture
def site(sqlite_engine: Engine) -> Iterator[Site]:
    """Room A101 with the shipped template (no devices: only the manual items), one sheet."""
    now = datetime.now(UTC).replace(microsecond=0)
    with session_factory(sqlite_engine)() as s, s.begin():
        create_user(s, "zhang", PASSWORD, Role.DUTY, "张三")
        room = Room(name="A101", title_zh="一号机房", title_en="Room One")
        s.add(room)
        s.flush()
        templates.install_default(s, room.id, now)
        s.flush()
        sheet_id = sheets.open_sheet(s, room, now, kind="scheduled", slot="A101@09:00").id
    with served(sqlite_engine) as url:
        yield Site(url, sqlite_engine, sheet_id)


def _big(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= TOUCH and box["width"] >= TOUCH, box


def test_fill_abnormal_item_sign_and_frozen_on_a_tablet(site: Site, tmp_path: Path) -> None:
    target = f"/inspection/{site.sheet_id}"
    with chromium_page(width=1024, height=768) as page:  # a tablet in landscape
        login(page, site.url, "zhang", target)
        items = page.locator("li.insp-item")
        assert items.count() == 6
        first = items.nth(0)
        # the abnormal fields show only once "abnormal" is ticked
        assert not first.locator("textarea").is_visible()
        for i in range(items.count()):
            item = items.nth(i)
            ok, bad = item.locator("label.insp-ok"), item.locator("label.insp-bad")
            _big(ok)
            _big(bad)
            (bad if i == 0 else ok).click()
        assert first.locator("textarea").is_visible()
        first.locator("textarea").fill("灭火器压力不足，已联系消防维保")
        reported = first.locator("input[name^=reported-][value=yes]").locator("xpath=..")
        _big(reported)
        reported.click()
        # signing without the password is refused; what was ticked is kept
        sign = page.locator(".insp-sign button")
        _big(sign)
        sign.click()
        page.wait_for_load_state()
        assert "密码" in page.locator("#sheet-error").inner_text()
        assert page.locator("li.insp-item").nth(0).locator("input[value=fail]").is_checked()
        page.fill(".insp-sign input[name=password]", PASSWORD)
        page.screenshot(path=str(tmp_path / "inspection-tablet.png"), full_page=True)
        page.locator(".insp-sign button").click()
        page.wait_for_url(f"{site.url}{target}")
        signed = page.locator(".insp-signed").inner_text()
        assert "已由 张三" in signed and "冻结" in signed
        assert page.locator("input[type=radio]").count() == 0  # frozen: nothing to tick
        assert page.locator("input[name=password]").count() == 0
        assert "灭火器压力不足" in page.locator("li.insp-item").nth(0).inner_text()
    with session_factory(site.engine)() as s:
        sheet = s.scalars(select(InspectionSheet)).one()
        assert sheet.signed_by == "zhang" and sheet.result == "abnormal"
        entry = journal.signed_entry(s, "inspection", sheet.id)
        assert entry is not None and entry.address
        body = journal.content_of(entry)
        bad_item = body["items"][0]
        assert bad_item["result"] == "fail" and bad_item["reported"] == "yes"
        assert bad_item["note"] == "灭火器压力不足，已联系消防维保"
        assert all(i["result"] == "pass" for i in body["items"][1:])
