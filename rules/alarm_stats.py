"""Acknowledgement and resolution times per person, day and shift (pure).

A shift is "day" (08:00–20:00 local) or "night" (20:00–08:00, counted on the day it
began) until the duty roster exists. Medians and 90th percentiles in seconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

DAY_START, NIGHT_START = 8, 20


@dataclass(frozen=True, slots=True)
class Handled:
    """One alarm as people handled it (acknowledged and/or resolved)."""

    fired: datetime
    acked: datetime | None = None
    acked_by: str | None = None
    resolved: datetime | None = None
    closed_by: str | None = None


@dataclass(frozen=True, slots=True)
class TimeStat:
    key: str  # the person, the day (YYYY-MM-DD) or "YYYY-MM-DD day|night"
    alarms: int
    ack_median: float | None
    ack_p90: float | None
    resolve_median: float | None
    resolve_p90: float | None


def shift_of(ts: datetime, tz: tzinfo) -> tuple[date, str]:
    """(the day the shift began, "day" or "night") of a moment."""
    local = ts.astimezone(tz)
    if DAY_START <= local.hour < NIGHT_START:
        return local.date(), "day"
    began = local.date() if local.hour >= NIGHT_START else local.date() - timedelta(days=1)
    return began, "night"


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def _stat(key: str, items: list[Handled]) -> TimeStat:
    ack = [(h.acked - h.fired).total_seconds() for h in items if h.acked]
    res = [(h.resolved - h.fired).total_seconds() for h in items if h.resolved]
    return TimeStat(
        key, len(items), percentile(ack, 50), percentile(ack, 90),
        percentile(res, 50), percentile(res, 90),
    )  # fmt: skip


def by_person(items: Iterable[Handled]) -> list[TimeStat]:
    """Per person who acknowledged (or closed) an alarm."""
    groups: dict[str, list[Handled]] = defaultdict(list)
    for h in items:
        who = h.acked_by or h.closed_by
        if who:
            groups[who].append(h)
    return [_stat(k, v) for k, v in sorted(groups.items())]


def by_day(items: Iterable[Handled], tz: tzinfo) -> list[TimeStat]:
    groups: dict[str, list[Handled]] = defaultdict(list)
    for h in items:
        groups[h.fired.astimezone(tz).date().isoformat()].append(h)
    return [_stat(k, v) for k, v in sorted(groups.items())]


def by_shift(items: Iterable[Handled], tz: tzinfo) -> list[TimeStat]:
    groups: dict[str, list[Handled]] = defaultdict(list)
    for h in items:
        day, shift = shift_of(h.fired, tz)
        groups[f"{day.isoformat()} {shift}"].append(h)
    return [_stat(k, v) for k, v in sorted(groups.items())]
