"""Durations in rule files: ``30s``, ``2m``, ``1h``, ``1d``, ``500ms``, plain seconds,
and ``N intervals`` (poll intervals of the device, for absent_for)."""

from __future__ import annotations

import re

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_INTERVALS_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*intervals?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_FIX = "write 30s, 2m, 1h or a number of seconds"


def parse_duration(raw: object) -> float:
    """Seconds from ``30s``, ``2m``, ``1h``, ``1d``, ``500ms`` or a plain number of seconds."""
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a duration — {_FIX}")
    if isinstance(raw, int | float):
        seconds = float(raw)
    elif isinstance(raw, str) and (m := _DURATION_RE.match(raw)):
        seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    else:
        raise ValueError(f"{raw!r} is not a duration — {_FIX}")
    if seconds < 0:
        raise ValueError(f"{raw!r} is negative — use 0s or a positive duration")
    return seconds


def parse_interval_count(raw: str) -> float:
    """N from ``3 intervals`` (at least 1)."""
    m = _INTERVALS_RE.match(raw)
    if not m or float(m.group(1)) < 1:
        raise ValueError(f"{raw!r} is not a number of intervals — write e.g. '3 intervals'")
    return float(m.group(1))
