"""The alarms a target tracking policy owns: created, updated and deleted with the policy, in
its transaction, through the `Alarms` port (domain/tracking.py says what they are)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from tidewater.domain import tracking
from tidewater.domain.scaling_rule import RuleKind
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.store.tables import scaling_rules


def keep(
    ctx: Context,
    conn: Connection,
    scope: Scope,
    group: str,
    rule_id: str,
    kind: RuleKind,
    data: Mapping[str, Any],
) -> None:
    """Bring a policy's owned alarms in line with it: the same names on an update, the low
    alarm only while scale-in is enabled, none once it is no longer target tracking."""
    row = conn.execute(
        select(scaling_rules.c.ari, scaling_rules.c.alarms).where(scaling_rules.c.id == rule_id)
    ).one()
    before = {a.get("role"): a for a in row.alarms or ()}
    config = data.get("TargetTrackingConfiguration")
    wanted = {}
    if kind is RuleKind.TARGET_TRACKING and config is not None:
        wanted = tracking.owned_alarms(group, row.ari, config)
    gone = [a["name"] for role, a in before.items() if role not in wanted]
    if gone:
        ctx.alarms.disown(scope, gone, within=conn)
    kept = []
    for role, alarm in wanted.items():
        name = before[role]["name"] if role in before else None
        name = name or tracking.alarm_name(group, role, str(uuid.uuid4()))
        arn = ctx.alarms.own(scope, name, alarm, within=conn)
        kept.append({"role": role, "name": name, "arn": arn})
    conn.execute(update(scaling_rules).where(scaling_rules.c.id == rule_id).values(alarms=kept))


def drop(ctx: Context, conn: Connection, scope: Scope, rows: Sequence[Any]) -> None:
    """Delete the alarms the rules (rows with `alarms`) own, before the rules themselves go."""
    names = [a["name"] for row in rows for a in row.alarms or ()]
    if names:
        ctx.alarms.disown(scope, names, within=conn)
