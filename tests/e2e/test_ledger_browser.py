"""The ledger in a real (headless) Chromium: the person on duty lends the room's key (钥匙借用),
the loan is handed over while it is out, and the key comes back damaged, which needs a
note (the message shows at the field) and puts the key under repair."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.types import Role
from inventory.loans_carryover import carry_over
from store.accounts import create_user
from store.db import session_factory
from store.models import AuditEntry, Device, Room
from store.models_ledger import Loan, StockTakeItem
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
        room = Room(name="A101", title_zh="一号机房", title_en="Machine room A101")
        s.add(room)
        s.flush()
        s.add(Device(name="key-a101", kind="asset", enabled=False, room_id=room.id,
                     device_type="key", asset_tag="KEY-001", title_zh="机房门钥匙",
                     community=""))  # fmt: skip
        s.add(Device(name="meter-1", kind="asset", enabled=False, room_id=room.id,
                     device_type="tool", asset_tag="TOOL-001", title_zh="万用表",
                     community=""))  # fmt: skip
        create_user(s, "zhangsan", PASSWORD, Role.DUTY, "张三")
        create_user(s, "wangdz", PASSWORD, Role.SUPERVISOR, "王大壮")
    with served(sqlite_engine) as url:
        yield Site(url, sqlite_engine)


def test_lend_the_key_and_take_it_back_damaged(site: Site, tmp_path: Path) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    with chromium_page() as page:
        login(page, site.url, "zhangsan", "/ledger/loans")
        form = page.locator("form.ledger-form")
        form.locator("select[name=device_id]").select_option(label="key-a101 [KEY-001]")
        form.locator("input[name=borrower]").fill("王强（华信机电）")
        form.locator("input[name=purpose]").fill("空调冷凝水管更换施工")
        form.locator("button[type=submit]").click()  # no due date yet: refused at the field
        page.wait_for_load_state()
        assert page.locator("form.ledger-form .field-error").count() == 1
        page.locator("form.ledger-form input[name=due_at]").fill(tomorrow)
        # a key: the supervisor approves by picking their name and typing their password
        page.locator("form.ledger-form select[name=approver]").select_option(value="wangdz")
        page.locator("form.ledger-form input[name=approver_password]").fill(PASSWORD)
        page.locator("form.ledger-form button[type=submit]").click()
        page.wait_for_url(f"{site.url}/ledger/loans")
        row = page.locator("table.ledger-out tr", has_text="王强")
        assert row.count() == 1 and "KEY-001" in row.inner_text()

        # while it is out, the next shift is told (handover carry-over "loan")
        with session_factory(site.engine)() as s:
            items = carry_over(s, datetime.now(UTC))
        assert len(items) == 1 and "王强" in items[0].summary

        # back damaged without a note: refused, the message at the note
        row.locator("select[name=return_state]").select_option(value="damaged")
        row.locator("button[type=submit]").click()
        page.wait_for_load_state()
        row = page.locator("table.ledger-out tr", has_text="王强")
        assert "请填写说明" in row.inner_text()
        row.locator("select[name=return_state]").select_option(value="damaged")
        row.locator("input[name=return_note]").fill("钥匙齿断了一个")
        row.locator("button[type=submit]").click()
        page.wait_for_url(f"{site.url}/ledger/loans")
        assert page.locator("table.ledger-out").count() == 0  # nothing out any more
        assert "钥匙齿断了一个" in page.content() and "损坏" in page.content()
        page.screenshot(path=str(tmp_path / "ledger-loans.png"))

        page.goto(f"{site.url}/ledger/?status=under_repair")  # the key is now under repair
        assert "key-a101" in page.content()
    with session_factory(site.engine)() as s:
        loan = s.scalar(select(Loan))
        assert loan is not None and loan.return_state == "damaged"
        assert loan.lent_by == "zhangsan" and loan.returned_to == "zhangsan"
        assert loan.approved_by == "wangdz"
        key = s.scalar(select(Device).where(Device.name == "key-a101"))
        assert key is not None and key.status == "under_repair"
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert "ledger.lend" in actions and "ledger.report_damaged" in actions
        assert carry_over(s, datetime.now(UTC)) == []


def test_stocktake_by_typing_tags(site: Site) -> None:
    """盘存: tags typed as found; what was not found is missing at close, a stray tag is
    recorded; both discrepancies are resolved with a note."""
    with chromium_page() as page:
        login(page, site.url, "zhangsan", "/ledger/stocktake")
        page.locator("form.ledger-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/ledger/stocktake/\d+$"))
        for tag in ("KEY-001", "STRAY-9"):
            page.fill("input[name=tag]", tag)
            page.press("input[name=tag]", "Enter")
            page.wait_for_load_state()
        page.fill("input[name=tag]", "")
        page.press("input[name=tag]", "Enter")  # nothing typed: refused, said on the page
        page.wait_for_load_state()
        assert page.locator("#stocktake-error").count() == 1
        page.get_by_role("button", name=re.compile("结束盘存")).click()
        page.wait_for_load_state()
        for tag in ("TOOL-001", "STRAY-9"):
            row = page.locator("table.ledger-stocktake tr", has_text=tag)
            row.locator("input[name=note]").fill(f"{tag} 已核实")
            row.locator("button[type=submit]").click()
            page.wait_for_load_state()
        assert page.locator("table.ledger-stocktake input[name=note]").count() == 0
    with session_factory(site.engine)() as s:
        items = {i.asset_tag: i for i in s.scalars(select(StockTakeItem))}
    assert items["KEY-001"].state == "confirmed" and items["KEY-001"].checked_by == "zhangsan"
    assert items["TOOL-001"].state == "missing" and items["TOOL-001"].resolved_by == "zhangsan"
    assert items["STRAY-9"].state == "unknown_tag" and items["STRAY-9"].note == "STRAY-9 已核实"
