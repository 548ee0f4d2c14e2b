"""Scaling rules hold what AWS policies and every ESS rule type act on

A rule can be disabled (`enabled`), names its steps (step scaling), its instance warm-up, its
target (target tracking: the value and whether it scales in) and the alarms it owns (target
tracking, recorded when alarms create them). The metric specifications and predictive settings
stay in `data`, reported back as given.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scaling_rules") as batch:
        batch.add_column(
            sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("steps", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("warmup", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("target", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("alarms", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scaling_rules") as batch:
        for column in ("alarms", "target", "warmup", "steps", "enabled"):
            batch.drop_column(column)
