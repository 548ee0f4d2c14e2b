"""machines in use kept: the pending and running machines of each account, region and cloud,
changed with each machine that enters or leaves those states, so an instance quota reads one
row instead of counting the region's machines

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sim_machine_counts",
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("cloud", sa.String(8), nullable=False),
        sa.Column("in_use", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account", "region", "cloud", name="pk_sim_machine_counts"),
    )
    op.execute(
        sa.text(
            "INSERT INTO sim_machine_counts (account, region, cloud, in_use) "
            "SELECT account, region, cloud, count(*) FROM machines "
            "WHERE state IN ('pending', 'running') GROUP BY account, region, cloud"
        )
    )


def downgrade() -> None:
    op.drop_table("sim_machine_counts")
