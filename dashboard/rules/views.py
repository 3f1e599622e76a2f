"""Rule pages: every loaded rule (all users), one rule with its overrides and the form to
set one (supervisors and admins). The POST routes are in actions.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, g, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.types import Role
from dashboard.api.events import rule_runner
from dashboard.extensions import db_session
from dashboard.security import login_required
from rules import override_store
from rules.overrides import ALL, numeric
from rules.spec import Level, RuleSpec
from store.models import Device, Room, RuleOverride

bp = Blueprint("rules", __name__, template_folder="templates", url_prefix="/rules")

EDITORS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule: RuleSpec
    metrics: str
    levels: tuple[tuple[int, str], ...]  # (severity, threshold or states)
    scope: str
    enabled: bool  # the file's value, changed by an override for all devices
    overrides: tuple[RuleOverride, ...]


def _level_text(level: Level) -> str:
    if level.threshold is not None and not (level.codes or level.labels):
        return f"{level.threshold:g}"
    parts = sorted(level.labels) or [f"{c:g}" for c in sorted(level.codes)]
    return ", ".join(parts) or "-"


def _scope(rule: RuleSpec) -> str:
    dims = [
        (name, values)
        for name, values in (
            ("devices", rule.devices), ("types", rule.device_types), ("tags", rule.tags),
            ("rooms", rule.rooms), ("racks", rule.racks), ("classes", rule.room_classes),
        )
        if values
    ]  # fmt: skip
    return "; ".join(f"{n}: {', '.join(sorted(v))}" for n, v in dims)


def rule_rows(rules: tuple[RuleSpec, ...], overrides: list[RuleOverride]) -> list[RuleRow]:
    by_rule: dict[str, list[RuleOverride]] = {}
    for o in overrides:
        by_rule.setdefault(o.rule, []).append(o)
    out = []
    for r in rules:
        mine = tuple(by_rule.get(r.name, ()))
        everywhere = [o for o in mine if o.scope_kind == ALL and o.enabled is not None]
        enabled = everywhere[0].enabled if everywhere else r.enabled
        out.append(RuleRow(
            r, ", ".join(sorted(r.metrics())) or r.event,
            tuple((int(lv.severity), _level_text(lv)) for lv in r.levels),
            _scope(r), bool(enabled), mine,
        ))  # fmt: skip
    return out


def scope_choices() -> dict[str, list[str]]:
    s = db_session()
    with s.begin():
        rooms = list(s.scalars(select(Room.name).order_by(Room.name)))
        devices = list(s.scalars(select(Device.name).order_by(Device.name)))
    return {"room": rooms, "device": devices}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    rules = rule_runner().rules
    s = db_session()
    with s.begin():
        rows = rule_rows(rules, override_store.rows(s))
    return render_template("rules/list.html", rows=rows, can_edit=g.user.can(*EDITORS))


def render_rule(
    name: str, errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:  # fmt: skip
    rule = rule_runner().rules_by_name.get(name)
    if rule is None:
        abort(404)
    s = db_session()
    with s.begin():
        [row] = rule_rows((rule,), [o for o in override_store.rows(s) if o.rule == name])
    page = render_template(
        "rules/detail.html", row=row, rule=rule, numeric=numeric(rule),
        can_edit=g.user.can(*EDITORS), choices=scope_choices(),
        errors=errors or {}, form=form or {},
    )  # fmt: skip
    return page, status


@bp.get("/<name>")
@login_required
def detail(name: str) -> ResponseReturnValue:
    return render_rule(name)
