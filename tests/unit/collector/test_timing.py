from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.health import OVERRUNS, TIMEOUTS, PollCounters, is_timeout
from collector.timing import adaptive_timeout, jitter_offset, overran

TIMEOUTS_TABLE = [
    # id, latencies, floor, ceiling, timed_out, expected
    ("no-history-uses-ceiling", [], 0.3, 2.0, False, 2.0),
    ("fast-lan-device-floored", [0.004, 0.006, 0.005], 0.3, 2.0, False, 0.3),
    ("slow-card", [0.2, 0.35, 0.3], 0.3, 2.0, False, 1.4),
    ("slower-than-ceiling-capped", [0.9, 1.1], 0.3, 2.0, False, 2.0),
    ("after-a-timeout-ceiling", [0.01], 0.3, 2.0, True, 2.0),
    ("floor-above-ceiling", [0.01], 5.0, 2.0, False, 2.0),
    ("negative-latency-ignored", [-1.0], 0.3, 2.0, False, 2.0),
    ("only-recent-window", [5.0] + [0.1] * 20, 0.3, 10.0, False, 0.4),
]


@pytest.mark.parametrize(
    ("case", "latencies", "floor", "ceiling", "timed_out", "expected"),
    TIMEOUTS_TABLE,
    ids=[t[0] for t in TIMEOUTS_TABLE],
)
def test_adaptive_timeout(
    case: str,
    latencies: list[float],
    floor: float,
    ceiling: float,
    timed_out: bool,
    expected: float,
) -> None:
    assert adaptive_timeout(latencies, floor, ceiling, timed_out=timed_out) == pytest.approx(
        expected
    )


def test_adaptive_timeout_rejects_no_ceiling() -> None:
    with pytest.raises(ValueError, match="ceiling"):
        adaptive_timeout([0.1], 0.1, 0.0)


def test_jitter_is_deterministic_bounded_and_spread() -> None:
    offsets = [jitter_offset(f"dev-{i}", 60.0, 0.5, seed=7) for i in range(200)]
    assert offsets == [jitter_offset(f"dev-{i}", 60.0, 0.5, seed=7) for i in range(200)]
    assert all(0 <= x < 30.0 for x in offsets)
    assert min(offsets) < 3 and max(offsets) > 27  # spread over the window
    assert jitter_offset("dev-1", 60.0, 0.5, seed=8) != jitter_offset("dev-1", 60.0, 0.5, seed=7)


@pytest.mark.parametrize(
    ("interval", "fraction", "expected"),
    [(0.0, 0.5, 0.0), (60.0, 0.0, 0.0), (-1.0, 0.5, 0.0)],
    ids=["no-interval", "no-jitter", "negative-interval"],
)
def test_jitter_off(interval: float, fraction: float, expected: float) -> None:
    assert jitter_offset("d", interval, fraction) == expected


@pytest.mark.parametrize(
    ("started", "finished", "interval", "expected"),
    [(0.0, 0.5, 1.0, False), (0.0, 1.0, 1.0, False), (0.0, 1.2, 1.0, True), (0, 5, 0, False)],
    ids=["within", "exactly", "over", "no-interval"],
)
def test_overran(started: float, finished: float, interval: float, expected: bool) -> None:
    assert overran(started, finished, interval) is expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("timeout: 127.0.0.1:161: no answer within 1s x 2", True),
        ("poll took longer than 3.0s", True),
        ("snmp error: authorizationError at 1.3.6", False),
        (None, False),
    ],
    ids=["snmp-timeout", "deadline", "error", "none"],
)
def test_is_timeout(error: str | None, expected: bool) -> None:
    assert is_timeout(error) is expected


def test_poll_counters_accumulate_per_device() -> None:
    ts = datetime(2026, 1, 1, tzinfo=UTC)
    counters = PollCounters()
    counters.observe("a", True, None, False, ts)
    counters.observe("a", False, "timeout: x", True, ts)
    out = counters.observe("a", False, "snmp error: y", False, ts)
    assert {s.metric: s.value for s in out} == {
        "poll_errors_total": 2.0, TIMEOUTS: 1.0, OVERRUNS: 1.0
    }  # fmt: skip
    assert {s.metric: s.value for s in counters.observe("b", True, None, False, ts)} == {
        "poll_errors_total": 0.0, TIMEOUTS: 0.0, OVERRUNS: 0.0
    }  # fmt: skip
    counters.forget("a")
    assert counters.observe("a", True, None, False, ts)[0].value == 0.0
