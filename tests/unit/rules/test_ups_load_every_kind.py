"""The built-in ``ups_load_high`` reads the load of every UPS kind the profiles know
(issue 12 point 8): UPS-MIB, APC PowerNet and Eaton XUPS, one alarm per UPS even when a
device speaks two of them (an APC card answers UPS-MIB too: devices/profiles/apc-ups.yaml).
The short-runtime rule keeps its on-battery emergency minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.types import Sample, Severity
from rules.catalog import load_catalog
from rules.engine import DeviceInfo, RuleStateValue, StateKey, evaluate
from rules.loader import load_rules
from rules.spec import Level, RuleSpec

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DEVICES = {
    name: DeviceInfo(name, "ups", name, name)
    for name in ("mib-ups", "apc-ups", "eaton-ups", "apc-only")
}


@pytest.fixture(scope="module")
def rules() -> dict[str, RuleSpec]:
    return {r.name: r for r in load_rules([], builtin=True, catalog=load_catalog())}


def _loads(value: float, ts: datetime) -> list[Sample]:
    return [
        Sample("mib-ups", "ups_output_load_percent", "1", value, ts, "%"),
        Sample("apc-ups", "ups_output_load_percent", "1", value, ts, "%"),
        Sample("apc-ups", "apc_ups_output_load_percent", "", value, ts, "%"),
        Sample("eaton-ups", "eaton_ups_output_load_percent", "", value, ts, "%"),
        Sample("apc-only", "apc_ups_output_load_percent", "", value, ts, "%"),
    ]


def _firing(rule: RuleSpec, value: float) -> dict[StateKey, float | None]:
    states: dict[StateKey, RuleStateValue] = {}
    for seconds in (0, 30, 61):
        ts = T0 + timedelta(seconds=seconds)
        latest = {s.key: s for s in _loads(value, ts)}
        result = evaluate([rule], latest, states, ts, DEVICES)
        states = dict(result.states)
    return result.firing_values


@pytest.mark.parametrize(
    ("load", "devices"),
    [(65.0, {("mib-ups", "1"), ("apc-ups", "1"), ("eaton-ups", ""), ("apc-only", "")}),
     (45.0, set())],
    ids=["above-60-every-kind-once", "below-60-none"],
)  # fmt: skip
def test_ups_load_high_fires_once_per_ups_of_every_kind(
    rules: dict[str, RuleSpec], load: float, devices: set[tuple[str, str]]
) -> None:
    firing = _firing(rules["ups_load_high"], load)
    assert {(device, instance) for _, device, instance in firing} == devices


def test_ups_load_high_reads_every_load_metric_the_profiles_produce(
    rules: dict[str, RuleSpec],
) -> None:
    catalog = load_catalog()
    load_metrics = {m for m in catalog if m.endswith("ups_output_load_percent")}
    assert load_metrics == {"ups_output_load_percent", "apc_ups_output_load_percent",
                            "eaton_ups_output_load_percent"}  # fmt: skip
    assert rules["ups_load_high"].metrics() == load_metrics


def test_the_runtime_alarm_keeps_its_emergency_minutes(rules: dict[str, RuleSpec]) -> None:
    runtime = rules["ups_runtime_low"]
    assert runtime.levels == (Level(Severity.CRITICAL, 5), Level(Severity.WARNING, 15))
    assert runtime.clear == 20
