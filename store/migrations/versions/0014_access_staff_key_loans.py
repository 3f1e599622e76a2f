"""access staff list, key loans approved by a supervisor, key-cabinet stock-takes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 10:00:00

- ``access_staff``: the staff list kept by the admin (本中心工作人员 without a dashboard
  account), recognised at registration by name and ID number together (issue 12, point 12).
- ``ledger_loans.approved_by/approved_at``: the supervisor's approval of a key loan
  (钥匙借用须主管批准, point 13).
- ``ledger_stocktakes.scope``: "room" (every asset of the room) or "keys" (the room's key
  cabinet, checked every half month: 每半月至少一次对钥匙柜进行盘存).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("id_masked", sa.String(length=40), nullable=False),
        sa.Column("id_salt", sa.String(length=32), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_staff")),
    )
    op.create_index(op.f("ix_access_staff_name"), "access_staff", ["name"])
    with op.batch_alter_table("ledger_loans") as batch:
        batch.add_column(
            sa.Column("approved_by", sa.String(length=100), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("ledger_stocktakes") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=40), nullable=False, server_default="room")
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_stocktakes") as batch:
        batch.drop_column("scope")
    with op.batch_alter_table("ledger_loans") as batch:
        batch.drop_column("approved_at")
        batch.drop_column("approved_by")
    op.drop_index(op.f("ix_access_staff_name"), "access_staff")
    op.drop_table("access_staff")
