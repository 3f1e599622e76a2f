"""One-line ``problem — fix`` texts for pydantic's validation errors of a rule file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from rules.schema import ApplyModel, ConditionModel, RuleFileModel, RuleModel, TemplateModel

# What to tell a user for pydantic's own error types (ours carry their fix after " — ").
FIXES: dict[str, str] = {
    "string_pattern_mismatch": "use lowercase letters, digits and _ only",
    "string_too_short": "give a non-empty text",
    "string_too_long": "use a shorter name",
    "float_parsing": "give a number",
    "float_type": "give a number",
    "bool_parsing": "use true or false",
    "bool_type": "use true or false",
    "list_type": "give a list, e.g. [ups, pdu]",
    "model_type": "give a mapping (key: value lines)",
    "model_attributes_type": "give a mapping (key: value lines)",
    "dict_type": "give a mapping (key: value lines)",
    "string_type": "give a text (quote it)",
    "literal_error": "use one of info, warning, critical",
}
_TOP: dict[str, type[BaseModel]] = {
    "rules": RuleModel,
    "templates": TemplateModel,
    "apply": ApplyModel,
}


def _fields(model: type[BaseModel]) -> str:
    return ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    if len(loc) < 3:
        return RuleFileModel
    head = _TOP.get(str(loc[0]), RuleModel)
    nested = [p for p in loc[3:-1] if isinstance(p, str)]
    if head is RuleModel and loc[2] in ("when", "clear_when", "all", "any", "rate"):
        from rules.schema import RateModel

        return RateModel if loc[2] == "rate" else ConditionModel
    return head if not nested else ConditionModel


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
        return f"unknown field — remove it or check its spelling ({_fields(_model_at(loc))})"
    return f"{msg} — {FIXES.get(kind, 'see docs/rules.md')}"
