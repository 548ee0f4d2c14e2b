"""simulated Amazon CloudWatch metric alarms and their history; ESS event-triggered tasks

An alarm row carries its configuration as put, its state, and `next_at`, the next time the
runner evaluates it on the service clock; the history outlives the alarm, as CloudWatch's does.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sim_cw_alarms",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("actions_enabled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=False),
        sa.Column("state_reason_data", sa.Text(), nullable=True),
        sa.Column("state_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("config_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owed_state", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sim_cw_alarms")),
        sa.UniqueConstraint("account", "region", "name", name="uq_sim_cw_alarms_name"),
    )
    op.create_index("ix_sim_cw_alarms_next_at", "sim_cw_alarms", ["next_at"])
    op.create_table(
        "sim_cw_alarm_history",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("alarm_name", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_type", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sim_cw_alarm_history")),
    )
    op.create_index(
        "ix_sim_cw_alarm_history_alarm",
        "sim_cw_alarm_history",
        ["account", "region", "alarm_name", "at"],
    )

    op.create_table(
        "ess_alarms",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_ess_alarms_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ess_alarms")),
        sa.UniqueConstraint("id", name=op.f("uq_ess_alarms_id")),
    )
    op.create_index("ix_ess_alarms_next_at", "ess_alarms", ["next_at"])
    op.create_index("ix_ess_alarms_group", "ess_alarms", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_ess_alarms_group", table_name="ess_alarms")
    op.drop_index("ix_ess_alarms_next_at", table_name="ess_alarms")
    op.drop_table("ess_alarms")
    op.drop_index("ix_sim_cw_alarm_history_alarm", table_name="sim_cw_alarm_history")
    op.drop_table("sim_cw_alarm_history")
    op.drop_index("ix_sim_cw_alarms_next_at", table_name="sim_cw_alarms")
    op.drop_table("sim_cw_alarms")
