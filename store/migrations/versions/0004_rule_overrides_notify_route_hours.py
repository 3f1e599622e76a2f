"""rule overrides per room or device (set in the dashboard); notification route hours

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 08:06:07.606936
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("scope_kind", sa.String(length=40), nullable=False),
        sa.Column("scope_name", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("warning", sa.Float(), nullable=True),
        sa.Column("critical", sa.Float(), nullable=True),
        sa.Column("clear", sa.Float(), nullable=True),
        sa.Column("for_seconds", sa.Float(), nullable=True),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_overrides")),
        sa.UniqueConstraint(
            "rule", "scope_kind", "scope_name", name=op.f("uq_rule_overrides_rule")
        ),
    )
    with op.batch_alter_table("notify_routes") as batch_op:
        batch_op.add_column(
            sa.Column("hours", sa.String(length=40), server_default=sa.text("''"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_routes") as batch_op:
        batch_op.drop_column("hours")
    op.drop_table("rule_overrides")
