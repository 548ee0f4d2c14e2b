"""instance refreshes: one row per refresh, advanced by the runner on the service clock

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "instance_refreshes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("phase", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=1023), nullable=True),
        sa.Column("strategy", sa.String(length=24), nullable=False),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("desired", sa.JSON(), nullable=True),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("ended_at", TIME, nullable=True),
        sa.Column("due_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_instance_refreshes_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_instance_refreshes")),
        sa.UniqueConstraint("id", name=op.f("uq_instance_refreshes_id")),
    )
    op.create_index(
        op.f("ix_instance_refreshes_group_id_seq"), "instance_refreshes", ["group_id", "seq"]
    )
    op.create_index(op.f("ix_instance_refreshes_due_at"), "instance_refreshes", ["due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_instance_refreshes_due_at"), table_name="instance_refreshes")
    op.drop_index(op.f("ix_instance_refreshes_group_id_seq"), table_name="instance_refreshes")
    op.drop_table("instance_refreshes")
