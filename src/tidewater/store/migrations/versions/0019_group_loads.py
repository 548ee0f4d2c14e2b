"""group loads: one row per group with a load model a test set through /_tidewater/load

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "group_loads",
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("published_at", TIME, nullable=True),
        sa.Column("next_at", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_loads_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_loads")),
    )
    op.create_index(op.f("ix_group_loads_next_at"), "group_loads", ["next_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_group_loads_next_at"), table_name="group_loads")
    op.drop_table("group_loads")
