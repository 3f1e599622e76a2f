"""Ledger pages per role: list, asset page with history, edit with field messages, rack
elevation, loans, stock-take, import preview/apply, export; CSRF and roles enforced."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from store.models import AuditEntry, Device, Rack
from store.models_ledger import Loan, StockTakeItem
from tests.web.conftest import NOW, form_token


def _id(sessions: sessionmaker[Session], name: str) -> int:
    with sessions() as s:
        d = s.scalar(select(Device).where(Device.name == name))
        assert d is not None
        return d.id


@pytest.mark.parametrize("role", [Role.READONLY, Role.DUTY, Role.SUPERVISOR, Role.ADMIN])
def test_every_role_sees_the_ledger_pages(
    client: FlaskClient, logged_in, room, sessions, role: Role
) -> None:
    logged_in(role)
    srv = _id(sessions, "srv-1")
    with sessions() as s:
        rack = s.scalar(select(Rack.id))
    for path in ("/ledger/", f"/ledger/asset/{srv}", f"/ledger/rack/{rack}", "/ledger/loans",
                 "/ledger/stocktake", "/ledger/?status=in_use&warranty=any"):  # fmt: skip
        r = client.get(path)
        assert r.status_code == 200, path
    page = client.get("/ledger/").get_data(as_text=True)
    assert "srv-1" in page
    editors = role in (Role.SUPERVISOR, Role.ADMIN)
    assert (client.get("/ledger/import").status_code == 200) == editors
    assert (client.get(f"/ledger/asset/{srv}/edit").status_code == 200) == editors


def test_readonly_cannot_post_anything(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.READONLY)
    token = form_token(client, "/ledger/loans")
    srv = _id(sessions, "srv-1")
    for path, data in (
        ("/ledger/loans/lend", {"device_id": srv, "borrower": "x", "due_at": "2099-01-01"}),
        (f"/ledger/asset/{srv}/edit", {"name": "srv-1"}),
        ("/ledger/stocktake/start", {"room_id": "1"}),
    ):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403


def test_duty_may_lend_but_not_edit(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.DUTY)
    token = form_token(client, "/ledger/loans")
    srv = _id(sessions, "srv-1")
    assert client.post(f"/ledger/asset/{srv}/edit",
                       data={"name": "x", "csrf_token": token}).status_code == 403  # fmt: skip
    due = (NOW + timedelta(days=2)).date().isoformat()
    r = client.post("/ledger/loans/lend",
                    data={"device_id": srv, "borrower": "张三", "due_at": due,
                          "csrf_token": token})  # fmt: skip
    assert r.status_code == 302
    page = client.get("/ledger/loans").get_data(as_text=True)
    assert "张三" in page
    with sessions() as s:
        loan = s.scalar(select(Loan))
        assert loan is not None and loan.lent_by == "duty"
        assert s.get(Device, srv).status == "on_loan"  # type: ignore[union-attr]
    # returning damaged needs a note: the message is shown, nothing changes
    r = client.post(f"/ledger/loans/{loan.id}/return",
                    data={"return_state": "damaged", "csrf_token": token})  # fmt: skip
    assert r.status_code == 400
    r = client.post(f"/ledger/loans/{loan.id}/return",
                    data={"return_state": "damaged", "return_note": "屏幕碎裂",
                          "csrf_token": token})  # fmt: skip
    assert r.status_code == 302
    with sessions() as s:
        assert s.get(Device, srv).status == "under_repair"  # type: ignore[union-attr]
    history = client.get(f"/ledger/asset/{srv}").get_data(as_text=True)
    assert "归还（损坏）" in history and "屏幕碎裂" in history
    assert "ledger.report_damaged" not in history  # the action in words, not its code


def test_lend_without_csrf_is_refused(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.DUTY)
    r = client.post(
        "/ledger/loans/lend",
        data={"device_id": _id(sessions, "srv-1"), "borrower": "x", "due_at": "2099-01-01"},
    )
    assert r.status_code == 400
    with sessions() as s:
        assert s.scalar(select(Loan)) is None


def test_edit_refuses_overlap_and_cycle_next_to_the_field(
    client: FlaskClient, logged_in, room, sessions
) -> None:
    logged_in(Role.SUPERVISOR)
    srv, ups = _id(sessions, "srv-1"), _id(sessions, "ups-1")
    token = form_token(client, f"/ledger/asset/{srv}/edit")
    with sessions() as s:
        rack = s.scalar(select(Rack))
        assert rack is not None
        room_id, rack_id = rack.room_id, rack.id
    base = {"name": "srv-1", "kind": "snmp", "status": "in_use", "face": "front",
            "room_id": room_id, "rack_id": rack_id, "u_height": "2", "csrf_token": token,
            "address": "10.0.0.1", "port": "161"}  # fmt: skip
    r = client.post(f"/ledger/asset/{srv}/edit", data={**base, "position_u": "39"})
    assert r.status_code == 400
    assert 'class="field-error" id="err-position_u"' in r.get_data(as_text=True)
    assert "sw-1" in r.get_data(as_text=True)
    r = client.post(
        f"/ledger/asset/{srv}/edit",
        data={**base, "position_u": "20", "purchase_date": "2024-13-01"},
    )
    assert r.status_code == 400 and 'id="err-purchase_date"' in r.get_data(as_text=True)
    # srv-1 powered by ups-1, then ups-1 powered by srv-1: a loop
    ok = client.post(
        f"/ledger/asset/{srv}/edit",
        data={**base, "position_u": "20", "power_parent_id": ups, "warranty_until": "2030-01-31"},
    )
    assert ok.status_code == 302
    r = client.post(f"/ledger/asset/{ups}/edit",
                    data={**base, "name": "ups-1", "position_u": "1", "u_height": "1",
                          "power_parent_id": srv})  # fmt: skip
    assert r.status_code == 400 and 'id="err-power_parent_id"' in r.get_data(as_text=True)
    page = client.get(f"/ledger/asset/{srv}").get_data(as_text=True)
    assert "2030-01-31" in page and "修改" in page  # history: before → after, in words
    assert "ups-1</a> → srv-1" in page  # the power chain


def test_rack_elevation_shows_who_holds_which_u(
    client: FlaskClient, logged_in, room, sessions
) -> None:
    logged_in(Role.READONLY)
    with sessions() as s:
        rack_id = s.scalar(select(Rack.id))
    page = client.get(f"/ledger/rack/{rack_id}").get_data(as_text=True)
    assert page.count('<th scope="row">U') == 42
    assert "sw-1" in page and "old-1" in page  # old-1 has no U: listed apart


def test_credentials_are_masked_on_the_page(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.ADMIN)
    srv = _id(sessions, "srv-1")
    token = form_token(client, f"/ledger/asset/{srv}")
    r = client.post(f"/ledger/asset/{srv}/credentials",
                    data={"credential_source": "device", "snmp_version": "2c",
                          "community": "s3cret-community", "csrf_token": token})  # fmt: skip
    assert r.status_code == 302
    page = client.get(f"/ledger/asset/{srv}").get_data(as_text=True)
    assert "s3cret-community" not in page and "******" in page
    export = client.get("/ledger/export.csv").get_data()
    assert b"s3cret-community" not in export
    with sessions() as s:
        assert s.get(Device, srv).community == "s3cret-community"  # type: ignore[union-attr]
        audits = " ".join(str(a.after) for a in s.scalars(select(AuditEntry)))
        assert "s3cret-community" not in audits


def test_stocktake_scan_and_close(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.DUTY)
    with sessions() as s, s.begin():
        sw = s.scalar(select(Device).where(Device.name == "sw-1"))
        assert sw is not None
        sw.asset_tag = "TAG-SW"
        room_id = sw.room_id
    token = form_token(client, "/ledger/stocktake")
    r = client.post("/ledger/stocktake/start", data={"room_id": room_id, "csrf_token": token})
    assert r.status_code == 302
    url = r.headers["Location"]
    for tag in ("TAG-SW", "NOPE-1"):
        assert client.post(f"{url}/scan", data={"tag": tag, "csrf_token": token}).status_code == 302
    assert client.post(f"{url}/scan", data={"tag": "", "csrf_token": token}).status_code == 400
    assert client.post(f"{url}/close", data={"csrf_token": token}).status_code == 302
    with sessions() as s:
        states = {(i.asset_tag, i.state) for i in s.scalars(select(StockTakeItem))}
    assert ("TAG-SW", "confirmed") in states and ("NOPE-1", "unknown_tag") in states
    assert ("", "missing") in states
    page = client.get(url).get_data(as_text=True)
    assert "NOPE-1" in page


def test_import_preview_errors_then_apply(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.SUPERVISOR)
    token = form_token(client, "/ledger/import")
    bad = "名称,机房,机柜,U位,购买日期\nnew-1,A101,A01,5,2024-02-30\nnew-2,Z999,,,\n"
    r = client.post("/ledger/import/preview", content_type="multipart/form-data",
                    data={"csrf_token": token,
                          "file": (io.BytesIO(bad.encode("gbk")), "bad.csv")})  # fmt: skip
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "日期格式" in page and "机房不存在" in page and "确认导入" not in page
    good = "名称,机房,机柜,U位,序列号\nnew-1,A101,A01,5,SN-1\n"
    r = client.post(
        "/ledger/import/preview",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode("utf-8-sig")), "good.csv")},
    )
    assert r.status_code == 200
    import re

    payload = re.search(r'name="payload" value="([^"]+)"', r.get_data(as_text=True))
    assert payload
    r = client.post(
        "/ledger/import/apply",
        data={"csrf_token": token, "filename": "good.csv", "payload": payload.group(1)},
    )
    assert r.status_code == 302
    with sessions() as s:
        d = s.scalar(select(Device).where(Device.name == "new-1"))
        assert d is not None and d.position_u == 5 and d.serial == "SN-1"


def test_duty_cannot_import(client: FlaskClient, logged_in, room) -> None:
    logged_in(Role.DUTY)
    token = form_token(client, "/ledger/loans")
    r = client.post(
        "/ledger/import/preview",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(b"name\nx\n"), "a.csv")},
    )
    assert r.status_code == 403


def test_export_xlsx(client: FlaskClient, logged_in, room) -> None:
    logged_in(Role.READONLY)
    r = client.get("/ledger/export.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"


def test_places_profile_masked_and_room_inherits(
    client: FlaskClient, logged_in, room, sessions
) -> None:
    logged_in(Role.SUPERVISOR)
    token = form_token(client, "/ledger/places")
    r = client.post("/ledger/places/profile",
                    data={"name": "机房A-v2", "snmp_version": "2c", "community": "room-pw",
                          "csrf_token": token})  # fmt: skip
    assert r.status_code == 302
    page = client.get("/ledger/places").get_data(as_text=True)
    assert "机房A-v2" in page and "room-pw" not in page
    with sessions() as s:
        from store.models_ledger import CredentialProfile

        pid = s.scalar(select(CredentialProfile.id))
    r = client.post("/ledger/places/room", data={"name": "A101", "title_zh": "一号机房",
                                                  "credential_profile_id": pid,
                                                  "csrf_token": token})  # fmt: skip
    assert r.status_code == 302
    with sessions() as s:
        rack_room = s.scalar(select(Rack.room_id))
    # sw-1 sits at U40: the rack cannot shrink under it; the message is next to the field
    r = client.post(
        "/ledger/places/rack",
        data={"room_id": rack_room, "name": "A01", "height_u": "30", "csrf_token": token},
    )
    assert r.status_code == 400 and 'id="err-rack-height_u"' in r.get_data(as_text=True)
    r = client.post("/ledger/places/room", data={"name": "", "csrf_token": token})
    assert r.status_code == 400 and 'id="err-room-name"' in r.get_data(as_text=True)


def test_duty_cannot_change_places(client: FlaskClient, logged_in, room) -> None:
    logged_in(Role.DUTY)
    token = form_token(client, "/ledger/places")
    r = client.post("/ledger/places/site", data={"name": "x", "csrf_token": token})
    assert r.status_code == 403


def test_export_is_audited(client: FlaskClient, logged_in, room, sessions) -> None:
    name = logged_in(Role.READONLY)
    assert client.get("/ledger/export.csv").status_code == 200
    assert client.get("/ledger/export.pdf").status_code == 404
    with sessions() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "ledger.export"))
        assert entry is not None and entry.actor == name


def test_new_asset_and_duplicate_tag_message(client: FlaskClient, logged_in, room, sessions):
    logged_in(Role.ADMIN)
    token = form_token(client, "/ledger/asset/new")
    base = {"kind": "asset", "status": "spare", "face": "front", "device_type": "key",
            "csrf_token": token}  # fmt: skip
    r = client.post("/ledger/asset/new", data={**base, "name": "钥匙-A101", "asset_tag": "K-1"})
    assert r.status_code == 302
    with sessions() as s:
        d = s.scalar(select(Device).where(Device.name == "钥匙-A101"))
        assert d is not None and (d.enabled, d.status) == (False, "spare")
    r = client.post("/ledger/asset/new", data={**base, "name": "钥匙-2", "asset_tag": "K-1"})
    assert r.status_code == 400 and 'id="err-asset_tag"' in r.get_data(as_text=True)
    r = client.post("/ledger/asset/new", data={**base, "name": "x", "status": "stolen"})
    assert r.status_code == 400 and 'id="err-status"' in r.get_data(as_text=True)


def test_history_shows_field_labels_and_names_not_ids(
    client: FlaskClient, logged_in, room, sessions
) -> None:
    """A diff reads 机房：— → A101, never ``room_id: — → 1`` (issue 12, point 14)."""
    logged_in(Role.SUPERVISOR)
    srv = _id(sessions, "srv-1")
    with sessions() as s, s.begin():
        d = s.get(Device, srv)
        assert d is not None
        s.add(AuditEntry(ts=NOW, actor="admin", action="ledger.update", object_type="asset",
                         object_id=str(srv), before={"room_id": None, "status": "spare"},
                         after={"room_id": d.room_id, "status": "in_use"}))  # fmt: skip
    page = client.get(f"/ledger/asset/{srv}").get_data(as_text=True)
    section = page[page.index("ledger-history") :]
    assert "机房: — → A101" in section and "状态: 备用 → 在用" in section
    assert "room_id" not in section and "in_use" not in section and "ledger.update" not in section
