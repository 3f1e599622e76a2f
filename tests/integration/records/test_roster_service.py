"""Roster services on SQLite and PostgreSQL: teams, generate, publish, edit, swaps, who is on
duty, escalation contacts, the due flag, the demo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records.errors import RecordError
from records.roster import current, demo, schedule, service, swaps
from records.roster.on_duty import RosterOnDuty
from records.roster.patterns import PATTERNS, ShiftDef, plan_from_json
from records.roster.rotation import next_change
from rules.escalation import ConfiguredContacts
from store.accounts import create_user, get_user
from store.models import AuditEntry
from store.models_roster import RosterDueFlag, RosterMonth, RosterShift, RosterSwap

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
PEOPLE = {"A": ["a1", "a2"], "B": ["b1"], "C": ["c1"], "D": ["d1"], "E": ["e1"]}


def local(day: date, hh: int, mm: int = 0) -> datetime:
    """A local wall-clock time as the aware UTC instant the store holds."""
    return datetime(day.year, day.month, day.day, hh, mm).astimezone(UTC)


@pytest.fixture
def teams(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as s, s.begin():
        for people in PEOPLE.values():
            for p in people:
                create_user(s, p, "pw-long-enough", Role.DUTY).email = f"{p}@example.com"
        create_user(s, "boss", "pw-long-enough", Role.SUPERVISOR).email = "boss@example.com"
        return [service.save_team(s, n, ps, "boss", NOW) for n, ps in PEOPLE.items()]


def _published(sessions: sessionmaker[Session], teams: list[int], month: str = "2026-11") -> None:
    with sessions() as s, s.begin():
        service.generate(s, month, PATTERNS["three_plus_two"], teams, "boss", NOW)
        service.publish(s, month, "boss", NOW)


def _count(s: Session, model: type) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_generate_publish_and_hours(sessions: sessionmaker[Session], teams: list[int]) -> None:
    _published(sessions, teams)
    with sessions() as s:
        view = service.month_view(s, "2026-11")
        assert view.month is not None and view.month.published_at == NOW
        # the teams change slots on 12 November (seed 000 §3: every 30 days). A: the first
        # turn (1, 6, 7 November, 17 h each), then E, Sunday to Friday (16 days × 8 h)
        assert view.hours["a1"] == view.hours["a2"] == 3 * 17 + 16 * 8
        # D: Monday to Saturday until the 11th (9 days × 8 h), then the first turn (7 × 17 h)
        assert view.hours["d1"] == 9 * 8 + 7 * 17
        assert ("d1", date(2026, 11, 1)) not in view.grid  # a Sunday: D rests
        actions = set(s.scalars(select(AuditEntry.action)))
        assert {"roster.team", "roster.generate", "roster.publish"} <= actions


def test_who_is_on_duty(sessions: sessionmaker[Session], teams: list[int]) -> None:
    with sessions() as s, s.begin():
        service.generate(s, "2026-11", PATTERNS["three_plus_two"], teams, "boss", NOW)
    day = date(2026, 11, 10)  # a Tuesday
    noon = local(day, 12)
    with sessions() as s:
        assert current.slot_at(s, noon) is None  # a draft is not the roster yet
    with sessions() as s, s.begin():
        service.publish(s, "2026-11", "boss", NOW)
    with sessions() as s:
        slot = current.slot_at(s, noon)
        assert slot is not None and slot.code == "A"
        assert slot.start == local(day, 8) and slot.end == local(day + timedelta(days=1), 8)
        team = set(slot.people)
        assert team in ({"a1", "a2"}, {"b1"}, {"c1"})
        nxt = current.next_slot(s, noon)
        assert nxt is not None and nxt.start == slot.end and nxt.code == "A"
        # the day teams are on duty at noon on a Tuesday but are not a handover slot
        assert set(current.on_duty_now(s, noon)) == team | {"d1", "e1"}
        assert set(current.on_duty_now(s, local(day, 22))) == team
        assert current.slot_at(s, local(date(2026, 12, 5), 12)) is None


def test_escalation_contacts(sessions: sessionmaker[Session], teams: list[int]) -> None:
    fallback = ConfiguredContacts(["1:desk@example.com", "2:head@example.com"])
    on_duty = RosterOnDuty(sessions, fallback)
    noon = local(date(2026, 11, 10), 12)
    assert on_duty.contacts(1, noon) == ["desk@example.com"]  # no roster yet
    assert on_duty.contacts(2, noon) == ["boss@example.com"]
    _published(sessions, teams)
    with sessions() as s:
        people = current.on_duty_now(s, noon)
    assert on_duty.contacts(1, noon) == sorted(f"{p}@example.com" for p in people)
    assert on_duty.contacts(3, noon) == ["boss@example.com"]
    assert on_duty.contacts(1, local(date(2027, 1, 5), 12)) == ["desk@example.com"]


@pytest.mark.parametrize(
    ("case", "msgid"),
    [
        ("two-teams", "roster.in_two_teams"),
        ("unknown", "roster.unknown_person"),
        ("empty", "roster.team_empty"),
    ],
    ids=["person-in-two-teams", "unknown-user", "no-members"],
)
def test_bad_teams_are_refused(
    sessions: sessionmaker[Session], teams: list[int], case: str, msgid: str
) -> None:
    people = {"two-teams": ["a1"], "unknown": ["nobody"], "empty": [" "]}[case]
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        service.save_team(s, "F", people, "boss", NOW)
    assert err.value.msgid == msgid


def test_bad_generation_writes_nothing(sessions: sessionmaker[Session], teams: list[int]) -> None:
    p = PATTERNS["day_night"]
    overlapping = p.with_shifts(
        (ShiftDef("D", 8 * 60, 12 * 60, 600), ShiftDef("N", 19 * 60, 13 * 60, 600))
    )
    cases = [
        (overlapping, teams[:4], "roster.shift_overlap"),
        (p, teams[:3], "roster.teams_per_slot"),
        (p, [teams[0], teams[0], teams[1], teams[2]], "roster.team_twice"),
    ]
    for pattern, ids, msgid in cases:
        with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
            service.generate(s, "2026-12", pattern, ids, "boss", NOW)
        assert err.value.msgid == msgid
    with sessions() as s:
        assert _count(s, RosterMonth) == 0 and _count(s, RosterShift) == 0


def test_published_month_cannot_be_regenerated(
    sessions: sessionmaker[Session], teams: list[int]
) -> None:
    _published(sessions, teams)
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        service.generate(s, "2026-11", PATTERNS["three_plus_two"], teams, "boss", NOW)
    assert err.value.msgid == "roster.published"


def test_edit_cell_and_two_places_at_once(
    sessions: sessionmaker[Session], teams: list[int]
) -> None:
    _published(sessions, teams)
    with sessions() as s:
        a_days = sorted(s.scalars(select(RosterShift.day).where(RosterShift.username == "a1")))
    busy = a_days[0]
    with sessions() as s, s.begin():
        # d1 works 08:30–17:30; a 24 h duty the day before ends at 08:00: fine
        service.set_cell(s, "2026-11", "d1", busy, "", "boss", NOW)
        service.set_cell(s, "2026-11", "d1", busy, "A", "boss", NOW)
    with sessions() as s:
        assert service.month_view(s, "2026-11").grid[("d1", busy)] == "A"
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        service.set_cell(s, "2026-11", "zz", busy, "A", "boss", NOW)
    assert err.value.msgid == "roster.unknown_person"
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        service.set_cell(s, "2026-11", "a1", busy, "N", "boss", NOW)
    assert err.value.msgid == "roster.bad_code"
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        service.set_cell(s, "2026-11", "a1", date(2026, 12, 1), "A", "boss", NOW)
    assert err.value.msgid == "roster.day_outside"


def test_month_edge_overlap_is_refused(sessions: sessionmaker[Session], teams: list[int]) -> None:
    """October's last night runs into November 1st: a November day shift starting before it
    ends would put the same person in two places at once."""
    with sessions() as s, s.begin():
        service.generate(s, "2026-10", PATTERNS["day_night"], teams[:4], "boss", NOW)
        night = s.scalars(
            select(RosterShift).where(
                RosterShift.day == date(2026, 10, 31), RosterShift.code == "N"
            )
        ).one()
        who = night.username
    early = PATTERNS["day_night"].with_shifts(
        (ShiftDef("D", 7 * 60, 12 * 60, 720), ShiftDef("N", 19 * 60, 12 * 60, 720))
    )
    with sessions() as s, s.begin():
        service.generate(s, "2026-11", early, teams[:4], "boss", NOW)
        on_first = s.scalars(
            select(RosterShift.code).where(
                RosterShift.day == date(2026, 11, 1), RosterShift.username == who
            )
        ).first()
    assert on_first != "D"  # the rotation itself keeps a rest after a night
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        service.set_cell(s, "2026-11", who, date(2026, 11, 1), "D", "boss", NOW)
    assert err.value.msgid == "roster.two_places"
    assert err.value.params == {"name": who, "day": "2026-11-01"}


def test_swap_request_approve_and_refusals(
    sessions: sessionmaker[Session], teams: list[int]
) -> None:
    _published(sessions, teams)
    with sessions() as s:
        a = sorted(s.scalars(select(RosterShift.day).where(RosterShift.username == "a1")))
        b = sorted(s.scalars(select(RosterShift.day).where(RosterShift.username == "b1")))
    mine, theirs = a[1], b[1]
    with sessions() as s, s.begin():
        for args, msgid in [
            (("a1", mine, "a1", mine), "roster.swap_self"),
            (("a1", theirs, "b1", theirs), "roster.swap_no_shift"),
            (("a1", mine, "a2", mine), "roster.swap_same"),
        ]:
            with pytest.raises(RecordError) as err:
                swaps.request_swap(s, args[0], args[1], args[2], args[3], "family", NOW)
            assert err.value.msgid == msgid
        swap = swaps.request_swap(s, "a1", mine, "b1", theirs, "family", NOW)
        sid = swap.id
    with sessions() as s, s.begin():
        for actor, role, msgid in [
            ("a2", Role.DUTY.value, "roster.cannot_approve"),
            ("a1", Role.SUPERVISOR.value, "roster.approve_own"),
        ]:
            with pytest.raises(RecordError) as err:
                swaps.decide(s, sid, True, actor, role, NOW)
            assert err.value.msgid == msgid
        swaps.decide(s, sid, True, "boss", Role.SUPERVISOR.value, NOW)
    with sessions() as s:
        grid = service.month_view(s, "2026-11").grid
        assert grid[("b1", mine)] == "A" and ("a1", mine) not in grid
        assert grid[("a1", theirs)] == "A" and ("b1", theirs) not in grid
        row = s.get(RosterSwap, sid)
        assert row is not None and row.status == "approved" and row.decided_by == "boss"
        actions = set(s.scalars(select(AuditEntry.action)))
        assert {"roster.swap_request", "roster.swap_approved"} <= actions
    with sessions() as s, s.begin(), pytest.raises(RecordError) as err:
        swaps.decide(s, sid, False, "boss", Role.SUPERVISOR.value, NOW)
    assert err.value.msgid == "roster.swap_decided"


def test_reject_changes_nothing(sessions: sessionmaker[Session], teams: list[int]) -> None:
    _published(sessions, teams)
    with sessions() as s:
        a = min(s.scalars(select(RosterShift.day).where(RosterShift.username == "a1")))
        b = min(s.scalars(select(RosterShift.day).where(RosterShift.username == "b1")))
        grid = dict(service.month_view(s, "2026-11").grid)
    with sessions() as s, s.begin():
        sid = swaps.request_swap(s, "a1", a, "b1", b, "doctor", NOW).id
        swaps.decide(s, sid, False, "boss", Role.SUPERVISOR.value, NOW)
    with sessions() as s:
        assert service.month_view(s, "2026-11").grid == grid


def test_tick_flags_an_unpublished_next_month_once(
    sessions: sessionmaker[Session], teams: list[int]
) -> None:
    early, late = local(date(2026, 11, 20), 12), local(date(2026, 11, 26), 12)
    for now in (early, late, late):
        with sessions() as s, s.begin():
            schedule.tick(s, now)
    with sessions() as s:
        flags = list(s.scalars(select(RosterDueFlag)))
        assert [f.month for f in flags] == ["2026-12"]
        assert schedule.next_month_state(s, late) == ("2026-12", "overdue")
        assert schedule.next_month_state(s, early) == ("2026-12", "due")
    _published(sessions, teams, "2026-12")
    with sessions() as s:
        assert schedule.next_month_state(s, late) == ("2026-12", "")


def test_demo_seed_is_idempotent(sessions: sessionmaker[Session]) -> None:
    for _ in range(2):
        with sessions() as s, s.begin():
            demo.seed(s, NOW)
    with sessions() as s:
        assert current.on_duty_now(s, NOW)
        user = get_user(s, "zhang.wei")
        assert user is not None and user.role == "duty" and user.email
        assert _count(s, RosterMonth) == 1


def test_teams_rotate_every_30_days_and_the_next_month_continues(
    sessions: sessionmaker[Session], teams: list[int]
) -> None:
    """Issue 12 point 10: the "3+2" teams change slots every 30 days by default, and the
    next month's suggestion carries the rotation on; without rotation the teams stay."""
    change = next_change(date(2026, 11, 1))
    assert change == date(2026, 11, 12)
    _published(sessions, teams)
    with sessions() as s:
        grid = service.month_view(s, "2026-11").grid
        row = service.get_month(s, "2026-11")
        assert row is not None and plan_from_json(row.shift_defs).rotates
        # before the change A works the first turn and D its week; after it A is the day
        # team of Sunday to Friday and D takes the first turn (a 24 h duty on the 12th)
        assert grid[("a1", date(2026, 11, 7))] == "A" and grid[("d1", date(2026, 11, 7))] == "D"
        assert grid[("a1", change)] == "D" and grid[("d1", change)] == "A"
        assert ("a1", date(2026, 11, 14)) not in grid  # a Saturday: E rests
        suggested = service.suggested_teams(s, "2026-12", PATTERNS["three_plus_two"])
    a, b, c, d, e = teams
    assert suggested == [d, c, e, b, a]  # 1st turn ← D, 2nd ← C, 3rd ← E, D ← B, E ← A
    with sessions() as s, s.begin():
        service.generate(s, "2026-12", PATTERNS["three_plus_two"], suggested, "boss", NOW)
    with sessions() as s, s.begin():
        service.generate(s, "2026-12", PATTERNS["three_plus_two"], teams, "boss", NOW,
                         rotate=False)  # fmt: skip
        grid = service.month_view(s, "2026-12").grid
        assert {grid.get(("a1", date(2026, 12, n))) for n in (1, 2, 30, 31)} <= {"A", None}
