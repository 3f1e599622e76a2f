"""Roster pages per role: the month grid, generating, editing, publishing, swaps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import NotifySettings, Settings
from core.types import Role
from dashboard.serve import BackgroundServices
from records.roster import service
from records.roster.hours import shown
from records.roster.on_duty import RosterOnDuty
from records.roster.patterns import PATTERNS, expand, month_days, next_month
from records.roster.rotation import expand_rotating, next_change, teams_on
from store.accounts import create_user
from store.models import AuditEntry
from store.models_roster import RosterMonth, RosterShift, RosterSwap
from tests.web.conftest import NOW, form_token

Factory = sessionmaker[Session]
MONTH = NOW.astimezone().strftime("%Y-%m")
TEAMS = {"A": ["p1"], "B": ["p2"], "C": ["p3"], "D": ["p4"], "E": ["p5"]}


@pytest.fixture
def team_ids(sessions: Factory) -> list[int]:
    with sessions() as s, s.begin():
        for people in TEAMS.values():
            for p in people:
                create_user(s, p, "pw-long-enough", Role.DUTY)
        return [service.save_team(s, n, ps, "boss", NOW) for n, ps in TEAMS.items()]


@pytest.fixture
def roster(sessions: Factory, team_ids: list[int]) -> None:
    with sessions() as s, s.begin():
        service.generate(s, MONTH, PATTERNS["three_plus_two"], team_ids, "boss", NOW)


def _generate_form(team_ids: list[int], **changes: str) -> dict[str, str]:
    form = {
        "pattern": "three_plus_two", "month": next_month(NOW.astimezone().date()),
        "start_A": "08:00", "end_A": "08:00", "hours_A": "17",
        "start_D": "08:30", "end_D": "17:30", "hours_D": "8",
    }  # fmt: skip
    form.update({f"team_{i}": str(t) for i, t in enumerate(team_ids)})
    form.update(changes)
    return form


def test_month_grid_with_hours_and_today(
    client: FlaskClient, logged_in: Callable[[Role], str], roster: None
) -> None:
    logged_in(Role.READONLY)
    page = client.get("/roster/").get_data(as_text=True)
    assert 'id="roster-state"' in page and "p1" in page and "p5" in page
    assert 'class="shift shift-A' in page and "today" in page
    assert 'data-state="due"' in page or 'data-state="overdue"' in page  # next month due
    # readonly sees only: no publish, edit, generate or swap forms
    for form in ('action="/roster/publish"', 'action="/roster/cell"', "/roster/generate"):
        assert form not in page
    assert 'action="/roster/swaps"' not in client.get("/roster/swaps").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.READONLY, Role.DUTY])
def test_editing_needs_a_supervisor(
    client: FlaskClient, logged_in: Callable[[Role], str], roster: None, sessions: Factory,
    team_ids: list[int], role: Role,
) -> None:  # fmt: skip
    logged_in(role)
    token = form_token(client, "/roster/")
    day = NOW.astimezone().date().isoformat()
    posts = {
        "/roster/publish": {"month": MONTH},
        "/roster/cell": {"month": MONTH, "username": "p1", "day": day, "code": ""},
        "/roster/generate": _generate_form(team_ids),
        "/roster/teams": {"name": "X", "members": "p1"},
    }
    for path, data in posts.items():
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert client.get("/roster/generate").status_code == 403
    with sessions() as s:
        row = service.get_month(s, MONTH)
        assert row is not None and row.published_at is None
        assert service.get_month(s, next_month(NOW.astimezone().date())) is None


def test_supervisor_generates_edits_and_publishes(
    client: FlaskClient, logged_in: Callable[[Role], str], team_ids: list[int],
    sessions: Factory,
) -> None:  # fmt: skip
    logged_in(Role.SUPERVISOR)
    page = client.get("/roster/generate").get_data(as_text=True)
    assert "208.3 h" in page and "208.32" not in page and "186.68" in page
    nxt = next_month(NOW.astimezone().date())
    token = form_token(client, "/roster/")
    r = client.post("/roster/generate", data={**_generate_form(team_ids), "csrf_token": token})
    assert r.status_code == 302
    first = date.fromisoformat(nxt + "-01")
    token = form_token(client, "/roster/")
    r = client.post("/roster/cell", data={"csrf_token": token, "month": nxt, "username": "p4",
                                          "day": first.isoformat(), "code": ""})  # fmt: skip
    assert r.status_code == 302
    r = client.post("/roster/publish", data={"csrf_token": token, "month": nxt})
    assert r.status_code == 302
    page = client.get(f"/roster/?month={nxt}").get_data(as_text=True)
    assert "roster-state-published" in page
    with sessions() as s:
        row = service.get_month(s, nxt)
        assert row is not None and row.published_at is not None
        assert (
            s.scalars(
                select(RosterShift).where(RosterShift.username == "p4", RosterShift.day == first)
            ).first()
            is None
        )
        actions = set(s.scalars(select(AuditEntry.action)))
        assert {"roster.generate", "roster.cell", "roster.publish"} <= actions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_A": "8 am"}, "HH:MM"),
        ({"hours_A": "30"}, "Credited hours"),
        ({"team_4": "x"}, "Choose a team"),
        ({"team_4": "999999"}, "Choose a team"),
        ({"team_4": "{first}"}, "cannot fill two slots"),
        ({"month": "2026-13"}, "YYYY-MM"),
    ],
    ids=["bad-time", "hours-above-length", "no-team", "missing-team", "team-twice", "bad-month"],
)
def test_bad_generate_form_is_refused_with_the_reason(
    client: FlaskClient, logged_in: Callable[[Role], str], team_ids: list[int],
    sessions: Factory, changes: dict[str, str], message: str,
) -> None:  # fmt: skip
    logged_in(Role.SUPERVISOR)
    changes = {k: v.format(first=team_ids[0]) for k, v in changes.items()}
    token = form_token(client, "/roster/")
    client.post("/language", data={"lang": "en", "csrf_token": token})
    data = {**_generate_form(team_ids, **changes), "csrf_token": token}
    r = client.post("/roster/generate", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    with sessions() as s:
        assert s.scalars(select(RosterMonth)).first() is None


def test_swap_request_and_approval(
    client: FlaskClient, logged_in: Callable[[Role], str], roster: None, sessions: Factory
) -> None:
    with sessions() as s, s.begin():
        service.publish(s, MONTH, "boss", NOW)
        p1 = min(s.scalars(select(RosterShift.day).where(RosterShift.username == "p1")))
        p2 = min(s.scalars(select(RosterShift.day).where(RosterShift.username == "p2")))
    duty = logged_in(Role.DUTY)
    with sessions() as s, s.begin():
        # the duty user takes p1's place in the roster, so it has a shift to swap
        for row in s.scalars(select(RosterShift).where(RosterShift.username == "p1")):
            row.username = duty
    token = form_token(client, "/roster/swaps")
    data = {"csrf_token": token, "day": p1.isoformat(), "with_user": duty,
            "with_day": p1.isoformat(), "reason": "family"}  # fmt: skip
    r = client.post("/roster/swaps", data=data)
    assert r.status_code == 400  # with oneself
    r = client.post("/roster/swaps", data={**data, "with_user": "p2", "with_day": p2.isoformat()})
    assert r.status_code == 302
    with sessions() as s:
        swap = s.scalars(select(RosterSwap)).one()
    # the duty user cannot approve, not even a forged post of the buttons
    r = client.post(f"/roster/swaps/{swap.id}/decide", data={"csrf_token": token,
                                                             "action": "approve"})  # fmt: skip
    assert r.status_code == 403
    assert "roster.approve" not in client.get("/roster/swaps").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    logged_in(Role.SUPERVISOR)
    token = form_token(client, "/roster/swaps")
    page = client.get("/roster/swaps").get_data(as_text=True)
    assert f'action="/roster/swaps/{swap.id}/decide"' in page
    r = client.post(f"/roster/swaps/{swap.id}/decide", data={"csrf_token": token,
                                                             "action": "approve"})  # fmt: skip
    assert r.status_code == 302
    with sessions() as s:
        done = s.get(RosterSwap, swap.id)
        assert done is not None and done.status == "approved" and done.decided_by == "supervisor"
        grid = service.month_view(s, MONTH).grid
        assert grid[("p2", p1)] == "A" and grid[(duty, p2)] == "A"


def test_forged_posts_are_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], roster: None, sessions: Factory
) -> None:
    logged_in(Role.SUPERVISOR)
    for path, data in {
        "/roster/publish": {"month": MONTH},
        "/roster/teams": {"name": "X", "members": "p1"},
        "/roster/swaps/1/decide": {"action": "approve"},
    }.items():
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    with sessions() as s:
        row = service.get_month(s, MONTH)
        assert row is not None and row.published_at is None


def test_person_in_two_teams_is_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], team_ids: list[int]
) -> None:
    logged_in(Role.ADMIN)
    r = client.post("/roster/teams", data={"csrf_token": form_token(client, "/roster/teams"),
                                           "name": "F", "members": "p1, p2"})  # fmt: skip
    assert r.status_code == 400
    assert 'id="roster-error"' in r.get_data(as_text=True)


def test_server_escalates_through_the_roster(engine: Engine, sessions: Factory) -> None:
    """`roomwatch serve` gives the rule engine the roster's contacts, configured ones behind."""
    settings = Settings(
        secret_key="test-secret-key", notify=NotifySettings(escalation_contacts=["1:desk@x.org"])
    )
    services = BackgroundServices(engine, settings, threading.Event())
    on_duty = services.runner.on_duty
    assert isinstance(on_duty, RosterOnDuty)
    assert on_duty.contacts(1, NOW) == ["desk@x.org"]  # nobody on the roster yet
    with sessions() as s, s.begin():
        create_user(s, "head", "pw-long-enough", Role.SUPERVISOR).email = "head@x.org"
    assert on_duty.contacts(2, NOW) == ["head@x.org"]


def test_hours_per_person_per_team_and_the_seeds_average(
    client: FlaskClient, logged_in: Callable[[Role], str], roster: None, sessions: Factory
) -> None:
    """Issue 12 point 11: the day teams' 208.3 h (not 208.32), the five-team average 186.68 h,
    each team's hours per person and each person's, printed without padding zeros."""
    logged_in(Role.READONLY)
    page = client.get("/roster/").get_data(as_text=True)
    assert "208.32" not in page and ".00<" not in page
    hours = page[page.index('id="roster-hours"') : page.index('id="roster-rotation"')]
    assert '<td class="num">208.3</td>' in hours and '<td class="num">172.27</td>' in hours
    assert '<td class="num" id="roster-pattern-average">186.68</td>' in hours
    with sessions() as s:
        view = service.month_view(s, MONTH)
    for team in TEAMS:  # one person per team here: the team's hours are that person's
        person = TEAMS[team][0]
        row = f'<th scope="row">{team}</th><td class="num">{shown(view.team_hours[team])}</td>'
        assert row in hours and view.team_hours[team] == view.hours[person]
        assert f'<td class="num">{shown(view.hours[person])}</td></tr>' in page
    assert "5个班平均" in hours


def test_rotation_is_generated_by_default_and_shown(
    client: FlaskClient, logged_in: Callable[[Role], str], team_ids: list[int],
    sessions: Factory,
) -> None:  # fmt: skip
    """Issue 12 point 10: the "3+2" teams change slots every 30 days unless the supervisor
    says not to; the roster shows each team's slot in the five periods of the cycle, and the
    next month's form continues the rotation."""
    logged_in(Role.SUPERVISOR)
    month, first = "2025-11", date(2025, 11, 1)
    form = client.get(f"/roster/generate?month={month}").get_data(as_text=True)
    assert 'name="rotate" value="yes" checked' in form
    token = form_token(client, "/roster/")
    data = _generate_form(team_ids)  # without "rotate": as the form's default
    r = client.post("/roster/generate", data={**data, "month": month, "csrf_token": token})
    assert r.status_code == 302
    people = list(TEAMS.values())
    pattern = PATTERNS["three_plus_two"]
    rotating = expand_rotating(pattern, people, *month_days(month))
    with sessions() as s:
        grid = service.month_view(s, month).grid
    assert grid == {(c.username, c.day): c.code for c in rotating}
    assert grid != {(c.username, c.day): c.code for c in expand(pattern, people,
                                                                *month_days(month))}  # fmt: skip
    page = client.get(f"/roster/?month={month}").get_data(as_text=True)
    rotation = page[page.index('id="roster-rotation"') :]
    assert f"下次轮换:{next_change(first).isoformat()}" in rotation
    assert "第1/5期" in rotation and "第5/5期" in rotation and "当前" in rotation
    for team in TEAMS:
        assert f'<th scope="row">{team}</th>' in rotation
    for name in ("三班倒·第一轮值", "行政班(周一至周六)", "行政班(周日至周五)"):
        assert rotation.count(name) == 5  # each slot once in each period, by one team
    # the next month's form continues where the rotation has brought the teams
    form = client.get("/roster/generate?month=2025-12").get_data(as_text=True)
    on_first = teams_on(pattern, team_ids, first, date(2025, 12, 1))
    for slot, team_id in enumerate(on_first):
        select = form[form.index(f'name="team_{slot}"') :]
        select = select[: select.index("</select>")]
        assert f'value="{team_id}" selected' in select, slot
    # the supervisor may keep the teams in their slots
    r = client.post("/roster/generate", data={**data, "month": "2026-02", "rotate": "no",
                                              "csrf_token": token})  # fmt: skip
    assert r.status_code == 302
    with sessions() as s:
        grid = service.month_view(s, "2026-02").grid
    fixed = expand(pattern, people, *month_days("2026-02"))
    assert grid == {(c.username, c.day): c.code for c in fixed}
    page = client.get("/roster/?month=2026-02").get_data(as_text=True)
    assert "本月各班固定在所选班次,不轮换" in page
