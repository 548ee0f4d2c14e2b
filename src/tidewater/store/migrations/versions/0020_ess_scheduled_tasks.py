"""ESS scheduled tasks share the scheduled actions' rows: the recurrence's kind, a task's
rule, description, enabled flag and launch expiration (seconds a firing may be late and still run)

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="cron")
        )
        batch_op.add_column(sa.Column("rule_ari", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("description", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("expiry", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_actions", schema=None) as batch_op:
        batch_op.drop_column("expiry")
        batch_op.drop_column("enabled")
        batch_op.drop_column("description")
        batch_op.drop_column("rule_ari")
        batch_op.drop_column("kind")
