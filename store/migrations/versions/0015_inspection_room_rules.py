"""inspection: one on-site sheet per incident (closed when not needed), UPS backup in hours

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00

* ``inspection_sheets.closed_at`` / ``cleared_at``: an on-site check whose alarms cleared
  before anyone started it is closed as not needed (records.inspection.incidents).
* ``inspection_template_items.unit``: the unit of an item's standard. The shipped UPS
  battery item judged against 15 minutes; seed 000 §4.2 asks for 6–8 hours of backup
  (UPS负载应小于60%,能够提供6-8小时的后备供电能力). Items still holding the shipped
  15-minute standard become "backup time ≥ 6 h" read from every UPS kind; a standard a
  supervisor changed is left as it is (its unit stays the metric's own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD_METRICS = "ups_battery_runtime_minutes"
NEW_METRICS = (
    "ups_battery_runtime_minutes,apc_ups_battery_runtime_seconds,eaton_ups_battery_runtime_seconds"
)


def upgrade() -> None:
    op.add_column(
        "inspection_template_items",
        sa.Column("unit", sa.String(length=40), server_default=sa.text("''"), nullable=False),
    )
    op.add_column(
        "inspection_sheets", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "inspection_sheets", sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        sa.text(
            "UPDATE inspection_template_items SET unit = 'h', op = 'range', low = 6, "
            "high = NULL, metrics = :new, title_zh = :zh, title_en = :en "
            "WHERE code = 'ups_runtime' AND op = 'above' AND low = 15 AND metrics = :old"
        ).bindparams(
            new=NEW_METRICS,
            old=OLD_METRICS,
            zh="UPS 后备供电时间（小时）",
            en="UPS backup time (hours)",
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE inspection_template_items SET op = 'above', low = 15, metrics = :old, "
            "title_zh = :zh, title_en = :en "
            "WHERE code = 'ups_runtime' AND unit = 'h' AND op = 'range' AND low = 6"
        ).bindparams(old=OLD_METRICS, zh="电池后备时间（分钟）", en="Battery runtime (minutes)")
    )
    op.drop_column("inspection_sheets", "cleared_at")
    op.drop_column("inspection_sheets", "closed_at")
    op.drop_column("inspection_template_items", "unit")
