"""equipment ledger: sites, rows, assets, history, loans, stock-takes, credentials

Existing devices keep their values: the new asset columns get server defaults, the SNMP
secrets move to TEXT columns (an encrypted value is longer) and plaintext rows are still
read; they are sealed on their next write or by ``roomwatch ledger seal``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SECRETS = (("community", 100), ("snmp_auth_key", 200), ("snmp_priv_key", 200))


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "credential_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("snmp_version", sa.String(length=40), nullable=False),
        sa.Column("community", sa.Text(), nullable=False),
        sa.Column("snmp_user", sa.String(length=100), nullable=False),
        sa.Column("snmp_auth_protocol", sa.String(length=40), nullable=False),
        sa.Column("snmp_auth_key", sa.Text(), nullable=False),
        sa.Column("snmp_priv_protocol", sa.String(length=40), nullable=False),
        sa.Column("snmp_priv_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_credential_profiles_name")),
    )
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("credential_profile_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rooms_site_id_sites"), "sites", ["site_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_rooms_credential_profile_id_credential_profiles"),
            "credential_profiles",
            ["credential_profile_id"],
            ["id"],
        )
    with op.batch_alter_table("racks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("row_name", sa.String(length=100), nullable=False, server_default="")
        )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        for column, length in SECRETS:
            batch_op.alter_column(
                column, existing_type=sa.String(length=length), type_=sa.Text(),
                existing_nullable=False,
            )  # fmt: skip
        batch_op.add_column(sa.Column("asset_tag", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("serial", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("owner", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=40), nullable=False, server_default="in_use")
        )
        batch_op.add_column(sa.Column("purchase_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("warranty_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("u_height", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.add_column(
            sa.Column("face", sa.String(length=40), nullable=False, server_default="front")
        )
        batch_op.add_column(
            sa.Column(
                "credential_source", sa.String(length=40), nullable=False,
                server_default="device",
            )
        )  # fmt: skip
        batch_op.add_column(sa.Column("credential_profile_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
        batch_op.create_unique_constraint(batch_op.f("uq_devices_asset_tag"), ["asset_tag"])
        batch_op.create_foreign_key(
            batch_op.f("fk_devices_credential_profile_id_credential_profiles"),
            "credential_profiles",
            ["credential_profile_id"],
            ["id"],
        )
    op.create_table(
        "ledger_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("borrower", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("lent_by", sa.String(length=100), nullable=False),
        sa.Column("lent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_to", sa.String(length=100), nullable=False),
        sa.Column("return_state", sa.String(length=40), nullable=False),
        sa.Column("return_note", sa.Text(), nullable=False),
        sa.Column("status_before", sa.String(length=40), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_ledger_loans_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_loans")),
    )
    op.create_index(op.f("ix_ledger_loans_device_id"), "ledger_loans", ["device_id"])
    op.create_table(
        "ledger_stocktakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_ledger_stocktakes_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_stocktakes")),
    )
    op.create_table(
        "ledger_stocktake_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("asset_tag", sa.String(length=100), nullable=False),
        sa.Column("expected_place", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_ledger_stocktake_items_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["stocktake_id"],
            ["ledger_stocktakes.id"],
            name=op.f("fk_ledger_stocktake_items_stocktake_id_ledger_stocktakes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_stocktake_items")),
    )
    op.create_index(
        op.f("ix_ledger_stocktake_items_stocktake_id"), "ledger_stocktake_items", ["stocktake_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_stocktake_items_stocktake_id"), "ledger_stocktake_items")
    op.drop_table("ledger_stocktake_items")
    op.drop_table("ledger_stocktakes")
    op.drop_index(op.f("ix_ledger_loans_device_id"), "ledger_loans")
    op.drop_table("ledger_loans")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_devices_credential_profile_id_credential_profiles"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(batch_op.f("uq_devices_asset_tag"), type_="unique")
        for column in ("notes", "credential_profile_id", "credential_source", "face",
                       "u_height", "warranty_until", "purchase_date", "status", "owner",
                       "serial", "asset_tag"):  # fmt: skip
            batch_op.drop_column(column)
        # sealed values do not fit the old widths: downgrading loses them (documented)
        for column, length in SECRETS:
            batch_op.alter_column(
                column, existing_type=sa.Text(), type_=sa.String(length=length),
                existing_nullable=False,
            )  # fmt: skip
    with op.batch_alter_table("racks", schema=None) as batch_op:
        batch_op.drop_column("row_name")
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_rooms_credential_profile_id_credential_profiles"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_rooms_site_id_sites"), type_="foreignkey")
        batch_op.drop_column("credential_profile_id")
        batch_op.drop_column("site_id")
    op.drop_table("credential_profiles")
    op.drop_table("sites")
