"""shift handover records, carried-over items, signatures, day reviews

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.immutable import drop_frozen, frozen_when_signed, frozen_with_parent

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outgoing_code", sa.String(length=40), nullable=False),
        sa.Column("incoming_code", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outgoing_people", sa.String(length=200), nullable=False),
        sa.Column("incoming_people", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("switching", sa.Boolean(), nullable=False),
        sa.Column("fault", sa.Boolean(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_by", sa.String(length=100), nullable=True),
        sa.Column("outgoing_signer", sa.String(length=100), nullable=True),
        sa.Column("incoming_signer", sa.String(length=100), nullable=True),
        sa.Column("override_by", sa.String(length=100), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("signed_from", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("incoming_code", "due_at", name=op.f("uq_handovers_incoming_code")),
    )
    op.create_index(op.f("ix_handovers_due_at"), "handovers", ["due_at"], unique=False)
    op.create_table(
        "handover_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("blocking", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=False),
        sa.Column("confirmed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            ["handovers.id"],
            name=op.f("fk_handover_items_handover_id_handovers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_items")),
        sa.UniqueConstraint("handover_id", "ref", name=op.f("uq_handover_items_handover_id")),
    )
    op.create_index(
        op.f("ix_handover_items_handover_id"), "handover_items", ["handover_id"], unique=False
    )
    op.create_table(
        "handover_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("signed_from", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_reviews")),
        sa.UniqueConstraint("day", name=op.f("uq_handover_reviews_day")),
    )
    dialect = op.get_bind().dialect.name
    for table in ("handovers", "handover_reviews"):
        for sql in frozen_when_signed(dialect, table):
            op.execute(sql)
    for sql in frozen_with_parent(dialect, "handover_items", "handover_id", "handovers"):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("handover_items", "handover_reviews", "handovers"):
        for sql in drop_frozen(dialect, table):
            op.execute(sql)
    op.drop_table("handover_reviews")
    op.drop_index(op.f("ix_handover_items_handover_id"), table_name="handover_items")
    op.drop_table("handover_items")
    op.drop_index(op.f("ix_handovers_due_at"), table_name="handovers")
    op.drop_table("handovers")
