"""The template form of a supervisor, validated field by field (pure)."""

from __future__ import annotations

import pytest

from records.inspection.templates import parse_edit
from store.models_inspection import InspectionTemplateItem

LOAD = InspectionTemplateItem(id=1, kind="auto", code="ups_load", title_zh="UPS 负载率",
                              title_en="UPS load", op="below", high=60, expect="")  # fmt: skip
LINKS = InspectionTemplateItem(id=2, kind="auto", code="links", title_zh="端口", title_en="Ports",
                               op="text", expect="up")  # fmt: skip
DOORS = InspectionTemplateItem(id=3, kind="manual", code="doors", title_zh="门窗", title_en="Doors",
                               op="")  # fmt: skip
ITEMS = [LOAD, LINKS, DOORS]
GOOD = {
    "schedule": "09:00,21:00", "overdue_hours": "4",
    "title_zh-1": "UPS 负载率", "high-1": "60", "enabled-1": "on",
    "title_zh-2": "端口", "expect-2": "up", "enabled-2": "on",
    "title_zh-3": "门窗",
}  # fmt: skip


def test_a_good_form_gives_the_edit() -> None:
    edit, errors = parse_edit({**GOOD, "high-1": "70", "new_title_zh": "空调滤网"}, ITEMS)
    assert errors == {}
    assert edit.schedule == "09:00,21:00" and edit.overdue_hours == 4
    assert edit.items[0].high == 70 and edit.items[0].enabled
    assert not edit.items[2].enabled  # an unticked checkbox is not sent
    assert edit.items[2].title_en == "Doors"  # an empty English title keeps the old one
    assert edit.new_manual == ("空调滤网", "空调滤网")


@pytest.mark.parametrize(
    ("change", "field", "msgid"),
    [
        ({"schedule": "9"}, "schedule", "inspection.tpl.bad_schedule"),
        ({"overdue_hours": "0"}, "overdue_hours", "inspection.tpl.bad_overdue"),
        ({"overdue_hours": "x"}, "overdue_hours", "inspection.tpl.bad_overdue"),
        ({"title_zh-3": " "}, "title_zh-3", "inspection.tpl.bad_title"),
        ({"high-1": "sixty"}, "high-1", "inspection.tpl.bad_number"),
        ({"high-1": "nan"}, "high-1", "inspection.tpl.bad_number"),
        ({"high-1": ""}, "std-1", "inspection.std.need_high"),
        ({"expect-2": ""}, "std-2", "inspection.std.need_expect"),
        ({"new_title_en": "only English"}, "new_title_zh", "inspection.tpl.bad_title"),
    ],
    ids=["schedule", "overdue-zero", "overdue-words", "blank-title", "number", "nan",
         "below-without-high", "text-without-value", "new-item-without-chinese"],
)  # fmt: skip
def test_bad_fields_are_named(change: dict[str, str], field: str, msgid: str) -> None:
    _, errors = parse_edit({**GOOD, **change}, ITEMS)
    assert errors == {field: msgid}
