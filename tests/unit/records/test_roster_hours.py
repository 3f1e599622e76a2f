"""Hours as seed 000 §3 gives them (issue 12 point 11): each slot's figure rounded as the
seed prints it, and the five-team average from those figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from records.roster.hours import mean, pattern_average, shown, slot_hours, team_hours
from records.roster.patterns import PATTERNS, average_monthly_hours


@pytest.mark.parametrize(
    ("pattern", "slot", "printed"),
    [
        ("three_plus_two", 0, "172.27"),  # 17 × (30.4 ÷ 3)
        ("three_plus_two", 3, "208.3"),  # 8 × 6 × 4.34 = 208.32, printed 208.3
        ("three_plus_two", 4, "208.3"),
        ("two_shift", 0, "258.4"),  # 17 × 15.2 (seed 000 §1.2)
        ("day_night", 0, "182.4"),
    ],
    ids=["rotating", "day-team-D", "day-team-E", "two-shift", "day-night"],
)
def test_each_slot_is_printed_as_the_seed_prints_it(pattern: str, slot: int, printed: str) -> None:
    assert shown(average_monthly_hours(PATTERNS[pattern], slot)) == printed


def test_day_teams_hours_are_208_3_not_208_32() -> None:
    assert average_monthly_hours(PATTERNS["three_plus_two"], 3) == Decimal("208.3")


def test_five_team_average_is_the_seeds_186_68() -> None:
    p = PATTERNS["three_plus_two"]
    assert slot_hours(p) == [Decimal("172.27")] * 3 + [Decimal("208.3")] * 2
    assert pattern_average(p) == Decimal("186.68")
    # seed 000 §2.4: 258.4 h a month in the two-shift model, 71.72 h less in the "3+2"
    assert pattern_average(PATTERNS["two_shift"]) - pattern_average(p) == Decimal("71.72")


@pytest.mark.parametrize(
    ("hours", "members", "expected"),
    [
        ({"a": Decimal("179"), "b": Decimal("179")}, ["a", "b"], Decimal("179.00")),
        ({"a": Decimal("170"), "b": Decimal("153")}, ["a", "b"], Decimal("161.50")),
        ({"a": Decimal("100")}, ["a", "b", "c"], Decimal("33.33")),
        ({}, [], Decimal("0.00")),
    ],
    ids=["equal", "one-edited", "members-without-shifts", "empty"],
)
def test_team_hours_per_person(
    hours: dict[str, Decimal], members: list[str], expected: Decimal
) -> None:
    assert team_hours(hours, members) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("170.00"), "170"), (Decimal("258.40"), "258.4"), (Decimal("186.68"), "186.68"),
     (Decimal("0.00"), "0"), (Decimal("100"), "100")],
    ids=["whole", "one-decimal", "two-decimals", "zero", "no-decimals"],
)  # fmt: skip
def test_shown_drops_trailing_zeros_only(value: Decimal, text: str) -> None:
    assert shown(value) == text


def test_mean_rounds_half_up() -> None:
    assert mean([Decimal("0.005"), Decimal("0.005")]) == Decimal("0.01")
