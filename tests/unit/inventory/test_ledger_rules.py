"""Pure ledger rules: U ranges and overlaps, rack elevation, parent cycles, warranty flags."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.ledger_rules import (
    Slot,
    creates_cycle,
    elevation,
    overlaps,
    u_problem,
    warranty_flag,
)

OTHERS = [Slot("a", 1, 2), Slot("b", 10, 1), Slot("c", 40, 3)]


@pytest.mark.parametrize(
    ("slot", "clash"),
    [
        (Slot("x", 3, 1), []),
        (Slot("x", 2, 1), ["a"]),
        (Slot("x", 9, 2), ["b"]),
        (Slot("x", 5, 5), []),
        (Slot("x", 5, 6), ["b"]),
        (Slot("x", 2, 40), ["a", "b", "c"]),
        (Slot("a", 1, 2), []),  # itself does not clash
    ],
    ids=["free", "top-of-a", "spans-b", "just-below-b", "touches-b", "covers-all", "itself"],
)
def test_overlaps(slot: Slot, clash: list[str]) -> None:
    assert overlaps(slot, OTHERS) == clash


@pytest.mark.parametrize(
    ("slot", "height", "problem"),
    [(Slot("x", 42, 1), 42, ""), (Slot("x", 41, 2), 42, ""), (Slot("x", 42, 2), 42,
     "u_out_of_rack"), (Slot("x", 0, 1), 42, "u_out_of_rack"), (Slot("x", 1, 0), 42,
     "u_out_of_rack")],
    ids=["top-u", "fills-top", "past-top", "u-zero", "no-height"],
)  # fmt: skip
def test_u_problem(slot: Slot, height: int, problem: str) -> None:
    assert u_problem(slot, height) == problem


def test_elevation_lists_from_the_top_and_marks_where_an_asset_starts() -> None:
    units = elevation(4, [Slot("srv", 2, 2)])
    assert units == [(4, None, False), (3, "srv", True), (2, "srv", False), (1, None, False)]


CHAIN = {1: None, 2: 1, 3: 2, 4: None}  # 3 → 2 → 1


@pytest.mark.parametrize(
    ("child", "parent", "cycle"),
    [(1, 3, True), (1, 2, True), (4, 3, False), (1, None, False), (2, 2, True),
     (3, 4, False)],
    ids=["root-under-leaf", "root-under-middle", "other-tree", "no-parent", "self",
         "move-leaf"],
)  # fmt: skip
def test_creates_cycle(child: int, parent: int | None, cycle: bool) -> None:
    assert creates_cycle(child, parent, CHAIN) is cycle


def test_an_existing_loop_elsewhere_does_not_hang() -> None:
    assert creates_cycle(9, 5, {5: 6, 6: 5}) is False


TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("until", "days", "flag"),
    [(None, 90, ""), (date(2026, 11, 20), 90, "expired"), (TODAY, 90, "expiring"),
     (date(2027, 2, 19), 90, "expiring"), (date(2027, 2, 20), 90, ""),
     (date(2026, 12, 1), 5, "")],
    ids=["none", "yesterday", "today", "day-90", "day-91", "custom-n"],
)  # fmt: skip
def test_warranty_flag(until: date | None, days: int, flag: str) -> None:
    assert warranty_flag(until, TODAY, days) == flag
