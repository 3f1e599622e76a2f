"""The ledger as a table file, pure: columns (Chinese or English headers), reading CSV
(UTF-8 with or without BOM, GBK/GB18030) and XLSX, row validation with (row, column,
problem) errors, and writing the export. No database: inventory.ledger_import compares
the rows with the ledger.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from core.messages import LANGUAGES, catalog, label
from inventory.discovered import decode
from inventory.errors import LedgerError
from inventory.ledger_rules import FACES, KINDS, STATUSES

# key, Chinese header, English header, max length (0: not text)
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("name", "名称", "Name", 100),
    ("asset_tag", "资产编号", "Asset tag", 100),
    ("device_type", "类型", "Type", 40),
    ("kind", "采集方式", "Kind", 40),
    ("vendor", "厂商", "Vendor", 100),
    ("model", "型号", "Model", 100),
    ("serial", "序列号", "Serial", 200),
    ("owner", "责任人", "Owner", 100),
    ("status", "状态", "Status", 40),
    ("room", "机房", "Room", 100),
    ("rack", "机柜", "Rack", 100),
    ("position_u", "U位", "U position", 0),
    ("u_height", "高度U", "Height U", 0),
    ("face", "朝向", "Face", 40),
    ("address", "地址", "Address", 200),
    ("purchase_date", "购买日期", "Purchase date", 0),
    ("warranty_until", "保修到期", "Warranty until", 0),
    ("title_zh", "中文名称", "Title zh", 200),
    ("title_en", "英文名称", "Title en", 200),
)
KEYS = tuple(c[0] for c in COLUMNS)
REQUIRED = ("name",)
MAX_ROWS = 20_000
STATUS_WORDS = {"在用": "in_use", "备用": "spare", "借出": "on_loan", "维修": "under_repair",
                "维修中": "under_repair", "报废": "retired"}  # fmt: skip
FACE_WORDS = {"前": "front", "后": "rear", "正面": "front", "背面": "rear"}
# columns holding a code: exported as its words in the file's language, read in either
WORDED = {"status": "ledger.status", "face": "ledger.face", "kind": "ledger.kind",
          "device_type": "type"}  # fmt: skip
_HEADERS = {h.strip().lower(): key for key, zh, en, _ in COLUMNS for h in (key, zh, en)}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    problem: str  # code, translated as ledger.problem.<code>
    other: str = field(default="", compare=False)  # the clashing row or asset, if any


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row: only the columns the file has (absent columns leave fields as they are).
    An invalid row (``valid`` False) keeps its good cells, so the database checks can
    still report on them: the error report then lists every problem at once."""

    row: int
    name: str
    values: Mapping[str, Any] = field(default_factory=dict)
    valid: bool = True


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header cells and the non-blank rows (spreadsheet numbering: header = row 1)."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _xlsx(data)
    text = decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise LedgerError("ledger.file.not_csv", detail=str(exc)) from None
    if not rows:
        raise LedgerError("ledger.file.empty")
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    return rows[0], body


def _xlsx(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    import openpyxl  # only when an XLSX is given

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise many kinds for a broken file
        raise LedgerError("ledger.file.not_xlsx", detail=type(exc).__name__) from None
    sheet = book.worksheets[0]
    rows = [[_cell(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise LedgerError("ledger.file.empty")
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(r)]
    return rows[0], body


def header_keys(header: Sequence[str]) -> list[str]:
    """Each header cell's column key; unknown or repeated columns refuse the file."""
    keys: list[str] = []
    unknown = []
    for cell in header:
        key = _HEADERS.get(_cell(cell).lstrip("\ufeff").lower())
        if key is None:
            if _cell(cell):
                unknown.append(_cell(cell))
            keys.append("")
            continue
        if key in keys:
            raise LedgerError("ledger.file.repeated_column", detail=_cell(cell))
        keys.append(key)
    if unknown:
        raise LedgerError("ledger.file.unknown_columns", detail=", ".join(unknown))
    missing = [k for k in REQUIRED if k not in keys]
    if "rack" in keys and "room" not in keys:
        missing.append("room")  # a rack name means something only within its room
    if missing:
        raise LedgerError("ledger.file.missing_columns", detail=", ".join(missing))
    return keys


def parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@cache
def _code_words(family: str) -> dict[str, str]:
    """The words of a family's codes in every language (lower case) -> code."""
    prefix = f"{family}."
    return {
        text.strip().lower(): msgid.removeprefix(prefix)
        for lang in LANGUAGES
        for msgid, text in catalog(lang).items()
        if msgid.startswith(prefix)
    }


def _from_words(key: str, text: str) -> str:
    """A code column's cell read back: its words in either language, or the text itself."""
    return _code_words(WORDED[key]).get(text.strip().lower(), text) if text else text


def _to_words(key: str, value: Any, language: str) -> Any:
    if key not in WORDED or not value:
        return value
    return label("zh_CN" if language.startswith("zh") else "en", WORDED[key], value)


def _value(key: str, text: str, max_len: int) -> tuple[Any, str]:
    """The typed value of one cell, or a problem code."""
    if key in WORDED:
        text = _from_words(key, text)
    if max_len and len(text) > max_len:
        return None, "too_long"
    if key in ("position_u", "u_height"):
        if not text:
            return (None if key == "position_u" else 1), ""
        if not text.isdigit() or not 1 <= int(text) <= 60:
            return None, "bad_u"
        return int(text), ""
    if key in ("purchase_date", "warranty_until"):
        if not text:
            return None, ""
        try:
            return parse_date(text), ""
        except ValueError:
            return None, "bad_date"
    if key == "status":
        status = STATUS_WORDS.get(text, text.lower() or "in_use")
        return (status, "") if status in STATUSES else (None, "bad_status")
    if key == "face":
        face = FACE_WORDS.get(text, text.lower() or "front")
        return (face, "") if face in FACES else (None, "bad_face")
    if key == "kind":
        kind = text.lower() or "asset"
        return (kind, "") if kind in KINDS else (None, "bad_kind")
    if key == "asset_tag":
        return (text or None), ""
    return text, ""


def parse(data: bytes, filename: str = "") -> tuple[list[LedgerRow], list[RowError]]:
    """Every row validated alone and against the others of the file (duplicate names,
    serials and asset tags). File-level problems raise LedgerError."""
    header, body = read_table(data, filename)
    keys = header_keys(header)
    if not body:
        raise LedgerError("ledger.file.no_rows")
    if len(body) > MAX_ROWS:
        raise LedgerError("ledger.file.too_many", detail=str(MAX_ROWS))
    limits = {c[0]: c[3] for c in COLUMNS}
    rows: list[LedgerRow] = []
    errors: list[RowError] = []
    seen: dict[str, dict[str, int]] = {"name": {}, "serial": {}, "asset_tag": {}}
    for number, cells in body:
        if len(cells) > len(keys) and any(_cell(c) for c in cells[len(keys) :]):
            errors.append(RowError(number, "", "extra_values"))
            continue
        values: dict[str, Any] = {}
        row_errors = []
        for key, cell in zip(keys, cells, strict=False):
            if not key:
                continue
            value, problem = _value(key, _cell(cell), limits[key])
            if problem:
                row_errors.append(RowError(number, key, problem))
            else:
                values[key] = value
        for key in keys:  # a short row: the missing cells are empty
            if key and key not in values and not any(e.column == key for e in row_errors):
                values[key] = _value(key, "", limits[key])[0]
        if not values.get("name"):
            row_errors.append(RowError(number, "name", "required"))
        if values.get("rack") and not values.get("room"):
            row_errors.append(RowError(number, "room", "required_with_rack"))
        for key, taken in seen.items():
            v = values.get(key)
            if v:
                if v in taken:
                    row_errors.append(RowError(number, key, "duplicate", str(taken[v])))
                else:
                    taken[v] = number
        errors.extend(row_errors)
        rows.append(LedgerRow(number, str(values.pop("name", "") or ""), values, not row_errors))
    return rows, errors


def write_csv(records: Iterable[Mapping[str, Any]], language: str = "zh") -> bytes:
    """The export: UTF-8 with BOM (spreadsheets then read Chinese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c[1] if language.startswith("zh") else c[2] for c in COLUMNS])
    for r in records:
        writer.writerow([_cell(_to_words(k, r.get(k), language)) for k in KEYS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(records: Iterable[Mapping[str, Any]], language: str = "zh") -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([c[1] if language.startswith("zh") else c[2] for c in COLUMNS])
    for r in records:
        sheet.append([_cell(_to_words(k, r.get(k), language)) for k in KEYS])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
