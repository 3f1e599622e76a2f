"""What a sheet still lacks before it can be signed, and its overall result (pure).

Every item needs a result: an automatic item judged pass/fail has it; one with no data
must be checked on site and ticked like a manual item. An abnormal item needs a note of
what was seen and done, and whether it was reported to the supervisor (核心设备报警,应立即
采取相应措施,作好记录并向领导汇报).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RESULTS = ("pass", "fail")
REPORTED = ("yes", "no")


@dataclass(frozen=True, slots=True)
class ItemState:
    key: int  # the item's id (or position): where the message is shown
    result: str  # "" | pass | fail
    note: str = ""
    reported: str = ""  # "" | yes | no


@dataclass(frozen=True, slots=True)
class Gap:
    key: int
    msgid: str


def item_gaps(item: ItemState) -> list[str]:
    if item.result not in RESULTS:
        return ["inspection.gap.no_result"]
    out = []
    if item.result == "fail":
        if not item.note.strip():
            out.append("inspection.gap.no_note")
        if item.reported not in REPORTED:
            out.append("inspection.gap.no_reported")
    return out


def gaps(items: Sequence[ItemState]) -> list[Gap]:
    """Every missing piece, in sheet order; an empty list means the sheet may be signed."""
    if not items:
        return [Gap(0, "inspection.gap.empty")]
    return [Gap(i.key, m) for i in items for m in item_gaps(i)]


def sheet_result(items: Sequence[ItemState]) -> str:
    """abnormal as soon as one item failed; pass when all passed; else pending."""
    if any(i.result == "fail" for i in items):
        return "abnormal"
    if items and all(i.result == "pass" for i in items):
        return "pass"
    return "pending"
