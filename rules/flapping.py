"""Flapping: an alarm key that changes state more than N times in M minutes (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class FlapPolicy:
    """More than ``changes`` state changes within ``window_seconds`` is flapping."""

    changes: int = 6
    window_seconds: float = 600.0

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)


def changes_in_window(change_times: Iterable[datetime], now: datetime, policy: FlapPolicy) -> int:
    start = now - policy.window
    return sum(1 for t in change_times if start < t <= now)


def is_flapping(change_times: Iterable[datetime], now: datetime, policy: FlapPolicy) -> bool:
    """Whether the state changes at ``change_times`` (fired / resolved) count as flapping."""
    return changes_in_window(change_times, now, policy) > policy.changes
