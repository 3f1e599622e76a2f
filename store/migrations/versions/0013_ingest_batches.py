"""ingest: batch ids stored once, unique (series, ts) on raw samples

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# keeps the first stored copy of each (series, ts); the old index makes the lookup cheap
DELETE_DUPLICATES = """
DELETE FROM raw_samples WHERE EXISTS (
    SELECT 1 FROM raw_samples AS older
    WHERE older.series_id = raw_samples.series_id
      AND older.ts = raw_samples.ts
      AND older.id < raw_samples.id
)
"""


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("ack", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "agent", "batch_id", name=op.f("pk_ingest_batches")),
    )
    op.create_index(
        op.f("ix_ingest_batches_received_at"), "ingest_batches", ["received_at"], unique=False
    )
    op.execute(DELETE_DUPLICATES)
    op.drop_index("ix_raw_samples_series_ts", table_name="raw_samples")
    op.create_index("uq_raw_samples_series_ts", "raw_samples", ["series_id", "ts"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_raw_samples_series_ts", table_name="raw_samples")
    op.create_index("ix_raw_samples_series_ts", "raw_samples", ["series_id", "ts"], unique=False)
    op.drop_index(op.f("ix_ingest_batches_received_at"), table_name="ingest_batches")
    op.drop_table("ingest_batches")
