"""agent.snmp_columns.ColumnsWalk, the pure state of walking several columns with one
GETBULK a round trip: answers row by row, cut short, columns ending apart, loops, caps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent import snmp_columns
from agent.snmp_ber import encode_oid
from agent.snmp_columns import ColumnsWalk, index_text
from agent.snmp_errors import SnmpError, SnmpLoop, SnmpTableTooBig
from agent.snmp_walk import Missing, Raw

DESCR, STATUS, IN = "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.8", "1.3.6.1.2.1.31.1.1.1.6"


def answer(*varbinds: tuple[str, Raw]) -> tuple[list[bytes], list[Raw]]:
    return [encode_oid(o) for o, _ in varbinds], [v for _, v in varbinds]


def table(rows: dict[str, dict[int, Raw]]) -> list[tuple[str, Raw]]:
    """A fake agent's MIB view: every OID in order."""
    out = [(f"{col}.{i}", v) for col, cells in rows.items() for i, v in cells.items()]
    return sorted(out, key=lambda ov: tuple(int(x) for x in ov[0].split(".")))


def agent_bulk(view: list[tuple[str, Raw]], asked: list[bytes], reps: int, cap: int = 10**6):
    """A well-behaved agent: row by row, ``reps`` rows of the asked columns, at most ``cap``
    varbinds (an answer cut short), endOfMibView past the end of its view."""
    keys = [encode_oid(o) for o, _ in view]
    out: list[tuple[bytes, Raw]] = []
    cursors = list(asked)
    for _ in range(reps):
        for j, start in enumerate(cursors):
            nxt = next((k for k, key in enumerate(keys) if key > start), None)
            if nxt is None:
                out.append((start, Missing.END_OF_MIB_VIEW))
            else:
                out.append((keys[nxt], view[nxt][1]))
                cursors[j] = keys[nxt]
    out = out[:cap]
    return [o for o, _ in out], [v for _, v in out]


@pytest.mark.parametrize(("reps", "cap"), [(1, 10**6), (3, 10**6), (50, 10**6), (5, 7), (50, 1)])
def test_a_walk_of_three_columns_is_each_column_whole(reps: int, cap: int) -> None:
    view = table({
        DESCR: {i: f"Gi1/0/{i}".encode() for i in (1, 2, 3, 10101)},
        STATUS: {i: 1 + i % 2 for i in (1, 2, 3, 10101)},
        IN: {i: 2**40 + i for i in (1, 2, 3)},  # one row fewer
        "1.3.6.1.2.1.31.1.1.1.10": {1: 5},  # the next column: where IN ends
    })  # fmt: skip
    walk = ColumnsWalk([DESCR, STATUS, IN])
    requests = 0
    while not walk.done:
        walk.feed(*agent_bulk(view, walk.request_oids(), reps, cap))
        requests += 1
        assert requests < 100
    assert walk.result() == {
        DESCR: {"1": b"Gi1/0/1", "2": b"Gi1/0/2", "3": b"Gi1/0/3", "10101": b"Gi1/0/10101"},
        STATUS: {"1": 2, "2": 1, "3": 2, "10101": 2},
        IN: {"1": 2**40 + 1, "2": 2**40 + 2, "3": 2**40 + 3},
    }
    if reps == 50 and cap > 100:
        assert requests == 1  # every column's end seen in the first answer


def test_a_column_at_the_end_of_the_view_ends_on_end_of_mib_view() -> None:
    walk = ColumnsWalk([DESCR, IN])
    walk.feed(*answer((f"{DESCR}.1", b"a"), (f"{IN}.1", 7),
                      (f"{DESCR}.2", b"b"), (f"{IN}.1", Missing.END_OF_MIB_VIEW)))  # fmt: skip
    assert [c.root for c in walk.open] == [DESCR]
    walk.feed(*answer((f"{STATUS}.1", 1)))
    assert walk.done
    assert walk.result() == {DESCR: {"1": b"a", "2": b"b"}, IN: {"1": 7}}


def test_no_such_values_inside_a_column_are_none_and_an_empty_answer_ends_it() -> None:
    walk = ColumnsWalk([DESCR])
    walk.feed(*answer((f"{DESCR}.1", Missing.NO_SUCH_INSTANCE), (f"{DESCR}.2", b"x")))
    walk.feed([], [])
    assert walk.result() == {DESCR: {"1": None, "2": b"x"}}


@pytest.mark.parametrize(
    "second",
    [
        [(f"{DESCR}.2", b"again")],
        [(f"{DESCR}.1", b"back")],
        [(f"{DESCR}.3", b"c"), (f"{DESCR}.3", b"c")],
    ],
    ids=["same", "backwards", "repeat-in-one-answer"],
)
def test_an_agent_that_does_not_go_forward_is_a_loop_with_the_rows_so_far(
    second: list[tuple[str, Raw]],
) -> None:
    walk = ColumnsWalk([DESCR], where="127.0.0.1:161")
    walk.feed(*answer((f"{DESCR}.1", b"a"), (f"{DESCR}.2", b"b")))
    walk.feed(*answer(*second))
    assert walk.done
    with pytest.raises(SnmpLoop) as info:
        walk.result()
    assert info.value.kind == "oid_not_increasing"
    assert info.value.partial[DESCR]["1"] == b"a"  # type: ignore[attr-defined]


def test_a_table_over_the_cap_stops_with_the_rows_kept() -> None:
    walk = ColumnsWalk([DESCR, STATUS], max_rows=3)
    rows = [((f"{DESCR}.{i}", b"d"), (f"{STATUS}.{i}", 1)) for i in range(1, 6)]
    walk.feed(*answer(*[vb for row in rows for vb in row]))
    with pytest.raises(SnmpTableTooBig) as info:
        walk.result()
    assert len(info.value.partial[DESCR]) == 3  # type: ignore[attr-defined]


def test_at_most_some_columns_are_asked_at_once_and_the_rest_wait() -> None:
    walk = ColumnsWalk([DESCR, STATUS, IN])
    assert walk.request_oids(2) == [encode_oid(DESCR), encode_oid(STATUS)]
    walk.feed(*answer((f"{DESCR}.1", b"a"), (f"{IN}.1", 5)))  # STATUS ends at once (IN's OID)
    assert [c.root for c in walk.open] == [DESCR, IN]
    assert walk.request_oids() == [encode_oid(f"{DESCR}.1"), encode_oid(IN)]


def test_indexes_of_several_arcs_and_large_arcs_read_as_text() -> None:
    assert index_text(encode_oid("1.3.4.192.168.0.1")[len(encode_oid("1.3")) :]) == "4.192.168.0.1"
    assert index_text(bytes([0x81, 0x80, 0x00, 0x05])) == "16384.5"


def _walk_outcome(
    answers: list[tuple[list[bytes], list[Raw]]], roots: list[str], cap: int
) -> object:
    walk = ColumnsWalk(roots, max_rows=cap)
    for oids, values in answers:
        if walk.done:
            break
        walk.request_oids()
        walk.feed(list(oids), list(values))
    try:
        return ("rows", walk.result(), [c.root for c in walk.open])
    except SnmpError as exc:
        return (type(exc).__name__, exc.partial, [c.root for c in walk.open])  # type: ignore[attr-defined]


_ROOTS = [DESCR, STATUS, IN]
_value = st.one_of(
    st.integers(0, 2**64 - 1), st.binary(max_size=4), st.none(),
    st.sampled_from([Missing.NO_SUCH_OBJECT, Missing.NO_SUCH_INSTANCE, Missing.END_OF_MIB_VIEW]),
)  # fmt: skip
_varbind = st.tuples(
    st.sampled_from([*_ROOTS, "1.3.6.1.2.1.31.1.1.1.10", "1.3.6.1.2.1.2.2.1"]),
    st.lists(st.integers(0, 2**33), max_size=3),
    _value,
)


@pytest.mark.skipif(snmp_columns._feed is None, reason="agent._ber is not built here")
@settings(max_examples=400, deadline=None)
@given(
    answers=st.lists(st.lists(_varbind, max_size=12), min_size=1, max_size=4),
    cap=st.integers(1, 12),
)
def test_the_c_share_out_and_the_python_one_agree(
    answers: list[list[tuple[str, list[int], Raw]]], cap: int
) -> None:
    encoded = [
        ([encode_oid(".".join(map(str, [root, *arcs]))) for root, arcs, _ in a], [v for *_, v in a])
        for a in answers
    ]
    with_c = _walk_outcome(encoded, _ROOTS, cap)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(snmp_columns, "_feed", None)
        assert _walk_outcome(encoded, _ROOTS, cap) == with_c


def _walk_agent(view: list[tuple[str, Raw]], reps: int, cap: int, max_rows: int) -> object:
    walk = ColumnsWalk(_ROOTS, max_rows=max_rows)
    for _ in range(200):
        if walk.done:
            break
        walk.feed(*agent_bulk(view, walk.request_oids(), reps, cap))
    try:
        return ("rows", walk.result())
    except SnmpError as exc:
        return (type(exc).__name__, exc.partial)  # type: ignore[attr-defined]


@pytest.mark.skipif(snmp_columns._feed is None, reason="agent._ber is not built here")
@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(_ROOTS), st.lists(st.integers(0, 20000), min_size=1, max_size=2), _value
        ),
        max_size=30,
    ),
    reps=st.integers(1, 10),
    cap=st.integers(1, 40),
    max_rows=st.integers(1, 40),
)
def test_walks_of_a_well_behaved_agent_agree_in_c_and_python(
    cells: list[tuple[str, list[int], Raw]], reps: int, cap: int, max_rows: int
) -> None:
    view = sorted(
        {f"{root}.{'.'.join(map(str, arcs))}": v for root, arcs, v in cells}.items(),
        key=lambda ov: tuple(int(x) for x in ov[0].split(".")),
    )
    with_c = _walk_agent(view, reps, cap, max_rows)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(snmp_columns, "_feed", None)
        assert _walk_agent(view, reps, cap, max_rows) == with_c
