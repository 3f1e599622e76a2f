"""The change calendar: month and week grids of days with the changes on each (pure).

Days are local dates of the duty room; a change appears on every day its window touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Day(Generic[T]):
    day: date
    in_period: bool  # false for the padding days of a month grid
    items: list[T] = field(default_factory=list)


def period(view: str, anchor: date) -> tuple[date, date, list[date]]:
    """The first and last day of the period (month or week holding ``anchor``) and the
    Monday-first days of its grid."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        return first, last, [first + timedelta(days=i) for i in range(7)]
    first = anchor.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    last = nxt - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    return first, last, [start + timedelta(days=i) for i in range((end - start).days + 1)]


def shift(view: str, anchor: date, step: int) -> date:
    """The anchor of the previous (-1) or next (+1) period."""
    if view == "week":
        return anchor + timedelta(days=7 * step)
    first = anchor.replace(day=1)
    if step < 0:
        return (first - timedelta(days=1)).replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


def bounds(days: Sequence[date], tz: tzinfo) -> tuple[datetime, datetime]:
    """The grid's first instant and the instant after its last day."""
    start = datetime.combine(days[0], time(0), tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tz)
    return start, end


def grid(
    view: str,
    anchor: date,
    windows: Sequence[tuple[T, datetime, datetime]],
    tz: tzinfo,
) -> list[list[Day[T]]]:
    """Weeks of days; each day lists the items whose window [start, end) touches it."""
    first, last, days = period(view, anchor)
    out: list[Day[T]] = []
    for d in days:
        lo = datetime.combine(d, time(0), tz)
        hi = lo + timedelta(days=1)
        items = [item for item, s, e in windows if s < hi and lo < e]
        out.append(Day(d, first <= d <= last, items))
    return [out[i : i + 7] for i in range(0, len(out), 7)]
