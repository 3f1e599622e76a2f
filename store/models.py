"""Tables of the foundation: accounts, ledger, time series, rule states, alarms, audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, UTCDateTime, str40, str100, str200, utc
from store.models_ledger import Sealed

BigId = BigInteger().with_variant(Integer(), "sqlite")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str100] = mapped_column(unique=True)
    display_name: Mapped[str100] = mapped_column(default="")
    role: Mapped[str40]
    password_hash: Mapped[str200]
    language: Mapped[str40] = mapped_column(default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[utc]
    email: Mapped[str200] = mapped_column(default="", server_default="")  # roster escalation
    phone: Mapped[str40] = mapped_column(default="", server_default="")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[utc]
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Room(Base):
    __tablename__ = "rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    title_zh: Mapped[str200] = mapped_column(default="")
    title_en: Mapped[str200] = mapped_column(default="")
    # ledger (R7): the site it belongs to; SNMP credentials its devices may inherit
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    credential_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_profiles.id"), nullable=True
    )
    racks: Mapped[list[Rack]] = relationship(back_populates="room", order_by="Rack.name")


class Rack(Base):
    __tablename__ = "racks"
    __table_args__ = (UniqueConstraint("room_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    name: Mapped[str100]
    height_u: Mapped[int] = mapped_column(default=42)
    row_name: Mapped[str100] = mapped_column(default="", server_default=text("''"))  # 列
    room: Mapped[Room] = relationship(back_populates="racks")


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    kind: Mapped[str40] = mapped_column(default="snmp")  # snmp | host
    device_type: Mapped[str40] = mapped_column(default="server")
    title_zh: Mapped[str200] = mapped_column(default="")
    title_en: Mapped[str200] = mapped_column(default="")
    vendor: Mapped[str100] = mapped_column(default="")
    model: Mapped[str100] = mapped_column(default="")
    address: Mapped[str200] = mapped_column(default="127.0.0.1")
    port: Mapped[int] = mapped_column(default=161)
    snmp_version: Mapped[str40] = mapped_column(default="2c")
    # secrets sealed at rest (store.models_ledger.Sealed); plaintext rows still read
    community: Mapped[str] = mapped_column(Sealed(), default="public")
    snmp_user: Mapped[str100] = mapped_column(default="")
    snmp_auth_protocol: Mapped[str40] = mapped_column(default="")
    snmp_auth_key: Mapped[str] = mapped_column(Sealed(), default="")
    snmp_priv_protocol: Mapped[str40] = mapped_column(default="")
    snmp_priv_key: Mapped[str] = mapped_column(Sealed(), default="")
    profile: Mapped[str100] = mapped_column(default="auto")
    interval_seconds: Mapped[float] = mapped_column(Float, default=30.0)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=2.0)
    retries: Mapped[int] = mapped_column(default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), nullable=True)
    rack_id: Mapped[int | None] = mapped_column(ForeignKey("racks.id"), nullable=True)
    position_u: Mapped[int | None] = mapped_column(nullable=True)
    # parent chains (R3.4 inhibition): what powers it (UPS, PDU) and what connects it (switch)
    power_parent_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    network_parent_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    # ledger (R7): the asset itself. kind "asset" = not polled (tools, keys, spares...)
    asset_tag: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    serial: Mapped[str200] = mapped_column(default="", server_default=text("''"))
    owner: Mapped[str100] = mapped_column(default="", server_default=text("''"))
    # in_use | spare | on_loan | under_repair | retired
    status: Mapped[str40] = mapped_column(default="in_use", server_default=text("'in_use'"))
    purchase_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    warranty_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    u_height: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    face: Mapped[str40] = mapped_column(default="front", server_default=text("'front'"))
    # device: its own credentials; inherit: its profile, else its room's profile
    credential_source: Mapped[str40] = mapped_column(
        default="device", server_default=text("'device'")
    )
    credential_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_profiles.id"), nullable=True
    )
    notes: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    room: Mapped[Room | None] = relationship()
    rack: Mapped[Rack | None] = relationship()


class Series(Base):
    """One series (device × metric × instance) and its latest value."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("device", "metric", "instance"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    device: Mapped[str100]
    metric: Mapped[str100]
    instance: Mapped[str200] = mapped_column(default="")
    unit: Mapped[str40] = mapped_column(default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    ts: Mapped[utc]


class RawSample(Base):
    """One point of a series; at most one per (series, ts): a replayed point is skipped."""

    __tablename__ = "raw_samples"
    __table_args__ = (Index("uq_raw_samples_series_ts", "series_id", "ts", unique=True),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    ts: Mapped[utc]
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)


class IngestBatch(Base):
    """An ingest batch an agent sent with a ``batch_id``: stored at most once.

    Written in the transaction that stores the batch's samples (or events), so the two
    exist together or not at all; a replay of the id is answered with ``ack``, the JSON
    acknowledgement of the first delivery. Pruned with the raw samples (retention).
    """

    __tablename__ = "ingest_batches"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # samples | events
    agent: Mapped[str] = mapped_column(String(100), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    accepted: Mapped[int]
    refused: Mapped[int]
    ack: Mapped[str] = mapped_column(Text)
    received_at: Mapped[utc] = mapped_column(index=True)


class RuleState(Base):
    """Persisted state machine of one rule × device × instance (restart-safe)."""

    __tablename__ = "rule_states"
    __table_args__ = (UniqueConstraint("rule", "device", "instance"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str100]
    device: Mapped[str100]
    instance: Mapped[str200] = mapped_column(default="")
    state: Mapped[str40]
    severity: Mapped[int | None] = mapped_column(nullable=True)
    since: Mapped[utc]
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[utc]
    # keep_firing_for: the state stays FIRING until this time although the condition cleared
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


OPEN_ALARM = text("status <> 'resolved'")


class Alarm(Base):
    __tablename__ = "alarms"
    __table_args__ = (
        Index(
            "uq_alarms_open",
            "rule",
            "device",
            "instance",
            unique=True,
            sqlite_where=OPEN_ALARM,
            postgresql_where=OPEN_ALARM,
        ),
        Index("ix_alarms_status", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str100]
    device: Mapped[str100]
    instance: Mapped[str200] = mapped_column(default="")
    severity: Mapped[int]
    peak_severity: Mapped[int]
    status: Mapped[str40] = mapped_column(default="firing")  # firing|acknowledged|resolved
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_seen: Mapped[utc]
    last_seen: Mapped[utc]
    count: Mapped[int] = mapped_column(default=1)
    acked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ack_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # lifecycle (issue 4): priority 1 (highest) .. 4, owner, closing by hand, flags that
    # keep an alarm recorded but quiet (flapping, inhibited under a root, in maintenance)
    priority: Mapped[int] = mapped_column(default=3, server_default=text("3"))
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    inhibited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("alarms.id", ondelete="SET NULL"), nullable=True
    )
    maintenance_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_windows.id", ondelete="SET NULL"), nullable=True
    )
    escalation_level: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    events: Mapped[list[AlarmEvent]] = relationship(
        back_populates="alarm", order_by="AlarmEvent.id", cascade="all, delete-orphan"
    )


class AlarmEvent(Base):
    """Alarm history: written only on a transition, with the reason."""

    __tablename__ = "alarm_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    ts: Mapped[utc]
    kind: Mapped[str40]  # fired | severity | acknowledged | resolved | comment
    actor: Mapped[str100] = mapped_column(default="system")
    detail: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    alarm: Mapped[Alarm] = relationship(back_populates="events")


class AlarmComment(Base):
    """A remark on an alarm by a person (the timeline merges these with AlarmEvent)."""

    __tablename__ = "alarm_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    ts: Mapped[utc]
    author: Mapped[str100]
    body: Mapped[str] = mapped_column(Text)


class AlarmSuppression(Base):
    """A silence on one alarm: until a time, until it clears, or until its severity changes."""

    __tablename__ = "alarm_suppressions"
    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str40]  # until_time | until_clear | until_severity
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    severity_at: Mapped[int]  # the severity when suppressed (until_severity ends on change)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str100]
    created_at: Mapped[utc]
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MaintenanceWindow(Base):
    """Devices under maintenance between start and end: alarms recorded, not notified."""

    __tablename__ = "maintenance_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[utc]
    end: Mapped[utc]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str100]
    created_at: Mapped[utc]
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    devices: Mapped[list[MaintenanceDevice]] = relationship(
        back_populates="window", cascade="all, delete-orphan"
    )


class MaintenanceDevice(Base):
    __tablename__ = "maintenance_devices"
    __table_args__ = (UniqueConstraint("window_id", "device_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("maintenance_windows.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    window: Mapped[MaintenanceWindow] = relationship(back_populates="devices")
    device: Mapped[Device] = relationship()


class NotifyChannel(Base):
    """Where notifications go: smtp | webhook | wecom | dingtalk | feishu."""

    __tablename__ = "notify_channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    kind: Mapped[str40]
    target: Mapped[str] = mapped_column(Text, default="")  # URL, or e-mail addresses
    secret: Mapped[str200] = mapped_column(default="")  # DingTalk signing secret
    language: Mapped[str40] = mapped_column(default="zh")  # zh | en | both
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[utc]


class NotifyRoute(Base):
    """Which notifications a channel receives: from a severity, of kinds, rooms, a level."""

    __tablename__ = "notify_routes"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("notify_channels.id", ondelete="CASCADE"))
    min_severity: Mapped[int] = mapped_column(default=1)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every kind
    rooms: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every room
    level: Mapped[int] = mapped_column(default=0)  # escalation level it serves (0 = on duty)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # local hours it serves, "HH-HH" (may wrap midnight: "20-08"); empty: all day
    hours: Mapped[str40] = mapped_column(default="", server_default=text("''"))


class Notification(Base):
    """One message to send (persisted in the tick's transaction: restart-safe, deduplicated)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str200] = mapped_column(unique=True)
    alarm_id: Mapped[int | None] = mapped_column(
        ForeignKey("alarms.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind: Mapped[str40]  # fire | severity | escalation | clear | flapping | storm | channel
    level: Mapped[int] = mapped_column(default=0)
    severity: Mapped[int]
    room: Mapped[str100] = mapped_column(default="")
    subject_zh: Mapped[str] = mapped_column(Text, default="")
    subject_en: Mapped[str] = mapped_column(Text, default="")
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[utc] = mapped_column(index=True)


class Delivery(Base):
    """One notification to one channel: pending → sent | failed, with attempts and why."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("notify_channels.id", ondelete="CASCADE"))
    status: Mapped[str40] = mapped_column(default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[utc]
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[utc]


class TrapEvent(Base):
    """An SNMP trap (or other event) pushed by an agent, evaluated when it arrives."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_device_ts", "device", "ts"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agent: Mapped[str100]
    device: Mapped[str | None] = mapped_column(String(100), nullable=True)
    address: Mapped[str200]
    trap_oid: Mapped[str200]
    name: Mapped[str100] = mapped_column(default="")
    varbinds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ts: Mapped[utc]
    received_at: Mapped[utc]
    alarm_id: Mapped[int | None] = mapped_column(
        ForeignKey("alarms.id", ondelete="SET NULL"), nullable=True
    )


class RuleOverride(Base):
    """A change to one loaded rule for a room or a device, set in the dashboard (audited).

    A None field keeps the rule file's value; a device override beats a room override.
    """

    __tablename__ = "rule_overrides"
    __table_args__ = (UniqueConstraint("rule", "scope_kind", "scope_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str100]
    scope_kind: Mapped[str40]  # room | device
    scope_name: Mapped[str100]
    enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    warning: Mapped[float | None] = mapped_column(Float, nullable=True)
    critical: Mapped[float | None] = mapped_column(Float, nullable=True)
    clear: Mapped[float | None] = mapped_column(Float, nullable=True)
    for_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    set_by: Mapped[str100]
    set_at: Mapped[utc]


class AuditEntry(Base):
    """Who did what, when, from where, with before/after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ts: Mapped[utc] = mapped_column(index=True)
    actor: Mapped[str100]
    action: Mapped[str100]
    object_type: Mapped[str40] = mapped_column(default="")
    object_id: Mapped[str100] = mapped_column(default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    address: Mapped[str100] = mapped_column(default="")
    request_id: Mapped[str100] = mapped_column(default="")


# the tables of the other areas, one module each, registered on the same metadata
from store import (  # noqa: E402, F401
    models_access,
    models_changes,
    models_handover,
    models_inspection,
    models_journal,
    models_ledger,
    models_roster,
)
