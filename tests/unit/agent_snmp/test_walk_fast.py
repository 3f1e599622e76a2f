"""The bulk fast path of ``WalkState.feed`` behaves exactly like its varbind-by-varbind
loop, for arbitrary batches (hypothesis) and the usual ones (tables)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent import snmp_walk
from agent.snmp_walk import Missing, WalkState

R = "1.3.6.1.2.1.2.2.1.2"


class SlowWalk(WalkState):
    def _feed_plain(self, batch: Any) -> object:
        return snmp_walk._NOT_PLAIN


def run(cls: type[WalkState], batches: list[Any], max_rows: int) -> tuple[Any, ...]:
    state = cls(R, max_rows, "test")
    returned = []
    for batch in batches:
        returned.append(state.feed(batch))
        if state.done:
            break
    error = (type(state.error).__name__, str(state.error)) if state.error else None
    return returned, state.rows, error, state.done, state.next_oid


OID = st.one_of(
    st.integers(min_value=1, max_value=12).map(lambda i: f"{R}.{i}"),
    st.sampled_from(["1.3.6.1.2.1.2.2.1.3.1", f"{R}.x", R, "1.3"]),
    st.just(7),
)
VALUE = st.one_of(
    st.integers(min_value=-3, max_value=3), st.binary(max_size=3), st.text(max_size=2),
    st.floats(allow_nan=False), st.booleans(), st.sampled_from(list(Missing)), st.none(),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.tuples(OID, VALUE), max_size=6), min_size=1, max_size=4),
    st.integers(min_value=1, max_value=8),
)
def test_fast_path_equals_the_loop(batches: list[Any], max_rows: int) -> None:
    assert run(WalkState, batches, max_rows) == run(SlowWalk, batches, max_rows)


@pytest.mark.parametrize(
    "batches",
    [
        [[(f"{R}.{i}", i) for i in range(1, 6)] + [("1.3.6.1.2.1.2.2.1.3.1", 6)]],
        [[(f"{R}.{i}", b"x") for i in range(1, 4)], [(f"{R}.{i}", 1) for i in range(4, 7)], []],
        [[(f"{R}.1", 1), (f"{R}.2", Missing.END_OF_MIB_VIEW)]],
        [[(f"{R}.2", 1), (f"{R}.1", 1)]],  # backwards inside one batch: the loop decides
    ],
    ids=["column-then-next", "two-batches", "end-of-mib", "backwards-in-batch"],
)
def test_usual_batches(batches: list[Any]) -> None:
    assert run(WalkState, batches, 100) == run(SlowWalk, batches, 100)
