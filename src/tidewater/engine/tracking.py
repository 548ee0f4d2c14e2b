"""The alarms a target tracking policy (AWS) or rule (ESS) owns: created, updated and deleted
with it, in its transaction; AWS's through the `Alarms` port, ESS's as event-triggered tasks
(domain/tracking.py says what they are)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tidewater.domain import tracking
from tidewater.domain.alarm import State
from tidewater.domain.scaling_rule import RuleKind
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.store.tables import ess_alarms, scaling_rules


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


def keep_tasks(conn: Connection, scope: Scope, rule_id: str, now: datetime) -> None:
    """Bring an ESS target tracking rule's event-triggered tasks in line with it: the same
    tasks on a change, the scale-in one only while scale-in is enabled."""
    row = conn.execute(select(scaling_rules).where(scaling_rules.c.id == rule_id)).one()
    before = {a.get("role"): a for a in row.alarms or ()}
    wanted = {}
    if row.kind == RuleKind.TARGET_TRACKING.value and row.target:
        settings = {**(row.data or {}), "TargetValue": row.target["value"]}
        settings["DisableScaleIn"] = row.target["disable_scale_in"]
        wanted = tracking.ess_tasks(row.ari, row.name, settings)
    gone = [a["task"] for role, a in before.items() if role not in wanted]
    if gone:
        conn.execute(delete(ess_alarms).where(ess_alarms.c.id.in_(gone)))
    dimensions = [
        {"DimensionKey": "scaling_group", "DimensionValue": row.group_id},
        {"DimensionKey": "userId", "DimensionValue": scope.account},
    ]
    kept = []
    for role, spec in wanted.items():
        spec = {**spec, "Dimensions": dimensions}
        written = 0
        if role in before:
            task, name = before[role]["task"], before[role]["name"]
            written = conn.execute(
                update(ess_alarms).where(ess_alarms.c.id == task).values(spec=spec, next_at=now)
            ).rowcount
        if not written:  # new, or deleted by a DeleteAlarm since: write it afresh
            task = f"{row.group_id}_{uuid.uuid4()}"
            name = f"TargetTracking-{row.id}-Alarm{role}-{uuid.uuid4()}"
            conn.execute(
                insert(ess_alarms).values(
                    id=task,
                    group_id=row.group_id,
                    name=name,
                    spec={**spec, "Name": name},
                    enabled=True,
                    state=State.INSUFFICIENT_DATA.value,
                    next_at=now,
                    created_at=now,
                )
            )
        kept.append({"role": role, "name": name, "task": task, "spec": spec})
    conn.execute(update(scaling_rules).where(scaling_rules.c.id == rule_id).values(alarms=kept))


def drop_tasks(conn: Connection, rows: Sequence[Any]) -> None:
    """Delete the tasks the rules own, before the rules themselves go."""
    tasks = [a["task"] for row in rows for a in row.alarms or () if "task" in a]
    if tasks:
        conn.execute(delete(ess_alarms).where(ess_alarms.c.id.in_(tasks)))
