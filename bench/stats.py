"""Small helpers for benchmarks: repeat, median, and one printed line per figure."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed_runs(fn: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(
    name: str, ours: list[float], peer: list[float], peer_name: str, unit: str = "ms"
) -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    m_ours, m_peer = statistics.median(ours) * scale, statistics.median(peer) * scale
    ratio = m_peer / m_ours if m_ours else float("inf")
    return (
        f"{name}: roomwatch median {m_ours:.2f} {unit} ({len(ours)} runs) | "
        f"{peer_name} median {m_peer:.2f} {unit} ({len(peer)} runs) | "
        f"ratio peer/roomwatch {ratio:.2f}x"
    )
