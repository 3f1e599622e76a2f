"""Per-device poll health as cumulative counters (pure; no I/O).

``poll_errors_total`` (every failed poll), ``poll_timeouts_total`` (the failures that
were timeouts), ``poll_overruns_total`` (polls that took longer than the interval) are
emitted with every poll of a device, so they exist from the first poll on (0) and a
rule or Prometheus can take their rate. ``device_up`` and ``poll_duration_seconds`` come
from :func:`collector.parse.health_samples`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.types import Sample

ERRORS = "poll_errors_total"
TIMEOUTS = "poll_timeouts_total"
OVERRUNS = "poll_overruns_total"


def is_timeout(error: str | None) -> bool:
    """Whether a poll error (as the poller and scheduler word it) was a timeout."""
    text = (error or "").lower()
    return text.startswith("timeout") or "longer than" in text or "no answer" in text


@dataclass(slots=True)
class _Counts:
    errors: int = 0
    timeouts: int = 0
    overruns: int = 0


class PollCounters:
    def __init__(self) -> None:
        self._counts: dict[str, _Counts] = {}

    def observe(
        self, device: str, ok: bool, error: str | None, overran: bool, ts: datetime
    ) -> list[Sample]:
        """Count one poll; the device's three counters as samples."""
        counts = self._counts.setdefault(device, _Counts())
        if not ok:
            counts.errors += 1
            if is_timeout(error):
                counts.timeouts += 1
        if overran:
            counts.overruns += 1
        return [
            Sample(device, ERRORS, "", float(counts.errors), ts),
            Sample(device, TIMEOUTS, "", float(counts.timeouts), ts),
            Sample(device, OVERRUNS, "", float(counts.overruns), ts),
        ]

    def forget(self, device: str) -> None:
        self._counts.pop(device, None)
