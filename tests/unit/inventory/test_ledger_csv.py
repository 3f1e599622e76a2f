"""CSV/XLSX rows of the ledger, pure: headers in Chinese or English, encodings, row errors."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from inventory.errors import LedgerError
from inventory.ledger_csv import RowError, parse, write_csv, write_xlsx

ZH = "名称,资产编号,序列号,状态,机房,机柜,U位,保修到期\n"


def _problems(text: str, encoding: str = "utf-8") -> list[tuple[int, str, str]]:
    _rows, errors = parse(text.encode(encoding), "x.csv")
    return [(e.row, e.column, e.problem) for e in errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_and_values_in_every_encoding(encoding: str) -> None:
    rows, errors = parse((ZH + "核心交换机,ZC-001,SN1,在用,A101,A01,40,2027/01/31\n")
                         .encode(encoding), "x.csv")  # fmt: skip
    assert errors == []
    (row,) = rows
    assert row.name == "核心交换机" and row.row == 2
    assert dict(row.values) == {
        "asset_tag": "ZC-001", "serial": "SN1", "status": "in_use", "room": "A101",
        "rack": "A01", "position_u": 40, "warranty_until": date(2027, 1, 31),
    }  # fmt: skip


def test_english_headers_any_case() -> None:
    rows, errors = parse(b"NAME,Serial,Status\nsw,S1,spare\n")
    assert errors == [] and rows[0].values == {"serial": "S1", "status": "spare"}


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (ZH + "a,,,在用,A101,,,2027-02-30\n", [(2, "warranty_until", "bad_date")]),
        (ZH + "a,,,坏了,,,,\n", [(2, "status", "bad_status")]),
        (ZH + "a,,,,,,99,\n", [(2, "position_u", "bad_u")]),
        (ZH + ",,,,,,,\n" + "b,,S,,,,,\n", []),  # blank line skipped
        (ZH + ",T,,,,,,\n", [(2, "name", "required")]),
        (ZH + "a,,SN,,,,,\nb,,SN,,,,,\n", [(3, "serial", "duplicate")]),
        (ZH + "a,T1,,,,,,\na,T1,,,,,,\n", [(3, "asset_tag", "duplicate"),
                                             (3, "name", "duplicate")]),
        (ZH + "a,,,,,R1,,\n", [(2, "room", "required_with_rack")]),
        (ZH + "a,,,,,,,,extra\n", [(2, "", "extra_values")]),
    ],
    ids=["bad-date", "bad-status", "bad-u", "blank-line", "no-name", "dup-serial", "dup-name-tag",
         "rack-without-room", "extra-values"],
)  # fmt: skip
def test_row_errors(text: str, problems: list[tuple[int, str, str]]) -> None:
    assert sorted(_problems(text)) == sorted(problems)


@pytest.mark.parametrize(
    ("data", "msgid"),
    [(b"", "ledger.file.empty"), (b"name\n", "ledger.file.no_rows"),
     (b"name,colour\nx,red\n", "ledger.file.unknown_columns"),
     (b"serial\nS\n", "ledger.file.missing_columns"),
     (b"name,rack\nx,R\n", "ledger.file.missing_columns"),
     ("名称,name\nx,y\n".encode(), "ledger.file.repeated_column"),
     (b"PK\x03\x04broken", "ledger.file.not_xlsx")],
    ids=["empty", "header-only", "unknown-column", "no-name", "rack-no-room", "repeated",
         "broken-xlsx"],
)  # fmt: skip
def test_file_level_refusals(data: bytes, msgid: str) -> None:
    with pytest.raises(LedgerError) as exc:
        parse(data, "f.csv")
    assert exc.value.msgid == msgid


def test_xlsx_with_dates_and_numbers() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["名称", "U位", "购买日期"])
    sheet.append(["srv", 12, date(2024, 5, 6)])
    buf = io.BytesIO()
    book.save(buf)
    rows, errors = parse(buf.getvalue(), "ledger.xlsx")
    assert errors == []
    assert rows[0].values == {"position_u": 12, "purchase_date": date(2024, 5, 6)}


def test_export_round_trips_through_parse() -> None:
    records = [{"name": "ups-1", "status": "spare", "room": "A101", "position_u": 3,
                "warranty_until": date(2027, 1, 1), "asset_tag": None}]  # fmt: skip
    for data, name in ((write_csv(records), "l.csv"), (write_xlsx(records, "en"), "l.xlsx")):
        rows, errors = parse(data, name)
        assert errors == [], name
        assert rows[0].name == "ups-1" and rows[0].values["status"] == "spare"
        assert rows[0].values["warranty_until"] == date(2027, 1, 1)
    assert write_csv(records).startswith("\ufeff名称".encode())


def test_row_error_is_row_column_problem() -> None:
    assert RowError(3, "serial", "duplicate") == RowError(3, "serial", "duplicate")
