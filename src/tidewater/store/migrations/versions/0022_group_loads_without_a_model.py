"""group loads without a model: a group collecting AWS/AutoScaling metrics keeps its publication
row (next_at, published_at) even when no load model is set

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_loads") as batch:
        batch.alter_column("model", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM group_loads WHERE model IS NULL"))
    with op.batch_alter_table("group_loads") as batch:
        batch.alter_column("model", existing_type=sa.JSON(), nullable=False)
