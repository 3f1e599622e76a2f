"""change requests, approvals, windows

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from store.immutable import drop_frozen, frozen_when_signed, frozen_with_parent

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_CHILDREN = ("change_devices", "change_events")


def _dt(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("risk", sa.String(length=40), nullable=False),
        sa.Column("backout_plan", sa.Text(), nullable=False),
        sa.Column("backup_taken", sa.Boolean(), nullable=False),
        sa.Column("global_impact", sa.Boolean(), nullable=False),
        _dt("announced_at"),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        _dt("window_start", False),
        _dt("window_end", False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        _dt("created_at", False),
        _dt("submitted_at"),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        _dt("approved_at"),
        sa.Column("rejected_by", sa.String(length=100), nullable=True),
        _dt("rejected_at"),
        _dt("started_at"),
        _dt("implemented_at"),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        _dt("verified_at"),
        _dt("cancelled_at"),
        sa.Column("maintenance_window_id", sa.Integer(), nullable=True),
        _dt("signed_at"),
        sa.Column("signed_by", sa.String(length=100), nullable=True),
        sa.Column("signed_from", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["maintenance_window_id"],
            ["maintenance_windows.id"],
            name=op.f("fk_change_requests_maintenance_window_id_maintenance_windows"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    op.create_index("ix_change_requests_state", "change_requests", ["state"], unique=False)
    op.create_table(
        "change_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("device_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_devices_change_id_change_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_change_devices_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_devices")),
        sa.UniqueConstraint("change_id", "device_id", name=op.f("uq_change_devices_change_id")),
    )
    op.create_index(
        op.f("ix_change_devices_device_id"), "change_devices", ["device_id"], unique=False
    )
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        _dt("ts", False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=40), nullable=False),
        sa.Column("to_state", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_events_change_id_change_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_events")),
    )
    op.create_index(
        op.f("ix_change_events_change_id"), "change_events", ["change_id"], unique=False
    )
    dialect = op.get_bind().dialect.name
    for sql in frozen_when_signed(dialect, "change_requests"):
        op.execute(sql)
    for child in _CHILDREN:
        for sql in frozen_with_parent(dialect, child, "change_id", "change_requests"):
            op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in (*_CHILDREN, "change_requests"):
        for sql in drop_frozen(dialect, table):
            op.execute(sql)
    op.drop_index(op.f("ix_change_events_change_id"), table_name="change_events")
    op.drop_table("change_events")
    op.drop_index(op.f("ix_change_devices_device_id"), table_name="change_devices")
    op.drop_table("change_devices")
    op.drop_index("ix_change_requests_state", table_name="change_requests")
    op.drop_table("change_requests")
