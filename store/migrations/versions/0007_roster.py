"""duty roster: teams, months, shifts, swaps, due flags; users' email and phone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch): the users table is not recreated on SQLite
    op.add_column(
        "users", sa.Column("email", sa.String(length=200), nullable=False, server_default="")
    )
    op.add_column(
        "users", sa.Column("phone", sa.String(length=40), nullable=False, server_default="")
    )
    op.create_table(
        "roster_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_roster_teams_name")),
    )
    op.create_table(
        "roster_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["roster_teams.id"],
            name=op.f("fk_roster_members_team_id_roster_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_members")),
        sa.UniqueConstraint("username", name=op.f("uq_roster_members_username")),
    )
    op.create_index(op.f("ix_roster_members_team_id"), "roster_members", ["team_id"], unique=False)
    op.create_table(
        "roster_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=40), nullable=False),
        sa.Column("pattern", sa.String(length=40), nullable=False),
        sa.Column("shift_defs", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_months")),
        sa.UniqueConstraint("month", name=op.f("uq_roster_months_month")),
    )
    op.create_table(
        "roster_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted_minutes", sa.Integer(), nullable=False),
        sa.Column("support", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["month_id"],
            ["roster_months.id"],
            name=op.f("fk_roster_shifts_month_id_roster_months"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_shifts")),
        sa.UniqueConstraint("username", "day", name="uq_roster_shifts_person_day"),
    )
    op.create_index(op.f("ix_roster_shifts_month_id"), "roster_shifts", ["month_id"], unique=False)
    op.create_index(
        op.f("ix_roster_shifts_starts_at"), "roster_shifts", ["starts_at"], unique=False
    )
    op.create_table(
        "roster_swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("with_user", sa.String(length=100), nullable=False),
        sa.Column("with_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_swaps")),
    )
    op.create_index(op.f("ix_roster_swaps_status"), "roster_swaps", ["status"], unique=False)
    op.create_table(
        "roster_due_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=40), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_due_flags")),
        sa.UniqueConstraint("month", name=op.f("uq_roster_due_flags_month")),
    )


def downgrade() -> None:
    op.drop_table("roster_due_flags")
    op.drop_index(op.f("ix_roster_swaps_status"), table_name="roster_swaps")
    op.drop_table("roster_swaps")
    op.drop_index(op.f("ix_roster_shifts_starts_at"), table_name="roster_shifts")
    op.drop_index(op.f("ix_roster_shifts_month_id"), table_name="roster_shifts")
    op.drop_table("roster_shifts")
    op.drop_table("roster_months")
    op.drop_index(op.f("ix_roster_members_team_id"), table_name="roster_members")
    op.drop_table("roster_members")
    op.drop_table("roster_teams")
    # plain DROP COLUMN (SQLite 3.35+): no batch, so the users table keeps its shape
    op.drop_column("users", "phone")
    op.drop_column("users", "email")
