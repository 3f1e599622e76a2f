"""Checks of a rule against the metric catalog: unknown metrics, enum names, units."""

from __future__ import annotations

import difflib

from rules.catalog import Catalog
from rules.schema import ConditionModel, RuleModel, Target

UNITS = frozenset(
    {"", "%", "°C", "V", "A", "W", "kW", "VA", "kVA", "Hz", "s", "min", "h", "B", "B/s",
     "Mbit/s", "kWh", "1/s", "rpm", "Pa"}
)  # fmt: skip


def _labels(target: Target | None) -> list[str]:
    if target is None:
        return []
    items = target if isinstance(target, list) else [target]
    return [i for i in items if isinstance(i, str)]


def _conditions(node: ConditionModel | None, path: str) -> list[tuple[str, ConditionModel]]:
    if node is None:
        return []
    out = [(path, node)] if node.metric else []
    for key, group in (("all", node.all_), ("any", node.any_)):
        for i, child in enumerate(group or []):
            out += _conditions(child, f"{path}.{key}[{i}]")
    return out


def _metric_problem(metric: str, catalog: Catalog) -> str:
    close = difflib.get_close_matches(metric, list(catalog), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "see `roomwatch rules metrics`"
    return f"unknown metric {metric!r}: no profile produces it — check the spelling ({hint})"


def _state_problem(metric: str, label: str, catalog: Catalog) -> str | None:
    info = catalog.get(metric)
    if info is None or not info.states:
        if info is not None and info.kind not in ("enum", "info"):
            return (f"{label!r} is a name, but {metric} is a number — compare with a number "
                    "or use =~ on a text metric")  # fmt: skip
        return None
    if label.lower() in info.codes():
        return None
    states = ", ".join(info.states.values())
    return f"{label!r} is not a state of {metric} — use one of: {states}"


def catalog_problems(
    rule: RuleModel, catalog: Catalog, check_names: bool = True
) -> list[tuple[str, str]]:
    """(field, ``problem — fix``) for one rule. ``check_names`` False skips unknown-metric
    errors (the built-in pack may name metrics of profiles still to come)."""
    out: list[tuple[str, str]] = []
    conds: list[tuple[str, ConditionModel]] = []
    conds += _conditions(rule.when, "when")
    conds += _conditions(rule.clear_when, "clear_when")
    for key, group in (("all", rule.all_), ("any", rule.any_)):
        for i, child in enumerate(group or []):
            conds += _conditions(child, f"{key}[{i}]")
    if rule.metric:
        if check_names and rule.metric not in catalog:
            out.append(("metric", _metric_problem(rule.metric, catalog)))
        for i, name in enumerate(rule.fallback_metrics):
            if check_names and name not in catalog:
                out.append((f"fallback_metrics[{i}]", _metric_problem(name, catalog)))
        if rule.op is None or rule.op.value not in ("=~", "!~"):
            for fld, target in (("warning", rule.warning), ("critical", rule.critical)):
                for label in _labels(target):
                    if (problem := _state_problem(rule.metric, label, catalog)) is not None:
                        out.append((fld, problem))
    for path, cond in conds:
        assert cond.metric is not None
        if check_names and cond.metric not in catalog:
            out.append((f"{path}.metric", _metric_problem(cond.metric, catalog)))
        if cond.op is not None and cond.op.value not in ("=~", "!~"):
            for label in _labels(cond.value):
                if (problem := _state_problem(cond.metric, label, catalog)) is not None:
                    out.append((f"{path}.value", problem))
    if rule.unit is not None:
        info = catalog.get(rule.metric or "")
        if info is not None and rule.unit != info.unit:
            out.append(("unit", f"unit {rule.unit!r} does not match {info.name}'s unit "
                        f"{info.unit!r} — thresholds are in the metric's unit: write "
                        f"unit: {info.unit!r} or remove unit"))  # fmt: skip
        elif info is None and rule.unit not in UNITS:
            known = " ".join(sorted(u for u in UNITS if u))
            out.append(("unit", f"unknown unit {rule.unit!r} — use one of: {known}"))
    return out


def enum_codes(rule: RuleModel, catalog: Catalog) -> dict[str, dict[str, float]]:
    """metric → {label: code} for every enum metric the rule reads."""
    names = {rule.metric} if rule.metric else set()
    for node in (rule.when, rule.clear_when, *(rule.all_ or []), *(rule.any_ or [])):
        names |= {c.metric for _, c in _conditions(node, "") if c.metric}
    return {n: catalog[n].codes() for n in names if n in catalog and catalog[n].states}
