"""Ledger import against the database, both backends: all or nothing, row errors, dry run."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inventory.ledger_import import ImportRefused, apply, export_records, plan
from store.models import AuditEntry, Device
from tests.integration.inventory.conftest import NOW

HEAD = "名称,序列号,机房,机柜,U位,高度U,状态,采集方式,地址\n"


def _apply(sessions: sessionmaker[Session], text: str, name: str = "f.csv") -> None:
    with sessions() as s, s.begin():
        apply(s, text.encode("utf-8"), name, actor="tester", now=NOW)


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Device)) or 0)


def test_good_file_creates_and_updates_with_audit(sessions, place) -> None:
    text = HEAD + ("srv-1,SN-1,A101,A01,10,2,在用,snmp,10.0.0.9\n"
                   "sw-1,SN-SW,A101,A01,40,2,备用,snmp,10.0.0.2\n"
                   "spare-disk,SN-D,B202,,,,备用,asset,\n")  # fmt: skip
    with sessions() as s:
        p = plan(s, text.encode(), "f.csv")
    assert p.ok and (p.count("new"), p.count("updated")) == (2, 1)
    assert ("status", "in_use", "spare") in p.outcomes[1].changes
    _apply(sessions, text)
    with sessions() as s:
        srv = s.scalar(select(Device).where(Device.name == "srv-1"))
        assert srv is not None and (srv.position_u, srv.u_height, srv.enabled) == (10, 2, True)
        assert s.scalar(select(Device.status).where(Device.name == "sw-1")) == "spare"
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("ledger.create") == 2 and "ledger.update" in actions
    assert actions[-1] == "ledger.import"
    # the same file again: all unchanged
    with sessions() as s:
        again = plan(s, text.encode(), "f.csv")
    assert again.count("unchanged") == 3


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        ("a,,Z999,,,,,,\n", [(2, "room", "unknown_room")]),
        ("a,,A101,R9,,,,,\n", [(2, "rack", "unknown_rack")]),
        ("a,SN-SW,,,,,,,\n", [(2, "serial", "taken")]),
        ("a,,A101,A01,41,1,,,\n", [(2, "position_u", "u_overlap")]),
        ("a,,A101,A01,42,2,,,\n", [(2, "position_u", "u_out_of_rack")]),
        ("a,,A101,A01,5,2,,,\nb,,A101,A01,6,1,,,\n",
         [(2, "position_u", "u_overlap"), (3, "position_u", "u_overlap")]),
        ("a,,,,,,,snmp,\n", [(2, "address", "required_for_kind")]),
        ("ok-1,,,,,,,,\nbad,,,,,,,,,x\nbad-2,,,,,,坏,,\n",
         [(3, "", "extra_values"), (4, "status", "bad_status")]),
    ],
    ids=["unknown-room", "unknown-rack", "serial-of-another", "overlap-db", "past-top",
         "overlap-in-file", "polled-without-address", "good-rows-not-written"],
)  # fmt: skip
def test_any_error_writes_nothing(sessions, place, rows: str, errors) -> None:
    before = _count(sessions)
    with pytest.raises(ImportRefused) as exc:
        _apply(sessions, HEAD + rows)
    assert [(e.row, e.column, e.problem) for e in exc.value.result.errors] == errors
    assert _count(sessions) == before
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_moving_within_the_file_frees_the_u(sessions, place) -> None:
    # sw-1 leaves U40-41 and srv takes U40 in the same file: no overlap
    _apply(sessions, HEAD + "sw-1,SN-SW,A101,A01,30,2,,snmp,10.0.0.2\nsrv,,A101,A01,40,1,,,\n")
    with sessions() as s:
        assert s.scalar(select(Device.position_u).where(Device.name == "srv")) == 40


def test_gbk_and_xlsx_files(sessions, place) -> None:
    with sessions() as s, s.begin():
        apply(s, ("名称,机房,状态\n钥匙柜钥匙,A101,借出\n").encode("gbk"), "k.csv", actor="t",
              now=NOW)  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Room", "Warranty until"])
    sheet.append(["ups-9", "B202", "2027-03-01"])
    buf = io.BytesIO()
    book.save(buf)
    with sessions() as s, s.begin():
        apply(s, buf.getvalue(), "u.xlsx", actor="t", now=NOW)
    with sessions() as s:
        assert s.scalar(select(Device.status).where(Device.name == "钥匙柜钥匙")) == "on_loan"
        ups = s.scalar(select(Device).where(Device.name == "ups-9"))
        assert ups is not None and str(ups.warranty_until) == "2027-03-01"


def test_export_has_places_and_no_credentials(sessions, place, key) -> None:
    with sessions() as s, s.begin():
        sw = s.get(Device, place["sw"])
        assert sw is not None
        sw.community = "very-secret"
    with sessions() as s:
        records = export_records(s)
    sw_rec = next(r for r in records if r["name"] == "sw-1")
    assert (sw_rec["room"], sw_rec["rack"], sw_rec["position_u"]) == ("A101", "A01", 40)
    assert "very-secret" not in repr(records)
