"""signature nonces shared by every node

Alibaba Cloud requests carry a nonce that may be used once within the timestamp window. Kept in
one process's memory, a request could be replayed once per node and again after a restart; the
table makes the nonce a row every node sees.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signature_nonces",
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_signature_nonces")),
    )
    with op.batch_alter_table("signature_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_nonces_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("signature_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_nonces_expires_at"))
    op.drop_table("signature_nonces")
