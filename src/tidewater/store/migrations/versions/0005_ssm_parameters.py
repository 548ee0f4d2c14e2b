"""simulated Systems Manager parameters

Every version of a parameter is a row, so `name:version` selectors read old values; the highest
version of a name is the parameter.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ssm_parameters",
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=2048), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("data_type", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=256), nullable=True),
        sa.Column("allowed_pattern", sa.Text(), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "account", "region", "name", "version", name=op.f("pk_ssm_parameters")
        ),
    )


def downgrade() -> None:
    op.drop_table("ssm_parameters")
