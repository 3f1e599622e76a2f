"""Shared shapes of the duty records (R4): what a shift hands over and who is on duty.

They live in ``core`` so that every package that knows something the handover must
carry over (alarms, inspection, changes, visitors, loans) can say it without importing
the handover itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CarryOver:
    """One item the outgoing shift hands over (交接内容), as a source reports it.

    ``ref`` is stable and unique within one handover ("alarm:12", "loan:3"); ``summary``
    is one line a person reads (device names, titles); ``blocking`` is empty, or the
    message id of the reason this item refuses the handover (交不清楚不接班); ``url`` is
    the dashboard path where the item is handled.
    """

    source: str  # alarm | inspection | change | visitor | loan | note
    ref: str
    summary: str
    blocking: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class ShiftSlot:
    """One shift on one day: its code (day, night...), its bounds and the people on it."""

    code: str
    start: datetime
    end: datetime
    people: tuple[str, ...] = ()
