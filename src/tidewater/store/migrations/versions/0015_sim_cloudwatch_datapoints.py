"""simulated Amazon CloudWatch metric datapoints

One row per datum as put (a value, or a statistic set, or values with counts folded into one);
the index leads with the metric's identity and ends with its timestamp, so a statistics query
reads exactly one metric's range.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

INDEX = "ix_sim_cw_datapoints_metric_at"


def upgrade() -> None:
    op.create_table(
        "sim_cw_datapoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("metric_name", sa.String(length=255), nullable=False),
        sa.Column("dimensions", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("sample_count", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=True),
        sa.Column("resolution", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_cw_datapoints")),
    )
    op.create_index(
        INDEX,
        "sim_cw_datapoints",
        ["account", "region", "namespace", "metric_name", "dimensions", "at"],
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="sim_cw_datapoints")
    op.drop_table("sim_cw_datapoints")
