"""Access log, pure parts: the state machine, ID masking, overstays, form validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from records.access.forms import (
    Direction,
    Kind,
    local_input,
    parse_item,
    parse_registration,
    parse_search,
    parse_work,
)
from records.access.identity import hash_id, mask_id, same_id, valid_id
from records.access.states import Action, State, initial_state, next_state
from records.access.stay import minutes_text, overstay
from records.errors import RecordError

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (State.REQUESTED, Action.APPROVE, State.APPROVED),
        (State.REQUESTED, Action.REJECT, State.REJECTED),
        (State.APPROVED, Action.ENTER, State.INSIDE),
        (State.INSIDE, Action.LEAVE, State.LEFT),
    ],
    ids=["approve", "reject", "enter", "leave"],
)
def test_allowed_moves(state: State, action: Action, after: State) -> None:
    assert next_state(state, action) is after


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.REQUESTED, Action.ENTER),  # nobody enters unapproved
        (State.REQUESTED, Action.LEAVE),
        (State.APPROVED, Action.APPROVE),
        (State.APPROVED, Action.LEAVE),
        (State.REJECTED, Action.ENTER),
        (State.INSIDE, Action.REJECT),
        (State.LEFT, Action.ENTER),
        (State.LEFT, Action.LEAVE),
    ],
    ids=["enter-unapproved", "leave-unapproved", "approve-twice", "leave-not-inside",
         "enter-rejected", "reject-inside", "reenter", "leave-twice"],
)  # fmt: skip
def test_refused_moves(state: State, action: Action) -> None:
    with pytest.raises(RecordError) as info:
        next_state(state, action)
    assert info.value.msgid == "access.bad_transition"


@pytest.mark.parametrize(
    ("staff", "work", "start"),
    [(True, False, State.INSIDE), (False, True, State.APPROVED), (False, False, State.REQUESTED),
     (True, True, State.INSIDE)],
    ids=["staff-enter-on-registration", "approved-construction", "outsider-waits",
         "staff-construction"],
)  # fmt: skip
def test_initial_state(staff: bool, work: bool, start: State) -> None:
    assert initial_state(staff=staff, approved_work=work) is start


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110101199001011234", "110***********1234"),
        ("11010119900101123x", "110***********123X"),
        ("1101-0119 9001011234", "110***********1234"),
        ("E12345678", "*******78"),
        ("G1234567890", "G12****7890"),
    ],
    ids=["resident-id", "x-checksum", "typed-with-separators", "short-passport", "passport"],
)
def test_mask_keeps_only_the_ends(number: str, masked: str) -> None:
    assert mask_id(number) == masked
    assert len(mask_id(number)) == len(masked)


@pytest.mark.parametrize(
    ("number", "ok"),
    [("110101199001011234", True), ("11010119900101123X", True), ("11010119900101123Y", False),
     ("E1234567", True), ("12345", False), ("有中文123456", False), ("A" * 31, False)],
    ids=["resident", "resident-x", "resident-bad-check", "passport", "too-short", "not-latin",
         "too-long"],
)  # fmt: skip
def test_id_validation(number: str, ok: bool) -> None:
    assert valid_id(number) is ok


def test_hash_is_salted_and_checks_the_number() -> None:
    a, b = hash_id("s1", "110101199001011234"), hash_id("s2", "110101199001011234")
    assert a != b and len(a) == 64
    assert same_id("s1", a, "110101 199001011234")
    assert not same_id("s1", a, "110101199001011235")


@pytest.mark.parametrize(
    ("state", "planned_out", "expected"),
    [
        (State.INSIDE, NOW - timedelta(minutes=90), timedelta(minutes=90)),
        (State.INSIDE, NOW, None),
        (State.INSIDE, NOW + timedelta(minutes=1), None),
        (State.APPROVED, NOW - timedelta(hours=3), None),
        (State.LEFT, NOW - timedelta(hours=3), None),
    ],
    ids=["inside-late", "inside-at-limit", "inside-in-time", "not-yet-in", "already-left"],
)
def test_overstay(state: State, planned_out: datetime, expected: timedelta | None) -> None:
    assert overstay(state, planned_out, NOW) == expected


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(minutes=35), "35min"), (timedelta(hours=2, minutes=5), "2h05")],
    ids=["minutes", "hours"],
)
def test_minutes_text(delta: timedelta, text: str) -> None:
    assert minutes_text(delta) == text


GOOD = {
    "room": "1", "kind": "visit", "person": "李明", "organisation": "某厂商",
    "id_number": "110101199001011234", "purpose": "更换板卡", "escort": "张三",
    "planned_out": local_input(NOW + timedelta(hours=2)),
}  # fmt: skip


def test_a_good_registration_parses() -> None:
    reg, errors = parse_registration(GOOD, NOW)
    assert errors == {} and reg is not None
    assert reg.kind is Kind.VISIT and reg.room_id == 1
    assert reg.planned_out == NOW + timedelta(hours=2)


@pytest.mark.parametrize(
    ("change", "field", "msgid"),
    [
        ({"room": ""}, "room", "access.err.required"),
        ({"room": "abc"}, "room", "access.err.room"),
        ({"kind": "party"}, "kind", "access.err.kind"),
        ({"person": "  "}, "person", "access.err.required"),
        ({"person": "x" * 101}, "person", "access.err.too_long"),
        ({"organisation": ""}, "organisation", "access.err.required"),
        ({"id_number": ""}, "id_number", "access.err.required"),
        ({"id_number": "12"}, "id_number", "access.err.id_number"),
        ({"purpose": ""}, "purpose", "access.err.required"),
        ({"kind": "construction"}, "work_application", "access.err.required"),
        ({"kind": "construction", "work_application": "-1"}, "work_application",
         "access.err.work"),
        ({"planned_out": ""}, "planned_out", "access.err.required"),
        ({"planned_out": "tomorrow"}, "planned_out", "access.err.datetime"),
        ({"planned_out": local_input(NOW - timedelta(minutes=5))}, "planned_out",
         "access.err.planned_out_past"),
        ({"planned_out": local_input(NOW + timedelta(days=40))}, "planned_out",
         "access.err.planned_out_far"),
    ],
    ids=["no-room", "bad-room", "bad-kind", "blank-person", "long-person", "no-org", "no-id",
         "bad-id", "no-purpose", "construction-no-work",
         "construction-bad-work", "no-planned-out", "bad-planned-out", "planned-out-past",
         "planned-out-far"],
)  # fmt: skip
def test_registration_errors_name_the_field(change: dict[str, str], field: str,
                                            msgid: str) -> None:  # fmt: skip
    reg, errors = parse_registration({**GOOD, **change}, NOW)
    assert reg is None
    assert errors[field] == msgid


@pytest.mark.parametrize("flag", ["on", "1", "true", "yes"])
def test_a_posted_staff_field_is_not_read(flag: str) -> None:
    """Issue 12, point 12: staff status is the service's to look up (account or staff
    list); the form's value carries no "staff" at all, whatever is posted."""
    reg, errors = parse_registration({**GOOD, "staff": flag}, NOW)
    assert errors == {} and reg is not None
    assert not hasattr(reg, "staff")


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({"item": "硬盘", "quantity": "2", "direction": "in"}, {}),
        ({"item": "", "quantity": "2", "direction": "in"}, {"item": "access.err.required"}),
        ({"item": "硬盘", "quantity": "0", "direction": "out"},
         {"quantity": "access.err.quantity"}),
        ({"item": "硬盘", "quantity": "1.5", "direction": "out"},
         {"quantity": "access.err.quantity"}),
        ({"item": "硬盘", "quantity": "100001", "direction": "out"},
         {"quantity": "access.err.quantity"}),
        ({"item": "硬盘", "quantity": "1", "direction": "sideways"},
         {"direction": "access.err.direction"}),
    ],
    ids=["ok", "no-item", "zero", "fraction", "too-many", "bad-direction"],
)  # fmt: skip
def test_item_lines(form: dict[str, str], errors: dict[str, str]) -> None:
    line, got = parse_item(form)
    assert got == errors
    assert (line is None) == bool(errors)
    if line is not None:
        assert line.direction is Direction.IN and line.quantity == 2


TODAY = date(2026, 11, 21)
WORK = {"room": "1", "company": "华信机电", "content": "更换冷凝水管", "people": "王强\n\n刘洋\n",
        "start_date": "2026-11-21", "end_date": "2026-11-23"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({}, {}),
        ({"people": " \n "}, {"people": "access.err.required"}),
        ({"end_date": "2026-11-20"}, {"end_date": "access.err.end_before_start"}),
        ({"start_date": "2026-11-01", "end_date": "2026-11-20"},
         {"end_date": "access.err.end_past"}),
        ({"end_date": "2027-12-01"}, {"end_date": "access.err.period_too_long"}),
        ({"start_date": "21/11/2026"}, {"start_date": "access.err.date"}),
        ({"company": ""}, {"company": "access.err.required"}),
    ],
    ids=["ok", "no-people", "end-before-start", "past", "too-long", "bad-date", "no-company"],
)  # fmt: skip
def test_work_applications(change: dict[str, str], errors: dict[str, str]) -> None:
    req, got = parse_work({**WORK, **change}, TODAY)
    assert got == errors
    if not errors:
        assert req is not None and req.people == ("王强", "刘洋")


def test_search_reports_bad_fields_and_keeps_the_rest() -> None:
    f, errors = parse_search({"person": " 李 ", "room": "x", "start": "2026-11-01",
                              "end": "2026-10-01"})  # fmt: skip
    assert f.person == "李" and f.room_id is None and f.start == date(2026, 11, 1)
    assert f.end is None
    assert errors == {"room": "access.err.room", "end": "access.err.end_before_start"}
