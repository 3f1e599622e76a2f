"""Conflicts: two changes on one device with overlapping windows (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Slot:
    """One change's window and the devices it touches."""

    change_id: int
    devices: frozenset[int]
    start: datetime
    end: datetime


def overlaps(a: Slot, b: Slot) -> bool:
    """Half-open windows: one ending when the other starts does not overlap."""
    return a.start < b.end and b.start < a.end


def conflicts_of(slot: Slot, others: Iterable[Slot]) -> list[int]:
    """Ids of the other changes that share a device with ``slot`` at an overlapping time."""
    return sorted(
        o.change_id
        for o in others
        if o.change_id != slot.change_id and slot.devices & o.devices and overlaps(slot, o)
    )


def conflict_map(slots: Iterable[Slot]) -> dict[int, list[int]]:
    """Every change that conflicts → the changes it conflicts with (flagged on both)."""
    items = list(slots)
    out: dict[int, list[int]] = {}
    for s in items:
        found = conflicts_of(s, items)
        if found:
            out[s.change_id] = found
    return out
