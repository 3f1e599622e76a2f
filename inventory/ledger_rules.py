"""Pure rules of the ledger: statuses, U ranges in a rack, parent cycles, warranty flags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES = ("in_use", "spare", "on_loan", "under_repair", "retired")
FACES = ("front", "rear")
KINDS = ("snmp", "host", "asset")  # asset: in the ledger, not polled
RETURN_STATES = ("ok", "damaged", "lost")
WARRANTY_DAYS = 90


@dataclass(frozen=True, slots=True)
class Slot:
    """An asset's place in a rack: U ``bottom`` .. ``bottom + height - 1`` on one face.

    A full-depth device is mounted through the rack: its front and rear overlap alike, so
    face only tells where it is seen from; overlap is checked on the U range alone.
    """

    ref: str
    bottom: int
    height: int = 1

    @property
    def top(self) -> int:
        return self.bottom + self.height - 1


def u_problem(slot: Slot, rack_height: int) -> str:
    """ "" when the slot fits the rack, else a problem code."""
    if slot.bottom < 1 or slot.height < 1:
        return "u_out_of_rack"
    if slot.top > rack_height:
        return "u_out_of_rack"
    return ""


def overlaps(slot: Slot, others: Iterable[Slot]) -> list[str]:
    """The refs of the other slots sharing at least one U with ``slot`` (itself excluded)."""
    return [
        o.ref for o in others
        if o.ref != slot.ref and o.bottom <= slot.top and slot.bottom <= o.top
    ]  # fmt: skip


def elevation(height: int, slots: Iterable[Slot]) -> list[tuple[int, str | None, bool]]:
    """Each U from the top (rack drawings number from the bottom, list from the top):
    (u, ref or None, True where the asset starts, so a drawing spans its height once)."""
    at: dict[int, tuple[str | None, bool]] = {}
    for s in slots:
        for u in range(s.bottom, s.top + 1):
            at.setdefault(u, (s.ref, u == s.top))
    return [(u, *at.get(u, (None, False))) for u in range(height, 0, -1)]


def creates_cycle(child: int, parent: int | None, parents: Mapping[int, int | None]) -> bool:
    """Would ``child → parent`` close a loop in a parent chain (power or network)?

    ``parents`` maps each asset to its current parent; following it from ``parent`` must
    never come back to ``child``.
    """
    seen: set[int] = set()
    node = parent
    while node is not None:
        if node == child:
            return True
        if node in seen:  # an existing loop elsewhere: not this edit's doing
            return False
        seen.add(node)
        node = parents.get(node)
    return False


def warranty_flag(until: date | None, today: date, days: int = WARRANTY_DAYS) -> str:
    """ "" (none or far), "expiring" (within ``days``), "expired"."""
    if until is None:
        return ""
    if until < today:
        return "expired"
    if until <= today + timedelta(days=days):
        return "expiring"
    return ""
