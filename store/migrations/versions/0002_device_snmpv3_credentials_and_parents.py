"""device snmpv3 credentials and parents (existing rows get empty credentials)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 07:34:26.511991
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("snmp_user", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("snmp_auth_protocol", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("snmp_auth_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("snmp_priv_protocol", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("snmp_priv_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("power_parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("network_parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_devices_network_parent_id_devices"),
            "devices",
            ["network_parent_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_devices_power_parent_id_devices"), "devices", ["power_parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_devices_power_parent_id_devices"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_devices_network_parent_id_devices"), type_="foreignkey"
        )
        batch_op.drop_column("network_parent_id")
        batch_op.drop_column("power_parent_id")
        batch_op.drop_column("snmp_priv_key")
        batch_op.drop_column("snmp_priv_protocol")
        batch_op.drop_column("snmp_auth_key")
        batch_op.drop_column("snmp_auth_protocol")
        batch_op.drop_column("snmp_user")
