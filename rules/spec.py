"""Validated rules as typed values: what the engine evaluates (built by rules.schema)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from core.types import Severity


class Op(enum.StrEnum):
    """Comparison of a value against a threshold."""

    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EQ = "=="
    NE = "!="

    def test(self, value: float, threshold: float) -> bool:
        match self:
            case Op.GT:
                return value > threshold
            case Op.GE:
                return value >= threshold
            case Op.LT:
                return value < threshold
            case Op.LE:
                return value <= threshold
            case Op.EQ:
                return value == threshold
            case Op.NE:
                return value != threshold

    @property
    def upward(self) -> bool:
        """True for > and >=: higher values are worse."""
        return self in (Op.GT, Op.GE)

    @property
    def downward(self) -> bool:
        """True for < and <=: lower values are worse."""
        return self in (Op.LT, Op.LE)


class Level(NamedTuple):
    """One alarm level of a rule: the severity it raises when ``value op threshold``."""

    severity: Severity
    threshold: float


@dataclass(frozen=True, slots=True)
class Condition:
    """An extra condition on another metric of the same device and instance (``when:``)."""

    metric: str
    op: Op
    value: float

    def holds(self, value: float | None) -> bool:
        return value is not None and self.op.test(value, self.value)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule, validated: a threshold test over one metric of every series in scope.

    ``levels`` is worst first. ``clear`` is the hysteresis level of an ordering rule:
    a firing ``>``/``>=`` rule clears only when the value is <= ``clear`` (``<``/``<=``
    rules: when the value is >= ``clear``). Empty ``device_types`` and ``devices`` mean
    every device, including series of devices that are not in the ledger.
    """

    name: str
    title_zh: str
    title_en: str
    metric: str
    op: Op
    levels: tuple[Level, ...]
    for_seconds: float = 0.0
    clear: float | None = None
    device_types: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()
    when: Condition | None = None
    summary_zh: str = ""
    summary_en: str = ""
    enabled: bool = True
    source: str = ""  # "file:line" where the rule is defined

    @property
    def scoped(self) -> bool:
        return bool(self.device_types or self.devices)

    def match(self, value: float | None) -> Level | None:
        """The worst level the value reaches, or None."""
        if value is None:
            return None
        for level in self.levels:
            if self.op.test(value, level.threshold):
                return level
        return None

    def holds_in_band(self, value: float | None) -> bool:
        """Whether a firing rule stays firing although no level matches (hysteresis)."""
        if value is None or self.clear is None:
            return False
        if self.op.upward:
            return value > self.clear
        if self.op.downward:
            return value < self.clear
        return False

    def applies_to(self, device: str, device_type: str | None) -> bool:
        """Whether a device is in the rule's scope (``device_type`` None: not in the ledger)."""
        if not self.scoped:
            return True
        if device in self.devices:
            return True
        return device_type is not None and device_type in self.device_types
