"""Launch sources store what they launch in neutral words; members.launch_ref goes

The engine used to read launch configurations' and scaling configurations' wire fields
(ImageId, KeyName, SecurityGroups; KeyPairName, SecurityGroupId(s), LoadBalancerWeight). Each
row now also stores a `blueprint` (image, instance type, key pair, security groups, SLB weight),
filled here from the wire fields of rows stored before. `members.launch_ref` was written but no
longer read: a member's source is its `launch` JSON.

Revision ID: 0009
Revises: 0008
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

launch_configurations = sa.table(
    "launch_configurations",
    sa.column("account", sa.String),
    sa.column("region", sa.String),
    sa.column("name", sa.String),
    sa.column("data", sa.JSON),
    sa.column("blueprint", sa.JSON),
)
scaling_configurations = sa.table(
    "scaling_configurations",
    sa.column("id", sa.String),
    sa.column("image_id", sa.String),
    sa.column("instance_types", sa.JSON),
    sa.column("data", sa.JSON),
    sa.column("blueprint", sa.JSON),
)
members = sa.table(
    "members",
    sa.column("instance_id", sa.String),
    sa.column("launch", sa.JSON),
    sa.column("launch_ref", sa.String),
)


def _configured(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "image_id": data.get("ImageId") or "",
        "instance_type": data.get("InstanceType") or "",
        "key_name": data.get("KeyName"),
        "security_groups": list(data.get("SecurityGroups") or ()),
        "weight": None,
    }


def _scaling(row: Any) -> dict[str, Any]:
    data = row.data or {}
    groups = [data["SecurityGroupId"]] if data.get("SecurityGroupId") else []
    weight = data.get("LoadBalancerWeight")
    return {
        "image_id": row.image_id,
        "instance_type": (row.instance_types or [""])[0],
        "key_name": data.get("KeyPairName"),
        "security_groups": groups + list(data.get("SecurityGroupIds") or ()),
        "weight": int(weight) if weight is not None else None,
    }


def _ref(launch: dict[str, Any] | None) -> str:
    launch = launch or {}
    kind = launch.get("kind")
    if kind == "template":
        return f"lt:{launch.get('id') or launch.get('name')}:{launch.get('version')}"
    if kind == "configuration":
        return f"lc:{launch.get('name')}"
    if kind == "scaling_configuration":
        return f"sc:{launch.get('id')}"
    return ""


def upgrade() -> None:
    conn = op.get_bind()
    for table in ("launch_configurations", "scaling_configurations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("blueprint", sa.JSON(), nullable=True))
    lc = launch_configurations.c
    for row in conn.execute(sa.select(lc.account, lc.region, lc.name, lc.data)).all():
        conn.execute(
            sa.update(launch_configurations)
            .where(lc.account == row.account, lc.region == row.region, lc.name == row.name)
            .values(blueprint=_configured(row.data or {}))
        )
    sc = scaling_configurations.c
    for row in conn.execute(sa.select(sc.id, sc.image_id, sc.instance_types, sc.data)).all():
        conn.execute(
            sa.update(scaling_configurations).where(sc.id == row.id).values(blueprint=_scaling(row))
        )
    for table in ("launch_configurations", "scaling_configurations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("blueprint", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("launch_ref")


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("launch_ref", sa.String(length=64), nullable=True))
    for row in conn.execute(sa.select(members.c.instance_id, members.c.launch)).all():
        conn.execute(
            sa.update(members)
            .where(members.c.instance_id == row.instance_id)
            .values(launch_ref=_ref(row.launch))
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("launch_ref", existing_type=sa.String(length=64), nullable=False)
    for table in ("scaling_configurations", "launch_configurations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("blueprint")
