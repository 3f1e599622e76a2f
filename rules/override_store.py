"""Rule overrides in the store: read them for a tick, set and remove them (audited).

Functions take the caller's Session and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import RoomwatchError
from rules.overrides import ALL, FIELDS, Override, check, index
from rules.spec import RuleSpec
from store import audit
from store.models import Device, Room, RuleOverride


class OverrideError(RoomwatchError):
    """An override that cannot be saved; ``fields`` maps a form field to its problem."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None):
        super().__init__(message)
        self.fields = dict(fields or {})


def _value(row: RuleOverride) -> Override:
    return Override(row.rule, row.scope_kind, row.scope_name, row.enabled, row.warning,
                    row.critical, row.clear, row.for_seconds)  # fmt: skip


def _snapshot(row: RuleOverride) -> dict[str, Any]:
    return {"scope": f"{row.scope_kind}:{row.scope_name}", "enabled": row.enabled,
            **{f: getattr(row, f) for f in FIELDS}}  # fmt: skip


def load(
    session: Session, rule_names: set[str] | None = None
) -> dict[str, dict[tuple[str, str], Override]]:
    """rule → (scope kind, scope name) → Override, for the loaded rules only."""
    rows = session.scalars(select(RuleOverride))
    return index(_value(r) for r in rows if rule_names is None or r.rule in rule_names)


def rows(session: Session) -> list[RuleOverride]:
    q = select(RuleOverride).order_by(RuleOverride.rule, RuleOverride.scope_kind,
                                      RuleOverride.scope_name)  # fmt: skip
    return list(session.scalars(q))


def _scope_exists(session: Session, kind: str, name: str) -> bool:
    if kind == ALL:
        return name == ""
    model = Room if kind == "room" else Device
    return session.scalar(select(model.id).where(model.name == name)) is not None


def save(session: Session, rule: RuleSpec, o: Override, actor: str, now: datetime) -> RuleOverride:
    """Create or replace the override of ``rule`` for one room or device (audited)."""
    problems = check(rule, o)
    if not problems and not _scope_exists(session, o.scope_kind, o.scope_name):
        problems["scope"] = f"no {o.scope_kind} named {o.scope_name!r} — pick one from the list"
    if problems:
        raise OverrideError("; ".join(problems.values()), problems)
    q = select(RuleOverride).where(RuleOverride.rule == rule.name,
                                   RuleOverride.scope_kind == o.scope_kind,
                                   RuleOverride.scope_name == o.scope_name)  # fmt: skip
    row = session.scalar(q)
    before = _snapshot(row) if row is not None else None
    if row is None:
        row = RuleOverride(rule=rule.name, scope_kind=o.scope_kind, scope_name=o.scope_name)
        session.add(row)
    row.enabled = o.enabled
    for f in FIELDS:
        setattr(row, f, getattr(o, f))
    row.set_by = actor
    row.set_at = now
    session.flush()
    audit.record(session, actor, "rule.override", "rule", rule.name,
                 before=before, after=_snapshot(row), now=now)  # fmt: skip
    return row


def remove(
    session: Session, override_id: int, actor: str, now: datetime, rule: str | None = None
) -> RuleOverride:
    """Delete one override (the file's values apply again), audited."""
    row = session.get(RuleOverride, override_id)
    if row is None or (rule is not None and row.rule != rule):
        raise OverrideError(f"override {override_id} does not exist — reload the page")
    audit.record(session, actor, "rule.override_removed", "rule", row.rule,
                 before=_snapshot(row), after=None, now=now)  # fmt: skip
    session.delete(row)
    session.flush()
    return row
