"""Roster services: teams, generating a month from a pattern, publishing, editing a cell.

Each takes a Session and ``now`` and never commits; a refusal raises RecordError before
anything is written (checks first, then writes), so nothing is ever half-written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from records.errors import RecordError
from records.roster.hours import team_hours
from records.roster.patterns import (
    PATTERNS,
    Cell,
    Pattern,
    Plan,
    check_shifts,
    conflicts,
    expand,
    month_days,
    month_hours,
    plan_from_json,
    plan_to_json,
)
from records.roster.rotation import check_rotation, expand_rotating, teams_on
from store import audit
from store.models import User
from store.models_roster import RosterMember, RosterMonth, RosterShift, RosterTeam

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def to_utc(naive_local: datetime) -> datetime:
    """Shift times are written in the duty room's local time (the server's)."""
    return naive_local.astimezone(UTC)


def cell_of(row: RosterShift) -> Cell:
    return Cell(
        row.day, row.username, row.code, row.starts_at, row.ends_at, row.counted_minutes,
        row.support,
    )  # fmt: skip


def check_month(month: str) -> str:
    if not MONTH.match(month):
        raise RecordError("roster.bad_month")
    return month


def get_month(session: Session, month: str) -> RosterMonth | None:
    return session.scalars(select(RosterMonth).where(RosterMonth.month == month)).first()


def need_month(session: Session, month: str) -> RosterMonth:
    row = get_month(session, check_month(month))
    if row is None:
        raise RecordError("roster.no_month", month=month)
    return row


def save_team(session: Session, name: str, people: list[str], actor: str, now: datetime) -> int:
    """Create or replace a team's members; a person in another team is refused."""
    name = name.strip()
    if not name or len(name) > 100:
        raise RecordError("roster.team_name")
    people = [p.strip() for p in people if p.strip()]
    if not people:
        raise RecordError("roster.team_empty")
    if len(set(people)) != len(people):
        raise RecordError("roster.person_twice")
    known = set(session.scalars(select(User.username).where(User.username.in_(people))))
    unknown = [p for p in people if p not in known]
    if unknown:
        raise RecordError("roster.unknown_person", name=", ".join(unknown))
    team = session.scalars(select(RosterTeam).where(RosterTeam.name == name)).first()
    elsewhere = session.execute(
        select(RosterMember.username, RosterTeam.name)
        .join(RosterTeam)
        .where(RosterMember.username.in_(people), RosterTeam.name != name)
    ).first()
    if elsewhere is not None:
        raise RecordError("roster.in_two_teams", name=elsewhere[0], team=elsewhere[1])
    before = [m.username for m in team.members] if team else None
    if team is None:
        team = RosterTeam(name=name, created_at=now)
        session.add(team)
    team.members.clear()
    session.flush()
    team.members.extend(RosterMember(username=p) for p in people)
    session.flush()
    audit.record(
        session, actor, "roster.team", "roster_team", team.id,
        before={"members": before} if before is not None else None,
        after={"name": name, "members": people}, now=now,
    )  # fmt: skip
    return team.id


def teams(session: Session) -> list[RosterTeam]:
    return list(session.scalars(select(RosterTeam).order_by(RosterTeam.name)))


def generate(
    session: Session, month: str, pattern: Pattern, team_ids: list[int], actor: str,
    now: datetime, rotate: bool = True,
) -> RosterMonth:  # fmt: skip
    """(Re)draft a month from a pattern, one team per slot as they stand on the month's
    first day; a published month is refused. When the pattern rotates and ``rotate`` holds
    (the default, seed 000 §3), the teams change slots every 30 days within the month."""
    first, last = month_days(check_month(month))
    if pattern.code not in PATTERNS:
        raise RecordError("roster.bad_pattern")
    rotate = rotate and bool(pattern.rotation)
    bad = check_shifts(pattern.shifts) + check_rotation(pattern)
    if bad:
        raise RecordError(bad[0])
    if len(team_ids) != len(pattern.slots):
        raise RecordError("roster.teams_per_slot", n=len(pattern.slots))
    if len(set(team_ids)) != len(team_ids):
        raise RecordError("roster.team_twice")
    people: list[list[str]] = []
    for tid in team_ids:
        team = session.get(RosterTeam, tid)
        if team is None:
            raise RecordError("roster.no_team")
        people.append([m.username for m in team.members])
    cells = (expand_rotating if rotate else expand)(pattern, people, first, last)
    clash = conflicts(cells)
    if clash:
        raise RecordError("roster.two_places", name=clash[0][0], day=clash[0][1].isoformat())
    row = get_month(session, month)
    if row is not None and row.published_at is not None:
        raise RecordError("roster.published")
    if row is None:
        row = RosterMonth(month=month, pattern=pattern.code, shift_defs="", created_at=now,
                          created_by=actor)  # fmt: skip
        session.add(row)
        session.flush()
    else:
        session.execute(delete(RosterShift).where(RosterShift.month_id == row.id))
        row.pattern, row.created_at, row.created_by = pattern.code, now, actor
    row.shift_defs = plan_to_json(Plan(pattern.shifts, tuple(team_ids), rotate))
    _check_edges(session, row.id, cells)
    session.add_all(
        RosterShift(
            month_id=row.id, day=c.day, username=c.username, code=c.code,
            starts_at=to_utc(c.start), ends_at=to_utc(c.end), counted_minutes=c.counted,
            support=c.support,
        )
        for c in cells
    )  # fmt: skip
    session.flush()
    audit.record(
        session, actor, "roster.generate", "roster_month", row.id,
        after={"month": month, "pattern": pattern.code, "teams": team_ids, "rotates": rotate,
               "shifts": [[s.code, s.start, s.length, s.counted] for s in pattern.shifts]},
        now=now,
    )  # fmt: skip
    return row


def _check_edges(session: Session, month_id: int, cells: list[Cell]) -> None:
    """A shift of this month must not overlap a neighbouring month's (night into the 1st)."""
    if not cells:
        return
    lo = min(to_utc(c.start) for c in cells)
    hi = max(to_utc(c.end) for c in cells)
    others = session.scalars(
        select(RosterShift).where(
            RosterShift.month_id != month_id, RosterShift.starts_at < hi,
            RosterShift.ends_at > lo,
        )
    )  # fmt: skip
    utc_cells = [Cell(c.day, c.username, c.code, to_utc(c.start), to_utc(c.end), c.counted)
                 for c in cells]  # fmt: skip
    clash = conflicts(utc_cells + [cell_of(o) for o in others])
    if clash:
        raise RecordError("roster.two_places", name=clash[0][0], day=clash[0][1].isoformat())


def publish(session: Session, month: str, actor: str, now: datetime) -> None:
    row = need_month(session, month)
    if row.published_at is not None:
        raise RecordError("roster.published")
    row.published_at, row.published_by = now, actor
    audit.record(session, actor, "roster.publish", "roster_month", row.id,
                 after={"month": month}, now=now)  # fmt: skip


def set_cell(
    session: Session, month: str, username: str, day: date, code: str, actor: str,
    now: datetime,
) -> None:  # fmt: skip
    """Put a person on a shift of the month's pattern for a day ("" = rest)."""
    row = need_month(session, month)
    first, last = month_days(month)
    if not first <= day <= last:
        raise RecordError("roster.day_outside")
    if session.scalars(select(User.id).where(User.username == username)).first() is None:
        raise RecordError("roster.unknown_person", name=username)
    defs = {s.code: s for s in plan_from_json(row.shift_defs).shifts}
    if code and code not in defs:
        raise RecordError("roster.bad_code", code=code)
    old = session.scalars(
        select(RosterShift).where(RosterShift.username == username, RosterShift.day == day)
    ).first()
    before = {"code": old.code if old else ""}
    if old is not None:
        session.delete(old)
        session.flush()
    if code:
        shift = defs[code]
        start, end = shift.bounds(day)
        cell = Cell(day, username, code, to_utc(start), to_utc(end), shift.counted,
                    shift.support)  # fmt: skip
        _check_edges(session, -1, [Cell(day, username, code, start, end, shift.counted)])
        session.add(
            RosterShift(
                month_id=row.id, day=day, username=username, code=code, starts_at=cell.start,
                ends_at=cell.end, counted_minutes=cell.counted, support=cell.support,
            )
        )  # fmt: skip
        session.flush()
    audit.record(
        session, actor, "roster.cell", "roster_month", row.id, before=before,
        after={"username": username, "day": day.isoformat(), "code": code}, now=now,
    )  # fmt: skip


def slot_team_ids(row: RosterMonth) -> list[int]:
    """The team of each slot on the month's first day (empty: not kept for this month)."""
    return list(plan_from_json(row.shift_defs).slot_teams)


def suggested_teams(session: Session, month: str, pattern: Pattern) -> list[int]:
    """The teams of each slot on ``month``'s first day continuing the month before: where
    its rotation has brought them (empty when there is no such month to continue)."""
    first, _ = month_days(check_month(month))
    before = get_month(session, (first - timedelta(days=1)).strftime("%Y-%m"))
    if before is None or before.pattern != pattern.code:
        return []
    ids = slot_team_ids(before)
    if len(ids) != len(pattern.slots) or any(session.get(RosterTeam, t) is None for t in ids):
        return []
    if not plan_from_json(before.shift_defs).rotates:
        return ids
    return teams_on(pattern, ids, month_days(before.month)[0], first)


@dataclass(frozen=True)
class MonthView:
    month: RosterMonth | None
    days: list[date]
    people: list[str]
    grid: dict[tuple[str, date], str]
    hours: dict[str, Decimal]
    team_of: dict[str, str]
    slot_teams: list[str]  # team names per slot on the first day (empty: not kept)
    rotates: bool  # the teams change slots every 30 days
    team_hours: dict[str, Decimal]  # team name: hours per person this month


def month_view(session: Session, month: str) -> MonthView:
    first, last = month_days(check_month(month))
    days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    row = get_month(session, month)
    rows = (
        list(session.scalars(select(RosterShift).where(RosterShift.month_id == row.id)))
        if row else []
    )  # fmt: skip
    all_teams = teams(session)
    order = {m.username: (t.name, m.username) for t in all_teams for m in t.members}
    people = sorted({r.username for r in rows} | set(order), key=lambda p: order.get(p, ("~", p)))
    hours = month_hours([cell_of(r) for r in rows])
    names = {t.id: t.name for t in all_teams}
    slot_teams = [names.get(t, "") for t in slot_team_ids(row)] if row else []
    return MonthView(
        row,
        days,
        people,
        {(r.username, r.day): r.code for r in rows},
        hours,
        {p: t for p, (t, _) in order.items()},
        slot_teams if all(slot_teams) else [],
        plan_from_json(row.shift_defs).rotates if row else False,
        {t.name: team_hours(hours, [m.username for m in t.members]) for t in all_teams
         if t.members},
    )  # fmt: skip
