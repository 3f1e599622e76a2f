"""Tables of the machine-room access log (机房出入登记, R5).

An :class:`AccessEntry` is one person's visit: registered, approved by the room's head
unless the person is staff (a dashboard account or on the :class:`StaffMember` list),
signed in, signed out. Signing out freezes it (``signed_at``
set, content journaled) and migration 0010 makes the database refuse any later change to
it or to its :class:`AccessItem` rows (机房物品进出登记单). Construction work needs an
approved :class:`WorkApplication` (施工申请单), signed off each day by the person on duty.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, UTCDateTime, str40, str100, str200, utc


class WorkApplication(Base):
    """施工申请单: a company's work in a room between two dates, approved by the head."""

    __tablename__ = "access_work_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    company: Mapped[str200]
    content: Mapped[str] = mapped_column(Text)
    people: Mapped[str] = mapped_column(Text)  # one name a line
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str40] = mapped_column(default="requested")  # requested|approved|rejected
    requested_by: Mapped[str100]
    requested_at: Mapped[utc]
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    signoffs: Mapped[list[WorkSignoff]] = relationship(
        back_populates="application", order_by="WorkSignoff.day"
    )


class WorkSignoff(Base):
    """The on-duty person's daily sign-off of a construction site (经值班人员同意后方可离开)."""

    __tablename__ = "access_work_signoffs"
    __table_args__ = (UniqueConstraint("application_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("access_work_applications.id"))
    day: Mapped[date] = mapped_column(Date)
    signed_by: Mapped[str100]
    signed_at: Mapped[utc]
    note: Mapped[str] = mapped_column(Text, default="")
    application: Mapped[WorkApplication] = relationship(back_populates="signoffs")


class StaffMember(Base):
    """One person on the staff list kept by the admin (本中心工作人员 without a dashboard
    account): recognised at registration by name and ID number together, so that typing a
    staff member's name for somebody else does not skip approval and escort."""

    __tablename__ = "access_staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(index=True)
    organisation: Mapped[str200] = mapped_column(default="")
    id_masked: Mapped[str40]
    id_salt: Mapped[str] = mapped_column(String(32))
    id_hash: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str100]
    added_at: Mapped[utc]


class AccessEntry(Base):
    """One person's entry into a room: requested → approved|rejected → inside → left."""

    __tablename__ = "access_entries"
    __table_args__ = (
        Index("ix_access_entries_state", "state"),
        Index("ix_access_entries_room_requested", "room_id", "requested_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    kind: Mapped[str40]  # visit | repair | construction
    person: Mapped[str100]
    organisation: Mapped[str200]
    # the ID number is never stored in clear: a masked form to show, a salted hash to check
    id_masked: Mapped[str40]
    id_salt: Mapped[str] = mapped_column(String(32))
    id_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text)
    escort: Mapped[str100] = mapped_column(default="")
    staff: Mapped[bool] = mapped_column(Boolean, default=False)
    work_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_work_applications.id"), nullable=True
    )
    planned_out: Mapped[utc]  # the end of the approved stay: later is an overstay
    state: Mapped[str40]
    requested_by: Mapped[str100]
    requested_at: Mapped[utc]
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    time_in: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    entered_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    time_out: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    signed_from: Mapped[str | None] = mapped_column(String(100), nullable=True)
    items: Mapped[list[AccessItem]] = relationship(back_populates="entry", order_by="AccessItem.id")


class AccessItem(Base):
    """机房物品进出登记: an item carried in or out, checked by the person on duty."""

    __tablename__ = "access_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    # a journaled retention purge of a signed entry takes its items with it
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("access_entries.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str200]
    quantity: Mapped[int]
    direction: Mapped[str40]  # in | out
    checked_by: Mapped[str100]
    checked_at: Mapped[utc]
    entry: Mapped[AccessEntry] = relationship(back_populates="items")
