"""The pure walk state: end of subtree, loops, caps and bad data, as tables; and hypothesis
over arbitrary batches (the walk always ends, never raises, keeps only rows under root)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.snmp_errors import SnmpBadResponse, SnmpLoop, SnmpTableTooBig
from agent.snmp_walk import Missing, WalkState, normalize_oid, oid_key

R = "1.3.6.1.2.1.2.2.1.2"


def _walk(batches: list[list[tuple[Any, Any]]], max_rows: int = 100) -> WalkState:
    state = WalkState(R, max_rows, "test")
    for batch in batches:
        if state.feed(batch) is None:
            break
    return state


@pytest.mark.parametrize(
    ("batches", "rows", "error"),
    [
        ([[(f"{R}.1", b"a"), (f"{R}.2", b"b")], []], {f"{R}.1": b"a", f"{R}.2": b"b"}, None),
        ([[(f"{R}.1", 1), ("1.3.6.1.2.1.2.2.1.3.1", 6)]], {f"{R}.1": 1}, None),
        ([[(f"{R}.1", 1), (f"{R}.2", Missing.END_OF_MIB_VIEW)]], {f"{R}.1": 1}, None),
        ([[(f"{R}.1", Missing.NO_SUCH_INSTANCE)], []], {f"{R}.1": None}, None),
        ([[(f"{R}.5", 1)], [(f"{R}.3", 1)]], {f"{R}.5": 1}, SnmpLoop),
        ([[(f"{R}.5", 1)], [(f"{R}.5", 1)]], {f"{R}.5": 1}, SnmpLoop),
        ([[(f"{R}.1", 1), (f"{R}.2", 2), (f"{R}.3", 3)]], {f"{R}.1": 1, f"{R}.2": 2},
         SnmpTableTooBig),
        ([[(f"{R}.x", 1)]], {}, SnmpBadResponse),
        ([[(f"{R}.1", object())]], {}, SnmpBadResponse),
        ([[(123, 1)]], {}, SnmpBadResponse),
        ([[]], {}, None),
    ],
    ids=["two-then-empty", "leaves-subtree", "end-of-mib", "no-such-instance", "backwards",
         "standing-still", "cap", "malformed-oid", "wrong-type", "oid-not-str", "empty"],
)  # fmt: skip
def test_walk_state(batches: list[Any], rows: dict[str, Any], error: type | None) -> None:
    state = _walk(batches, max_rows=2)
    assert state.done
    assert state.rows == rows
    assert (type(state.error) if state.error else None) is error


def test_restart_reads_again_from_the_root() -> None:
    state = WalkState(R)
    assert state.feed([(f"{R}.1", 1), (f"{R}.2", 2)]) == f"{R}.2"
    state.restart()
    assert state.next_oid == R
    assert state.feed([(f"{R}.1", 1)]) == f"{R}.1"  # not a loop after a restart
    assert state.error is None and state.rows == {f"{R}.1": 1}


@pytest.mark.parametrize(
    ("text", "ok"),
    [(".1.3.6", True), ("1.3.6.1", True), (" 1.3 ", True), ("1..3", False), ("a.b", False),
     ("", False), ("1.-3", False)],
    ids=["leading-dot", "plain", "spaces", "empty-arc", "letters", "empty", "negative"],
)  # fmt: skip
def test_normalize_oid(text: str, ok: bool) -> None:
    if ok:
        assert oid_key(normalize_oid(text))
    else:
        with pytest.raises(SnmpBadResponse):
            normalize_oid(text)


_arcs = st.lists(st.integers(0, 2**32), min_size=0, max_size=4)
_oids = st.one_of(
    _arcs.map(lambda a: ".".join([R, *map(str, a)]) if a else R),
    st.text(max_size=20),
    st.integers(),
    st.none(),
)
_values = st.one_of(
    st.integers(), st.binary(max_size=8), st.text(max_size=8), st.none(), st.floats(),
    st.sampled_from(list(Missing)), st.lists(st.integers(), max_size=2),
)  # fmt: skip
_batches = st.lists(st.lists(st.tuples(_oids, _values), max_size=6), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_batches)
def test_any_agent_reply_ends_the_walk_cleanly(batches: list[list[tuple[Any, Any]]]) -> None:
    state = WalkState(R, max_rows=30, where="fuzz")
    steps = 0
    previous = oid_key(R)
    for batch in batches:
        nxt = state.feed(batch)
        if nxt is None:
            break
        steps += 1
        assert oid_key(nxt) > previous  # progress is strictly increasing: no loop possible
        previous = oid_key(nxt)
    assert steps <= 30  # each step adds a row, and rows are capped
    assert all(isinstance(k, str) and k.startswith(R + ".") for k in state.rows)
    assert all(v is None or isinstance(v, int | str | bytes | float) for v in state.rows.values())
    assert len(state.rows) <= 30
