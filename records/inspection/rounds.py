"""When sheets are due (pure): the rounds of a template and the overdue limit.

Rounds are local times of day, "09:00" or several "09:00,21:00". At any moment the round
in force is the latest one of the day already passed; an earlier missed round of the same
day is not opened late once a later one is due (one sheet per round, never a backlog).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
MAX_ROUNDS = 6


def parse_rounds(spec: str) -> tuple[time, ...]:
    """Sorted distinct times; ValueError says what is wrong (shown next to the field)."""
    out: set[time] = set()
    for part in (p.strip() for p in spec.replace("，", ",").split(",")):
        if not part:
            continue
        m = _TIME.match(part)
        if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError(part)
        out.add(time(int(m.group(1)), int(m.group(2))))
    if not out or len(out) > MAX_ROUNDS:
        raise ValueError(spec)
    return tuple(sorted(out))


def format_rounds(rounds: tuple[time, ...]) -> str:
    return ",".join(t.strftime("%H:%M") for t in rounds)


def current_round(rounds: tuple[time, ...], local_now: datetime) -> datetime | None:
    """The start of the latest round of ``local_now``'s day already reached, else None."""
    passed = [t for t in rounds if t <= local_now.time().replace(tzinfo=None)]
    if not passed:
        return None
    t = passed[-1]
    return local_now.replace(hour=t.hour, minute=t.minute, second=0, microsecond=0)


def slot_key(room: str, start: datetime) -> str:
    """The unique key of a scheduled round's sheet: "A101@2026-11-21T09:00" (local time)."""
    return f"{room}@{start.strftime('%Y-%m-%dT%H:%M')}"


def due_by(opened_at: datetime, overdue_hours: int) -> datetime:
    return opened_at + timedelta(hours=overdue_hours)


def is_overdue(due: datetime, signed_at: datetime | None, now: datetime) -> bool:
    return signed_at is None and now > due
