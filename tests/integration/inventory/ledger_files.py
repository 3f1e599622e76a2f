"""Ledger import files shared by the CLI and dashboard tests: bad ones (each with the one
problem line it must give) and good ones in every accepted encoding.

The database has room A101 with rack A01 and an asset whose serial is SN-SW (both the
integration ``place`` and the web ``room`` fixtures get it)."""

from __future__ import annotations

import io
from datetime import date

TAKEN_SERIAL = "SN-SW"

# id → (file name, bytes, the problem it is refused for: "row R, column C: problem",
#       or "file: <message id>" when the file cannot be read at all)
BAD: dict[str, tuple[str, bytes, str]] = {
    "unknown column": (
        "cols.csv",
        "名称,颜色\nn1,红\n".encode(),
        "file: ledger.file.unknown_columns",
    ),
    "no name column": ("noname.csv", b"room\nA101\n", "file: ledger.file.missing_columns"),
    "repeated column": (
        "rep.csv",
        "名称,name\nn1,n1\n".encode(),
        "file: ledger.file.repeated_column",
    ),
    "empty file": ("empty.csv", b"", "file: ledger.file.empty"),
    "header only": ("hdr.csv", "名称,机房\n".encode(), "file: ledger.file.no_rows"),
    "broken xlsx": ("broken.xlsx", b"PK\x03\x04 not a workbook", "file: ledger.file.not_xlsx"),
    "serial twice in the file": (
        "dup.csv",
        "名称,序列号\nn1,SN-9\nn2,SN-9\n".encode(),
        "row 3, column serial: duplicate",
    ),
    "name twice in the file": (
        "dupname.csv",
        "名称,机房\nn1,A101\nn1,A101\n".encode(),
        "row 3, column name: duplicate",
    ),
    "serial of another asset": (
        "taken.csv",
        f"名称,序列号\nn1,{TAKEN_SERIAL}\n".encode(),
        "row 2, column serial: taken",
    ),
    "unknown room": (
        "room.csv",
        "名称,机房\nn1,Z999\n".encode(),
        "row 2, column room: unknown_room",
    ),
    "unknown rack": (
        "rack.csv",
        "名称,机房,机柜\nn1,A101,Z9\n".encode(),
        "row 2, column rack: unknown_rack",
    ),
    "bad date": (
        "date.csv",
        "名称,保修到期\nn1,2025-13-01\n".encode(),
        "row 2, column warranty_until: bad_date",
    ),
    "bad status": (
        "status.csv",
        "名称,状态\nn1,丢了\n".encode(),
        "row 2, column status: bad_status",
    ),
    "U beyond the rack": (
        "u.csv",
        "名称,机房,机柜,U位\nn1,A101,A01,61\n".encode(),
        "row 2, column position_u: bad_u",
    ),
    "polled device left without an address": (
        "addr.csv",
        "名称,地址\nsw-1,\n".encode(),
        "row 2, column address: required_for_kind",
    ),
    "good row then a bad one": (
        "mixed.csv",
        "名称,机房,购买日期\nn1,A101,2024-01-01\nn2,A101,2024-02-30\n".encode("gbk"),
        "row 3, column purchase_date: bad_date",
    ),
}


def xlsx_file() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["名称", "类型", "机房", "序列号", "保修到期", "中文名称"])
    sheet.append(["xl-1", "tool", "A101", "SN-XL", date(2027, 3, 1), "红外测温仪"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


GOOD_TEXT = "名称,类型,机房,序列号,保修到期,中文名称\ng-1,key,A101,SN-G1,2027/03/01,机房门钥匙\n"

# id → (file name, bytes, asset name, its Chinese title as it must be stored)
GOOD: dict[str, tuple[str, bytes, str, str]] = {
    "utf-8": ("u8.csv", GOOD_TEXT.encode("utf-8"), "g-1", "机房门钥匙"),
    "utf-8 with BOM": ("bom.csv", GOOD_TEXT.encode("utf-8-sig"), "g-1", "机房门钥匙"),
    "gbk": ("gbk.csv", GOOD_TEXT.encode("gbk"), "g-1", "机房门钥匙"),
    "gb18030": (
        "gb.csv",
        GOOD_TEXT.replace("机房门钥匙", "㐀号柜钥匙").encode("gb18030"),
        "g-1",
        "㐀号柜钥匙",
    ),
    "xlsx": ("l.xlsx", b"", "xl-1", "红外测温仪"),  # bytes made by xlsx_file()
}


def good_bytes(case: str) -> bytes:
    return xlsx_file() if case == "xlsx" else GOOD[case][1]
