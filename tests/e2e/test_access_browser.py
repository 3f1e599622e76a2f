"""The access log in a real (headless) Chromium: the person on duty registers a visitor, a
supervisor approves, the visitor is signed in and signed out with the duty's password."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.types import Role
from records import journal
from records.access.forms import local_input
from store.accounts import create_user
from store.db import session_factory
from store.models import Room
from store.models_access import AccessEntry
from tests.e2e.browser import PASSWORD, chromium_page, chromium_path, login, served

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed: make system-deps"),
]


@dataclass
class Site:
    url: str
    engine: Engine


@pytest.fixture
def site(sqlite_engine: Engine) -> Iterator[Site]:
    with session_factory(sqlite_engine)() as s, s.begin():
        s.add(Room(name="A101", title_zh="一号机房", title_en="Machine room A101"))
        create_user(s, "zhangsan", PASSWORD, Role.DUTY, "张三")
        create_user(s, "boss", PASSWORD, Role.SUPERVISOR, "王主管")
    with served(sqlite_engine) as url:
        yield Site(url, sqlite_engine)


def test_visitor_registered_approved_signed_in_and_out(site: Site, tmp_path: Path) -> None:
    with chromium_page() as page:
        login(page, site.url, "zhangsan", "/access/")
        page.click("a.acc-new")
        page.wait_for_url(f"{site.url}/access/new")
        page.select_option("select[name=room]", label="A101 一号机房")
        page.select_option("select[name=kind]", value="repair")
        page.fill("input[name=person]", "李明")
        page.fill("input[name=organisation]", "某网络设备厂商")
        page.fill("input[name=id_number]", "12")  # wrong first: the message shows at the field
        page.fill("textarea[name=purpose]", "核心交换机板卡更换")
        page.fill("input[name=escort]", "张三")
        page.click("form.acc-form button[type=submit]")
        page.wait_for_load_state()
        assert "证件号码应为" in page.locator("#error-id_number").inner_text()
        page.fill("input[name=id_number]", "110101199001011234")
        later = datetime.now(UTC) + timedelta(hours=2)
        page.fill("input[name=planned_out]", local_input(later))
        page.click("form.acc-form button[type=submit]")
        page.wait_for_url(re.compile(r"/access/\d+$"))
        assert "110***********1234" in page.content() and "待批准" in page.content()
        entry_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

        login(page, site.url, "boss", "/access/")
        row = page.locator("#requested tr", has_text="李明")
        row.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#requested tr", has_text="李明").count() == 0

        login(page, site.url, "zhangsan", "/access/")
        page.locator("#approved tr", has_text="李明").locator("button[type=submit]").click()
        page.wait_for_load_state()
        inside = page.locator("#inside tr", has_text="李明")
        assert inside.count() == 1
        inside.locator("a", has_text="离开登记").click()
        page.wait_for_url(re.compile(rf"/access/{entry_id}(#leave)?$"))
        page.fill("input[name=item]", "旧板卡")
        page.select_option("select[name=direction]", value="out")
        page.click("form.acc-item-form button[type=submit]")
        page.wait_for_load_state()
        page.fill("input[name=password]", PASSWORD)
        page.click(".acc-actions button[type=submit]")
        page.wait_for_load_state()
        assert "签字封存" in page.content()
        page.screenshot(path=str(tmp_path / "access-left.png"))
    with session_factory(site.engine)() as s:
        entry = s.scalar(select(AccessEntry).where(AccessEntry.id == entry_id))
        assert entry is not None and entry.state == "left"
        assert entry.decided_by == "boss" and entry.entered_by == "zhangsan"
        assert entry.signed_by == "zhangsan" and entry.signed_from == "127.0.0.1"
        signed = journal.signed_entry(s, "access", entry_id)
        assert signed is not None and journal.content_of(signed)["items"][0]["item"] == "旧板卡"
