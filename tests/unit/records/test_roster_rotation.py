"""Rotation of the "3+2" teams every 30 days (issue 12 point 10; seed 000 §3:
每30天更换1次倒班方式, 5个月为1个循环), pure arithmetic."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest

from records.roster.patterns import EPOCH, PATTERNS, Plan, ShiftDef, plan_from_json, plan_to_json
from records.roster.rotation import (
    ROTATION_DAYS,
    check_rotation,
    cycle,
    expand_rotating,
    next_change,
    period_bounds,
    period_of,
    teams_on,
    turned,
)

P = PATTERNS["three_plus_two"]
TEAMS = ["A", "B", "C", "D", "E"]


def test_every_team_works_every_slot_once_in_five_changes() -> None:
    assert check_rotation(P) == []
    seen = {t: [turned(P, TEAMS, k).index(t) for k in range(5)] for t in TEAMS}
    assert all(sorted(slots) == [0, 1, 2, 3, 4] for slots in seen.values()), seen
    assert turned(P, TEAMS, 5) == TEAMS  # five months: one cycle, back where they began


@pytest.mark.parametrize(
    ("moves", "errors"),
    [
        ((4, 3, 1, 0, 2), []),
        ((1, 2, 3, 4, 0), []),
        ((1, 0, 2, 3, 4), ["roster.rotation_not_one_cycle"]),
        ((0, 0, 1, 2, 3), ["roster.rotation_not_a_permutation"]),
        ((), []),
    ],
    ids=["seed-3+2", "plain-cycle", "two-teams-swap-only", "two-teams-into-one", "none"],
)
def test_check_rotation(moves: tuple[int, ...], errors: list[str]) -> None:
    assert check_rotation(replace(P, rotation=moves)) == errors


@pytest.mark.parametrize(
    ("day", "change"),
    [
        (date(2026, 11, 1), date(2026, 11, 12)),
        (date(2026, 11, 11), date(2026, 11, 12)),
        (date(2026, 11, 12), date(2026, 12, 12)),
        (date(2027, 2, 28), date(2027, 3, 12)),
    ],
    ids=["month-start", "day-before", "change-day", "february"],
)
def test_changes_come_every_30_days_on_a_duty_cycle_start(day: date, change: date) -> None:
    assert next_change(day) == change
    first, last = period_bounds(period_of(day))
    assert first <= day <= last and (last - first).days == ROTATION_DAYS - 1
    assert (change - EPOCH).days % 6 == 0  # a whole number of 6-day duty cycles


def test_teams_on_a_day_follow_from_the_first_of_the_month() -> None:
    first = date(2026, 11, 1)
    assert teams_on(P, TEAMS, first, date(2026, 11, 11)) == TEAMS
    assert teams_on(P, TEAMS, first, date(2026, 11, 12)) == ["D", "C", "E", "B", "A"]
    assert teams_on(P, TEAMS, first, date(2026, 12, 12)) == turned(P, TEAMS, 2)
    assert teams_on(PATTERNS["three_shift"], TEAMS[:3], first, date(2027, 3, 1)) == TEAMS[:3]


def test_a_rotating_month_changes_slots_on_the_day_of_the_change() -> None:
    cells = expand_rotating(P, [[t.lower()] for t in TEAMS], date(2026, 11, 1),
                            date(2026, 11, 30))  # fmt: skip
    code = {(c.username, c.day): c.code for c in cells}
    assert code[("a", date(2026, 11, 7))] == "A" and code[("d", date(2026, 11, 7))] == "D"
    assert code[("a", date(2026, 11, 12))] == "D" and code[("d", date(2026, 11, 12))] == "A"
    # every day still has one team on the 24 h duty
    for n in range(1, 31):
        day = date(2026, 11, n)
        assert sum(1 for c in cells if c.day == day and not c.support) == 1, day


def test_a_whole_cycle_keeps_rest_between_duties() -> None:
    """Over five changes nobody works more than two 24 h duties in a row (a pair, as the
    seed's 上班2天), and otherwise nobody starts a shift within 14 h of the last one's end."""
    first = period_bounds(period_of(date(2026, 11, 1)))[0] - timedelta(days=1)
    cells = expand_rotating(P, [[t] for t in TEAMS], first, first + timedelta(days=5 * 30 + 2))
    for person in TEAMS:
        own = sorted((c for c in cells if c.username == person), key=lambda c: c.start)
        in_pair = False
        for a, b in itertools.pairwise(own):
            rest = b.start - a.end
            if a.code == b.code == "A" and rest == timedelta(0):
                assert not in_pair, f"{person}: three duties in a row to {b.day}"
                in_pair = True
                continue
            in_pair = False
            assert rest >= timedelta(hours=14), (person, a.day, b.day)


def test_cycle_shows_the_five_periods_with_each_teams_slot() -> None:
    periods = cycle(P, TEAMS, date(2026, 11, 1), date(2026, 11, 20))
    assert [p.step for p in periods] == [1, 2, 3, 4, 5]
    now = next(p for p in periods if p.first <= date(2026, 11, 20) <= p.last)
    assert now.first == date(2026, 11, 12) and now.slot_of("A") == 4
    for a, b in itertools.pairwise(periods):
        assert b.first == a.last + timedelta(days=1)
    assert sorted(p.slot_of("C") for p in periods) == [0, 1, 2, 3, 4]
    assert cycle(PATTERNS["three_shift"], TEAMS[:3], date(2026, 11, 1), date(2026, 11, 1)) == []


@pytest.mark.parametrize(
    ("plan"),
    [Plan((ShiftDef("A", 480, 1440, 1020),), (3, 1, 2), True),
     Plan((ShiftDef("D", 510, 540, 480, True),))],
    ids=["with-teams", "shifts-only"],
)  # fmt: skip
def test_plan_round_trip(plan: Plan) -> None:
    assert plan_from_json(plan_to_json(plan)) == plan


def test_plan_of_a_month_drafted_before_rotation_is_its_shifts() -> None:
    assert plan_from_json('[["A", 480, 1440, 1020, false]]') == Plan(
        (ShiftDef("A", 480, 1440, 1020),)
    )
