"""members in scope: each member keeps its group's account, region and cloud, so a scope's
instance pages walk an index of that scope alone instead of every member of every scope

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

SCOPE = ("account", "region", "cloud")
BY_ID = "ix_members_account_region_cloud_instance_id"
BY_JOINING = "ix_members_account_region_cloud_joined_at_instance_id"


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("account", sa.String(32)))
        batch.add_column(sa.Column("region", sa.String(32)))
        batch.add_column(sa.Column("cloud", sa.String(8)))
    for name in SCOPE:
        op.execute(
            sa.text(
                f"UPDATE members SET {name} = "
                f"(SELECT groups.{name} FROM groups WHERE groups.id = members.group_id)"
            )
        )
    with op.batch_alter_table("members") as batch:
        for name, size in zip(SCOPE, (32, 32, 8), strict=True):
            batch.alter_column(name, existing_type=sa.String(size), nullable=False)
    op.create_index(BY_ID, "members", [*SCOPE, "instance_id"])
    op.create_index(BY_JOINING, "members", [*SCOPE, "joined_at", "instance_id"])


def downgrade() -> None:
    op.drop_index(BY_JOINING, table_name="members")
    op.drop_index(BY_ID, table_name="members")
    with op.batch_alter_table("members") as batch:
        for name in reversed(SCOPE):
            batch.drop_column(name)
