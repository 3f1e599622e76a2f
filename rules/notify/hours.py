"""The local hours a notification route serves: "08:00-20:00", overnight "20:00-08:00" (pure).

A spec is empty (all day) or comma-separated ranges ``HH[:MM]-HH[:MM]``; the start is
included, the end is not; a range whose end is before its start wraps midnight; ``24:00``
may end a range. Specs are validated once when a route is saved (:func:`normalize`).
"""

from __future__ import annotations

import re
from datetime import time

_RANGE = re.compile(r"^(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$")
DAY = 24 * 60


def _minutes(hh: str, mm: str | None, *, end: bool) -> int:
    h, m = int(hh), int(mm or 0)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        raise ValueError(f"{hh}:{mm or '00'} is not a time of day — use 00:00 to 23:59")
    return h * 60 + m


def parse(spec: str) -> tuple[tuple[int, int], ...]:
    """Ranges as (start, end) minutes of the day; () for all day. ValueError names the fix."""
    out = []
    for part in (p.strip() for p in spec.replace("，", ",").split(",")):
        if not part:
            continue
        m = _RANGE.match(part.replace(" ", "").replace("–", "-"))
        if m is None:
            raise ValueError(f"“{part}” is not a range — write it as 08:00-20:00")
        start = _minutes(m.group(1), m.group(2), end=False)
        stop = _minutes(m.group(3), m.group(4), end=True)
        if start == stop or (start == 0 and stop == DAY):
            raise ValueError(f"“{part}” covers the whole day — leave the hours empty instead")
        out.append((start, stop))
    return tuple(out)


def normalize(spec: str) -> str:
    """The canonical text of a valid spec ("8-20" → "08:00-20:00")."""
    return ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in parse(spec))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def covers(ranges: tuple[tuple[int, int], ...], at: time) -> bool:
    """Whether a local time falls in the ranges (empty: always)."""
    if not ranges:
        return True
    t = at.hour * 60 + at.minute
    for start, stop in ranges:
        if (start <= t < stop) if start < stop else (t >= start or t < stop):
            return True
    return False


def in_hours(spec: str, at: time) -> bool:
    """Whether a route with ``spec`` serves local time ``at``. An invalid stored spec serves
    all day: a typo must not silence alarms (it cannot be saved through the dashboard)."""
    try:
        ranges = parse(spec)
    except ValueError:
        return True
    return covers(ranges, at)
