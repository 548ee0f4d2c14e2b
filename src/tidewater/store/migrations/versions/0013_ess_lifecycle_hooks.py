"""ESS lifecycle hooks: hook ids, Active/InActive, and one token over a whole request

ESS names a hook by its own id (`ash-…`) and can make it inactive; one of its waits covers every
instance one hook holds in one scaling activity, so the token a client sees (`handle`) is shared
by the per-instance action rows; ESS counts a wait's heartbeats (`beats`).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lifecycle_hooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hook_id", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.create_index(batch_op.f("ix_lifecycle_hooks_hook_id"), ["hook_id"], unique=True)
    with op.batch_alter_table("lifecycle_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handle", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("beats", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.create_index(batch_op.f("ix_lifecycle_actions_handle"), ["handle"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lifecycle_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_actions_handle"))
        batch_op.drop_column("beats")
        batch_op.drop_column("handle")
    with op.batch_alter_table("lifecycle_hooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_hooks_hook_id"))
        batch_op.drop_column("active")
        batch_op.drop_column("hook_id")
