"""handover: the early-arrival rule each handover's lateness is judged by

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 12:00:00

``handovers.arrive_before_minutes``: how many minutes before the shift's start the incoming
person must arrive (接班人员应提前10分钟到岗 in a machine room, 提前15分钟 under the
engineering rule; ``[handover]`` settings, per room). It is fixed on the record when the
arrival is recorded, so that a signed record keeps the rule it was judged by. Handovers
that exist already were judged by the 15 minutes the code used until now: the column's
server default gives them 15 (signed rows cannot be updated); new rows get the setting.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "handovers",
        sa.Column(
            "arrive_before_minutes", sa.Integer(), server_default=sa.text("15"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("handovers", "arrive_before_minutes")
