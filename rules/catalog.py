"""The metric catalog: which metric names exist, their units and enum states.

Rules may not import the collector, so the names are read from the device profile
files themselves (names, units, kinds and enum values only) plus the metrics the
collector and the host probe emit in code. The loader takes the catalog as an argument:
the CLI and the rule service build it here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROFILES_DIR = Path(__file__).resolve().parents[1] / "devices" / "profiles"


@dataclass(frozen=True, slots=True)
class MetricInfo:
    name: str
    unit: str = ""
    kind: str = "gauge"
    states: Mapping[float, str] = field(default_factory=dict)  # enum code → label

    def codes(self) -> dict[str, float]:
        """enum label (lower case) → code."""
        return {label.lower(): code for code, label in self.states.items()}


Catalog = Mapping[str, MetricInfo]

# emitted in code, not by a profile (collector.parse, agent.host_probe)
BUILTIN_METRICS = (
    MetricInfo("device_up", "", "enum", {0: "down", 1: "up"}),
    MetricInfo("poll_duration_seconds", "s"),
    MetricInfo("host_cpu_percent", "%"),
    MetricInfo("host_memory_used_percent", "%"),
    MetricInfo("host_uptime_seconds", "s"),
    MetricInfo("host_load1"),
    MetricInfo("host_disk_used_percent", "%"),
    # each agent about itself, as the pseudo-device named after it (agent.uplink)
    MetricInfo("agent_spool_ok", "", "enum", {0: "failing", 1: "ok"}),
    MetricInfo("agent_samples_dropped"),
    MetricInfo("agent_samples_dropped_total", "", "counter"),
    MetricInfo("agent_dead_letter_batches"),
)


def _metric(item: Any) -> MetricInfo | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    raw = item.get("values") or {}
    states: dict[float, str] = {}
    if isinstance(raw, dict):
        for code, label in raw.items():
            try:
                states[float(code)] = str(label)
            except (TypeError, ValueError):
                continue
    return MetricInfo(item["name"], str(item.get("unit") or ""), str(item.get("kind") or
                      "gauge"), states)  # fmt: skip


def metrics_of_profile(data: Any) -> list[MetricInfo]:
    """The metrics one parsed profile file declares (scalars and table columns)."""
    if not isinstance(data, dict):
        return []
    items: list[Any] = list(data.get("scalars") or [])
    for table in data.get("tables") or []:
        if isinstance(table, dict):
            items += list(table.get("metrics") or [])
    return [m for m in (_metric(i) for i in items) if m is not None]


def build_catalog(extra: Iterable[MetricInfo] = ()) -> dict[str, MetricInfo]:
    """Catalog from code-emitted metrics and ``extra`` (pure: no files)."""
    out = {m.name: m for m in BUILTIN_METRICS}
    out.update({m.name: m for m in extra})
    return out


@functools.lru_cache(maxsize=4)
def load_catalog(profiles_dir: Path = PROFILES_DIR) -> Catalog:
    """Every metric the device profiles in ``profiles_dir`` and the collector produce."""
    found: list[MetricInfo] = []
    for path in sorted(profiles_dir.glob("*.yaml")):
        try:
            found += metrics_of_profile(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue  # a broken profile is the profile checker's to report
    return build_catalog(found)
