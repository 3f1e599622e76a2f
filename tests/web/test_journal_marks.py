"""Record pages show a red banner when a signed record's rows no longer match its signature
(edited in the database behind the triggers' back), none while they match; the day review
writes a checkpoint to the file and the page and the prints show it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.duty import ShiftSlot
from core.types import Role
from records import checkpoints, journal
from records.handover import review
from records.handover import service as handover
from records.inspection import sheets
from store.accounts import create_user
from store.models_inspection import InspectionItem
from tests.integration.records.test_journal_integrity import tamper
from tests.web.conftest import NOW, PASSWORD, form_token
from tests.web.test_inspection_pages import sheet_id as sheet_id  # fixture

ZH = "内容与签名不符"
EN = "Content does not match its signature"


def _sign_sheet(sessions: sessionmaker[Session], sheet_id: int) -> None:
    with sessions() as s, s.begin():
        create_user(s, "li", PASSWORD, Role.DUTY)
        items = s.scalars(select(InspectionItem).where(InspectionItem.sheet_id == sheet_id))
        entries = [sheets.Entry(i.id, i.auto_result if i.auto_result in ("pass", "fail")
                                else "pass", "已处理", "yes") for i in items]  # fmt: skip
        sheets.fill(s, sheet_id, entries, "li", NOW)
        sheets.sign(s, sheet_id, username="li", password=PASSWORD, address="", now=NOW)


@pytest.mark.usefixtures("room")
def test_an_edited_inspection_sheet_shows_the_banner_an_untouched_one_does_not(
    client: FlaskClient, logged_in: Callable[[Role], str], sheet_id: int,
    sessions: sessionmaker[Session], engine: Engine,
) -> None:  # fmt: skip
    _sign_sheet(sessions, sheet_id)
    logged_in(Role.READONLY)
    page = client.get(f"/inspection/{sheet_id}").get_data(as_text=True)
    assert ZH not in page and "journal-mismatch" not in page
    printed = client.get(f"/inspection/{sheet_id}/print").get_data(as_text=True)
    with sessions() as s:
        entry = journal.signed_entry(s, "inspection", sheet_id)
    assert entry is not None and entry.hash in printed  # the record's anchor on paper
    assert "尚无检查点" in printed
    tamper(
        engine,
        "inspection_items",
        f"UPDATE inspection_items SET note = '一切正常' WHERE sheet_id = {sheet_id}",
    )
    page = client.get(f"/inspection/{sheet_id}").get_data(as_text=True)
    assert ZH in page and "banner-crit journal-mismatch" in page
    assert f"签名日志第 {entry.seq} 条" in page
    assert ZH in client.get(f"/inspection/{sheet_id}/print").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/",
                                   "csrf_token": form_token(client, "/")})  # fmt: skip
    assert EN in client.get(f"/inspection/{sheet_id}").get_data(as_text=True)


def test_an_edited_handover_shows_the_banner(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session],
    engine: Engine,
) -> None:  # fmt: skip
    start = NOW + timedelta(minutes=30)
    with sessions() as s, s.begin():
        create_user(s, "zhang", PASSWORD, Role.DUTY)
        create_user(s, "wang", PASSWORD, Role.DUTY)
        night = ShiftSlot("night", start - timedelta(hours=12), start, ("zhang",))
        day = ShiftSlot("day", start, start + timedelta(hours=12), ("wang",))
        hid = handover.open_handover(s, night, day, NOW).id
        handover.record_arrival(s, hid, "wang", NOW)
        handover.sign(s, hid, outgoing_user="zhang", outgoing_password=PASSWORD,
                      incoming_user="wang", incoming_password=PASSWORD, address="",
                      now=NOW, notes="UPS 正常")  # fmt: skip
    logged_in(Role.READONLY)
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert ZH not in page and "签名日志：本记录为第" in page
    tamper(engine, "handovers", f"UPDATE handovers SET notes = '无事' WHERE id = {hid}")
    page = client.get(f"/handover/{hid}").get_data(as_text=True)
    assert ZH in page and "banner-crit journal-mismatch" in page


def test_the_day_review_keeps_its_checkpoint_in_the_file_and_shows_it(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session],
    settings: Settings,
) -> None:  # fmt: skip
    with sessions() as s, s.begin():
        journal.freeze(s, kind="note", record_id=1, content={}, signer="x", address="",
                       now=NOW - timedelta(days=1))  # fmt: skip
    logged_in(Role.SUPERVISOR)
    day = (NOW.astimezone(review.local_tz()) - timedelta(days=1)).date().isoformat()
    token = form_token(client, f"/handover/day?day={day}")
    done = client.post("/handover/day/review",
                       data={"csrf_token": token, "day": day, "password": PASSWORD})  # fmt: skip
    assert done.status_code == 302
    [kept] = checkpoints.read_file(Path(settings.journal.checkpoint_file))
    with sessions() as s:
        assert checkpoints.latest(s) == kept and kept.seq == 2  # the review's own entry
    page = client.get(f"/handover/day?day={day}").get_data(as_text=True)
    assert "最近检查点" in page and kept.hash in page
