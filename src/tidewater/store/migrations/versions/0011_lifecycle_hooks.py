"""lifecycle hooks and their waiting actions

A hook's wait is stored (token, instance, activity, deadline and global deadline on the
service clock), so a restart or another node continues it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lifecycle_hooks",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("transition", sa.String(length=16), nullable=False),
        sa.Column("heartbeat", sa.Integer(), nullable=False),
        sa.Column("default_result", sa.String(length=16), nullable=False),
        sa.Column("metadata", sa.String(length=4000), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_lifecycle_hooks_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_lifecycle_hooks")),
        sa.UniqueConstraint("group_id", "name", name=op.f("uq_lifecycle_hooks_group_id_name")),
    )
    op.create_table(
        "lifecycle_actions",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("hook_name", sa.String(length=255), nullable=False),
        sa.Column("instance_id", sa.String(length=32), nullable=False),
        sa.Column("activity_id", sa.String(length=40), nullable=False),
        sa.Column("transition", sa.String(length=16), nullable=False),
        sa.Column("heartbeat", sa.Integer(), nullable=False),
        sa.Column("default_result", sa.String(length=16), nullable=False),
        sa.Column("deadline", TIME, nullable=False),
        sa.Column("global_deadline", TIME, nullable=False),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("timed_out", sa.Boolean(), nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_lifecycle_actions_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_lifecycle_actions")),
    )
    with op.batch_alter_table("lifecycle_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lifecycle_actions_group_id_instance_id"),
            ["group_id", "instance_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_lifecycle_actions_activity_id"), ["activity_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("lifecycle_actions")
    op.drop_table("lifecycle_hooks")
