"""the simulated Alibaba Cloud's own VPCs, vSwitches and ECS security groups

Scripts create their network through the VPC API before they reach ESS; the default VPC and its
vSwitches stay computed, what users create is kept here.

Revision ID: 0007
Revises: 0006
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def _owned(name: str, *columns: sa.Column[Any], index: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_{'_'.join(index)}"), name, list(index))


def upgrade() -> None:
    _owned(
        "sim_aliyun_vpcs",
        sa.Column("cidr", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        index=("account", "region"),
    )
    _owned(
        "sim_vswitches",
        sa.Column("vpc_id", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("cidr", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        index=("account", "region", "vpc_id"),
    )
    _owned(
        "sim_ecs_security_groups",
        sa.Column("vpc_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        index=("account", "region"),
    )


def downgrade() -> None:
    for name, index in (
        ("sim_ecs_security_groups", "account_region"),
        ("sim_vswitches", "account_region_vpc_id"),
        ("sim_aliyun_vpcs", "account_region"),
    ):
        op.drop_index(op.f(f"ix_{name}_{index}"), table_name=name)
        op.drop_table(name)
