"""the simulated EC2's own images: created from instances, registered, copied

Test code bakes an image, launches a group from it and deregisters it; the built-in catalogue
stays in code, what users make is kept here.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sim_images",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("architecture", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("root_device_name", sa.String(length=64), nullable=False),
        sa.Column("virtualization_type", sa.String(length=16), nullable=False),
        sa.Column("block_devices", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ready_at", UTC, nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_images")),
    )
    op.create_index(op.f("ix_sim_images_account_region"), "sim_images", ["account", "region"])
    live = sa.text("state != 'deregistered'")
    op.create_index(
        "uq_sim_images_live_name",
        "sim_images",
        ["account", "region", "name"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )


def downgrade() -> None:
    op.drop_index("uq_sim_images_live_name", table_name="sim_images")
    op.drop_index(op.f("ix_sim_images_account_region"), table_name="sim_images")
    op.drop_table("sim_images")
