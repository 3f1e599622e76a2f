"""daily inspection templates, sheets and items

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from store.immutable import drop_frozen, frozen_when_signed, frozen_with_parent

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inspection_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("overdue_hours", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        _utc("updated_at"),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_inspection_templates_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_templates")),
        sa.UniqueConstraint("room_id", name=op.f("uq_inspection_templates_room_id")),
    )
    op.create_table(
        "inspection_template_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("device_type", sa.String(length=40), nullable=False),
        sa.Column("metrics", sa.String(length=200), nullable=False),
        sa.Column("op", sa.String(length=40), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("expect", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["inspection_templates.id"],
            name=op.f("fk_inspection_template_items_template_id_inspection_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_template_items")),
    )
    op.create_index(
        op.f("ix_inspection_template_items_template_id"),
        "inspection_template_items",
        ["template_id"],
        unique=False,
    )
    op.create_table(
        "inspection_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _utc("opened_at"),
        _utc("due_by"),
        sa.Column("result", sa.String(length=40), nullable=False),
        _utc("overdue_flagged_at", nullable=True),
        _utc("signed_at", nullable=True),
        sa.Column("signed_by", sa.String(length=100), nullable=True),
        sa.Column("signed_from", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_inspection_sheets_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_sheets")),
        sa.UniqueConstraint("slot", name=op.f("uq_inspection_sheets_slot")),
    )
    op.create_index(
        "ix_inspection_sheets_room_opened",
        "inspection_sheets",
        ["room_id", "opened_at"],
        unique=False,
    )
    op.create_table(
        "inspection_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("op", sa.String(length=40), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("expect", sa.String(length=200), nullable=False),
        sa.Column("reading", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        _utc("read_at", nullable=True),
        sa.Column("auto_result", sa.String(length=40), nullable=False),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reported", sa.String(length=40), nullable=False),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        _utc("checked_at", nullable=True),
        _utc("signed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["inspection_sheets.id"],
            name=op.f("fk_inspection_items_sheet_id_inspection_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_items")),
    )
    op.create_index(
        op.f("ix_inspection_items_sheet_id"), "inspection_items", ["sheet_id"], unique=False
    )
    dialect = op.get_bind().dialect.name
    for sql in frozen_when_signed(dialect, "inspection_sheets"):
        op.execute(sql)
    for sql in frozen_with_parent(dialect, "inspection_items", "sheet_id", "inspection_sheets"):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in drop_frozen(dialect, "inspection_items"):
        op.execute(sql)
    for sql in drop_frozen(dialect, "inspection_sheets"):
        op.execute(sql)
    op.drop_index(op.f("ix_inspection_items_sheet_id"), table_name="inspection_items")
    op.drop_table("inspection_items")
    op.drop_index("ix_inspection_sheets_room_opened", table_name="inspection_sheets")
    op.drop_table("inspection_sheets")
    op.drop_index(
        op.f("ix_inspection_template_items_template_id"), table_name="inspection_template_items"
    )
    op.drop_table("inspection_template_items")
    op.drop_table("inspection_templates")
