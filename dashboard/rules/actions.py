"""Rule actions (supervisors, admins; CSRF app-wide): enable/disable a rule, set or remove
an override for all devices, a room or a device. Each change is validated
(rules.overrides.check) and audited with before/after (rules.override_store)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.api.events import rule_runner
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.rules.views import EDITORS, bp, render_rule
from dashboard.security import role_required
from rules import override_store
from rules.override_store import OverrideError
from rules.overrides import ALL, FIELDS, Override, parse_number
from rules.spec import RuleSpec
from store.models import RuleOverride

ENABLED = {"": None, "on": True, "off": False}


def _rule(name: str) -> RuleSpec:
    rule = rule_runner().rules_by_name.get(name)
    if rule is None:
        abort(404)
    return rule


def _save(rule: RuleSpec, o: Override) -> None:
    s = db_session()
    with s.begin():
        override_store.save(s, rule, o, g.user.username, roomwatch().clock.now())


@bp.post("/<name>/enabled")
@role_required(*EDITORS)
def set_enabled(name: str) -> ResponseReturnValue:
    """Enable or disable the rule for all devices (keeps the other fields of that override)."""
    rule = _rule(name)
    wanted = ENABLED.get(request.form.get("enabled", ""))
    if wanted is None:
        abort(400)
    s = db_session()
    with s.begin():
        row = s.query(RuleOverride).filter_by(rule=name, scope_kind=ALL, scope_name="").first()
        keep = {f: getattr(row, f) for f in FIELDS} if row is not None else {}
    try:
        _save(rule, Override(name, ALL, "", wanted, **keep))
    except OverrideError as exc:
        flash(_("rules.refused", reason=str(exc)), "error")
        return redirect(url_for("rules.index"))
    done = _("rules.enabled_on", name=name) if wanted else _("rules.enabled_off", name=name)
    flash(done, "success")
    return redirect(url_for("rules.index"))


@bp.post("/<name>/overrides")
@role_required(*EDITORS)
def set_override(name: str) -> ResponseReturnValue:
    rule = _rule(name)
    form = {k: request.form.get(k, "").strip()[:100] for k in
            ("scope_kind", "scope_name", "enabled", *FIELDS)}  # fmt: skip
    errors: dict[str, str] = {}
    numbers: dict[str, float | None] = {}
    for f in FIELDS:
        try:
            numbers[f] = parse_number(form[f])
        except ValueError:
            errors[f] = _("rules.not_a_number", value=form[f])
    if form["enabled"] not in ENABLED:
        errors["enabled"] = _("rules.bad_enabled")
    kind = form["scope_kind"]
    scope_name = "" if kind == ALL else form["scope_name"]
    if not errors:
        o = Override(name, kind, scope_name, ENABLED[form["enabled"]], **numbers)
        if not any(v is not None for v in o.changes):
            errors["enabled"] = _("rules.nothing_changed")
        else:
            try:
                _save(rule, o)
            except OverrideError as exc:
                errors = exc.fields or {"scope": str(exc)}
    if errors:
        return render_rule(name, errors, form, 400)
    flash(_("rules.override_saved", name=name), "success")
    return redirect(url_for("rules.detail", name=name))


@bp.post("/<name>/overrides/<int:override_id>/delete")
@role_required(*EDITORS)
def remove_override(name: str, override_id: int) -> ResponseReturnValue:
    _rule(name)
    s = db_session()
    try:
        with s.begin():
            override_store.remove(
                s, override_id, g.user.username, roomwatch().clock.now(), rule=name
            )
    except OverrideError as exc:
        flash(_("rules.refused", reason=str(exc)), "error")
        return redirect(url_for("rules.detail", name=name))
    flash(_("rules.override_removed", name=name), "success")
    return redirect(url_for("rules.detail", name=name))
