"""A sheet as a table, to CSV (UTF-8 with BOM, so Excel opens Chinese) and XLSX (openpyxl).

The caller passes the column headings and words in the reader's language (the dashboard
translates them), so this module knows no web framework.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from records.inspection.standards import Standard, standard_text
from store.models import Room
from store.models_inspection import InspectionSheet

COLUMNS = (
    "no",
    "item",
    "device",
    "standard",
    "reading",
    "result",
    "note",
    "reported",
    "checked_by",
)


def _local(ts: object) -> str:
    from datetime import datetime

    return ts.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(ts, datetime) else ""


def table(
    sheet: InspectionSheet, room: Room, words: Mapping[str, str], lang: str = "zh_CN"
) -> tuple[list[list[str]], list[list[str]]]:
    """(heading lines, item rows with the header row first)."""
    zh = lang.startswith("zh")
    head = [
        [words["title"], room.title_zh if zh and room.title_zh else room.title_en or room.name],
        [words["opened_at"], _local(sheet.opened_at)],
        [words["sheet_result"], words.get(f"result.{sheet.result}", sheet.result)],
        [
            words["signed"],
            f"{sheet.signed_by or ''} {_local(sheet.signed_at)} {sheet.signed_from or ''}".strip(),
        ],
    ]
    rows = [[words[c] for c in COLUMNS]]
    for n, i in enumerate(sheet.items, 1):
        title = i.title_zh if zh or not i.title_en else i.title_en
        std = standard_text(Standard(i.op, i.low, i.high, i.expect), i.unit) if i.op else ""
        result = (
            words.get(f"item.{i.result}", "")
            if i.result
            else words.get(f"item.{i.auto_result}", "")
        )
        reported = words.get(f"reported.{i.reported}", "") if i.reported else ""
        rows.append(
            [str(n), title, i.device, std, i.reading, result, i.note, reported, i.checked_by]
        )
    return head, rows


def to_csv(head: Sequence[Sequence[str]], rows: Sequence[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    if head:
        w.writerows(head)
        w.writerow([])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(head: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31] or "sheet"
    for line in head:
        ws.append(list(line))
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    if head:
        ws.append([])
    ws.append(list(rows[0]))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EAEE")
    for row in rows[1:]:
        ws.append(list(row))
    for col, width in zip("ABCDEFGHI", (5, 28, 14, 14, 22, 10, 30, 10, 12), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=len(head) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HISTORY_COLUMNS = ("id", "room", "opened_at", "kind", "result", "signed_by", "signed_at")


def history_table(
    found: Sequence[tuple[InspectionSheet, Room]], words: Mapping[str, str]
) -> list[list[str]]:
    """The search results, one line a sheet, the header row first."""
    rows = [[words[f"h.{c}"] for c in HISTORY_COLUMNS]]
    for sheet, room in found:
        rows.append([str(sheet.id), room.name, _local(sheet.opened_at),
                     words.get(f"kind.{sheet.kind}", sheet.kind),
                     words.get(f"result.{sheet.result}", sheet.result),
                     sheet.signed_by or "", _local(sheet.signed_at)])  # fmt: skip
    return rows
