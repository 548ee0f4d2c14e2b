"""What a group publishes as metrics, minute by minute on the service clock: its load model's
utilisation and, on AWS while collection is enabled, its AWS/AutoScaling group metrics.

Each `group_loads` row carries the last minute it published and when the next is due; the
runner's `TIMED` table moves it on. The minutes, their datapoints and the row's new times are
written in one transaction, so a restart or a second node neither loses nor repeats a minute.
A row lives while the group has a load model or collects group metrics (`keep`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, bindparam, delete, func, insert, null, select, update

from tidewater.cloud.ports import MetricId, Sample
from tidewater.domain.group_metrics import Census, sampled
from tidewater.domain.instance import Lifecycle
from tidewater.domain.load import Demand, Load, cpu_percent, per_instance, whole, window
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import lock_owned
from tidewater.engine.records import group_of
from tidewater.store.tables import group_loads, members

# How many past minutes one pass may publish when the clock jumped: the last hour (no alarm
# Tidewater serves looks further back than EvaluationPeriods x Period of one hour).
BACKFILL_MINUTES: Final = 60
MINUTE: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Series:
    """One published metric: which demand it shows, how an instance's share is taken, and under
    which names; `group` and `each` are the dimensions (None: not published that way). With
    `by_target_group` the group's demand is split evenly over its target groups and `group`
    names each target group (ALB metrics)."""

    measure: str
    namespace: str
    name: str
    unit: str
    share: Callable[[float, int], float]
    group: str
    each: str | None
    by_target_group: bool = False


# What each cloud publishes from a load model. AWS: per instance (InstanceId) and under the
# group's dimension (AutoScalingGroupName), one datum per instance, so Average is an
# instance's; ESS: the group's system metrics as the event-triggered tasks read them.
SERIES: Final[dict[Cloud, tuple[Series, ...]]] = {
    Cloud.AWS: (
        Series(
            "cpu",
            "AWS/EC2",
            "CPUUtilization",
            "Percent",
            cpu_percent,
            "AutoScalingGroupName",
            "InstanceId",
        ),
        Series(
            "network_in",
            "AWS/EC2",
            "NetworkIn",
            "Bytes",
            per_instance,
            "AutoScalingGroupName",
            "InstanceId",
        ),
        Series(
            "network_out",
            "AWS/EC2",
            "NetworkOut",
            "Bytes",
            per_instance,
            "AutoScalingGroupName",
            "InstanceId",
        ),
        Series(
            "requests",
            "AWS/ApplicationELB",
            "RequestCountPerTarget",
            "Count",
            per_instance,
            "TargetGroup",
            None,
            by_target_group=True,
        ),
        Series(
            "requests",
            "AWS/ApplicationELB",
            "RequestCount",
            "Count",
            whole,
            "TargetGroup",
            None,
            by_target_group=True,
        ),
    ),
    Cloud.ALIYUN: (
        Series(
            "cpu", "acs_ess_dashboard", "CpuUtilization", "Percent", cpu_percent, "groupId", None
        ),
        Series(
            "network_in", "acs_ess_dashboard", "IntranetRx", "Bytes", per_instance, "groupId", None
        ),
        Series(
            "network_out", "acs_ess_dashboard", "IntranetTx", "Bytes", per_instance, "groupId", None
        ),
    ),
}


# The load models due at the service time `now` (the runner's TIMED table runs it)
DUE = (
    select(group_loads.c.group_id)
    .where(group_loads.c.next_at <= bindparam("now"))
    .order_by(group_loads.c.next_at)
    .limit(100)
)


def points(
    cloud: Cloud,
    group: str,
    serving: Sequence[str],
    demand: Demand,
    measures: Sequence[str],
    target_groups: Sequence[str] = (),
) -> list[tuple[MetricId, float, str]]:
    """The datapoints one minute of demand makes (pure: the caller writes them)."""
    made: list[tuple[MetricId, float, str]] = []
    for series in SERIES[cloud]:
        if series.measure not in measures or not serving:
            continue
        keys = list(target_groups) if series.by_target_group else [group]
        total = getattr(demand, series.measure) / max(1, len(keys))
        value = series.share(total, len(serving))
        for key in keys:
            named = MetricId(series.namespace, series.name, {series.group: key})
            if series.each is None:
                made.append((named, value, series.unit))
                continue
            for instance in serving:
                alone = MetricId(series.namespace, series.name, {series.each: instance})
                made += [(named, value, series.unit), (alone, value, series.unit)]
    return made


def target_group_dimension(arn: str) -> str:
    """CloudWatch's TargetGroup dimension: the ARN's resource part, `targetgroup/<name>/<id>`."""
    return arn[arn.find("targetgroup/") :] if "targetgroup/" in arn else arn


def census(conn: Connection, group: Any) -> Census:
    """The group's sizes and members by state, counted (and weighed) in one query."""
    counted = conn.execute(
        select(members.c.state, func.count(), func.sum(func.coalesce(members.c.weight, 1)))
        .where(members.c.group_id == group.id)
        .group_by(members.c.state)
    ).all()
    states: dict[str, int] = {state: n for state, n, _ in counted}
    units: dict[str, int] = {state: int(w) for state, _, w in counted}
    shape = group_of(group)
    pool = shape.pool_size() if shape.warm_pool is not None else None
    return Census.of(group.min_size, group.max_size, group.desired, states, units, pool)


def group_points(group: Any, census: Census) -> list[tuple[MetricId, float, str]]:
    """A minute's AWS/AutoScaling datapoints for the metrics the group collects."""
    named = {"AutoScalingGroupName": group.name}
    return [
        (MetricId("AWS/AutoScaling", name, named), float(value), "None")
        for name, value in sampled(group.metrics, census).items()
    ]


def keep(
    conn: Connection, group_id: str, now: datetime, *, collecting: bool, model: Any = ...
) -> None:
    """Keep the group's publication row exactly while it has a model or collects metrics;
    `model` left out keeps the stored one. A new row publishes from the next whole minute."""
    row = conn.execute(select(group_loads).where(group_loads.c.group_id == group_id)).first()
    kept = (row.model if row is not None else None) if model is ... else model
    if kept is None and not collecting:
        conn.execute(delete(group_loads).where(group_loads.c.group_id == group_id))
        return
    following = now.replace(second=0, microsecond=0) + MINUTE
    stored = null() if kept is None else kept  # SQL NULL, not JSON null: checks can see it
    if row is None:
        conn.execute(
            insert(group_loads).values(
                group_id=group_id, model=stored, updated_at=now, next_at=following
            )
        )
    elif model is not ...:
        conn.execute(
            update(group_loads)
            .where(group_loads.c.group_id == group_id)
            .values(model=stored, updated_at=now, next_at=following)
        )


def publish(ctx: Context, group_id: str) -> bool:
    """Publish the minutes a group's load owes, then move its row on, in one transaction."""
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        locked = lock_owned(conn, group_loads, group_loads.c.group_id == group_id)
        if locked is None:
            return False
        group, row = locked
        if row.next_at is None or row.next_at > now:
            return False  # another node published it first
        cloud = Cloud(group.cloud)
        scope = Scope(group.account, group.region, cloud)
        serving = list(
            conn.execute(
                select(members.c.instance_id)
                .where(members.c.group_id == group_id, members.c.state == Lifecycle.IN_SERVICE)
                .order_by(members.c.instance_id)
            ).scalars()
        )
        key = group.name if cloud is Cloud.AWS else group.id
        target_groups = [
            target_group_dimension(t["ref"]) for t in group.targets if t["kind"] == "target_group"
        ]
        sink = ctx.metrics  # a context built without a metrics store owes nothing
        minutes = window(row.published_at, now, BACKFILL_MINUTES) if sink else []
        made: list[Sample] = []
        if row.model is not None:
            load = Load.parse(row.model)
            for minute in minutes:
                demand = load.at(minute)
                made += [
                    Sample(metric, value, minute, unit)
                    for metric, value, unit in points(
                        cloud, key, serving, demand, list(load.shapes), target_groups
                    )
                ]
        if minutes and cloud is Cloud.AWS and group.metrics:
            # sampled now, never back-filled: the user guide says gaps stay gaps
            made += [
                Sample(metric, value, minutes[-1], unit)
                for metric, value, unit in group_points(group, census(conn, group))
            ]
        if sink is not None:
            sink.put(scope, made, within=conn)
        conn.execute(
            update(group_loads)
            .where(group_loads.c.group_id == group_id)
            .values(
                published_at=minutes[-1] if minutes else row.published_at,
                next_at=now.replace(second=0, microsecond=0) + MINUTE,
            )
        )
    return True
