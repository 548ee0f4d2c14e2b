"""Scaling rules keep the engine's own fields beside the settings the dialect reports back

A rule was stored as ESS's parameters (`ScalingRuleType`, `AdjustmentType`, ...) and the engine
read those names. Each rule now holds its kind, change, value, minimum step and cooldown in
neutral columns (domain.scaling_rule), taken out of `data`; `data` keeps the other settings.

Revision ID: 0010
Revises: 0009
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# ESS's names as they were stored -> the neutral values (dialects/aliyun/rules.py, frozen here)
KINDS = {
    "SimpleScalingRule": "simple",
    "StepScalingRule": "step",
    "TargetTrackingScalingRule": "target_tracking",
    "PredictiveScalingRule": "predictive",
}
CHANGES = {
    "QuantityChangeInCapacity": "count",
    "PercentChangeInCapacity": "percent",
    "TotalCapacity": "exact",
}
FIELDS = {  # column -> stored parameter
    "value": "AdjustmentValue",
    "min_step": "MinAdjustmentMagnitude",
    "cooldown": "Cooldown",
}

scaling_rules = sa.table(
    "scaling_rules",
    sa.column("id", sa.String),
    sa.column("data", sa.JSON),
    sa.column("kind", sa.String),
    sa.column("change", sa.String),
    sa.column("value", sa.Integer),
    sa.column("min_step", sa.Integer),
    sa.column("cooldown", sa.Integer),
)


def _number(value: Any) -> int | None:
    return None if value is None else int(value)


def upgrade() -> None:
    with op.batch_alter_table("scaling_rules") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("change", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("value", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("min_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cooldown", sa.Integer(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(scaling_rules.c.id, scaling_rules.c.data)).all()
    for row in rows:
        data = dict(row.data or {})
        kind = data.pop("ScalingRuleType", None) or "SimpleScalingRule"
        change = data.pop("AdjustmentType", None)
        values = {column: _number(data.pop(name, None)) for column, name in FIELDS.items()}
        conn.execute(
            sa.update(scaling_rules)
            .where(scaling_rules.c.id == row.id)
            .values(kind=KINDS[kind], change=CHANGES.get(change or ""), data=data, **values)
        )
    with op.batch_alter_table("scaling_rules") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=24), nullable=False)


def downgrade() -> None:
    conn = op.get_bind()
    kinds = {value: name for name, value in KINDS.items()}
    changes = {value: name for name, value in CHANGES.items()}
    rows = conn.execute(sa.select(scaling_rules)).all()
    for row in rows:
        data = {"ScalingRuleType": kinds[row.kind], **(row.data or {})}
        if row.change is not None:
            data["AdjustmentType"] = changes[row.change]
        for column, name in FIELDS.items():
            if getattr(row, column) is not None:
                data[name] = getattr(row, column)
        conn.execute(sa.update(scaling_rules).where(scaling_rules.c.id == row.id).values(data=data))
    with op.batch_alter_table("scaling_rules") as batch:
        for column in ("cooldown", "min_step", "value", "change", "kind"):
            batch.drop_column(column)
