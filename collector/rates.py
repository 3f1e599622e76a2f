"""Counters -> rates per second, telling a wrap from a reset.

A counter that went down either wrapped past its width (2^32 or 2^64) or was reset
(device reboot, interface cleared). A wrap is believed only when the previous value
was in the top half of the range *and* the wrapped delta is less than half the range;
anything else is a reset and yields no rate, so a reset never shows as a huge spike.
sysUpTime going backwards means the device rebooted: also a reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector.parse import CounterReading
from core.types import Sample


@dataclass(frozen=True, slots=True)
class CounterState:
    raw: int
    ts: datetime
    uptime_ticks: int | None = None


@dataclass(frozen=True, slots=True)
class RateResult:
    rate: float | None
    reason: str  # "ok", "first", "wrap", "reset", "reboot", "no-time"


def compute_rate(prev: CounterState | None, cur: CounterState, width: int = 64) -> RateResult:
    """The per-second rate between two readings of one counter (pure)."""
    if prev is None:
        return RateResult(None, "first")
    if (
        prev.uptime_ticks is not None
        and cur.uptime_ticks is not None
        and cur.uptime_ticks < prev.uptime_ticks
    ):
        return RateResult(None, "reboot")
    seconds = (cur.ts - prev.ts).total_seconds()
    if seconds <= 0:
        return RateResult(None, "no-time")
    if cur.raw >= prev.raw:
        return RateResult((cur.raw - prev.raw) / seconds, "ok")
    span = 1 << width
    wrapped = cur.raw + span - prev.raw
    if prev.raw >= span // 2 and wrapped < span // 2:
        return RateResult(wrapped / seconds, "wrap")
    return RateResult(None, "reset")


class RateTracker:
    """Holds the previous reading of every counter series; no I/O."""

    def __init__(self) -> None:
        self._prev: dict[tuple[str, str, str], CounterState] = {}

    def update(
        self,
        readings: tuple[CounterReading, ...] | list[CounterReading],
        uptime_ticks: int | None = None,
    ) -> list[Sample]:
        out: list[Sample] = []
        for r in readings:
            cur = CounterState(r.raw, r.ts, uptime_ticks)
            result = compute_rate(self._prev.get(r.key), cur, r.width)
            self._prev[r.key] = cur
            if result.rate is not None:
                out.append(Sample(r.device, r.metric, r.instance, result.rate, r.ts, r.unit))
        return out

    def forget(self, device: str) -> None:
        for key in [k for k in self._prev if k[0] == device]:
            del self._prev[key]
