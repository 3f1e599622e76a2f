"""Inhibition over parent chains: root cause, cycles (pure, table-driven)."""

from __future__ import annotations

import pytest

from rules.inhibition import (
    Chain,
    ParentCycleError,
    Parents,
    check_parents,
    find_cycle,
    root_cause,
    would_cycle,
)

P = Parents
POWER = frozenset({Chain.POWER})
NET = frozenset({Chain.NETWORK})
BOTH = POWER | NET

# ups → pdu → srv1 (power); core → access → srv1 (network); srv2 under pdu only
ROOM = {
    "ups": P(),
    "pdu": P(power="ups"),
    "srv1": P(power="pdu", network="access"),
    "srv2": P(power="pdu"),
    "core": P(),
    "access": P(power="pdu", network="core"),
}


@pytest.mark.parametrize(
    ("device", "down", "root"),
    [
        pytest.param("srv1", {}, None, id="nothing-down"),
        pytest.param("srv1", {"ups": (1, POWER)}, 1, id="ups-on-battery-powers-server"),
        pytest.param("pdu", {"ups": (1, POWER)}, 1, id="ups-to-its-pdu"),
        pytest.param("ups", {"ups": (1, POWER)}, None, id="root-not-inhibited-by-itself"),
        pytest.param("srv1", {"core": (7, BOTH)}, 7, id="switch-unreachable-network"),
        pytest.param("srv1", {"core": (7, POWER)}, None, id="wrong-chain-ignored"),
        pytest.param("srv1", {"pdu": (2, BOTH), "ups": (1, POWER)}, 1, id="topmost-ancestor-wins"),
        pytest.param("srv2", {"access": (3, BOTH)}, None, id="sibling-not-a-parent"),
        pytest.param("unknown", {"ups": (1, POWER)}, None, id="device-not-in-ledger"),
        pytest.param(
            "srv1",
            {"access": (3, NET)},
            3,
            id="network-parent-down",
        ),
    ],
)
def test_root_cause(device: str, down: dict, root: int | None) -> None:
    assert root_cause(device, ROOM, down) == root


@pytest.mark.parametrize(
    ("parents", "chain", "cycle"),
    [
        pytest.param(ROOM, Chain.POWER, None, id="tree-has-none"),
        pytest.param({"a": P(power="a")}, Chain.POWER, ["a", "a"], id="self-parent"),
        pytest.param(
            {"a": P(power="b"), "b": P(power="c"), "c": P(power="a")},
            Chain.POWER,
            ["a", "b", "c", "a"],
            id="three-loop",
        ),
        pytest.param(
            {"a": P(network="b"), "b": P(network="a")}, Chain.POWER, None, id="other-chain"
        ),
        pytest.param(
            {"x": P(power="a"), "a": P(power="b"), "b": P(power="a")},
            Chain.POWER,
            ["a", "b", "a"],
            id="tail-into-loop",
        ),
    ],
)
def test_find_cycle(parents: dict, chain: Chain, cycle: list[str] | None) -> None:
    assert find_cycle(parents, chain) == cycle


def test_check_parents_names_the_cycle_and_fix() -> None:
    with pytest.raises(ParentCycleError) as err:
        check_parents({"sw1": P(network="sw2"), "sw2": P(network="sw1")})
    assert str(err.value) == (
        "device network parents form a cycle: sw1 → sw2 → sw1 — "
        "clear the network parent of one of these devices"
    )
    check_parents(ROOM)  # a tree passes


def test_root_cause_survives_a_cycle() -> None:
    loop = {"a": P(power="b"), "b": P(power="a")}
    assert root_cause("a", loop, {"b": (5, POWER)}) == 5


@pytest.mark.parametrize(
    ("device", "chain", "parent", "cycles"),
    [
        pytest.param("ups", Chain.POWER, "srv1", True, id="ups-under-its-server"),
        pytest.param("srv2", Chain.POWER, "ups", False, id="move-to-ups"),
        pytest.param("core", Chain.NETWORK, "access", True, id="core-under-access"),
        pytest.param("core", Chain.NETWORK, None, False, id="clear-parent"),
    ],
)
def test_would_cycle(device: str, chain: Chain, parent: str | None, cycles: bool) -> None:
    assert would_cycle(ROOM, device, chain, parent) is cycles
