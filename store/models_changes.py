"""Tables of change approvals (变更审批, R6).

A :class:`ChangeRequest` carries the plan, risk, impact, window, backout plan and backup
check; its :class:`ChangeDevice` rows name the ledger devices it touches and its
:class:`ChangeEvent` rows are its history (who moved it from which state to which, why).
Closing signs it (``signed_at`` set, content journaled) and migration 0011 makes the
database refuse any later change to it or to its child rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, UTCDateTime, str40, str100, str200, utc


class ChangeRequest(Base):
    """draft → submitted → approved|rejected → in_progress → implemented → verified → closed."""

    __tablename__ = "change_requests"
    __table_args__ = (Index("ix_change_requests_state", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str200]
    plan: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text, default="")
    risk: Mapped[str40]  # low | medium | high
    backout_plan: Mapped[str] = mapped_column(Text)
    backup_taken: Mapped[bool] = mapped_column(Boolean, default=False)
    # 对会影响到全局的硬件设备的更改…应预先发布通知: announced before approval
    global_impact: Mapped[bool] = mapped_column(Boolean, default=False)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    window_start: Mapped[utc]
    window_end: Mapped[utc]
    state: Mapped[str40] = mapped_column(default="draft")
    requested_by: Mapped[str100]
    created_at: Mapped[utc]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rejected_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the window that keeps the devices' alarms quiet while the approved change runs
    maintenance_window_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_windows.id"), nullable=True
    )
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    signed_from: Mapped[str | None] = mapped_column(String(100), nullable=True)
    devices: Mapped[list[ChangeDevice]] = relationship(
        back_populates="change", order_by="ChangeDevice.device_name", cascade="all, delete-orphan"
    )
    events: Mapped[list[ChangeEvent]] = relationship(
        back_populates="change", order_by="ChangeEvent.id"
    )


class ChangeDevice(Base):
    """One ledger device a change touches (its name kept as it was when chosen)."""

    __tablename__ = "change_devices"
    __table_args__ = (UniqueConstraint("change_id", "device_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # CASCADE: a retention purge deletes the signed parent and its rows go with it
    change_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    device_name: Mapped[str100]
    change: Mapped[ChangeRequest] = relationship(back_populates="devices")


class ChangeEvent(Base):
    """The history of a change: every action with its actor, states and note."""

    __tablename__ = "change_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("change_requests.id", ondelete="CASCADE"), index=True
    )
    ts: Mapped[utc]
    actor: Mapped[str100]
    action: Mapped[str40]
    from_state: Mapped[str40]
    to_state: Mapped[str40]
    note: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[ChangeRequest] = relationship(back_populates="events")
