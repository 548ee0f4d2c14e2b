"""groups in order: ESS's numbered group pages walk a scope's groups by seq from an index
instead of sorting every group of the scope

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

GROUPS_IN_ORDER = "ix_groups_account_region_cloud_seq"


def upgrade() -> None:
    op.create_index(GROUPS_IN_ORDER, "groups", ["account", "region", "cloud", "seq"])


def downgrade() -> None:
    op.drop_index(GROUPS_IN_ORDER, table_name="groups")
