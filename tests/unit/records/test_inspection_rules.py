"""Pure inspection logic: judging items against standards, rounds and due times, completeness."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from records.inspection.completeness import ItemState, gaps, item_gaps, sheet_result
from records.inspection.rounds import (
    current_round,
    due_by,
    format_rounds,
    is_overdue,
    parse_rounds,
    slot_key,
)
from records.inspection.standards import (
    Outcome,
    Point,
    Standard,
    check_standard,
    judge,
    passes,
    relevant,
    standard_text,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
AGE = timedelta(minutes=5)
FRESH = NOW - timedelta(seconds=20)
OLD = NOW - timedelta(hours=1)


def pt(value: float | None = None, text: str | None = None, instance: str = "",
       ts: datetime = FRESH) -> Point:  # fmt: skip
    return Point(instance, value, text, ts)


BELOW_60 = Standard("below", high=60)
RUNTIME = Standard("above", low=15)
INLET = Standard("range", low=18, high=27)
RH = Standard("range", high=60)
UP = Standard("text", expect="up")


@pytest.mark.parametrize(
    ("std", "points", "outcome", "reading"),
    [
        (BELOW_60, [pt(42)], Outcome.PASS, "42%"),
        (BELOW_60, [pt(60)], Outcome.FAIL, "60%"),
        (BELOW_60, [pt(30, instance="1"), pt(75, instance="2")], Outcome.FAIL, "2: 75%"),
        (RUNTIME, [pt(38)], Outcome.PASS, "38%"),
        (RUNTIME, [pt(15)], Outcome.FAIL, "15%"),
        (INLET, [pt(18), pt(26, instance="b")], Outcome.PASS, "18%"),
        (INLET, [pt(17.5)], Outcome.FAIL, "17.5%"),
        (INLET, [pt(29.5)], Outcome.FAIL, "29.5%"),
        (RH, [pt(60)], Outcome.PASS, "60%"),
        (RH, [pt(61)], Outcome.FAIL, "61%"),
        (UP, [pt(1, "up", "p1"), pt(1, "UP", "p2")], Outcome.PASS, "up ×2"),
        (UP, [pt(1, "up", "p1"), pt(2, "down", "p2")], Outcome.FAIL, "p2: down"),
        (BELOW_60, [], Outcome.NODATA, "—"),
        (BELOW_60, [pt(42, ts=OLD)], Outcome.NODATA, "—"),
        (BELOW_60, [pt(None)], Outcome.NODATA, "—"),
        (UP, [pt(1, None)], Outcome.NODATA, "—"),
        (BELOW_60, [pt(42), pt(43, instance="x", ts=OLD)], Outcome.NODATA, "—"),
        (BELOW_60, [pt(80), pt(43, instance="x", ts=OLD)], Outcome.FAIL, "80%"),
    ],
    ids=[
        "ups-load-ok", "ups-load-at-limit-fails", "one-line-over", "runtime-ok",
        "runtime-at-limit-fails", "inlet-bounds-inclusive", "inlet-too-cold", "inlet-too-hot",
        "rh-at-60-ok", "rh-61-fails", "ports-up", "port-down-named", "no-reading",
        "stale-is-no-data-not-pass", "null-value", "enum-without-text", "one-instance-stale",
        "fresh-failure-wins-over-stale",
    ],
)  # fmt: skip
def test_judge(std: Standard, points: list[Point], outcome: Outcome, reading: str) -> None:
    got = judge(std, points, NOW, AGE, "%")
    assert got.outcome is outcome
    assert got.reading == reading


@pytest.mark.parametrize(
    ("std", "value", "text", "expected"),
    [
        (Standard("below", high=60), 59.9, None, True),
        (Standard("above", low=15), None, None, None),
        (Standard("text", expect="normal, ok"), None, " OK ", True),
        (Standard("text", expect="normal"), 3, None, None),
        (Standard("range", low=18), 17, None, False),
        (Standard("nonsense"), 1, None, None),
    ],
    ids=["below", "no-value", "text-list-case-blank", "text-needs-text", "open-high", "bad-op"],
)
def test_passes(
    std: Standard, value: float | None, text: str | None, expected: bool | None
) -> None:
    assert passes(std, value, text) is expected


@pytest.mark.parametrize(
    ("std", "problem"),
    [
        (Standard("below", high=60), ""),
        (Standard("below"), "inspection.std.need_high"),
        (Standard("above"), "inspection.std.need_low"),
        (Standard("range"), "inspection.std.need_bound"),
        (Standard("range", low=30, high=20), "inspection.std.low_above_high"),
        (Standard("text", expect=" , "), "inspection.std.need_expect"),
        (Standard("equals", expect="x"), "inspection.std.bad_op"),
    ],
    ids=["ok", "below-no-high", "above-no-low", "range-no-bound", "inverted", "blank-text", "op"],
)
def test_check_standard(std: Standard, problem: str) -> None:
    assert check_standard(std) == problem


@pytest.mark.parametrize(
    ("std", "unit", "text"),
    [
        (Standard("below", high=60), "%", "< 60%"),
        (Standard("above", low=15), "min", "> 15 min"),
        (Standard("range", low=18, high=27), "°C", "18–27°C"),
        (Standard("range", high=60), "%", "≤ 60%"),
        (Standard("range", low=5.5), "°C", "≥ 5.5°C"),
        (Standard("text", expect="up"), "", "= up"),
    ],
    ids=["below", "above", "range", "at-most", "at-least", "text"],
)
def test_standard_text(std: Standard, unit: str, text: str) -> None:
    assert standard_text(std, unit) == text


def test_admin_down_ports_do_not_count() -> None:
    points = [pt(1, "up", "p1"), pt(2, "down", "p2")]
    assert relevant("if_oper_status", points, {"p2": "down"}) == [points[0]]
    assert relevant("env_temperature_celsius", points, {"p2": "down"}) == points


@pytest.mark.parametrize(
    ("spec", "rounds"),
    [
        ("09:00", (time(9),)),
        ("21:00, 9:00", (time(9), time(21))),
        ("09:00，09:00,", (time(9),)),
    ],
    ids=["one", "two-sorted", "fullwidth-comma-duplicate"],
)
def test_parse_rounds(spec: str, rounds: tuple[time, ...]) -> None:
    assert parse_rounds(spec) == rounds
    assert parse_rounds(format_rounds(rounds)) == rounds


@pytest.mark.parametrize(
    "spec", ["", "9", "24:00", "09:60", "nine", "1:00,2:00,3:00,4:00,5:00,6:00,7:00"],
    ids=["empty", "no-minutes", "hour-24", "minute-60", "words", "too-many"],
)  # fmt: skip
def test_parse_rounds_refuses(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_rounds(spec)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 21, 8, 59, tzinfo=UTC), None),
        (datetime(2026, 11, 21, 9, 0, tzinfo=UTC), datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 21, 20, 0, tzinfo=UTC), datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 21, 23, 5, 7, tzinfo=UTC), datetime(2026, 11, 21, 21, 0, tzinfo=UTC)),
    ],
    ids=["before-first-round", "at-the-round", "between-rounds", "after-the-last"],
)
def test_current_round(now: datetime, expected: datetime | None) -> None:
    assert current_round((time(9), time(21)), now) == expected


def test_slot_and_due_time() -> None:
    start = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert slot_key("A101", start) == "A101@2026-11-21T09:00"
    due = due_by(start, 4)
    assert due == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    assert not is_overdue(due, None, due)
    assert is_overdue(due, None, due + timedelta(seconds=1))
    assert not is_overdue(due, start, due + timedelta(days=1))


@pytest.mark.parametrize(
    ("item", "missing"),
    [
        (ItemState(1, "pass"), []),
        (ItemState(1, ""), ["inspection.gap.no_result"]),
        (ItemState(1, "nodata"), ["inspection.gap.no_result"]),
        (ItemState(1, "fail"), ["inspection.gap.no_note", "inspection.gap.no_reported"]),
        (ItemState(1, "fail", "  "), ["inspection.gap.no_note", "inspection.gap.no_reported"]),
        (ItemState(1, "fail", "已更换风扇"), ["inspection.gap.no_reported"]),
        (ItemState(1, "fail", "已更换风扇", "no"), []),
        (ItemState(1, "fail", "已更换风扇", "yes"), []),
        (ItemState(1, "fail", "已更换风扇", "maybe"), ["inspection.gap.no_reported"]),
    ],
    ids=["pass", "unset", "no-data-needs-a-tick", "fail-bare", "fail-blank-note",
         "fail-not-said-if-reported", "fail-not-reported", "fail-reported", "bad-reported"],
)  # fmt: skip
def test_item_gaps(item: ItemState, missing: list[str]) -> None:
    assert item_gaps(item) == missing


@pytest.mark.parametrize(
    ("results", "overall", "signable"),
    [
        (["pass", "pass"], "pass", True),
        (["pass", ""], "pending", False),
        (["fail", ""], "abnormal", False),
        ([], "pending", False),
    ],
    ids=["all-pass", "one-open", "one-abnormal", "empty"],
)
def test_sheet_result_and_signable(results: list[str], overall: str, signable: bool) -> None:
    items = [ItemState(n, r) for n, r in enumerate(results)]
    assert sheet_result(items) == overall
    assert (gaps(items) == []) is signable


@pytest.mark.parametrize(
    ("metric", "unit"),
    [("env_humidity_percent", "%"), ("env_temperature_celsius", "°C"),
     ("ups_battery_runtime_minutes", "min"), ("if_oper_status", "")],
    ids=["percent", "celsius", "minutes", "enum"],
)  # fmt: skip
def test_unit_of_a_metric_without_reading(metric: str, unit: str) -> None:
    from records.inspection.sheets import unit_of

    assert unit_of(metric) == unit
