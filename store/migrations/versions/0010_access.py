"""machine-room access: registrations, items, approvals, work applications

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.immutable import drop_frozen, frozen_when_signed, frozen_with_parent

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_work_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_access_work_applications_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_work_applications")),
    )
    op.create_index(
        op.f("ix_access_work_applications_room_id"),
        "access_work_applications",
        ["room_id"],
        unique=False,
    )
    op.create_table(
        "access_work_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("signed_by", sa.String(length=100), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["access_work_applications.id"],
            name=op.f("fk_access_work_signoffs_application_id_access_work_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_work_signoffs")),
        sa.UniqueConstraint(
            "application_id", "day", name=op.f("uq_access_work_signoffs_application_id")
        ),
    )
    op.create_table(
        "access_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("id_masked", sa.String(length=40), nullable=False),
        sa.Column("id_salt", sa.String(length=32), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("escort", sa.String(length=100), nullable=False),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.Column("work_application_id", sa.Integer(), nullable=True),
        sa.Column("planned_out", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("time_in", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entered_by", sa.String(length=100), nullable=True),
        sa.Column("time_out", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.String(length=100), nullable=True),
        sa.Column("signed_from", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_access_entries_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["work_application_id"],
            ["access_work_applications.id"],
            name=op.f("fk_access_entries_work_application_id_access_work_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_entries")),
    )
    op.create_index("ix_access_entries_state", "access_entries", ["state"], unique=False)
    op.create_index(
        "ix_access_entries_room_requested",
        "access_entries",
        ["room_id", "requested_at"],
        unique=False,
    )
    op.create_table(
        "access_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=40), nullable=False),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["access_entries.id"],
            name=op.f("fk_access_items_entry_id_access_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_items")),
    )
    op.create_index(op.f("ix_access_items_entry_id"), "access_items", ["entry_id"], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in frozen_when_signed(dialect, "access_entries"):
        op.execute(sql)
    for sql in frozen_with_parent(dialect, "access_items", "entry_id", "access_entries"):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in drop_frozen(dialect, "access_items"):
        op.execute(sql)
    for sql in drop_frozen(dialect, "access_entries"):
        op.execute(sql)
    op.drop_index(op.f("ix_access_items_entry_id"), table_name="access_items")
    op.drop_table("access_items")
    op.drop_index("ix_access_entries_room_requested", table_name="access_entries")
    op.drop_index("ix_access_entries_state", table_name="access_entries")
    op.drop_table("access_entries")
    op.drop_table("access_work_signoffs")
    op.drop_index(
        op.f("ix_access_work_applications_room_id"), table_name="access_work_applications"
    )
    op.drop_table("access_work_applications")
