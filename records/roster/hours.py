"""Hours the way seed 000 §3 counts and prints them (pure, no I/O).

The seed gives each slot's monthly hours (172.27 h for a rotating team, 208.3 h for a day
team: :func:`records.roster.patterns.average_monthly_hours`), then averages the five teams
from those printed figures: 172.27 × 3/5 + 208.3 × 2/5 = 186.68 h. With the day teams'
unrounded 208.32 it would be 186.69, not the seed's figure. Over a whole rotation cycle each
team works every slot once, so the average is also each team's own monthly average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from records.roster.patterns import Pattern, average_monthly_hours

CENT = Decimal("0.01")


def slot_hours(pattern: Pattern) -> list[Decimal]:
    """Each slot's monthly hours as the seed prints them."""
    return [average_monthly_hours(pattern, slot) for slot in range(len(pattern.slots))]


def pattern_average(pattern: Pattern) -> Decimal:
    """The average over the pattern's teams (one per slot) of their printed monthly hours."""
    return mean(slot_hours(pattern))


def mean(values: Sequence[Decimal]) -> Decimal:
    """The mean to 0.01 h, half up as the seed rounds (0 when there is nothing)."""
    if not values:
        return Decimal(0).quantize(CENT)
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP)


def team_hours(hours: Mapping[str, Decimal], members: Sequence[str]) -> Decimal:
    """A team's hours per person: the mean of its members' (a member without shifts: 0)."""
    return mean([hours.get(m, Decimal(0)) for m in members])


def shown(value: Decimal) -> str:
    """A figure as the seed prints it, without trailing zeros: 258.4, 172.27, 170."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
