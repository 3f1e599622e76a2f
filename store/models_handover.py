"""Tables of the handover area: shift handovers, their carried-over items, day reviews.

A handover is a draft until both people sign it face to face (R4.2, 交接班人员必须当面交接并
签名); then it and its items are frozen (migration 0008 adds the database triggers).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, UTCDateTime, str40, str100, str200, utc


class Handover(Base):
    """One shift change: the outgoing shift hands over to the incoming one at ``due_at``."""

    __tablename__ = "handovers"
    __table_args__ = (UniqueConstraint("incoming_code", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    outgoing_code: Mapped[str40]
    incoming_code: Mapped[str40]
    due_at: Mapped[utc] = mapped_column(index=True)  # the incoming shift's start
    outgoing_people: Mapped[str200] = mapped_column(default="")  # comma separated names
    incoming_people: Mapped[str200] = mapped_column(default="")
    opened_at: Mapped[utc]
    opened_by: Mapped[str100]
    notes: Mapped[str] = mapped_column(Text, default="")
    switching: Mapped[bool] = mapped_column(Boolean, default=False)  # 倒闸操作 in progress
    fault: Mapped[bool] = mapped_column(Boolean, default=False)  # 事故处理 in progress
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    arrived_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # 提前N分钟到岗: the room's rule, fixed when the arrival is recorded (migration 0016; rows
    # older than it keep the 15 minutes they were judged by)
    arrive_before_minutes: Mapped[int] = mapped_column(default=10)
    outgoing_signer: Mapped[str | None] = mapped_column(String(100), nullable=True)
    incoming_signer: Mapped[str | None] = mapped_column(String(100), nullable=True)
    override_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_from: Mapped[str | None] = mapped_column(String(100), nullable=True)
    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="handover", order_by="HandoverItem.id"
    )


class HandoverItem(Base):
    """One carried-over item (交接内容) and whether the incoming person confirmed it."""

    __tablename__ = "handover_items"
    __table_args__ = (UniqueConstraint("handover_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    source: Mapped[str40]
    ref: Mapped[str100]
    summary: Mapped[str] = mapped_column(Text, default="")
    blocking: Mapped[str100] = mapped_column(default="")
    url: Mapped[str200] = mapped_column(default="")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    confirmed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    handover: Mapped[Handover] = relationship(back_populates="items")


class DayReview(Base):
    """The supervisor's signature under one day's duty log (值班记录审阅)."""

    __tablename__ = "handover_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_from: Mapped[str | None] = mapped_column(String(100), nullable=True)
