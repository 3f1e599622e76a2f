"""Roster arithmetic (pure): the seed's hours, pattern expansion, overlaps, due dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from records.roster.patterns import (
    PATTERNS,
    Cell,
    ShiftDef,
    average_monthly_hours,
    check_shifts,
    conflicts,
    due_state,
    expand,
    month_days,
    month_hours,
    next_month,
)


@pytest.mark.parametrize(
    ("pattern", "slot", "places", "expected"),
    [
        # seed 000 §3: 17 × (30.4 ÷ 3) = 172.27 h for the rotating teams
        ("three_plus_two", 0, 2, Decimal("172.27")),
        ("three_plus_two", 2, 2, Decimal("172.27")),
        ("three_shift", 1, 2, Decimal("172.27")),
        # seed 000 §3: 8 × 6 × 4.34 = 208.3 h for the day teams
        ("three_plus_two", 3, 1, Decimal("208.3")),
        ("three_plus_two", 4, 1, Decimal("208.3")),
        # seed 000 §1.2: 17 × 15.2 = 258.4 h in the old two-shift model
        ("two_shift", 0, 1, Decimal("258.4")),
        ("day_night", 0, 1, Decimal("182.4")),
    ],
    ids=["3+2-rotating-A", "3+2-rotating-C", "three-shift", "3+2-day-D", "3+2-day-E",
         "two-shift-seed-1.2", "day-night-12h"],
)  # fmt: skip
def test_average_monthly_hours_reproduce_the_seed(
    pattern: str, slot: int, places: int, expected: Decimal
) -> None:
    assert round(average_monthly_hours(PATTERNS[pattern], slot), places) == expected


def test_three_plus_two_average_of_all_five_teams_is_the_seeds() -> None:
    p = PATTERNS["three_plus_two"]
    # seed: 172.27 × 3/5 + 208.3 × 2/5 = 186.68, each team's figure rounded as the seed does
    rotating = round(average_monthly_hours(p, 0), 2)
    day = round(average_monthly_hours(p, 3), 1)
    assert round(rotating * 3 / 5 + day * 2 / 5, 2) == Decimal("186.68")


def test_builtin_patterns_are_valid() -> None:
    for p in PATTERNS.values():
        assert check_shifts(p.shifts) == [], p.code


def _s(code: str, start: str, end: str, support: bool = False) -> ShiftDef:
    a = int(start[:2]) * 60 + int(start[3:])
    b = int(end[:2]) * 60 + int(end[3:])
    length = (b - a) % 1440 or 1440
    return ShiftDef(code, a, length, length, support)


@pytest.mark.parametrize(
    ("shifts", "errors"),
    [
        ((_s("D", "08:00", "20:00"), _s("N", "20:00", "08:00")), []),
        ((_s("D", "08:00", "20:00"), _s("N", "19:00", "08:00")), ["roster.shift_overlap"]),
        ((_s("D", "08:00", "20:00"), _s("N", "20:00", "09:00")), ["roster.shift_overlap"]),
        ((_s("D", "08:00", "16:00"), _s("E", "16:00", "00:00"), _s("N", "00:00", "08:00")), []),
        ((_s("A", "08:00", "08:00"), _s("D", "08:30", "17:30", support=True)), []),
        ((_s("A", "08:00", "08:00"), _s("D", "08:30", "17:30")), ["roster.shift_overlap"]),
        ((_s("D", "08:00", "20:00"), _s("D", "20:00", "08:00")), ["roster.shift_code_twice"]),
        ((ShiftDef("D", 480, 600, 700),), ["roster.shift_bad_counted"]),
        ((ShiftDef("D", 1500, 60, 60),), ["roster.shift_bad_time"]),
    ],
    ids=["day-night", "night-starts-early", "night-ends-late", "three-8h", "24h-plus-support",
         "24h-plus-rotation-day", "code-twice", "counted-above-length", "start-past-midnight"],
)  # fmt: skip
def test_check_shifts(shifts: tuple[ShiftDef, ...], errors: list[str]) -> None:
    assert check_shifts(shifts) == errors


def test_expand_three_plus_two_covers_every_day_with_one_rotating_team() -> None:
    p = PATTERNS["three_plus_two"]
    teams = [["a"], ["b"], ["c"], ["d"], ["e"]]
    first, last = month_days("2026-11")
    cells = expand(p, teams, first, last)
    for n in range(1, 31):
        day = date(2026, 11, n)
        on = {c.username for c in cells if c.day == day and not c.support}
        assert len(on) == 1, day
    # D works Monday to Saturday, E Sunday to Friday
    assert not any(c.username == "d" and c.day.weekday() == 6 for c in cells)
    assert not any(c.username == "e" and c.day.weekday() == 5 for c in cells)
    assert conflicts(cells) == []
    # a 24 h duty day crosses midnight and is credited 17 h
    a = next(c for c in cells if c.code == "A")
    assert (a.end - a.start).total_seconds() == 24 * 3600 and a.counted == 17 * 60


def test_cycle_continues_across_months() -> None:
    p = PATTERNS["three_shift"]
    oct_ = expand(p, [["a"], ["b"], ["c"]], *month_days("2026-10"))
    nov = expand(p, [["a"], ["b"], ["c"]], *month_days("2026-11"))
    last_oct = [c.username for c in oct_ if c.day == date(2026, 10, 31)]
    first_nov = [c.username for c in nov if c.day == date(2026, 11, 1)]
    both = expand(p, [["a"], ["b"], ["c"]], date(2026, 10, 31), date(2026, 11, 1))
    assert [c.username for c in both] == last_oct + first_nov


def _cell(person: str, day: int, start: int, end: int) -> Cell:
    """A cell of ``person`` on ``day`` from hour ``start`` to hour ``end`` (past 24: next day)."""
    base = datetime(2026, 11, day)
    return Cell(base.date(), person, "X", base + timedelta(hours=start),
                base + timedelta(hours=end), 60)  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([_cell("a", 1, 8, 20), _cell("a", 1, 20, 32)], [("a", date(2026, 11, 1))]),
        ([_cell("a", 1, 20, 32), _cell("a", 2, 8, 20)], []),
        ([_cell("a", 1, 8, 32), _cell("a", 2, 7, 19)], [("a", date(2026, 11, 2))]),
        ([_cell("a", 1, 8, 20), _cell("b", 1, 8, 20)], []),
    ],
    ids=["two-shifts-one-day", "night-then-day-back-to-back", "24h-into-next-day", "two-people"],
)
def test_conflicts(cells: list[Cell], expected: list[tuple[str, date]]) -> None:
    assert conflicts(cells) == expected


def test_month_hours_sums_credited_time() -> None:
    cells = [_cell("a", 1, 8, 20), _cell("a", 3, 8, 20), _cell("b", 2, 8, 20)]
    assert month_hours(cells) == {"a": Decimal("2.00"), "b": Decimal("1.00")}


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [("2026-02", date(2026, 2, 1), date(2026, 2, 28)), ("2024-02", date(2024, 2, 1),
     date(2024, 2, 29)), ("2026-12", date(2026, 12, 1), date(2026, 12, 31))],
    ids=["february", "leap-february", "december"],
)  # fmt: skip
def test_month_days(month: str, first: date, last: date) -> None:
    assert month_days(month) == (first, last)


@pytest.mark.parametrize(
    ("today", "published", "state", "nxt"),
    [
        (date(2026, 11, 24), False, "due", "2026-12"),
        (date(2026, 11, 25), False, "overdue", "2026-12"),
        (date(2026, 12, 30), False, "overdue", "2027-01"),
        (date(2026, 11, 26), True, "", "2026-12"),
    ],
    ids=["before-25th", "on-25th", "december", "published"],
)
def test_due_state(today: date, published: bool, state: str, nxt: str) -> None:
    assert due_state(today, published) == state
    assert next_month(today) == nxt
