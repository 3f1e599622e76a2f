"""One tick with overrides (pure): rules without overrides go to the engine as they are;
a rule with overrides is evaluated once per group of devices sharing the same effective
override, each group seeing only its devices' samples and states. The engine stays
unchanged and an alarm keeps its identity (the rule's name × device × instance).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from core.types import Sample
from rules.engine import STALE_AFTER_SECONDS, DeviceInfo, evaluate
from rules.overrides import Override, OverrideMap, apply, for_device
from rules.spec import RuleSpec
from rules.states import EvalResult, RuleStateValue, SeriesKey, StateKey, Transition


def _groups(
    rule: RuleSpec,
    by_scope: Mapping[tuple[str, str], Override],
    device_names: set[str],
    devices: Mapping[str, DeviceInfo],
) -> dict[Override | None, set[str]]:
    out: dict[Override | None, set[str]] = defaultdict(set)
    for name in device_names:
        out[for_device(by_scope, name, devices.get(name))].add(name)
    return out


def evaluate_with_overrides(
    rules: Sequence[RuleSpec],
    overrides: OverrideMap,
    latest: Mapping[SeriesKey, Sample],
    states: Mapping[StateKey, RuleStateValue],
    now: datetime,
    devices: Mapping[str, DeviceInfo],
    stale_after: float = STALE_AFTER_SECONDS,
) -> EvalResult:
    """Like ``rules.engine.evaluate`` with ``overrides`` (rule → scope → Override) applied."""
    plain = [r for r in rules if r.name not in overrides]
    base = evaluate(plain, latest, states, now, devices, stale_after)
    special = [r for r in rules if r.name in overrides]
    if not special:
        return base
    by_device: dict[str, list[SeriesKey]] = defaultdict(list)
    for key in latest:
        by_device[key[0]].append(key)
    by_rule: dict[str, list[StateKey]] = defaultdict(list)
    for skey in states:
        by_rule[skey[0]].append(skey)
    new_states = base.states
    changed: list[StateKey] = list(base.changed)
    transitions: list[Transition] = list(base.transitions)
    firing = dict(base.firing_values)
    evaluated = base.evaluated
    for rule in special:
        metrics = rule.metrics()
        names = set(devices) | {k[1] for k in by_rule[rule.name]}
        names |= {d for d, keys in by_device.items() if any(k[1] in metrics for k in keys)}
        for override, group in _groups(rule, overrides[rule.name], names, devices).items():
            g_latest = {
                k: latest[k] for d in group for k in by_device.get(d, ()) if k[1] in metrics
            }
            g_states = {k: states[k] for k in by_rule[rule.name] if k[1] in group}
            g_devices = {d: devices[d] for d in group if d in devices}
            r = evaluate([apply(rule, override)], g_latest, g_states, now, g_devices, stale_after)
            for k in r.changed:
                new_states[k] = r.states[k]
            for k, v in r.states.items():
                new_states.setdefault(k, v)
            changed += r.changed
            transitions += r.transitions
            firing.update(r.firing_values)
            evaluated += r.evaluated
    return EvalResult(new_states, tuple(changed), tuple(transitions), firing, evaluated)


def rules_for_device(
    rules: Sequence[RuleSpec], overrides: OverrideMap, device: str, info: DeviceInfo | None
) -> list[RuleSpec]:
    """The rules as one device sees them (for trap events, evaluated one device at a time)."""
    if not overrides:
        return list(rules)
    return [
        apply(r, for_device(overrides[r.name], device, info)) if r.name in overrides else r
        for r in rules
    ]
