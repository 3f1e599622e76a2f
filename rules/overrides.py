"""Overrides of loaded rules per room or device (pure): validate, resolve, apply.

An override changes a rule for all its devices, the devices of a room or one device:
enabled, the warning / critical / clear levels, ``for``. A field left None keeps the rule
file's value. Field by field, a device override beats a room override, which beats one for
all devices, which beats the file. Applying an override
gives a RuleSpec with the same name, so an alarm stays one per rule × device × instance.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.types import Severity
from rules.spec import DeviceInfo, Level, RuleKind, RuleSpec

ALL = "all"  # every device of the rule's scope (scope name "")
ROOM = "room"
DEVICE = "device"
SCOPE_KINDS = (ALL, ROOM, DEVICE)
MAX_FOR_SECONDS = 7 * 24 * 3600.0
FIELDS = ("warning", "critical", "clear", "for_seconds")


@dataclass(frozen=True, slots=True)
class Override:
    rule: str
    scope_kind: str  # all | room | device
    scope_name: str
    enabled: bool | None = None
    warning: float | None = None
    critical: float | None = None
    clear: float | None = None
    for_seconds: float | None = None

    @property
    def changes(self) -> tuple[object, ...]:
        return (self.enabled, self.warning, self.critical, self.clear, self.for_seconds)


def numeric(rule: RuleSpec) -> bool:
    """Whether the rule's levels can be overridden (a threshold rule with > >= < <=)."""
    return rule.kind is RuleKind.THRESHOLD and rule.op.ordering


def level_of(rule: RuleSpec, severity: Severity) -> float | None:
    for level in rule.levels:
        if level.severity is severity:
            return level.threshold
    return None


def parse_number(text: str) -> float | None:
    """A form field: empty is None (keep the file's value); raises ValueError if not a number."""
    text = text.strip()
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def check(rule: RuleSpec, o: Override) -> dict[str, str]:
    """field → problem (one line: cause — fix), empty when the override is consistent.

    The rule's effective levels (file values merged with the override) must keep the order
    the loader enforces: for > / >= critical ≥ warning ≥ clear, for < / <= the mirror.
    """
    errors: dict[str, str] = {}
    if o.scope_kind not in SCOPE_KINDS:
        errors["scope"] = f"scope {o.scope_kind!r} — choose all, room or device"
    if o.for_seconds is not None and not 0 <= o.for_seconds <= MAX_FOR_SECONDS:
        errors["for_seconds"] = f"for {o.for_seconds:g}s — give 0 to {MAX_FOR_SECONDS:g} seconds"
    levels = (o.warning, o.critical, o.clear)
    if any(v is not None for v in levels) and not numeric(rule):
        errors["warning"] = (
            f"rule {rule.name} has no numeric levels (op {rule.op}) — change only enabled or for"
        )
        return errors
    if not numeric(rule):
        return errors
    warning = o.warning if o.warning is not None else level_of(rule, Severity.WARNING)
    critical = o.critical if o.critical is not None else level_of(rule, Severity.CRITICAL)
    clear = o.clear if o.clear is not None else rule.clear
    up = rule.op.upward
    if warning is not None and critical is not None:
        if up and critical < warning:
            errors["critical"] = (
                f"critical {critical:g} is below warning {warning:g} for '{rule.op}' "
                "— make critical the higher threshold"
            )
        elif not up and critical > warning:
            errors["critical"] = (
                f"critical {critical:g} is above warning {warning:g} for '{rule.op}' "
                "— make critical the lower threshold"
            )
    thresholds = [t for t in (warning, critical) if t is not None]
    if clear is not None and thresholds:
        if up and clear > min(thresholds):
            errors["clear"] = (
                f"clear {clear:g} is above the lowest threshold {min(thresholds):g} "
                f"— for '{rule.op}' rules clear must be at or below it"
            )
        elif not up and clear < max(thresholds):
            errors["clear"] = (
                f"clear {clear:g} is below the highest threshold {max(thresholds):g} "
                f"— for '{rule.op}' rules clear must be at or above it"
            )
    return errors


def _levels(rule: RuleSpec, o: Override) -> tuple[Level, ...]:
    wanted = {
        Severity.CRITICAL: o.critical
        if o.critical is not None
        else level_of(rule, Severity.CRITICAL),
        Severity.WARNING: o.warning if o.warning is not None else level_of(rule, Severity.WARNING),
    }
    return tuple(Level(sev, t) for sev, t in wanted.items() if t is not None)


def apply(rule: RuleSpec, o: Override | None) -> RuleSpec:
    """The rule as the override makes it (same name: same alarm identity)."""
    if o is None or not any(v is not None for v in o.changes):
        return rule
    changes: dict[str, object] = {}
    if o.enabled is not None:
        changes["enabled"] = o.enabled
    if o.for_seconds is not None:
        changes["for_seconds"] = o.for_seconds
    if numeric(rule):
        if o.warning is not None or o.critical is not None:
            changes["levels"] = _levels(rule, o)
        if o.clear is not None:
            changes["clear"] = o.clear
    return dataclasses.replace(rule, **changes)  # type: ignore[arg-type]


OverrideMap = Mapping[str, Mapping[tuple[str, str], Override]]  # rule → (kind, name) → override


def index(overrides: Iterable[Override]) -> dict[str, dict[tuple[str, str], Override]]:
    out: dict[str, dict[tuple[str, str], Override]] = {}
    for o in overrides:
        out.setdefault(o.rule, {})[(o.scope_kind, o.scope_name)] = o
    return out


def merged(first: Override | None, second: Override | None) -> Override | None:
    """Field by field: the first's value, else the second's."""
    if first is None or second is None:
        return first or second
    pick = {f: getattr(first, f) if getattr(first, f) is not None else getattr(second, f)
            for f in ("enabled", *FIELDS)}  # fmt: skip
    return dataclasses.replace(first, **pick)


def for_device(
    by_scope: Mapping[tuple[str, str], Override], device: str, info: DeviceInfo | None
) -> Override | None:
    """The override that applies to one device: device beats room beats all beats none."""
    room = by_scope.get((ROOM, info.room)) if info is not None and info.room else None
    return merged(by_scope.get((DEVICE, device)), merged(room, by_scope.get((ALL, ""))))
