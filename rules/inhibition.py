"""Inhibition over the inventory's parent chains (pure).

A device's parents: what powers it (UPS → PDU → …) and what connects it (switch). When an
ancestor is *down* (it has an open alarm of a root rule: a UPS on battery, a device
unreachable), the alarms of the devices below it are recorded as inhibited under the
alarm of the topmost down ancestor and are not notified.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from core.errors import RoomwatchError


class Chain(enum.StrEnum):
    POWER = "power"
    NETWORK = "network"


@dataclass(frozen=True, slots=True)
class Parents:
    power: str | None = None
    network: str | None = None

    def of(self, chain: Chain) -> str | None:
        return self.power if chain is Chain.POWER else self.network


ParentMap = Mapping[str, Parents]

# rule name → the chains along which its open alarm makes the device a root cause
ROOT_RULES: Mapping[str, frozenset[Chain]] = {
    "ups_on_battery": frozenset({Chain.POWER}),
    "ups_battery_low": frozenset({Chain.POWER}),
    "device_unreachable": frozenset({Chain.POWER, Chain.NETWORK}),
}


class ParentCycleError(RoomwatchError):
    """The parent chains of the inventory loop back on themselves."""


def find_cycle(parents: ParentMap, chain: Chain) -> list[str] | None:
    """The first cycle along one chain as [a, b, …, a], or None."""
    done: set[str] = set()
    for start in sorted(parents):
        path: list[str] = []
        seen: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done:
            if node in seen:
                return [*path[seen[node] :], node]
            seen[node] = len(path)
            path.append(node)
            p = parents.get(node)
            node = p.of(chain) if p else None
        done.update(path)
    return None


def check_parents(parents: ParentMap) -> None:
    """Raise ParentCycleError naming the cycle and the fix."""
    for chain in Chain:
        cycle = find_cycle(parents, chain)
        if cycle:
            raise ParentCycleError(
                f"device {chain.value} parents form a cycle: {' → '.join(cycle)} — "
                f"clear the {chain.value} parent of one of these devices"
            )


def would_cycle(parents: ParentMap, device: str, chain: Chain, new_parent: str | None) -> bool:
    """Whether setting ``device``'s parent on ``chain`` to ``new_parent`` makes a cycle."""
    changed = dict(parents)
    old = changed.get(device, Parents())
    changed[device] = (
        Parents(new_parent, old.network) if chain is Chain.POWER else Parents(old.power, new_parent)
    )
    return find_cycle(changed, chain) is not None


def root_cause(
    device: str, parents: ParentMap, down: Mapping[str, tuple[int, frozenset[Chain]]]
) -> int | None:
    """The alarm id of the topmost down ancestor of ``device``, or None.

    ``down``: device → (its root alarm id, the chains it is down along). Ancestors are
    walked along both chains; a cycle stops the walk (check_parents reports it).
    """
    root: int | None = None
    frontier: list[tuple[str, frozenset[Chain]]] = [(device, frozenset(Chain))]
    seen = {device}
    while frontier:
        nxt: list[tuple[str, frozenset[Chain]]] = []
        for node, _ in frontier:
            p = parents.get(node)
            if p is None:
                continue
            for chain in Chain:
                parent = p.of(chain)
                if parent is None or parent in seen:
                    continue
                seen.add(parent)
                hit = down.get(parent)
                if hit is not None and chain in hit[1]:
                    root = hit[0]  # farther ancestors found later overwrite: topmost wins
                nxt.append((parent, frozenset({chain})))
        frontier = nxt
    return root
