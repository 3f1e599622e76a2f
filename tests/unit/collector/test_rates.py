from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.parse import CounterReading
from collector.rates import DISCARDED_METRIC, CounterState, RateTracker, compute_rate, rebooted
from core.types import Sample

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
    ("wrap-32-but-uptime-back", st(M32 - 100, 0, 9000), st(900, 10, 50), 32, None, "reboot"),
    ("stale-gap", st(1000, 0), st(2000, 7200), 64, None, "stale"),
    # sysUpTime wraps at 2^32 ticks after 497 days: not a reboot
    ("uptime-wrap", st(1000, 0, M32 - 500), st(2000, 10, 500), 64, 100.0, "ok"),
]

LIMITED = [
    # id, prev, cur, limit, rate, reason
    ("under-speed", st(0, 0), st(1_000_000, 10), 125_000.0, 100_000.0, "ok"),
    ("at-speed", st(0, 0), st(1_250_000, 10), 125_000.0, 125_000.0, "ok"),
    ("over-speed", st(0, 0), st(10**9, 10), 125_000.0, None, "over-limit"),
    ("wrap-over-speed", st(M32 - 10, 0), st(M32 // 4, 10), 125_000.0, None, "over-limit"),
    ("unknown-speed", st(0, 0), st(10**9, 10), 0.0, 10**8, "ok"),
]


@pytest.mark.parametrize(
    ("case", "prev", "cur", "limit", "rate", "reason"), LIMITED, ids=[c[0] for c in LIMITED]
)
def test_rate_above_interface_speed_is_discarded(
    case: str, prev: CounterState, cur: CounterState, limit: float, rate: float | None, reason: str
) -> None:
    width = 32 if case.startswith("wrap") else 64
    result = compute_rate(prev, cur, width, limit=limit)
    assert (result.rate, result.reason) == (rate, reason)


@pytest.mark.parametrize(
    ("prev", "cur", "seconds", "expected"),
    [
        (1000, 2000, 10, False),
        (500_000, 300, 10, True),
        (M32 - 500, 500, 10, False),
        (M32 - 500, 500, 86_400 * 30, True),  # far off the elapsed time: a reboot
        (None, 300, 10, False),
    ],
    ids=["forward", "back", "uptime-wrap", "wrap-not-matching-time", "unknown"],
)
def test_rebooted(prev: int | None, cur: int, seconds: float, expected: bool) -> None:
    assert rebooted(prev, cur, seconds) is expected


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


def rates(out: list[Sample]) -> list[Sample]:
    return [s for s in out if s.metric != DISCARDED_METRIC]


def test_tracker_first_poll_gives_nothing_then_rates() -> None:
    tracker = RateTracker()
    assert rates(tracker.update([reading(1000, 0)], uptime_ticks=100)) == []
    out = rates(tracker.update([reading(6000, 10)], uptime_ticks=1100))
    assert [(s.metric, s.instance, s.value, s.unit) for s in out] == [
        ("if_in_octets", "Gi1/0/1", 500.0, "B/s")
    ]


def test_tracker_reboot_resets_without_spike_then_resumes() -> None:
    tracker = RateTracker()
    tracker.update([reading(10**9, 0)], uptime_ticks=10**6)
    assert rates(tracker.update([reading(50, 10)], uptime_ticks=100)) == []
    out = rates(tracker.update([reading(150, 20)], uptime_ticks=1100))
    assert [s.value for s in out] == [10.0]


def test_tracker_series_are_independent_and_forget() -> None:
    tracker = RateTracker()
    tracker.update([reading(0, 0, "a"), reading(0, 0, "b")])
    out = rates(tracker.update([reading(10, 10, "a"), reading(30, 10, "b")]))
    assert {s.instance: s.value for s in out} == {"a": 1.0, "b": 3.0}
    tracker.forget("sw")
    assert rates(tracker.update([reading(40, 20, "a")])) == []


def test_tracker_counts_discarded_rates_per_device() -> None:
    tracker = RateTracker()
    fast = CounterReading("sw", "if_in_octets", "a", 0, 64, "B/s", T0, limit=100.0)
    tracker.update([fast])
    later = CounterReading(
        "sw", "if_in_octets", "a", 10**6, 64, "B/s", T0 + timedelta(seconds=10), limit=100.0
    )
    out = tracker.update([later])
    assert [(s.metric, s.value) for s in out] == [(DISCARDED_METRIC, 1.0)]
    assert tracker.discarded == {"sw": 1}
