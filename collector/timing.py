"""Scheduling arithmetic, pure: when each device is polled and how long to wait for it.

* :func:`jitter_offset` spreads devices over their interval so that a thousand devices
  on a 60 s interval do not all fire at second 0; it is a hash of the device name and a
  seed, so the same agent with the same seed schedules the same way (tests, restarts).
* :func:`adaptive_timeout` waits for a device about as long as it has needed lately
  (a few times its slowest recent answer), within configured bounds: a dead device is
  found out fast on a LAN, and a slow old UPS card still gets the time it needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LATENCY_WINDOW = 20  # recent requests kept per device
TIMEOUT_FACTOR = 4.0


def jitter_offset(key: str, interval: float, fraction: float, seed: int = 0) -> float:
    """A start offset in ``[0, interval x fraction)``, the same for the same key and seed."""
    if interval <= 0 or fraction <= 0:
        return 0.0
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    unit = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return unit * interval * min(fraction, 1.0)


def adaptive_timeout(
    latencies: Sequence[float],
    floor: float,
    ceiling: float,
    factor: float = TIMEOUT_FACTOR,
    timed_out: bool = False,
) -> float:
    """How long to wait for one request: ``factor`` x the slowest of the recent
    ``latencies``, kept within ``[floor, ceiling]``. No history yet, or the last poll
    timed out: the ceiling (the configured timeout), so a device is never cut short
    twice in a row by an estimate."""
    if ceiling <= 0:
        raise ValueError("ceiling must be positive")
    floor = min(max(floor, 0.0), ceiling)
    recent = [x for x in latencies[-LATENCY_WINDOW:] if x >= 0]
    if timed_out or not recent:
        return ceiling
    return min(ceiling, max(floor, max(recent) * factor))


def overran(started: float, finished: float, interval: float) -> bool:
    """A poll overran when it took longer than its device's interval."""
    return interval > 0 and finished - started > interval
