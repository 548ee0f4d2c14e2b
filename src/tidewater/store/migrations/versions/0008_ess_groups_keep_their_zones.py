"""ESS groups stored before Rules.rebalances_zones existed stop evening out their zones

ESS moves instances between zones only when asked; a group row without the rule would read the
AWS default and keep rebalancing, so each Alibaba group is given the rule it now gets when
created.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

groups = sa.table(
    "groups", sa.column("id", sa.String), sa.column("cloud", sa.String), sa.column("rules", sa.JSON)
)


def _set(value: bool | None) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(groups.c.id, groups.c.rules).where(groups.c.cloud == "aliyun"))
    for row in rows.all():
        rules = {k: v for k, v in (row.rules or {}).items() if k != "rebalances_zones"}
        if value is not None:
            rules["rebalances_zones"] = value
        conn.execute(sa.update(groups).where(groups.c.id == row.id).values(rules=rules))


def upgrade() -> None:
    _set(False)


def downgrade() -> None:
    _set(None)
