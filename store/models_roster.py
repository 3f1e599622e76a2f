"""Tables of the roster area: teams, monthly rosters, their shifts, swap requests, flags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, UTCDateTime, str40, str100, str200, utc


class RosterTeam(Base):
    __tablename__ = "roster_teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    created_at: Mapped[utc]
    members: Mapped[list[RosterMember]] = relationship(
        back_populates="team", order_by="RosterMember.username", cascade="all, delete-orphan"
    )


class RosterMember(Base):
    """A person belongs to one team at most (the unique username says so in the store too)."""

    __tablename__ = "roster_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("roster_teams.id"), index=True)
    username: Mapped[str100] = mapped_column(unique=True)
    team: Mapped[RosterTeam] = relationship(back_populates="members")


class RosterMonth(Base):
    __tablename__ = "roster_months"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str40] = mapped_column(unique=True)  # "YYYY-MM"
    pattern: Mapped[str40]
    # JSON: how the month was drafted (records.roster.patterns.Plan): its shifts, the team of
    # each slot on the 1st and whether the teams rotate; before rotation: the shifts only
    shift_defs: Mapped[str] = mapped_column(Text)
    created_at: Mapped[utc]
    created_by: Mapped[str100]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_by: Mapped[str100] = mapped_column(default="")


class RosterShift(Base):
    """One person's shift on one day (the day it starts); a person has one shift a day."""

    __tablename__ = "roster_shifts"
    __table_args__ = (UniqueConstraint("username", "day", name="uq_roster_shifts_person_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("roster_months.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    username: Mapped[str100]
    code: Mapped[str40]
    starts_at: Mapped[utc] = mapped_column(index=True)
    ends_at: Mapped[utc]
    counted_minutes: Mapped[int] = mapped_column(Integer)
    support: Mapped[bool] = mapped_column(Boolean, default=False)


class RosterSwap(Base):
    """A request to exchange two people's shifts (调班), decided by a supervisor."""

    __tablename__ = "roster_swaps"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str100]
    day: Mapped[date] = mapped_column(Date)
    with_user: Mapped[str100]
    with_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str200]
    status: Mapped[str40] = mapped_column(index=True)  # pending | approved | rejected
    created_at: Mapped[utc]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str100] = mapped_column(default="")


class RosterDueFlag(Base):
    """The next month's roster was not published in time (flagged once per month)."""

    __tablename__ = "roster_due_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str40] = mapped_column(unique=True)
    flagged_at: Mapped[utc]
