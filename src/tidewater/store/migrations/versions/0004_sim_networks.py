"""the simulated EC2's own VPCs, subnets, security groups, internet gateways and key pairs

Test code creates its own network before it reaches Auto Scaling; the default VPC stays
computed, what users create is kept here.

Revision ID: 0004
Revises: 0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def _owned(
    name: str, *columns: sa.Column[Any], constraints: tuple[sa.UniqueConstraint, ...] = ()
) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        *constraints,
    )


def upgrade() -> None:
    _owned(
        "sim_vpcs",
        sa.Column("cidr", sa.String(length=18), nullable=False),
        sa.Column("tenancy", sa.String(length=16), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index(op.f("ix_sim_vpcs_account_region"), "sim_vpcs", ["account", "region"])
    _owned(
        "sim_subnets",
        sa.Column("vpc_id", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("cidr", sa.String(length=18), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index(
        op.f("ix_sim_subnets_account_region_vpc_id"),
        "sim_subnets",
        ["account", "region", "vpc_id"],
    )
    _owned(
        "sim_security_groups",
        sa.Column("vpc_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("ingress", sa.JSON(), nullable=False),
        sa.Column("egress", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        constraints=(
            sa.UniqueConstraint(
                "account",
                "region",
                "vpc_id",
                "name",
                name=op.f("uq_sim_security_groups_account_region_vpc_id_name"),
            ),
        ),
    )
    _owned(
        "sim_internet_gateways",
        sa.Column("vpc_id", sa.String(length=32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index(
        op.f("ix_sim_internet_gateways_account_region"),
        "sim_internet_gateways",
        ["account", "region"],
    )
    _owned(
        "sim_key_pairs",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        constraints=(
            sa.UniqueConstraint(
                "account", "region", "name", name=op.f("uq_sim_key_pairs_account_region_name")
            ),
        ),
    )


def downgrade() -> None:
    op.drop_table("sim_key_pairs")
    op.drop_index(
        op.f("ix_sim_internet_gateways_account_region"), table_name="sim_internet_gateways"
    )
    op.drop_table("sim_internet_gateways")
    op.drop_table("sim_security_groups")
    op.drop_index(op.f("ix_sim_subnets_account_region_vpc_id"), table_name="sim_subnets")
    op.drop_table("sim_subnets")
    op.drop_index(op.f("ix_sim_vpcs_account_region"), table_name="sim_vpcs")
    op.drop_table("sim_vpcs")
