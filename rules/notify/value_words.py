"""What a state metric's value says, in words: ``ups_output_source`` 5 reads 电池 / Battery,
not "5". Pure: the rule and the metric catalogue (the profiles' value maps) are arguments.
"""

from __future__ import annotations

from core.messages import label
from rules.catalog import Catalog
from rules.spec import RuleSpec, leaves


def _metrics(rule: RuleSpec, value: float) -> list[str]:
    """The metrics whose value this may be: a compound rule's leaves that hold it first."""
    if rule.match_all is not None:
        found = leaves(rule.match_all)
        return [c.metric for c in found if c.holds(value)] + [c.metric for c in found]
    return [m for m in (rule.metric, *rule.fallback_metrics) if m]


def state_words(rule: RuleSpec | None, value: float | None, catalog: Catalog) -> tuple[str, str]:
    """(zh, en) words of the state ``value`` stands for; ("", "") for a plain number."""
    if rule is None or value is None:
        return "", ""
    for metric in _metrics(rule, value):
        info = catalog.get(metric)
        state = info.states.get(float(value)) if info is not None else None
        if state:
            family = f"enum.{metric}"
            return label("zh_CN", family, state), label("en", family, state)
    return "", ""
