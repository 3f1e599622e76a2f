"""Pure helpers of changes: conflicts, the calendar grid and the request form (tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from records.changes.calendar import grid, period, shift
from records.changes.conflicts import Slot, conflict_map, conflicts_of, overlaps
from records.changes.form import validate

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _slot(cid: int, devices: set[int], start: int, end: int) -> Slot:
    return Slot(cid, frozenset(devices), T0 + start * H, T0 + end * H)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (_slot(1, {1}, 0, 2), _slot(2, {1}, 1, 3), True),
        (_slot(1, {1}, 0, 2), _slot(2, {1}, 2, 3), False),
        (_slot(1, {1}, 0, 5), _slot(2, {1}, 1, 2), True),
        (_slot(1, {1}, 3, 4), _slot(2, {1}, 0, 2), False),
    ],
    ids=["partial", "touching-ends", "inside", "apart"],
)
def test_overlaps(a: Slot, b: Slot, expected: bool) -> None:
    assert overlaps(a, b) is expected and overlaps(b, a) is expected


@pytest.mark.parametrize(
    ("slot", "others", "expected"),
    [
        (_slot(1, {1, 2}, 0, 2), [_slot(2, {2}, 1, 3)], [2]),
        (_slot(1, {1}, 0, 2), [_slot(2, {2}, 0, 2)], []),
        (_slot(1, {1}, 0, 2), [_slot(2, {1}, 4, 6)], []),
        (_slot(1, {1}, 0, 2), [_slot(1, {1}, 0, 2)], []),
        (_slot(1, {1}, 0, 9), [_slot(3, {1}, 1, 2), _slot(2, {1}, 5, 6)], [2, 3]),
    ],
    ids=["shared-device-overlap", "other-device", "other-time", "itself", "several-sorted"],
)
def test_conflicts_of(slot: Slot, others: list[Slot], expected: list[int]) -> None:
    assert conflicts_of(slot, others) == expected


def test_conflicts_are_flagged_on_both() -> None:
    slots = [_slot(1, {1}, 0, 2), _slot(2, {1}, 1, 3), _slot(3, {2}, 0, 9)]
    assert conflict_map(slots) == {1: [2], 2: [1]}


@pytest.mark.parametrize(
    ("view", "anchor", "first", "last", "cells"),
    [
        ("month", date(2026, 11, 21), date(2026, 11, 1), date(2026, 11, 30), 42),
        ("month", date(2027, 2, 10), date(2027, 2, 1), date(2027, 2, 28), 28),
        ("week", date(2026, 11, 21), date(2026, 11, 16), date(2026, 11, 22), 7),
    ],
    ids=["november", "february-exact-weeks", "week-from-monday"],
)
def test_period(view: str, anchor: date, first: date, last: date, cells: int) -> None:
    p_first, p_last, days = period(view, anchor)
    assert (p_first, p_last, len(days)) == (first, last, cells)
    assert days[0].weekday() == 0 and days[-1].weekday() == 6


@pytest.mark.parametrize(
    ("view", "anchor", "step", "expected"),
    [
        ("month", date(2026, 1, 31), 1, date(2026, 2, 1)),
        ("month", date(2026, 1, 15), -1, date(2025, 12, 1)),
        ("week", date(2026, 11, 21), -1, date(2026, 11, 14)),
    ],
    ids=["next-month", "previous-year", "previous-week"],
)
def test_shift(view: str, anchor: date, step: int, expected: date) -> None:
    assert shift(view, anchor, step) == expected


def test_grid_puts_a_change_on_each_day_its_window_touches() -> None:
    tz = timezone(timedelta(hours=8))
    start = datetime(2026, 11, 17, 22, 0, tzinfo=tz)
    windows = [("a", start, start + 4 * H), ("b", start + 10 * H, start + 11 * H)]
    weeks = grid("week", date(2026, 11, 17), windows, tz)
    assert len(weeks) == 1
    by_day = {d.day.day: d.items for d in weeks[0]}
    assert by_day[17] == ["a"] and by_day[18] == ["a", "b"] and by_day[19] == []


NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
KNOWN = {1: "ups-1", 2: "srv-1"}
GOOD = {
    "title": "更换 UPS 电池",
    "plan": "断开旁路, 更换电池组",
    "impact": "A01 机柜由市电直供",
    "risk": "medium",
    "window_start": "2026-11-22T01:00",
    "window_end": "2026-11-22T03:00",
    "backout_plan": "装回旧电池",
    "backup_taken": "on",
}


def test_a_good_request_is_typed() -> None:
    data, errors = validate(GOOD, ["2", "1", "1"], KNOWN, NOW, UTC)
    assert errors == {} and data is not None
    assert data.device_ids == (1, 2) and data.backup_taken and not data.global_impact
    assert data.window_start == datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "devices", "field", "msgid"),
    [
        ({"title": " "}, ["1"], "title", "changes.err.required"),
        ({"title": "x" * 201}, ["1"], "title", "changes.err.too_long"),
        ({"plan": ""}, ["1"], "plan", "changes.err.required"),
        ({"impact": ""}, ["1"], "impact", "changes.err.required"),
        ({"backout_plan": ""}, ["1"], "backout_plan", "changes.err.required"),
        ({"risk": "extreme"}, ["1"], "risk", "changes.err.risk"),
        ({}, [], "devices", "changes.err.no_devices"),
        ({}, ["99"], "devices", "changes.err.unknown_device"),
        ({}, ["ups-1"], "devices", "changes.err.unknown_device"),
        ({"window_start": "tomorrow"}, ["1"], "window_start", "changes.err.bad_time"),
        ({"window_end": ""}, ["1"], "window_end", "changes.err.bad_time"),
        ({"window_end": "2026-11-22T00:00"}, ["1"], "window_end", "changes.err.end_before_start"),
        ({"window_end": "2026-11-22T01:00"}, ["1"], "window_end", "changes.err.end_before_start"),
        ({"window_end": "2027-01-22T01:00"}, ["1"], "window_end", "changes.err.window_too_long"),
        ({"window_start": "2026-11-20T01:00", "window_end": "2026-11-20T02:00"}, ["1"],
         "window_end", "changes.err.window_over"),
        ({"announced_at": "2026-11-30T00:00"}, ["1"], "announced_at",
         "changes.err.announced_future"),
        ({"announced_at": "soon"}, ["1"], "announced_at", "changes.err.bad_time"),
    ],
    ids=["no-title", "long-title", "no-plan", "no-impact", "no-backout", "bad-risk",
         "no-devices", "unknown-device", "device-by-name", "bad-start", "no-end",
         "end-before-start", "end-equals-start", "longer-than-31-days", "window-over",
         "announced-in-future", "bad-announced"],
)  # fmt: skip
def test_bad_fields_are_named(
    change: dict[str, str], devices: list[str], field: str, msgid: str
) -> None:
    data, errors = validate({**GOOD, **change}, devices, KNOWN, NOW, UTC)
    assert data is None and errors[field] == msgid


def test_an_emergency_may_be_recorded_after_its_window() -> None:
    past = {"window_start": "2026-11-20T01:00", "window_end": "2026-11-20T02:00"}
    data, errors = validate({**GOOD, **past, "emergency": "on"}, ["1"], KNOWN, NOW, UTC)
    assert errors == {} and data is not None and data.emergency
