"""Teams changing slots every 30 days (pure arithmetic, no I/O).

Seed 000 §3 (the "3+2" model): 每30天更换1次倒班方式, 5个月为1个循环 — every 30 days each
team moves to another slot, and after five changes every team has worked every slot (three
turns of the rotating duty and both day-team weeks) and the teams are back where they began.

Periods are counted from the patterns' epoch like the duty cycle itself: period ``k`` is the
30 days from ``EPOCH + 30·k``. A period is five whole 6-day duty cycles, so every change falls
on the first day of a cycle and a month continues the periods of the one before it.

A pattern's ``rotation`` says, for each slot, the slot its team takes at the next change.
Teams are given as they stand on a month's first day; later days follow from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from records.roster.patterns import EPOCH, Cell, Pattern, expand

ROTATION_DAYS = 30  # seed 000 §3: 每30天更换1次倒班方式

T = TypeVar("T")


def period_of(day: date) -> int:
    """The number of the 30-day period ``day`` falls in (counted from the epoch)."""
    return (day - EPOCH).days // ROTATION_DAYS


def period_bounds(period: int) -> tuple[date, date]:
    """First and last day of a period."""
    first = EPOCH + timedelta(days=period * ROTATION_DAYS)
    return first, first + timedelta(days=ROTATION_DAYS - 1)


def check_rotation(pattern: Pattern) -> list[str]:
    """Message ids of what is wrong with a pattern's rotation (empty: fine, or none).

    The moves must send every slot's team to one slot each, in one cycle through all the
    slots: otherwise some team would never work some slot.
    """
    moves = pattern.rotation
    if not moves:
        return []
    if sorted(moves) != list(range(len(pattern.slots))):
        return ["roster.rotation_not_a_permutation"]
    slot, seen = 0, 0
    while True:
        slot, seen = moves[slot], seen + 1
        if slot == 0:
            break
    return [] if seen == len(moves) else ["roster.rotation_not_one_cycle"]


def turned(pattern: Pattern, teams: Sequence[T], changes: int) -> list[T]:
    """``teams`` (one per slot) after ``changes`` changes of the pattern's rotation."""
    out = list(teams)
    if not pattern.rotation:
        return out
    for _ in range(changes % len(out)):
        moved = list(out)
        for slot, team in enumerate(out):
            moved[pattern.rotation[slot]] = team
        out = moved
    return out


def teams_on(pattern: Pattern, teams: Sequence[T], first: date, day: date) -> list[T]:
    """The team of each slot on ``day``, given the teams of each slot on ``first``."""
    return turned(pattern, teams, period_of(day) - period_of(first))


def expand_rotating(
    pattern: Pattern, teams: list[list[str]], first: date, last: date
) -> list[Cell]:
    """Like :func:`expand`, with the teams (as they stand on ``first``) changing slots at
    each change of period between ``first`` and ``last``."""
    cells: list[Cell] = []
    start = first
    while start <= last:
        end = min(last, period_bounds(period_of(start))[1])
        cells.extend(expand(pattern, teams_on(pattern, teams, first, start), start, end))
        start = end + timedelta(days=1)
    return cells


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a rotation cycle: its place in the cycle (1..n), days, team per slot."""

    step: int
    first: date
    last: date
    teams: tuple[str, ...]

    def slot_of(self, team: str) -> int:
        return self.teams.index(team)


def cycle(pattern: Pattern, teams: Sequence[str], first: date, day: date) -> list[Period]:
    """The periods of the rotation cycle that ``day`` falls in, given the teams of each
    slot on ``first`` (empty when the pattern does not rotate)."""
    if not pattern.rotation:
        return []
    length = len(pattern.rotation)
    start = period_of(day) - period_of(day) % length
    return [
        Period(k - start + 1, *period_bounds(k), tuple(teams_on(pattern, teams, first,
                                                                 period_bounds(k)[0])))
        for k in range(start, start + length)
    ]  # fmt: skip


def next_change(day: date) -> date:
    """The first day after ``day`` on which the teams change slots."""
    return period_bounds(period_of(day) + 1)[0]
