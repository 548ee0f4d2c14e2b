"""ESS event-triggered tasks (CreateAlarm): a group's alarms on its metrics, stored with their
next evaluation and evaluated by the runner on the service clock with CloudWatch's evaluator."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import bindparam, delete, insert, select, update

from tidewater.cloud.ports import AlarmAction, MetricId
from tidewater.domain import alarm as domain
from tidewater.domain.alarm import Missing, Rule, State
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import alarms as dispatch
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_scope, owned_row
from tidewater.engine.queries import Page, owned_page
from tidewater.store.tables import ess_alarms, groups, scaling_rules

NAMESPACE: Final = "acs_ess_dashboard"
# ESS's system MetricName → the metric the load model publishes for a group through the
# Metrics port: namespace acs_ess_dashboard, dimension groupId = ScalingGroupId, CloudMonitor's
# names. One table, so the contract with the publisher changes in one place.
SYSTEM_METRICS: Final[Mapping[str, str]] = {
    name: name
    for name in (
        "CpuUtilization",
        "ClassicInternetRx",
        "ClassicInternetTx",
        "VpcInternetRx",
        "VpcInternetTx",
        "IntranetRx",
        "IntranetTx",
        "LoadAverage",
        "MemoryUtilization",
        "SystemDiskReadBps",
        "SystemDiskWriteBps",
        "SystemDiskReadOps",
        "SystemDiskWriteOps",
        "PackagesNetIn",
        "PackagesNetOut",
        "TcpConnection",
    )
}
MAX_TASKS: Final = 50  # [NO SOURCE] event-triggered tasks per scaling group


def metric_of(spec: Mapping[str, Any], group_id: str) -> MetricId:
    """Where a task's metric is kept: the table above for system metrics; a custom metric
    under its own name with the task's dimensions ([NO SOURCE] the custom namespace)."""
    if spec.get("MetricType", "system") == "system":
        name = SYSTEM_METRICS.get(spec["MetricName"], spec["MetricName"])
        return MetricId(NAMESPACE, name, {"groupId": group_id})
    dims = {d["DimensionKey"]: d["DimensionValue"] for d in spec.get("Dimensions") or []}
    return MetricId("acs_custom", spec["MetricName"], dims)


def _rules_exist(conn: Any, scope: Scope, aris: Sequence[str]) -> None:
    found = set(
        conn.execute(
            select(scaling_rules.c.ari)
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(in_scope(groups, scope), scaling_rules.c.ari.in_(list(aris)))
        ).scalars()
    )
    for ari in aris:
        if ari not in found:
            raise Refusal("scaling_rule.not_found", ari=ari)


def create(ctx: Context, scope: Scope, group: str, spec: dict[str, Any]) -> str:
    """Store a task for a group; it is evaluated at once, then every interval."""
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        row = books.groups.lock(group)
        _rules_exist(books.conn, scope, spec.get("AlarmActions") or [])
        count = len(
            books.conn.execute(
                select(ess_alarms.c.seq).where(ess_alarms.c.group_id == row.id)
            ).all()
        )
        if count >= MAX_TASKS:
            raise Refusal("alarm.quota", limit=MAX_TASKS)
        task_id = f"{row.id}_{uuid.uuid4()}"
        books.conn.execute(
            insert(ess_alarms).values(
                id=task_id,
                group_id=row.id,
                name=spec.get("Name") or task_id,
                spec=spec,
                enabled=True,
                state=State.INSUFFICIENT_DATA.value,
                next_at=now,
                created_at=now,
            )
        )
    return task_id


def _owned(ctx: Context, scope: Scope, task_id: str) -> Any:
    with ctx.db.read() as conn:
        row = owned_row(conn, ess_alarms, ess_alarms.c.id == task_id, scope)
    if row is None:
        raise Refusal("alarm.not_found", task=task_id)
    return row


def modify(ctx: Context, scope: Scope, task_id: str, changes: Mapping[str, Any]) -> str:
    """Change a task's settings; what is not given stays."""
    found = _owned(ctx, scope, task_id)
    with ctx.change(scope) as books:
        books.groups.lock(found.group_key)
        _rules_exist(books.conn, scope, changes.get("AlarmActions") or [])
        spec = {**found.spec, **changes}
        values: dict[str, Any] = {"spec": spec, "next_at": ctx.clock.now()}
        if changes.get("Name"):
            values["name"] = changes["Name"]
        books.conn.execute(update(ess_alarms).where(ess_alarms.c.id == task_id).values(**values))
    return task_id


def remove(ctx: Context, scope: Scope, task_id: str) -> str:
    found = _owned(ctx, scope, task_id)
    with ctx.change(scope) as books:
        books.groups.lock(found.group_key)
        books.conn.execute(delete(ess_alarms).where(ess_alarms.c.id == task_id))
    return task_id


def enable(ctx: Context, scope: Scope, task_id: str, enabled: bool) -> None:
    """A disabled task is not evaluated; enabling it evaluates it at once."""
    found = _owned(ctx, scope, task_id)
    with ctx.change(scope) as books:
        books.groups.lock(found.group_key)
        values: dict[str, Any] = {"enabled": enabled}
        if enabled:
            values["next_at"] = ctx.clock.now()
        books.conn.execute(update(ess_alarms).where(ess_alarms.c.id == task_id).values(**values))


def page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    filters: Mapping[str, Any],
    number: int,
    size: int,
) -> Page:
    """One numbered page of tasks, oldest first; `filters` by state, enabled and metric."""
    chosen: dict[Any, Sequence[str] | None] = {ess_alarms.c.id: ids}
    if filters.get("State"):
        chosen[ess_alarms.c.state] = [filters["State"]]
    extra = groups.c.id.label("group_key")
    found = owned_page(ctx, scope, ess_alarms, extra, group, chosen, 1, 10_000)
    rows = [
        row
        for row in found.rows
        if (filters.get("IsEnable") is None or row.enabled == filters["IsEnable"])
        and all(
            filters.get(k) is None or row.spec.get(k, d) == filters[k]
            for k, d in (("MetricName", None), ("MetricType", "system"))
        )
    ]
    return Page(rows[(number - 1) * size : number * size], None, {"total": len(rows)})


# The tasks due at the service time `now` (the runner's TIMED table runs it)
DUE = (
    select(ess_alarms.c.seq)
    .where(ess_alarms.c.next_at <= bindparam("now"), ess_alarms.c.enabled.is_(True))
    .order_by(ess_alarms.c.next_at, ess_alarms.c.seq)
    .limit(50)
)


def evaluate(ctx: Context, seq: int) -> bool:
    """Evaluate one due task against the metrics store, move its state and next time on in one
    transaction, then run its scaling rules while it is in ALARM."""
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        row = conn.execute(
            select(ess_alarms, groups.c.account, groups.c.region)
            .join(groups, groups.c.id == ess_alarms.c.group_id)
            .where(ess_alarms.c.seq == seq)
        ).first()
    if row is None or row.next_at > now or not row.enabled:
        return False
    scope = Scope(row.account, row.region, Cloud.ALIYUN)
    spec = row.spec
    period = int(spec.get("Period") or 300)
    outcome = _outcome(ctx, scope, row, now)
    following = domain.window(now, period, 0)[1] + timedelta(
        seconds=domain.evaluation_interval(period)
    )
    with ctx.db.write() as conn:
        locked = conn.execute(
            select(ess_alarms).where(ess_alarms.c.seq == seq).with_for_update()
        ).first()
        if locked is None or locked.next_at != row.next_at:
            return False
        conn.execute(
            update(ess_alarms)
            .where(ess_alarms.c.seq == seq)
            .values(next_at=following, state=outcome.state.value)
        )
    if outcome.state is State.ALARM:
        value = next(iter(outcome.data.get("recentDatapoints") or []), None)
        for ari in spec.get("AlarmActions") or []:
            action = AlarmAction(
                scope, row.name, ari, outcome.state.value, value, float(spec["Threshold"])
            )
            dispatch.run(ctx, action)
    return True


def _outcome(ctx: Context, scope: Scope, row: Any, now: datetime) -> domain.Outcome:
    """One metric's outcome, or with `Expressions`, each expression's combined by the logic
    operator (&& all, || any)."""
    spec = row.spec
    expressions = spec.get("Expressions") or []
    if not expressions:
        return _one(ctx, scope, row, spec, now)
    outcomes = [_one(ctx, scope, row, {**spec, **e}, now) for e in expressions]
    every = spec.get("ExpressionsLogicOperator", "&&") == "&&"
    state = domain.combine([o.state for o in outcomes], every=every)
    data = next((o.data for o in outcomes if o.state is state), outcomes[0].data)
    return domain.Outcome(state, "", data)


def _one(
    ctx: Context, scope: Scope, row: Any, spec: Mapping[str, Any], now: datetime
) -> domain.Outcome:
    period = int(spec.get("Period") or 300)
    count = int(spec.get("EvaluationCount") or 3)
    statistic = spec.get("Statistics") or "Average"
    start, end = domain.window(now, period, count)
    found: dict[datetime, tuple[float | None, float]] = {}
    if ctx.metrics is not None:
        metric = metric_of(spec, row.group_id)
        for r in ctx.metrics.statistics(scope, metric, start, end, period, [statistic]):
            found[r.at] = (r.statistics.get(statistic), 1.0)
    points = domain.points(start, period, count, found)
    rule = Rule(
        domain.SYMBOLS[spec.get("ComparisonOperator") or ">="],
        float(spec["Threshold"]),
        count,
        count,  # CloudMonitor: EvaluationCount consecutive periods
        Missing.MISSING,
    )
    return domain.evaluate(
        rule, points, State(row.state), statistic=statistic, period=period, now=now
    )
