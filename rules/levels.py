"""Cross-field checks of one rule: its kind, its levels and its clear level (hysteresis).

Each failure is ``problem — fix``; the loader adds ``file:line: rule:`` in front.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rules.schema import RuleModel

_KIND_FIELDS = {
    "event": ("event", "clear_event", "clear_after", "clear_when"),
    "absent": ("absent_for", "absent_unseen"),
    "compound": ("all", "any"),
    "threshold": ("op", "warning", "critical", "clear", "rate", "when", "fallback_metrics"),
}
_ATTR = {"all": "all_", "any": "any_"}


def _given(model: RuleModel, name: str) -> bool:
    value = getattr(model, _ATTR.get(name, name))
    return value not in (None, 0.0, False, [])


def kind_of(model: RuleModel) -> str:
    if model.event is not None:
        return "event"
    if model.absent_for is not None:
        return "absent"
    if model.all_ is not None or model.any_ is not None:
        return "compound"
    return "threshold"


def check_kind(model: RuleModel) -> None:
    kind = kind_of(model)
    for other, fields in _KIND_FIELDS.items():
        if other == kind:
            continue
        for name in fields:
            if name in ("clear_event", "clear_after", "clear_when") and kind != "event":
                if _given(model, name):
                    raise ValueError(f"{name} is for event rules — remove it or add event:")
                continue
            if _given(model, name):
                raise ValueError(
                    f"{name} does not apply to a {kind} rule — remove it "
                    "(a rule is one of threshold, compound, absent, event)"
                )
    if model.all_ is not None and model.any_ is not None:
        raise ValueError("both all and any — nest one inside the other: all: [{any: [...]}]")
    if kind == "threshold":
        _check_threshold(model)
        return
    if model.severity is None:
        raise ValueError(f"no severity — add severity: warning (or critical) to this {kind} rule")
    if kind == "event" and model.metric is not None:
        raise ValueError("metric does not apply to an event rule — remove it "
                         "(use clear_when for a linked metric)")  # fmt: skip
    if kind == "absent" and model.metric is None:
        raise ValueError("absent_for needs a metric — add metric: (e.g. device_up)")
    if kind == "compound" and model.metric is not None:
        raise ValueError("metric does not apply to an all/any rule — put it in a condition")
    if kind == "event" and not (model.clear_event or model.clear_after or model.clear_when):
        raise ValueError("an event rule never clears — add clear_event, clear_when or "
                         "clear_after")  # fmt: skip


def _check_threshold(model: RuleModel) -> None:
    from rules.schema import _check_target

    if model.metric is None:
        raise ValueError("no metric — add metric: (or all:/any:, absent_for:, event:)")
    if model.fallback_metrics and model.rate is not None:
        raise ValueError("fallback_metrics cannot be combined with rate — write one rule per "
                         "metric instead")  # fmt: skip
    if model.op is None:
        raise ValueError('no op — add op: (one of > >= < <= == != in =~, quoted: op: ">")')
    if model.severity is not None:
        raise ValueError("severity is for compound, absent and event rules — "
                         "give warning: and/or critical: levels instead")  # fmt: skip
    if model.warning is None and model.critical is None:
        raise ValueError("no level — add warning: and/or critical: with a threshold")
    op = model.op
    _check_target(op, model.warning, "warning")
    _check_target(op, model.critical, "critical")
    if not op.ordering:
        if model.clear is not None:
            raise ValueError(f"clear: hysteresis needs an ordering op, not '{op}' — remove clear")
        return
    warning, critical = model.warning, model.critical
    assert not isinstance(warning, str | list) and not isinstance(critical, str | list)
    if warning is not None and critical is not None:
        if op.upward and critical < warning:
            raise ValueError(
                f"critical {critical:g} is below warning {warning:g} for "
                f"'{op}' — make critical the higher threshold"
            )
        if op.downward and critical > warning:
            raise ValueError(
                f"critical {critical:g} is above warning {warning:g} for "
                f"'{op}' — make critical the lower threshold"
            )
    if model.clear is not None:
        thresholds = [float(t) for t in (warning, critical) if t is not None]
        if op.upward and model.clear > min(thresholds):
            raise ValueError(
                f"clear {model.clear:g} is above the lowest threshold {min(thresholds):g} "
                f"— for '{op}' rules clear must be at or below it"
            )
        if op.downward and model.clear < max(thresholds):
            raise ValueError(
                f"clear {model.clear:g} is below the highest threshold {max(thresholds):g} "
                f"— for '{op}' rules clear must be at or above it"
            )
