"""The rule file format, validated once at load time (pydantic); docs/rules.md describes it
and ``roomwatch rules schema`` prints its JSON schema (docs/rule-schema.json).

```yaml
rules:
  - name: ups_load_high              # [a-z0-9_]+, unique across all loaded files
    title_zh: UPS 负载过高
    title_en: UPS load high
    metric: ups_output_load_percent
    op: ">"                          # > >= < <= == != in =~ !~ (quote it)
    warning: 60                      # at least one of warning / critical
    critical: 80
    clear: 55                        # hysteresis: must be on the "ok" side of every level
    for: 60s                         # "30s", "2m", "1h", or seconds; 0 fires at once
    keep_firing_for: 2m              # hold before clearing
    device_types: [ups]              # scope; also devices, tags, rooms, racks, room_classes,
    instances: "(?i)uplink"          #   and an instance regex
    when: {metric: if_admin_status, op: "==", value: up}   # or {all: [...]} / {any: [...]}
```
Other kinds: ``all:``/``any:`` with ``severity:`` (compound), ``absent_for:`` with
``severity:`` (no data), ``event:`` with ``severity:`` (traps); ``rate: {over, per}``
turns a threshold rule into a rate-of-change rule. Monitoring templates: rules.templates.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.types import Severity
from rules.durations import parse_duration, parse_interval_count
from rules.spec import AllOf, AnyOf, Cond, Condition, Level, Op, Rate, RuleSpec
from rules.summary import check_template

__all__ = ["NAME_RE", "OPS", "ConditionModel", "RuleFileModel", "RuleModel", "parse_duration"]

NAME_RE = r"^[a-z0-9_]+$"
OPS = " ".join(op.value for op in Op)
Scalar = float | str
Target = float | str | list[float | str]
# enum code lookup for a metric: label (lower case) → code; given by the loader's catalog
EnumCodes = dict[str, dict[str, float]]


def _parse_op(raw: object) -> Op:
    try:
        return Op(raw.strip() if isinstance(raw, str) else raw)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            f'{raw!r} is not an operator — use one of {OPS} (quoted, e.g. op: ">")'
        ) from None


def _check_target(op: Op, target: Target | None, what: str) -> None:
    """Raise ``problem — fix`` when a threshold/value does not suit the operator."""
    if target is None:
        return
    if op is Op.IN:
        if not isinstance(target, list) or not target:
            raise ValueError(f"{what} must be a list for 'in' — write e.g. [low, depleted]")
        return
    if isinstance(target, list):
        raise ValueError(f"{what} is a list — use op: in for a set of values")
    if op in (Op.MATCH, Op.NOT_MATCH):
        if not isinstance(target, str):
            raise ValueError(f"{what} must be a regular expression for '=~' — quote it")
        try:
            re.compile(target)
        except re.error as exc:
            raise ValueError(f"{what} {target!r} is not a valid regular expression ({exc}) "
                             "— fix the pattern") from None  # fmt: skip
        return
    if op.ordering and isinstance(target, str):
        raise ValueError(f"{what} {target!r} is not a number — '{op}' compares numbers; "
                         "use == or in with enum names")  # fmt: skip


def _split(target: Target, codes_of: dict[str, float]) -> tuple[float | None, frozenset[float],
                                                                 frozenset[str]]:  # fmt: skip
    """(number, codes, labels) of a threshold: numbers and known enum names become codes."""
    if not isinstance(target, list | str):
        return float(target), frozenset(), frozenset()
    items = target if isinstance(target, list) else [target]
    numbers: set[float] = set()
    labels: set[str] = set()
    for item in items:
        if isinstance(item, str):
            labels.add(item.lower())
            if item.lower() in codes_of:
                numbers.add(codes_of[item.lower()])
        else:
            numbers.add(float(item))
    return None, frozenset(numbers), frozenset(labels)


class ConditionModel(BaseModel):
    """A leaf (metric op value) or a combination (all / any: a list of conditions)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    metric: str | None = Field(None, pattern=NAME_RE, max_length=100)
    op: Op | None = None
    value: Target | None = None
    all_: list[ConditionModel] | None = Field(None, alias="all")
    any_: list[ConditionModel] | None = Field(None, alias="any")

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, value: object) -> Op:
        return _parse_op(value)

    @model_validator(mode="after")
    def _shape(self) -> ConditionModel:
        groups = [g for g in (self.all_, self.any_) if g is not None]
        if groups:
            if len(groups) > 1 or self.metric or self.op or self.value is not None:
                raise ValueError("a condition is either metric/op/value or one of all/any — "
                                 "nest them: {all: [{...}, {any: [...]}]}")  # fmt: skip
            if not groups[0]:
                raise ValueError("all/any is empty — list at least one condition")
            return self
        if self.metric is None or self.op is None or self.value is None:
            raise ValueError("incomplete condition — give metric, op and value "
                             "(or all: / any: with a list)")  # fmt: skip
        _check_target(self.op, self.value, "value")
        return self

    def to_cond(self, enums: EnumCodes) -> Cond:
        if self.all_ is not None:
            return AllOf(tuple(c.to_cond(enums) for c in self.all_))
        if self.any_ is not None:
            return AnyOf(tuple(c.to_cond(enums) for c in self.any_))
        assert self.metric is not None and self.op is not None and self.value is not None
        if self.op in (Op.MATCH, Op.NOT_MATCH):
            return Condition(self.metric, self.op, pattern=re.compile(str(self.value)))
        number, codes, labels = _split(self.value, enums.get(self.metric, {}))
        return Condition(self.metric, self.op, number, codes, labels)


class RateModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    over: float = Field(description="window, e.g. 10m")
    per: float | None = Field(None, description="express the change per this duration "
                              "(default: the window, i.e. the change across it)")  # fmt: skip

    @field_validator("over", "per", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float | None:
        return None if value is None else parse_duration(value)

    @field_validator("over")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("rate window is 0 — give a window such as 5m")
        return value


class RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=NAME_RE, max_length=100)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    metric: str | None = Field(None, pattern=NAME_RE, max_length=100)
    fallback_metrics: list[Annotated[str, Field(pattern=NAME_RE, max_length=100)]] = Field(
        default_factory=list,
        description="threshold rules: the same reading under other names (other MIBs), "
        "read on a device that does not report metric",
    )
    op: Op | None = None
    warning: Target | None = None
    critical: Target | None = None
    severity: Literal["info", "warning", "critical"] | None = Field(
        None, description="the one level of compound, absent and event rules"
    )
    for_seconds: float = Field(0.0, alias="for")
    keep_firing_for: float = 0.0
    clear: float | None = None
    rate: RateModel | None = None
    absent_for: float | str | None = Field(None, description="30s, 5m or '3 intervals'")
    absent_unseen: bool = Field(False, description="absent rules: also ledger devices "
                                "that never sent the metric")  # fmt: skip
    all_: list[ConditionModel] | None = Field(None, alias="all")
    any_: list[ConditionModel] | None = Field(None, alias="any")
    when: ConditionModel | None = None
    event: str | None = Field(None, min_length=1, description="trap name or OID")
    clear_event: str | None = Field(None, min_length=1)
    clear_after: float = 0.0
    clear_when: ConditionModel | None = None
    device_types: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    rooms: list[str] = Field(default_factory=list)
    racks: list[str] = Field(default_factory=list)
    room_classes: list[str] = Field(default_factory=list)
    instances: str | None = Field(None, description="regular expression over the instance")
    unit: str | None = None
    summary_zh: str = ""
    summary_en: str = ""
    enabled: bool = True

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, value: object) -> Op:
        return _parse_op(value)

    @field_validator("for_seconds", "keep_firing_for", "clear_after", mode="before")
    @classmethod
    def _for(cls, value: object) -> float:
        return parse_duration(value)

    @field_validator("absent_for", mode="before")
    @classmethod
    def _absent(cls, value: object) -> float | str:
        if isinstance(value, str) and "interval" in value:
            parse_interval_count(value)
            return value.strip()
        seconds = parse_duration(value)
        if seconds <= 0:
            raise ValueError("absent_for is 0 — give a duration such as 3m or '3 intervals'")
        return seconds

    @field_validator("instances")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            _check_target(Op.MATCH, value, "instances")
        return value

    @field_validator("summary_zh", "summary_en")
    @classmethod
    def _template(cls, value: str) -> str:
        check_template(value)
        return value

    @model_validator(mode="after")
    def _kind(self) -> RuleModel:
        from rules.levels import check_kind

        check_kind(self)
        return self

    def to_spec(self, source: str = "", enums: EnumCodes | None = None,
                template: str = "") -> RuleSpec:  # fmt: skip
        enums = enums or {}
        codes_of = enums.get(self.metric or "", {})
        levels: list[Level] = []
        if self.severity is not None:
            levels.append(Level(Severity.parse(self.severity), None))
        for sev, target in ((Severity.CRITICAL, self.critical), (Severity.WARNING, self.warning)):
            if target is not None:
                levels.append(Level(sev, *_split(target, codes_of)))
        combo: Cond | None = None
        if self.all_ is not None:
            combo = AllOf(tuple(c.to_cond(enums) for c in self.all_))
        elif self.any_ is not None:
            combo = AnyOf(tuple(c.to_cond(enums) for c in self.any_))
        absent_for, intervals = 0.0, 0.0
        if isinstance(self.absent_for, str):
            intervals = parse_interval_count(self.absent_for)
        elif self.absent_for is not None:
            absent_for = self.absent_for
        rate = None
        if self.rate is not None:
            rate = Rate(self.rate.over, self.rate.per or self.rate.over)
        return RuleSpec(
            name=self.name,
            title_zh=self.title_zh,
            title_en=self.title_en,
            metric=self.metric or "",
            op=self.op or Op.EQ,
            levels=tuple(levels),
            for_seconds=self.for_seconds,
            clear=self.clear,
            device_types=frozenset(self.device_types),
            devices=frozenset(self.devices),
            when=self.when.to_cond(enums) if self.when else None,
            summary_zh=self.summary_zh,
            summary_en=self.summary_en,
            enabled=self.enabled,
            source=source,
            keep_firing_for=self.keep_firing_for,
            tags=frozenset(self.tags),
            rooms=frozenset(self.rooms),
            racks=frozenset(self.racks),
            room_classes=frozenset(c.upper() for c in self.room_classes),
            instance_pattern=re.compile(self.instances) if self.instances else None,
            rate=rate,
            absent_for=absent_for,
            absent_intervals=intervals,
            absent_unseen=self.absent_unseen,
            match_all=combo,
            event=self.event or "",
            clear_event=self.clear_event or "",
            clear_after=self.clear_after,
            clear_when=self.clear_when.to_cond(enums) if self.clear_when else None,
            unit=self.unit or "",
            template=template,
            fallback_metrics=tuple(self.fallback_metrics),
        )


class TemplateModel(BaseModel):
    """A monitoring template: rules with ``${param}`` placeholders (rules.templates)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_RE, max_length=60)
    params: dict[str, Scalar | list[Scalar] | None] = Field(default_factory=dict)
    rules: list[dict[str, Any]]


class ApplyModel(BaseModel):
    """One application of a template to a group of devices (names: ``<name>_<rule>``)."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(pattern=NAME_RE)
    name: str = Field(pattern=NAME_RE, max_length=40)
    params: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    device_types: list[str] | None = None
    devices: list[str] | None = None
    tags: list[str] | None = None
    rooms: list[str] | None = None
    racks: list[str] | None = None
    room_classes: list[str] | None = None


class RuleFileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleModel] = Field(default_factory=list)
    templates: list[TemplateModel] = Field(default_factory=list)
    apply: list[ApplyModel] = Field(default_factory=list)
