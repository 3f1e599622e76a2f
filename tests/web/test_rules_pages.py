"""The rules pages: the list for everyone, enable/disable and overrides for supervisors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from store.models import AuditEntry, RuleOverride
from tests.web.conftest import form_token

RULE = "ups_load_high"
Factory = sessionmaker[Session]


def overrides(sessions: Factory) -> list[RuleOverride]:
    with sessions() as s:
        return list(s.scalars(select(RuleOverride).order_by(RuleOverride.id)))


def post(client: FlaskClient, path: str, **data: str) -> object:
    return client.post(path, data={"csrf_token": form_token(client, f"/rules/{RULE}"), **data})


@pytest.mark.parametrize("role", [Role.READONLY, Role.DUTY, Role.SUPERVISOR, Role.ADMIN])
def test_every_user_sees_every_loaded_rule(
    client: FlaskClient, logged_in: Callable[[Role], str], role: Role
) -> None:
    logged_in(role)
    page = client.get("/rules/").get_data(as_text=True)
    for text in ("ups_load_high", "UPS 负载过高", "UPS load high", "ups_output_load_percent",
                 "agent_not_reporting", "55"):  # fmt: skip
        assert text in page
    editing = role in (Role.SUPERVISOR, Role.ADMIN)
    assert (f"/rules/{RULE}/enabled" in page) is editing
    detail = client.get(f"/rules/{RULE}").get_data(as_text=True)
    assert (f"/rules/{RULE}/overrides" in detail) is editing


def test_unknown_rule_is_404(client: FlaskClient, logged_in: Callable[[Role], str]) -> None:
    logged_in(Role.READONLY)
    assert client.get("/rules/no_such_rule").status_code == 404


@pytest.mark.parametrize("role", [Role.READONLY, Role.DUTY])
def test_readonly_and_duty_get_403_on_post(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory, role: Role
) -> None:
    logged_in(role)
    forms = {"enabled": {"enabled": "off"}, "overrides": {"scope_kind": "all", "warning": "70"}}
    for path, data in forms.items():
        assert post(client, f"/rules/{RULE}/{path}", **data).status_code == 403  # type: ignore[attr-defined]
    assert overrides(sessions) == []


def test_forged_post_without_csrf_is_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    logged_in(Role.ADMIN)
    r = client.post(f"/rules/{RULE}/enabled", data={"enabled": "off"})
    assert r.status_code == 400
    assert overrides(sessions) == []


def test_disable_then_enable_is_audited(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    logged_in(Role.SUPERVISOR)
    assert post(client, f"/rules/{RULE}/enabled", enabled="off").status_code == 302  # type: ignore[attr-defined]
    [o] = overrides(sessions)
    assert (o.scope_kind, o.enabled, o.set_by) == ("all", False, "supervisor")
    page = client.get("/rules/").get_data(as_text=True)
    assert 'name="enabled" value="on"' in page.split(f'id="rule-{RULE}"')[1].split("</tr>")[0]
    post(client, f"/rules/{RULE}/enabled", enabled="on")
    with sessions() as s:
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "rule.override")))
    assert [(a.before and a.before["enabled"], a.after and a.after["enabled"]) for a in audit] == [
        (None, False), (False, True)
    ]  # fmt: skip
    assert all(a.actor == "supervisor" and a.request_id for a in audit)


def test_device_override_saved_and_removed(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory, room: None
) -> None:
    logged_in(Role.ADMIN)
    r = post(client, f"/rules/{RULE}/overrides", scope_kind="device", scope_name="ups-1",
             warning="70", critical="90", clear="65", for_seconds="120")  # fmt: skip
    assert r.status_code == 302  # type: ignore[attr-defined]
    [o] = overrides(sessions)
    assert (o.scope_name, o.warning, o.critical, o.clear, o.for_seconds, o.enabled) == (
        "ups-1", 70, 90, 65, 120, None
    )  # fmt: skip
    page = client.get(f"/rules/{RULE}").get_data(as_text=True)
    assert "ups-1" in page and "70" in page
    r = post(client, f"/rules/{RULE}/overrides/{o.id}/delete")
    assert r.status_code == 302  # type: ignore[attr-defined]
    assert overrides(sessions) == []
    with sessions() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["rule.override", "rule.override_removed"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"clear": "70"}, "clear", "clear 70 is above the lowest threshold 60"),
        ({"warning": "abc"}, "warning", "不是数字"),
        ({"critical": "50"}, "critical", "critical 50 is below warning 60"),
        ({"for_seconds": "-5"}, "for_seconds", "for -5s"),
        ({"warning": "nan"}, "warning", "不是数字"),
        ({}, "enabled", "至少填写一项"),
    ],
    ids=["clear-wrong-side", "not-a-number", "critical-below-warning", "negative-for", "nan",
         "empty"],
)  # fmt: skip
def test_contradictory_override_refused_next_to_the_field(
    client: FlaskClient,
    logged_in: Callable[[Role], str],
    sessions: Factory,
    room: None,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    logged_in(Role.SUPERVISOR)
    r = post(client, f"/rules/{RULE}/overrides", scope_kind="device", scope_name="ups-1", **fields)
    assert r.status_code == 400  # type: ignore[attr-defined]
    page = r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert f'id="error-{field}"' in page
    assert message in page.split(f'id="error-{field}"')[1].split("</span>")[0]
    assert overrides(sessions) == []


def test_unknown_device_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    logged_in(Role.SUPERVISOR)
    r = post(client, f"/rules/{RULE}/overrides", scope_kind="device", scope_name="ghost",
             warning="70")  # fmt: skip
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert 'id="error-scope"' in r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert overrides(sessions) == []
