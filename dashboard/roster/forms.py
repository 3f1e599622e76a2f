"""Parsing the roster forms: each field checked, errors keyed by field (message ids)."""

from __future__ import annotations

import re
from datetime import date

from records.roster.patterns import DAY, PATTERNS, Pattern, ShiftDef, check_shifts

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class FormError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(errors)


def minutes(text: str) -> int | None:
    m = _HHMM.match(text.strip())
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def pattern_from(form: dict[str, str]) -> tuple[Pattern, list[int]]:
    """The chosen pattern with the shift times as entered, and the team per slot."""
    errors: dict[str, str] = {}
    pattern = PATTERNS.get(form.get("pattern", ""))
    if pattern is None:
        raise FormError({"pattern": "roster.bad_pattern"})
    shifts: list[ShiftDef] = []
    for s in pattern.shifts:
        start = minutes(form.get(f"start_{s.code}", ""))
        end = minutes(form.get(f"end_{s.code}", ""))
        try:
            counted = round(float(form.get(f"hours_{s.code}", "")) * 60)
        except ValueError:
            counted = -1
        if start is None or end is None:
            errors[f"shift_{s.code}"] = "roster.shift_bad_time"
            continue
        length = (end - start) % DAY or DAY  # equal start and end: a 24 h duty day
        if not 0 <= counted <= length:
            errors[f"shift_{s.code}"] = "roster.shift_bad_counted"
            continue
        shifts.append(ShiftDef(s.code, start, length, counted, s.support))
    if not errors:
        bad = check_shifts(tuple(shifts))
        if bad:
            errors["shifts"] = bad[0]
    teams: list[int] = []
    for i in range(len(pattern.slots)):
        value = form.get(f"team_{i}", "")
        if not value.isdigit():
            errors[f"team_{i}"] = "roster.no_team"
        else:
            teams.append(int(value))
    if errors:
        raise FormError(errors)
    return pattern.with_shifts(tuple(shifts)), teams
