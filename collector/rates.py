"""Counters -> rates per second, telling a wrap from a reset.

A counter that went down either wrapped past its width (2^32 or 2^64) or was reset
(device reboot, interface cleared). A wrap is believed only when the previous value was
near the width (in the top half of the range) *and* the wrapped delta is less than half
the range, *and* sysUpTime did not go back; anything else is a reset and yields no rate,
so a reset never shows as a huge spike. sysUpTime going backwards means the device
rebooted (unless sysUpTime itself wrapped at 2^32 ticks, after 497 days): also a reset.
A gap longer than ``max_gap`` seconds between two readings is a discontinuity (the device
was away; the counter may have been cleared meanwhile): no rate, the next one counts.
A rate above ``limit`` (the interface speed) cannot be real: it is discarded and counted
per device in ``rates_discarded_total``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector.parse import CounterReading, CounterRow, new_sample
from core.types import Sample

UPTIME_SPAN = 1 << 32  # sysUpTime is TimeTicks (1/100 s), 32 bits
DEFAULT_MAX_GAP = 3600.0
DISCARDED_METRIC = "rates_discarded_total"


@dataclass(frozen=True, slots=True)
class CounterState:
    raw: int
    ts: datetime
    uptime_ticks: int | None = None


@dataclass(frozen=True, slots=True)
class RateResult:
    rate: float | None
    reason: str  # "ok", "first", "wrap", "reset", "reboot", "no-time", "stale", "over-limit"


def rebooted(prev_ticks: int | None, cur_ticks: int | None, seconds: float) -> bool:
    """sysUpTime went back: a reboot, unless it wrapped at 2^32 ticks in about ``seconds``."""
    if prev_ticks is None or cur_ticks is None or cur_ticks >= prev_ticks:
        return False
    wrapped = (cur_ticks + UPTIME_SPAN - prev_ticks) / 100.0
    near_top = prev_ticks >= UPTIME_SPAN // 2
    return not (near_top and seconds > 0 and abs(wrapped - seconds) <= max(60.0, seconds / 2))


def compute_rate(
    prev: CounterState | None,
    cur: CounterState,
    width: int = 64,
    limit: float | None = None,
    max_gap: float = DEFAULT_MAX_GAP,
) -> RateResult:
    """The per-second rate between two readings of one counter (pure)."""
    if prev is None:
        return RateResult(None, "first")
    seconds = (cur.ts - prev.ts).total_seconds()
    if rebooted(prev.uptime_ticks, cur.uptime_ticks, seconds):
        return RateResult(None, "reboot")
    if seconds <= 0:
        return RateResult(None, "no-time")
    if seconds > max_gap:
        return RateResult(None, "stale")
    if cur.raw >= prev.raw:
        rate, reason = (cur.raw - prev.raw) / seconds, "ok"
    else:
        span = 1 << width
        wrapped = cur.raw + span - prev.raw
        if not (prev.raw >= span // 2 and wrapped < span // 2):
            return RateResult(None, "reset")
        rate, reason = wrapped / seconds, "wrap"
    if limit is not None and limit > 0 and rate > limit:
        return RateResult(None, "over-limit")
    return RateResult(rate, reason)


class RateTracker:
    """Holds the previous reading of every counter series; no I/O."""

    def __init__(self, max_gap: float = DEFAULT_MAX_GAP) -> None:
        # series -> (raw, ts, uptime ticks): plain tuples, there is one per counter
        self._prev: dict[tuple[str, str, str], tuple[int, datetime, int | None]] = {}
        self.max_gap = max_gap
        self.discarded: dict[str, int] = {}

    def update(
        self,
        readings: tuple[CounterReading, ...] | list[CounterReading],
        uptime_ticks: int | None = None,
    ) -> list[Sample]:
        """Rates for ``readings`` plus, per device seen, its ``rates_discarded_total``."""
        out: list[Sample] = []
        seen: dict[str, datetime] = {}
        for r in readings:
            key = (r.device, r.metric, r.instance)
            prev = self._prev.get(key)
            self._prev[key] = (r.raw, r.ts, uptime_ticks)
            result = compute_rate(
                CounterState(*prev) if prev is not None else None,
                CounterState(r.raw, r.ts, uptime_ticks),
                r.width,
                r.limit,
                self.max_gap,
            )
            seen[r.device] = r.ts
            if result.reason == "over-limit":
                self.discarded[r.device] = self.discarded.get(r.device, 0) + 1
            if result.rate is not None:
                out.append(Sample(r.device, r.metric, r.instance, result.rate, r.ts, r.unit))
        for device, ts in seen.items():
            count = float(self.discarded.get(device, 0))
            out.append(Sample(device, DISCARDED_METRIC, "", count, ts))
        return out

    def update_rows(
        self,
        device: str,
        ts: datetime,
        rows: list[CounterRow],
        uptime_ticks: int | None = None,
    ) -> list[Sample]:
        """:meth:`update` for one device's poll, its counters as ``CounterRow`` tuples
        (``collector.parse.parse_rows``): the same rates, without an object per counter.
        The time checks of :func:`compute_rate` are made once per previous poll time."""
        out: list[Sample] = []
        prev_map, append = self._prev, out.append
        last_ts: datetime | None = None  # the previous poll time last looked at ...
        last_ticks: int | None = None
        seconds: float | None = None  # ... and the seconds a rate spans from it (or None)
        over = 0
        for name, instance, raw, width, unit, limit in rows:
            key = (device, name, instance)
            prev = prev_map.get(key)
            prev_map[key] = (raw, ts, uptime_ticks)
            if prev is None:
                continue
            praw, pts, pup = prev
            if pts is not last_ts or pup != last_ticks:
                last_ts, last_ticks = pts, pup
                seconds = self._seconds(pts, pup, ts, uptime_ticks)
            if seconds is None:
                continue
            if raw >= praw:
                rate = (raw - praw) / seconds
            else:
                span = 1 << width
                wrapped = raw + span - praw
                if not (praw >= span // 2 and wrapped < span // 2):
                    continue  # a reset
                rate = wrapped / seconds
            if limit is not None and limit > 0 and rate > limit:
                over += 1
                continue
            append(new_sample(device, name, instance, rate, ts, unit))
        if over:
            self.discarded[device] = self.discarded.get(device, 0) + over
        if rows:
            count = float(self.discarded.get(device, 0))
            append(new_sample(device, DISCARDED_METRIC, "", count, ts))
        return out

    def _seconds(
        self, prev_ts: datetime, prev_ticks: int | None, ts: datetime, ticks: int | None
    ) -> float | None:
        """Seconds between two polls, or None when no rate may span them (reboot, time
        standing still or going back, a gap over ``max_gap``): as in :func:`compute_rate`."""
        seconds = (ts - prev_ts).total_seconds()
        if rebooted(prev_ticks, ticks, seconds) or seconds <= 0 or seconds > self.max_gap:
            return None
        return seconds

    def forget(self, device: str) -> None:
        for key in [k for k in self._prev if k[0] == device]:
            del self._prev[key]
        self.discarded.pop(device, None)
