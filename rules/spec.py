"""Validated rules as typed values: what the engine evaluates (built by rules.schema).

A rule is one of four kinds (``RuleSpec.kind``):

* ``threshold``: ``metric`` (or its ``rate`` over a window) compared with warning /
  critical levels, optionally gated by ``when`` (a condition tree on the same device);
* ``compound``: an ``all``/``any`` condition tree with one severity (no primary metric);
* ``absent``: no data of ``metric`` for ``absent_for`` seconds (or N poll intervals);
* ``event``: fired by a trap (``event`` name or OID), cleared by ``clear_event``, by
  ``clear_when`` on the latest values, or after ``clear_after``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import NamedTuple

from core.types import Severity


class Op(enum.StrEnum):
    """Comparison of a value against a threshold, a set of states or a text pattern."""

    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EQ = "=="
    NE = "!="
    IN = "in"
    MATCH = "=~"  # regular expression found in the sample's text (info metrics, labels)
    NOT_MATCH = "!~"  # a text is present and the expression is not found in it

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
            case Op.EQ | Op.IN:
                return value == threshold
            case Op.NE:
                return value != threshold
            case Op.MATCH | Op.NOT_MATCH:
                return False

    @property
    def upward(self) -> bool:
        """True for > and >=: higher values are worse."""
        return self in (Op.GT, Op.GE)

    @property
    def downward(self) -> bool:
        """True for < and <=: lower values are worse."""
        return self in (Op.LT, Op.LE)

    @property
    def ordering(self) -> bool:
        return self.upward or self.downward


def _equal(
    value: float | None,
    text: str | None,
    threshold: float | None,
    codes: frozenset[float],
    labels: frozenset[str],
) -> bool:
    if value is not None and (value == threshold or value in codes):
        return True
    return text is not None and text.lower() in labels


def compare(
    op: Op,
    value: float | None,
    text: str | None,
    threshold: float | None,
    codes: frozenset[float] = frozenset(),
    labels: frozenset[str] = frozenset(),
    pattern: re.Pattern[str] | None = None,
) -> bool:
    """Whether a sample (numeric value and/or text) satisfies ``op`` against its target.

    ``==``/``in`` match a code (``threshold`` or ``codes``) or an enum label (``labels``,
    lower case, compared with the sample's text); ``!=`` is their negation on a present
    value; ``=~`` / ``!~`` search ``pattern`` in the text. Missing data never satisfies anything.
    """
    if op in (Op.MATCH, Op.NOT_MATCH):
        if text is None or pattern is None:
            return False
        return (pattern.search(text) is not None) is (op is Op.MATCH)
    if op in (Op.EQ, Op.IN):
        return _equal(value, text, threshold, codes, labels)
    if op is Op.NE:
        if value is None and text is None:
            return False
        return not _equal(value, text, threshold, codes, labels)
    return value is not None and threshold is not None and op.test(value, threshold)


class Level(NamedTuple):
    """One alarm level: the severity raised when the value satisfies the rule's op.

    ``threshold`` is the number (or enum code) compared; ``codes`` / ``labels`` are the
    set of an ``in`` level or enum names (``battery``) given by name.
    """

    severity: Severity
    threshold: float | None
    codes: frozenset[float] = frozenset()
    labels: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Condition:
    """A test of another metric of the same device: same instance first, else instance "".

    ``value`` is a number or enum code; ``codes`` / ``labels`` hold ``in`` sets and enum
    names; ``pattern`` the regular expression of ``=~``.
    """

    metric: str
    op: Op
    value: float | None = None
    codes: frozenset[float] = frozenset()
    labels: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None

    def holds(self, value: float | None, text: str | None = None) -> bool:
        return compare(self.op, value, text, self.value, self.codes, self.labels, self.pattern)


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Cond, ...]


Cond = Condition | AllOf | AnyOf


def leaves(cond: Cond | None) -> list[Condition]:
    """The leaf conditions of a tree, in order."""
    if cond is None:
        return []
    if isinstance(cond, Condition):
        return [cond]
    return [leaf for item in cond.items for leaf in leaves(item)]


@dataclass(frozen=True, slots=True)
class Rate:
    """Rate of change: (last - first) over the samples of the last ``over`` seconds,
    expressed per ``per`` seconds (``per`` = ``over``: the change across the window)."""

    over: float
    per: float


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What rules need of a ledger device (scope, summaries, no-data intervals)."""

    name: str
    device_type: str
    title_zh: str = ""
    title_en: str = ""
    room: str = ""
    rack: str = ""
    tags: frozenset[str] = frozenset()
    room_class: str = ""  # GB 50174 class of the room: "A", "B" or "C"
    interval: float = 30.0  # poll interval, seconds (absent_for in intervals)


class RuleKind(enum.StrEnum):
    THRESHOLD = "threshold"
    COMPOUND = "compound"
    ABSENT = "absent"
    EVENT = "event"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule, validated.

    ``levels`` is worst first. ``clear`` is the hysteresis level of an ordering rule:
    a firing ``>``/``>=`` rule clears only when the value is <= ``clear`` (``<``/``<=``
    rules: when the value is >= ``clear``). Scope: a device named in ``devices`` is always
    in; otherwise every non-empty dimension (device_types, tags, rooms, racks,
    room_classes) must match. No scope at all means every device, including series of
    devices that are not in the ledger. ``instance_pattern`` narrows to instances whose
    name it matches (search).
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
    when: Cond | None = None
    summary_zh: str = ""
    summary_en: str = ""
    enabled: bool = True
    source: str = ""  # "file:line" where the rule is defined
    keep_firing_for: float = 0.0
    tags: frozenset[str] = frozenset()
    rooms: frozenset[str] = frozenset()
    racks: frozenset[str] = frozenset()
    room_classes: frozenset[str] = frozenset()
    instance_pattern: re.Pattern[str] | None = None
    rate: Rate | None = None
    absent_for: float = 0.0  # seconds; or, with absent_intervals, N poll intervals
    absent_intervals: float = 0.0
    absent_unseen: bool = False  # also ledger devices with no series of the metric at all
    match_all: Cond | None = None  # compound rules: the condition tree (levels: one)
    event: str = ""  # event rules: trap name or OID that fires
    clear_event: str = ""
    clear_after: float = 0.0
    clear_when: Cond | None = None
    unit: str = ""
    template: str = ""  # "template@application" when generated by a monitoring template
    # threshold rules: the same reading under other MIBs' names, read on a device that does
    # not report ``metric`` (or an earlier fallback): one alarm per device, whatever its MIB
    fallback_metrics: tuple[str, ...] = ()

    @property
    def kind(self) -> RuleKind:
        if self.event:
            return RuleKind.EVENT
        if self.absent_for or self.absent_intervals:
            return RuleKind.ABSENT
        if self.match_all is not None:
            return RuleKind.COMPOUND
        return RuleKind.THRESHOLD

    @property
    def scoped(self) -> bool:
        return bool(
            self.device_types
            or self.devices
            or self.tags
            or self.rooms
            or self.racks
            or self.room_classes
        )

    def metrics(self) -> set[str]:
        """Every metric the rule reads (for the caller's latest/history query)."""
        out = {self.metric} if self.metric else set()
        out |= set(self.fallback_metrics)
        for cond in (self.when, self.match_all, self.clear_when):
            out |= {leaf.metric for leaf in leaves(cond)}
        return out

    def match(self, value: float | None, text: str | None = None) -> Level | None:
        """The worst level the value reaches, or None."""
        if value is None and text is None:
            return None
        op = self.op
        if op.ordering:
            if value is None:
                return None
            for level in self.levels:
                if level.threshold is not None and op.test(value, level.threshold):
                    return level
            return None
        for level in self.levels:
            if compare(op, value, text, level.threshold, level.codes, level.labels):
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

    def applies_to(self, device: str, info: DeviceInfo | str | None) -> bool:
        """Whether a device is in scope (``info`` None: not in the ledger).

        ``info`` may also be a bare device type (the first engine's signature).
        """
        if not self.scoped:
            return True
        if device in self.devices:
            return True
        if info is None:
            return False
        if isinstance(info, str):
            info = DeviceInfo(device, info)
        if not (self.device_types or self.tags or self.rooms or self.racks or self.room_classes):
            return False  # only `devices` was given, and this one is not named
        return (
            (not self.device_types or info.device_type in self.device_types)
            and (not self.tags or bool(self.tags & info.tags))
            and (not self.rooms or info.room in self.rooms)
            and (not self.racks or info.rack in self.racks)
            and (not self.room_classes or info.room_class in self.room_classes)
        )

    def instance_ok(self, instance: str) -> bool:
        pattern = self.instance_pattern
        return pattern is None or pattern.search(instance) is not None
