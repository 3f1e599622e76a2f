from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.parse import CounterReading
from collector.rates import CounterState, RateTracker, compute_rate

T0 = datetime(2026, 1, 1, tzinfo=UTC)
M32 = 2**32
M64 = 2**64


def st(raw: int, seconds: float, uptime: int | None = None) -> CounterState:
    return CounterState(raw, T0 + timedelta(seconds=seconds), uptime)


CASES = [
    # id, prev, cur, width, rate, reason
    ("first", None, st(100, 10), 64, None, "first"),
    ("steady", st(1000, 0), st(3000, 10), 64, 200.0, "ok"),
    ("unchanged", st(1000, 0), st(1000, 10), 64, 0.0, "ok"),
    ("wrap-32", st(M32 - 100, 0), st(900, 10), 32, 100.0, "wrap"),
    ("wrap-64", st(M64 - 10, 0), st(10, 10), 64, 2.0, "wrap"),
    ("reset-low-prev-32", st(5000, 0), st(10, 10), 32, None, "reset"),
    ("reset-64-cleared", st(10**12, 0), st(0, 10), 64, None, "reset"),
    (
        "reset-prev-high-but-delta-implausible",
        st(M32 - 100, 0),
        st(M32 - 200, 10),
        32,
        None,
        "reset",
    ),
    ("reboot-uptime-back", st(1000, 0, 500_000), st(2000, 10, 300), 64, None, "reboot"),
    ("uptime-forward", st(1000, 0, 500), st(2000, 10, 1500), 64, 100.0, "ok"),
    ("no-time", st(1000, 10), st(2000, 10), 64, None, "no-time"),
    ("time-back", st(1000, 10), st(2000, 5), 64, None, "no-time"),
]


@pytest.mark.parametrize(
    ("case", "prev", "cur", "width", "rate", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_compute_rate(
    case: str,
    prev: CounterState | None,
    cur: CounterState,
    width: int,
    rate: float | None,
    reason: str,
) -> None:
    result = compute_rate(prev, cur, width)
    assert (result.rate, result.reason) == (rate, reason)


def reading(raw: int, seconds: float, instance: str = "Gi1/0/1") -> CounterReading:
    return CounterReading(
        "sw", "if_in_octets", instance, raw, 64, "B/s", T0 + timedelta(seconds=seconds)
    )


def test_tracker_first_poll_gives_nothing_then_rates() -> None:
    tracker = RateTracker()
    assert tracker.update([reading(1000, 0)], uptime_ticks=100) == []
    out = tracker.update([reading(6000, 10)], uptime_ticks=1100)
    assert [(s.metric, s.instance, s.value, s.unit) for s in out] == [
        ("if_in_octets", "Gi1/0/1", 500.0, "B/s")
    ]


def test_tracker_reboot_resets_without_spike_then_resumes() -> None:
    tracker = RateTracker()
    tracker.update([reading(10**9, 0)], uptime_ticks=10**6)
    assert tracker.update([reading(50, 10)], uptime_ticks=100) == []
    assert [s.value for s in tracker.update([reading(150, 20)], uptime_ticks=1100)] == [10.0]


def test_tracker_series_are_independent_and_forget() -> None:
    tracker = RateTracker()
    tracker.update([reading(0, 0, "a"), reading(0, 0, "b")])
    out = tracker.update([reading(10, 10, "a"), reading(30, 10, "b")])
    assert {s.instance: s.value for s in out} == {"a": 1.0, "b": 3.0}
    tracker.forget("sw")
    assert tracker.update([reading(40, 20, "a")]) == []
