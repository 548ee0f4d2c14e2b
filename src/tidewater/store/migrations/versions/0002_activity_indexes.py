"""index activities by lease owner and by instance

Several nodes renew and hand back their leases by name, and a claim looks for an instance's
earlier unfinished activities; without these indexes both read every activity ever recorded.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_lease_owner"), ["lease_owner"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activities_instance_id_seq"), ["instance_id", "seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_instance_id_seq"))
        batch_op.drop_index(batch_op.f("ix_activities_lease_owner"))
