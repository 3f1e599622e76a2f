"""The agent's hot path (``parse_rows`` + ``RateTracker.update_rows``) gives what the
reference path (``parse`` + ``RateTracker.update``) gives, for good and bad values."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.parse import CounterReading, Raw, _Builder, new_sample, parse_rows
from collector.profiles import load_profiles
from collector.rates import RateTracker
from core.types import Sample

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PROFILES = load_profiles()
IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"
HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15"
IN_ERRORS = "1.3.6.1.2.1.2.2.1.14"


def switch(in_octets: Raw, speed: Raw = 1000, errors: Raw = 7) -> dict[str, Raw]:
    return {
        "1.3.6.1.2.1.1.3.0": 500,
        "1.3.6.1.2.1.31.1.1.1.1.10": b"Gi1/0/10",
        "1.3.6.1.2.1.31.1.1.1.1.2": b"Gi1/0/2",
        f"{IN_OCTETS}.10": 5,
        f"{IN_OCTETS}.2": in_octets,
        f"{HIGH_SPEED}.10": 100,
        f"{HIGH_SPEED}.2": speed,
        f"{IN_ERRORS}.2": errors,
        f"{IN_ERRORS}.10": 0,
    }


@pytest.mark.parametrize(
    ("in_octets", "speed", "errors", "limit", "unknown"),
    [
        (123, 1000, 7, 1000 * 125000.0, 0),
        (123, 0, 7, None, 0),  # speed 0 = unknown: no limit
        (123, b"1000", 7, 1000 * 125000.0, 0),  # a number sent as text
        (123, None, 7, None, 0),
        (123, True, 7, None, 0),  # a boolean is not a speed
        (-1, 1000, 7, None, 1),
        (2**64, 1000, 7, None, 1),
        (True, 1000, 7, None, 1),
        (b"12", 1000, 7, 1000 * 125000.0, 0),  # text digits are a number
        (b"x", 1000, 7, None, 1),
        (None, 1000, 7, None, 1),
        (1.5, 1000, 7, None, 1),
        (123, 1000, 2**32, 1000 * 125000.0, 1),  # a 32-bit counter over its width
    ],
    ids=["int", "speed-0", "speed-text", "speed-absent", "speed-bool", "negative",
         "over-64", "bool", "text-digits", "text", "none", "fraction", "over-32"],
)  # fmt: skip
def test_counter_loop_matches_the_reference(
    in_octets: Raw, speed: Raw, errors: Raw, limit: float | None, unknown: int
) -> None:
    """The tight counter loop against ``_Builder.add`` (the one-value reference)."""
    profile = PROFILES["if-mib"]
    fast = parse_rows(profile, "sw", switch(in_octets, speed, errors), T0)
    ref = _Builder("sw", T0)
    specs = {m.name: m for t in profile.tables for m in t.metrics}
    ref.add(specs["if_in_octets"], "Gi1/0/2", in_octets, f"{IN_OCTETS}.2", {HIGH_SPEED: speed})
    ref.add(specs["if_in_errors"], "Gi1/0/2", errors, f"{IN_ERRORS}.2", {})
    mine = [row for row in fast.counters if row[1] == "Gi1/0/2"]
    assert mine == ref.counters
    assert [p for p in fast.problems if "Gi1/0/2" in p and "_in_" in p] == ref.problems
    mine_samples = [s for s in fast.samples if s.instance == "Gi1/0/2" and "_in_" in s.metric]
    assert mine_samples == ref.samples
    assert len(ref.problems) == unknown
    octets = [row for row in mine if row[0] == "if_in_octets"]
    if octets:
        assert octets[0][5] == limit


def test_rows_sorted_by_numeric_index_and_labelled() -> None:
    fast = parse_rows(PROFILES["if-mib"], "sw", switch(123), T0)
    octets = [row[1] for row in fast.counters if row[0] == "if_in_octets"]
    assert octets == ["Gi1/0/2", "Gi1/0/10"]  # 2 before 10, not string order


POLL = st.tuples(
    st.integers(min_value=-5, max_value=400),  # seconds since the previous poll
    st.one_of(st.none(), st.integers(min_value=0, max_value=2**32 - 1)),  # sysUpTime
    st.lists(  # counter values of three series, near the 32-bit top and low
        st.one_of(
            st.integers(min_value=0, max_value=2**32 - 1),
            st.integers(min_value=2**32 - 2000, max_value=2**32 - 1),
            st.integers(min_value=0, max_value=2000),
        ),
        min_size=3,
        max_size=3,
    ),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)),  # limit
)


@settings(max_examples=150, deadline=None)
@given(st.lists(POLL, min_size=1, max_size=8))
def test_update_rows_matches_update(
    polls: list[tuple[int, int | None, list[int], float | None]],
) -> None:
    ref, fast = RateTracker(max_gap=300), RateTracker(max_gap=300)
    ts = T0
    for step, uptime, raws, limit in polls:
        ts = ts + timedelta(seconds=step)
        rows = [(f"m{i}", "x", raw, 32, "B/s", limit) for i, raw in enumerate(raws)]
        readings = [CounterReading("d", *row[:5], ts, row[5]) for row in rows]
        assert ref.update(readings, uptime) == fast.update_rows("d", ts, rows, uptime)
    assert ref.discarded == fast.discarded


def test_update_rows_without_counters_emits_nothing() -> None:
    assert RateTracker().update_rows("d", T0, [], 5) == []


PLAIN_COLUMNS = {
    "if_oper_status": "1.3.6.1.2.1.2.2.1.8",
    "if_speed_mbps": HIGH_SPEED,
    "if_alias": "1.3.6.1.2.1.31.1.1.1.18",
}


@pytest.mark.parametrize("metric", sorted(PLAIN_COLUMNS))
@pytest.mark.parametrize(
    "value",
    [1, 7, 0, -2, 2**63 + 1, True, b"2", b"up", "3", 2.5, None, b"\xb2\xe2\xca\xd4"],
    ids=["one", "unlisted", "zero", "negative", "huge", "bool", "text-digit", "text",
         "str", "float", "none", "gb18030"],
)  # fmt: skip
def test_plain_loop_matches_the_reference(metric: str, value: Raw) -> None:
    profile = PROFILES["if-mib"]
    column = PLAIN_COLUMNS[metric]
    values = {**switch(1), f"{column}.2": value}
    fast = parse_rows(profile, "sw", values, T0)
    ref = _Builder("sw", T0)
    spec = {m.name: m for t in profile.tables for m in t.metrics}[metric]
    ref.add(spec, "Gi1/0/2", value, f"{column}.2", {})
    assert [s for s in fast.samples if s.metric == metric and s.instance == "Gi1/0/2"] == (
        ref.samples
    )
    assert [p for p in fast.problems if p.startswith(f"{metric}[Gi1/0/2]")] == ref.problems


@pytest.mark.parametrize(
    "args",
    [("d", "m", "i", 1.5, T0), ("d", "m", "", None, T0, "B/s"), ("d", "m", "i", 0.0, T0, "", "t")],
    ids=["defaults", "unit", "text"],
)
def test_new_sample_is_a_sample(args: tuple[Any, ...]) -> None:
    made, ref = new_sample(*args), Sample(*args)
    assert type(made) is Sample
    assert made == ref and hash(made) == hash(ref) and repr(made) == repr(ref)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = 2.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(made)) == ref and copy.copy(made) == ref


def test_samples_are_made_in_c_where_it_is_built() -> None:
    from core import _slots  # type: ignore[attr-defined]  # make install builds it

    assert type(new_sample).__name__ == "builtin_function_or_method"
    with pytest.raises(TypeError, match="takes 5 to 7 values"):
        new_sample("d", "m")
    with pytest.raises(TypeError, match="no plain slot"):
        _slots.maker(Sample, ("device", "metric", "instance", "value", "ts", "unit", "nope"), ())


@pytest.mark.parametrize(
    "profile", ["if-mib", "ups-mib", "host-resources", "entity-sensor", "h3c-switch"]
)
@pytest.mark.parametrize("in_octets", [123, None, b"x"], ids=["int", "none", "text"])
def test_walked_columns_give_what_merged_values_give(profile: str, in_octets: Raw) -> None:
    """The poller hands each walked column apart (``walked``): the same parse as with every
    OID merged into ``values``, including columns absent from ``walked``."""
    merged = switch(in_octets)
    prof = PROFILES[profile]
    walked: dict[str, dict[str, Raw]] = {}
    scalars = dict(merged)
    for root in prof.walk_roots():
        walked[root] = {k: v for k, v in merged.items() if k.startswith(root + ".")}
        for oid in walked[root]:
            del scalars[oid]
    apart = parse_rows(prof, "sw", scalars, T0, walked)
    assert apart == parse_rows(prof, "sw", merged, T0)
