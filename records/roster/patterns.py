"""Shift definitions and rotation patterns as data, and their pure arithmetic (no I/O).

A pattern has team slots; each slot follows a rule: a cycle of shift codes counted from a
fixed epoch (so one month continues the cycle of the previous one), or a week of codes
(Monday first). "" is a rest day. Times are minutes after local midnight; a shift may
cross midnight. ``counted`` is the credited working time (有效工作时间), which may be
less than the span (seed 000 §1.2 credits a 24 h duty day with 17 h, §3 an 08:30–17:30
day with 8 h).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

DAY = 24 * 60
EPOCH = date(2000, 1, 3)  # a Monday: cycles are counted from here, month after month
# seed 000 §3: a month is 30.4 days on average, 4.34 weeks (30.4 ÷ 7 as the seed rounds it)
DAYS_PER_MONTH = Decimal("30.4")
WEEKS_PER_MONTH = Decimal("4.34")


@dataclass(frozen=True, slots=True)
class ShiftDef:
    code: str
    start: int  # minutes after midnight
    length: int  # minutes, 1..1440
    counted: int  # credited minutes
    support: bool = False  # a day-team shift beside the rotation: not a handover slot

    @property
    def end(self) -> int:
        return (self.start + self.length) % DAY

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """Naive local start and end of this shift on ``day`` (the day it starts)."""
        start = datetime.combine(day, time()) + timedelta(minutes=self.start)
        return start, start + timedelta(minutes=self.length)


@dataclass(frozen=True, slots=True)
class TeamRule:
    kind: Literal["cycle", "week"]
    codes: tuple[str, ...]

    def code_on(self, day: date) -> str:
        if self.kind == "week":
            return self.codes[day.weekday()]
        return self.codes[(day - EPOCH).days % len(self.codes)]


@dataclass(frozen=True, slots=True)
class Pattern:
    code: str
    shifts: tuple[ShiftDef, ...]
    slots: tuple[TeamRule, ...]
    # at each change of rotation (records.roster.rotation), the slot each slot's team takes;
    # empty: the teams keep their slots
    rotation: tuple[int, ...] = ()

    def shift(self, code: str) -> ShiftDef:
        return next(s for s in self.shifts if s.code == code)

    def with_shifts(self, shifts: tuple[ShiftDef, ...]) -> Pattern:
        return replace(self, shifts=shifts)


@dataclass(frozen=True, slots=True)
class Plan:
    """How a month was drafted: its shifts, the team (id) of each slot on the month's first
    day, and whether the teams change slots every 30 days (records.roster.rotation)."""

    shifts: tuple[ShiftDef, ...]
    slot_teams: tuple[int, ...] = ()
    rotates: bool = False


def plan_to_json(plan: Plan) -> str:
    shifts = [[s.code, s.start, s.length, s.counted, s.support] for s in plan.shifts]
    return json.dumps({"shifts": shifts, "slot_teams": list(plan.slot_teams),
                       "rotates": plan.rotates})  # fmt: skip


def plan_from_json(text: str) -> Plan:
    """A stored plan; a month drafted before teams were kept holds its shift list only."""
    data = json.loads(text)
    if isinstance(data, list):
        return Plan(_shifts(data))
    teams = tuple(int(t) for t in data.get("slot_teams", []))
    return Plan(_shifts(data["shifts"]), teams, bool(data.get("rotates", False)))


def _shifts(rows: list[list[object]]) -> tuple[ShiftDef, ...]:
    return tuple(ShiftDef(str(c), int(str(a)), int(str(n)), int(str(k)), bool(sp))
                 for c, a, n, k, sp in rows)  # fmt: skip


def _cycle(*codes: str) -> TeamRule:
    return TeamRule("cycle", codes)


def _week(codes: str) -> TeamRule:
    return TeamRule("week", tuple("" if c == "-" else c for c in codes))


_DUTY24 = ShiftDef("A", 8 * 60, DAY, 17 * 60)  # 24 h duty day credited 17 h (seed 000 §1.2)
_OFFICE = ShiftDef("D", 8 * 60 + 30, 9 * 60, 8 * 60, support=True)  # 行政班 08:30–17:30

PATTERNS: dict[str, Pattern] = {
    # 白夜休休: 12 h day and night shifts, four teams
    "day_night": Pattern(
        "day_night",
        (ShiftDef("D", 8 * 60, 12 * 60, 12 * 60), ShiftDef("N", 20 * 60, 12 * 60, 12 * 60)),
        (
            _cycle("D", "N", "", ""),
            _cycle("", "D", "N", ""),
            _cycle("", "", "D", "N"),
            _cycle("N", "", "", "D"),
        ),
    ),
    # 两班倒 (seed 000 §1.2): two teams, four duty days on, four off
    "two_shift": Pattern(
        "two_shift",
        (_DUTY24,),
        (_cycle(*"AAAA", "", "", "", ""), _cycle("", "", "", "", *"AAAA")),
    ),
    # 三班倒 (seed 000 §3): three teams, two duty days on, four off
    "three_shift": Pattern(
        "three_shift",
        (_DUTY24,),
        (
            _cycle("A", "A", "", "", "", ""),
            _cycle("", "", "A", "A", "", ""),
            _cycle("", "", "", "", "A", "A"),
        ),
    ),
    # "3+2" (seed 000 §3): the three rotating teams plus two day teams, D Monday to
    # Saturday, E Sunday to Friday
    "three_plus_two": Pattern(
        "three_plus_two",
        (_DUTY24, _OFFICE),
        (
            _cycle("A", "A", "", "", "", ""),
            _cycle("", "", "A", "A", "", ""),
            _cycle("", "", "", "", "A", "A"),
            _week("DDDDDD-"),
            _week("DDDDD-D"),
        ),
        # every 30 days (seed 000 §3) the teams move 1st turn → E → 3rd turn → 2nd turn → D →
        # 1st turn. A change falls on a cycle's first day, just after the 3rd turn worked:
        # so no team works two turns back to back or a day shift right after a 24 h duty, and
        # D and E never follow each other (twelve day shifts in a row). Five changes: a cycle.
        rotation=(4, 3, 1, 0, 2),
    ),
}


def check_shifts(shifts: tuple[ShiftDef, ...]) -> list[str]:
    """Message ids of what is wrong with a set of shift definitions (empty: fine).

    Rotation shifts must not overlap on the 24 h clock (one handover per change); support
    shifts run beside them and are only checked for their own bounds.
    """
    errors: list[str] = []
    codes = [s.code for s in shifts]
    if len(set(codes)) != len(codes):
        errors.append("roster.shift_code_twice")
    for s in shifts:
        if not 0 <= s.start < DAY or not 0 < s.length <= DAY:
            errors.append("roster.shift_bad_time")
        elif not 0 <= s.counted <= s.length:
            errors.append("roster.shift_bad_counted")
    rotation = [s for s in shifts if not s.support]
    used = sum(s.length for s in rotation)
    if used > DAY or any(_overlap(a, b) for i, a in enumerate(rotation) for b in rotation[:i]):
        errors.append("roster.shift_overlap")
    return errors


def _overlap(a: ShiftDef, b: ShiftDef) -> bool:
    """Do two shifts overlap on the 24 h clock (a shift crossing midnight wraps)?"""

    def covers(s: ShiftDef, minute: int) -> bool:
        return (minute - s.start) % DAY < s.length

    return covers(a, b.start) or covers(b, a.start)


@dataclass(frozen=True, slots=True)
class Cell:
    """One person's shift on one day (the day it starts)."""

    day: date
    username: str
    code: str
    start: datetime  # naive local
    end: datetime
    counted: int
    support: bool = False


def expand(pattern: Pattern, teams: list[list[str]], first: date, last: date) -> list[Cell]:
    """The cells of ``teams`` (one list of people per slot) from ``first`` to ``last``."""
    if len(teams) != len(pattern.slots):
        raise ValueError("one team per slot")
    cells: list[Cell] = []
    day = first
    while day <= last:
        for rule, people in zip(pattern.slots, teams, strict=True):
            code = rule.code_on(day)
            if not code:
                continue
            shift = pattern.shift(code)
            start, end = shift.bounds(day)
            cells.extend(
                Cell(day, p, code, start, end, shift.counted, shift.support) for p in people
            )
        day += timedelta(days=1)
    return cells


def conflicts(cells: list[Cell]) -> list[tuple[str, date]]:
    """(person, day) where a person is in two places at once: two cells overlapping."""
    by_person: dict[str, list[Cell]] = {}
    for c in cells:
        by_person.setdefault(c.username, []).append(c)
    out: list[tuple[str, date]] = []
    for person, own in sorted(by_person.items()):
        own.sort(key=lambda c: (c.start, c.end))
        for a, b in itertools.pairwise(own):
            if b.start < a.end or b.day == a.day:
                out.append((person, b.day))
    return out


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


def month_hours(cells: list[Cell]) -> dict[str, Decimal]:
    """Credited hours per person over the given cells."""
    total: dict[str, int] = {}
    for c in cells:
        total[c.username] = total.get(c.username, 0) + c.counted
    return {p: hours(m) for p, m in total.items()}


def average_monthly_hours(pattern: Pattern, slot: int) -> Decimal:
    """Credited hours a month of one slot, on average over the year, as seed 000 §3 gives
    them: a cycle's credited time × 30.4 days ÷ cycle length to 0.01 h (17 × 30.4 ÷ 3 =
    172.27); a week's × 4.34 weeks to 0.1 h (8 × 6 × 4.34 = 208.3), since 4.34 is itself
    rounded (±0.005 week × 48 h = ±0.24 h: a second decimal would claim more than it knows)."""
    rule = pattern.slots[slot]
    minutes = sum(pattern.shift(c).counted for c in rule.codes if c)
    if rule.kind == "week":
        per, step = WEEKS_PER_MONTH, Decimal("0.1")
    else:
        per, step = DAYS_PER_MONTH / len(rule.codes), Decimal("0.01")
    return (Decimal(minutes) / 60 * per).quantize(step, ROUND_HALF_UP)


def month_days(month: str) -> tuple[date, date]:
    """First and last day of "YYYY-MM" (ValueError when malformed)."""
    year, _, mon = month.partition("-")
    if len(year) != 4 or len(mon) != 2:
        raise ValueError(month)
    first = date(int(year), int(mon), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def next_month(day: date) -> str:
    return f"{day.year + day.month // 12:04d}-{day.month % 12 + 1:02d}"


def due_state(today: date, next_published: bool) -> str:
    """'' when the next month is published; 'due' before the 25th, 'overdue' from it."""
    if next_published:
        return ""
    return "overdue" if today.day >= 25 else "due"
