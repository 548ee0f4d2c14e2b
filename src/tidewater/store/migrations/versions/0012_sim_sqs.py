"""simulated Amazon SQS queues and messages

A deleted queue stays as a tombstone (`deleted_at`) for 60 s so its name is refused meanwhile;
a message's `visible_at` carries both its delay and its visibility timeout on the service clock.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sim_sqs_queues",
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account", "region", "name", name=op.f("pk_sim_sqs_queues")),
    )
    op.create_table(
        "sim_sqs_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visible_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receive_count", sa.Integer(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_sqs_messages")),
    )
    op.create_index(
        op.f("ix_sim_sqs_messages_account_region_queue_visible_at"),
        "sim_sqs_messages",
        ["account", "region", "queue", "visible_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_sim_sqs_messages_account_region_queue_visible_at"), table_name="sim_sqs_messages"
    )
    op.drop_table("sim_sqs_messages")
    op.drop_table("sim_sqs_queues")
