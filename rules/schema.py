"""The rule file format, validated once at load time (pydantic), and its conversion to RuleSpec.

```yaml
rules:
  - name: ups_load_high              # [a-z0-9_]+, unique across all loaded files
    title_zh: UPS 负载过高
    title_en: UPS load high
    metric: ups_output_load_percent
    op: ">"                          # > >= < <= == !=  (quote it: a bare > is YAML syntax)
    warning: 60                      # at least one of warning / critical
    critical: 80
    for: 60s                         # "30s", "2m", "1h", or seconds; 0 fires at once
    clear: 55                        # optional hysteresis level (ordering ops only)
    device_types: [ups]              # optional scope; also devices: [names] (either matches)
    when: {metric: if_admin_status, op: "==", value: 1}   # optional, same device + instance
    summary_zh: "{device_title} 负载 {value}{unit}"
    summary_en: "{device_title}: load {value}{unit} > {threshold}"
    enabled: true
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.types import Severity
from rules.spec import Condition, Level, Op, RuleSpec
from rules.summary import check_template

NAME_RE = r"^[a-z0-9_]+$"
OPS = " ".join(op.value for op in Op)
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(raw: object) -> float:
    """Seconds from ``30s``, ``2m``, ``1h``, ``1d``, ``500ms`` or a plain number of seconds."""
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a duration — write 30s, 2m, 1h or a number of seconds")
    if isinstance(raw, int | float):
        seconds = float(raw)
    elif isinstance(raw, str) and (m := _DURATION_RE.match(raw)):
        seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    else:
        raise ValueError(f"{raw!r} is not a duration — write 30s, 2m, 1h or a number of seconds")
    if seconds < 0:
        raise ValueError(f"{raw!r} is negative — use 0s or a positive duration")
    return seconds


def _parse_op(raw: object) -> Op:
    try:
        return Op(raw.strip() if isinstance(raw, str) else raw)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            f'{raw!r} is not an operator — use one of {OPS} (quoted, e.g. op: ">")'
        ) from None


class ConditionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(pattern=NAME_RE)
    op: Op
    value: float

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, value: object) -> Op:
        return _parse_op(value)


class RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=NAME_RE, max_length=100)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    metric: str = Field(pattern=NAME_RE, max_length=100)
    op: Op
    warning: float | None = None
    critical: float | None = None
    for_seconds: float = Field(0.0, alias="for")
    clear: float | None = None
    device_types: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)
    when: ConditionModel | None = None
    summary_zh: str = ""
    summary_en: str = ""
    enabled: bool = True

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, value: object) -> Op:
        return _parse_op(value)

    @field_validator("for_seconds", mode="before")
    @classmethod
    def _for(cls, value: object) -> float:
        return parse_duration(value)

    @field_validator("summary_zh", "summary_en")
    @classmethod
    def _template(cls, value: str) -> str:
        check_template(value)
        return value

    @model_validator(mode="after")
    def _levels(self) -> RuleModel:
        if self.warning is None and self.critical is None:
            raise ValueError("no level — add warning: and/or critical: with a threshold")
        if self.warning is not None and self.critical is not None:
            if self.op.upward and self.critical < self.warning:
                raise ValueError(
                    f"critical {self.critical:g} is below warning {self.warning:g} for "
                    f"'{self.op}' — make critical the higher threshold"
                )
            if self.op.downward and self.critical > self.warning:
                raise ValueError(
                    f"critical {self.critical:g} is above warning {self.warning:g} for "
                    f"'{self.op}' — make critical the lower threshold"
                )
        if self.clear is not None:
            thresholds = [t for t in (self.warning, self.critical) if t is not None]
            if not (self.op.upward or self.op.downward):
                raise ValueError(
                    f"clear: hysteresis needs an ordering op, not '{self.op}' — remove clear"
                )
            if self.op.upward and self.clear > min(thresholds):
                raise ValueError(
                    f"clear {self.clear:g} is above the lowest threshold {min(thresholds):g} "
                    f"— for '{self.op}' rules clear must be at or below it"
                )
            if self.op.downward and self.clear < max(thresholds):
                raise ValueError(
                    f"clear {self.clear:g} is below the highest threshold {max(thresholds):g} "
                    f"— for '{self.op}' rules clear must be at or above it"
                )
        return self

    def to_spec(self, source: str = "") -> RuleSpec:
        levels = [
            Level(sev, t)
            for sev, t in ((Severity.CRITICAL, self.critical), (Severity.WARNING, self.warning))
            if t is not None
        ]
        when = Condition(self.when.metric, self.when.op, self.when.value) if self.when else None
        return RuleSpec(
            name=self.name,
            title_zh=self.title_zh,
            title_en=self.title_en,
            metric=self.metric,
            op=self.op,
            levels=tuple(levels),
            for_seconds=self.for_seconds,
            clear=self.clear,
            device_types=frozenset(self.device_types),
            devices=frozenset(self.devices),
            when=when,
            summary_zh=self.summary_zh,
            summary_en=self.summary_en,
            enabled=self.enabled,
            source=source,
        )


class RuleFileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleModel]


def _fields(model: type[BaseModel]) -> str:
    return ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))


# What to tell a user for pydantic's own error types (ours carry their fix after " — ").
FIXES: dict[str, str] = {
    "string_pattern_mismatch": "use lowercase letters, digits and _ only",
    "string_too_short": "give a non-empty text",
    "string_too_long": "use at most 100 characters",
    "float_parsing": "give a number",
    "float_type": "give a number",
    "bool_parsing": "use true or false",
    "bool_type": "use true or false",
    "list_type": "give a list, e.g. [ups, pdu]",
    "model_type": "give a mapping (key: value lines)",
    "model_attributes_type": "give a mapping (key: value lines)",
    "string_type": "give a text (quote it)",
}


def describe(error: Mapping[str, Any]) -> str:
    """``problem — fix`` for one pydantic error of RuleFileModel."""
    msg = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if " — " in msg:
        return msg
    kind = str(error["type"])
    loc = tuple(error["loc"])
    if kind == "missing":
        return "missing — add it"
    if kind == "extra_forbidden":
        model: type[BaseModel] = RuleFileModel
        if len(loc) == 3:
            model = RuleModel
        elif len(loc) > 3:
            model = ConditionModel
        return f"unknown field — remove it or check its spelling ({_fields(model)})"
    return f"{msg} — {FIXES.get(kind, 'see the format in rules/schema.py')}"
