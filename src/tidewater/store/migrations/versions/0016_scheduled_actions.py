"""scheduled actions: one row per AWS scheduled action, its next firing on the service clock

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduled_actions",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("start_at", TIME, nullable=True),
        sa.Column("end_at", TIME, nullable=True),
        sa.Column("recurrence", sa.String(length=255), nullable=True),
        sa.Column("time_zone", sa.String(length=255), nullable=True),
        sa.Column("min_size", sa.Integer(), nullable=True),
        sa.Column("max_size", sa.Integer(), nullable=True),
        sa.Column("desired", sa.Integer(), nullable=True),
        sa.Column("next_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_scheduled_actions_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_scheduled_actions")),
        sa.UniqueConstraint("group_id", "name", name=op.f("uq_scheduled_actions_group_id_name")),
        sa.UniqueConstraint("id", name=op.f("uq_scheduled_actions_id")),
    )
    op.create_index(op.f("ix_scheduled_actions_next_at"), "scheduled_actions", ["next_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_actions_next_at"), table_name="scheduled_actions")
    op.drop_table("scheduled_actions")
