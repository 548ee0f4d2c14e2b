"""member weights and warm states: the capacity units a member counts for, from its group's
instance weights (AWS mixed instances policy WeightedCapacity; empty when the group weighs
nothing), and room in `state` for a warm pool's longest state names

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("weight", sa.Integer(), nullable=True))
        batch.alter_column(
            "state", type_=sa.String(32), existing_type=sa.String(24), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.alter_column(
            "state", type_=sa.String(24), existing_type=sa.String(32), existing_nullable=False
        )
        batch.drop_column("weight")
