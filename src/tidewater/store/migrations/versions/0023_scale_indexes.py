"""scale indexes: the runner's per-pass machine queries search by state instead of reading every
machine (compute.advance's transitional states, compute.forget's terminated machines)

Revision ID: 0023
Revises: 0022
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

MACHINES_BY_STATE = "ix_machines_state_unobserved_cloud_changed_at"


def upgrade() -> None:
    op.create_index(MACHINES_BY_STATE, "machines", ["state", "unobserved", "cloud", "changed_at"])


def downgrade() -> None:
    op.drop_index(MACHINES_BY_STATE, table_name="machines")
