"""Tables of the daily inspection (巡检, R2): templates per room, sheets and their items.

A template lists what a room's sheet checks: automatic items bound to metrics with their
standard, and manual items ticked on site. A sheet copies the items (with the standard as
it was) when it opens, so editing a template never changes a sheet already opened. A
signed sheet and its items are frozen by triggers (migration 0006, store.immutable).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, UTCDateTime, str40, str100, str200, utc


class InspectionTemplate(Base):
    """One room's inspection: its rounds ("09:00,21:00", local time) and overdue limit."""

    __tablename__ = "inspection_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), unique=True)
    schedule: Mapped[str100] = mapped_column(default="09:00")
    overdue_hours: Mapped[int] = mapped_column(default=4)
    updated_by: Mapped[str100] = mapped_column(default="system")
    updated_at: Mapped[utc]
    items: Mapped[list[InspectionTemplateItem]] = relationship(
        back_populates="template",
        order_by="InspectionTemplateItem.position",
        cascade="all, delete-orphan",
    )


class InspectionTemplateItem(Base):
    """One line of a template: automatic (metric + standard) or manual (ticked on site)."""

    __tablename__ = "inspection_template_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str40]  # auto | manual
    code: Mapped[str40]
    title_zh: Mapped[str200]
    title_en: Mapped[str200] = mapped_column(default="")
    device_type: Mapped[str40] = mapped_column(default="")  # "" = any device with the metric
    metrics: Mapped[str200] = mapped_column(default="")  # candidates, comma-separated
    op: Mapped[str40] = mapped_column(default="")  # below | above | range | text
    low: Mapped[float | None] = mapped_column(Float, nullable=True)
    high: Mapped[float | None] = mapped_column(Float, nullable=True)
    expect: Mapped[str200] = mapped_column(default="")  # accepted texts, comma-separated
    # the unit low/high are written in ("h" for the UPS backup time: readings in minutes
    # or seconds are converted); "" = the unit of the metric itself (migration 0015)
    unit: Mapped[str40] = mapped_column(default="", server_default=text("''"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    template: Mapped[InspectionTemplate] = relationship(back_populates="items")


class InspectionSheet(Base):
    """One inspection round of a room (scheduled) or an on-site check asked by an alarm."""

    __tablename__ = "inspection_sheets"
    __table_args__ = (Index("ix_inspection_sheets_room_opened", "room_id", "opened_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    # what opened it, unique so that the scheduler opens each round once:
    # "A101@2026-11-21T09:00", "alarm:12", "manual:A101@2026-11-21T10:13:04"
    slot: Mapped[str200] = mapped_column(unique=True)
    kind: Mapped[str40]  # scheduled | onsite | manual
    reason: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[utc]
    due_by: Mapped[utc]
    result: Mapped[str40] = mapped_column(default="pending")  # pending|pass|abnormal|not_needed
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    signed_from: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # an on-site check no longer needed (its alarms cleared before anyone started it):
    # closed by the scheduler, never signed (records.inspection.incidents, migration 0015)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    items: Mapped[list[InspectionItem]] = relationship(
        back_populates="sheet", order_by="InspectionItem.position", cascade="all, delete-orphan"
    )


class InspectionItem(Base):
    """One checked line of a sheet: the reading and its judgement, or the person's tick."""

    __tablename__ = "inspection_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_sheets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str40]  # auto | manual
    code: Mapped[str40]
    title_zh: Mapped[str200]
    title_en: Mapped[str200] = mapped_column(default="")
    device: Mapped[str100] = mapped_column(default="")
    metric: Mapped[str100] = mapped_column(default="")
    op: Mapped[str40] = mapped_column(default="")
    low: Mapped[float | None] = mapped_column(Float, nullable=True)
    high: Mapped[float | None] = mapped_column(Float, nullable=True)
    expect: Mapped[str200] = mapped_column(default="")
    reading: Mapped[str200] = mapped_column(default="")  # what was read, as shown
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str40] = mapped_column(default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    auto_result: Mapped[str40] = mapped_column(default="")  # "" | pass | fail | nodata
    result: Mapped[str40] = mapped_column(default="")  # "" | pass | fail (final)
    note: Mapped[str] = mapped_column(Text, default="")
    reported: Mapped[str40] = mapped_column(default="")  # "" | yes | no (向领导汇报)
    checked_by: Mapped[str100] = mapped_column(default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # copied from the sheet when it is signed, so a retention purge can find the rows
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sheet: Mapped[InspectionSheet] = relationship(back_populates="items")
