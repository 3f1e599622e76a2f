"""Overstays: a person inside after the end of the approved stay (R5.3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from records.access.states import State


def overstay(state: State | str, planned_out: datetime, now: datetime) -> timedelta | None:
    """How long past ``planned_out`` a person still inside is; None when not overstaying."""
    if State(state) is not State.INSIDE or now <= planned_out:
        return None
    return now - planned_out


def minutes_text(delta: timedelta) -> str:
    """'2h05' / '35min': short enough for a handover line in either language."""
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if hours else f"{rest}min"
