"""Readings laid out for people (pure): per-instance metrics as one table, not 150 rows.

A switch reports ifOperStatus, ifAdminStatus, traffic... for each of its 48 ports; a UPS
reports voltage, current and load for each of its lines. Metrics that share the same set
of instances become one table (a row per instance, a column per metric); everything else
(scalars, odd ones) stays in the plain list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.types import Sample

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """ "GigabitEthernet1/0/2" before "GigabitEthernet1/0/10"."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(text) if p)


@dataclass(frozen=True)
class InstanceTable:
    metrics: tuple[str, ...]  # column order: first seen
    rows: tuple[tuple[str, tuple[Sample | None, ...]], ...]  # (instance, cell per metric)


def layout(samples: Iterable[Sample]) -> tuple[list[Sample], list[InstanceTable]]:
    """Split a device's latest samples into a plain list and per-instance tables."""
    by_metric: dict[str, dict[str, Sample]] = {}
    plain: list[Sample] = []
    for s in samples:
        if s.instance:
            by_metric.setdefault(s.metric, {})[s.instance] = s
        else:
            plain.append(s)
    groups: dict[frozenset[str], list[str]] = {}
    for metric, cells in by_metric.items():
        groups.setdefault(frozenset(cells), []).append(metric)
    tables: list[InstanceTable] = []
    for instances, metrics in groups.items():
        if len(instances) < 2 or len(metrics) < 2:
            plain.extend(
                by_metric[m][i] for m in metrics for i in sorted(instances, key=natural_key)
            )
            continue
        rows = tuple(
            (inst, tuple(by_metric[m].get(inst) for m in metrics))
            for inst in sorted(instances, key=natural_key)
        )
        tables.append(InstanceTable(tuple(metrics), rows))
    tables.sort(key=lambda t: -len(t.rows))
    return plain, tables
