"""Traffic: an instance joins its group's balancers and whitelists before it serves, and leaves
them (waiting for connections to drain) before it goes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tidewater.cloud.ports import Target
from tidewater.domain.activity import Kind, Status
from tidewater.domain.instance import Lifecycle
from tidewater.domain.launch import source_of
from tidewater.domain.processes import BY_CLOUD, Gate
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud
from tidewater.domain.traffic import holding
from tidewater.engine.context import Context
from tidewater.engine.launch_sources import blueprint_of
from tidewater.engine.steps.machinery import (
    POLL,
    advance,
    finish,
    group_row,
    move,
    record,
    scope_of,
)
from tidewater.engine.steps.tags import group_tag
from tidewater.store.tables import groups, members


def targets_of(conn: Connection, activity: Any) -> list[Target]:
    targets = conn.execute(
        select(groups.c.targets).where(groups.c.id == activity.group_id)
    ).scalar()
    return [Target(t["kind"], t["ref"], t.get("weight")) for t in targets or ()]


def deregister(ctx: Context, activity: Any) -> None:
    """Take the instance out of traffic first, then wait for its connections to drain.

    An instance entering standby stays a backend where its target's kind keeps resting ones
    (`domain.traffic`: an SLB, at weight 0).
    """
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:
        targets = targets_of(conn, activity)
    ids = [activity.instance_id]
    until: datetime | None = None
    for target in targets:
        resting = holding(target.kind).resting_weight
        if activity.kind == Kind.ENTER_STANDBY and resting is not None:
            ctx.traffic.set_weight(scope, target, ids, resting)
            continue
        done = ctx.traffic.deregister(scope, target, ids)
        if done is not None and done > now and (until is None or done > until):
            until = done
    with record(ctx, activity) as conn:
        if until is None:
            advance(conn, activity, now)
        else:
            move(conn, activity, "drain", until, status=Status.DRAINING.value)


def drain(ctx: Context, activity: Any) -> None:
    """Finish waiting for connection draining on every balancer the instance left."""
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:
        targets = targets_of(conn, activity)
    ids = [activity.instance_id]
    waiting = [t for t in targets if not ctx.traffic.drained(scope, t, ids)]
    with record(ctx, activity) as conn:
        if waiting:
            move(conn, activity, "drain", now + POLL)
            return
        # the activity resumes after the step that sent it draining
        status = Status.PRE_IN_SERVICE if activity.kind == Kind.EXIT_STANDBY else Status.IN_PROGRESS
        advance(conn, activity, now, after="deregister", status=status.value)


def join(ctx: Context, activity: Any) -> list[Target]:
    """Put an instance into every balancer and whitelist of its group before it serves.

    Returns the group's targets as read; the step compares them under the group's lock.
    """
    with ctx.db.read() as conn:
        targets, weight = joining(conn, activity)
    enter(ctx, activity, targets, weight)
    return targets


def joining(conn: Connection, activity: Any) -> tuple[list[Target], int | None]:
    """The group's targets, and the backend weight its launch source names (ESS), read only
    when a target takes weights."""
    targets = targets_of(conn, activity)
    if not any(holding(t.kind).weighted for t in targets):
        return targets, None
    return targets, configured_weight(conn, activity)


def enter(ctx: Context, activity: Any, targets: list[Target], weight: int | None) -> None:
    """A weighted target's backend gets `weight`, else the target's; one returning from
    standby gets that weight back."""
    scope = scope_of(activity)
    for target in targets:
        rules = holding(target.kind)
        if rules.weighted and weight is not None:
            target = Target(target.kind, target.ref, weight)
        ctx.traffic.register(scope, target, [activity.instance_id])
        if activity.kind == Kind.EXIT_STANDBY and rules.resting_weight is not None:
            restored = rules.weight if target.weight is None else target.weight
            ctx.traffic.set_weight(scope, target, [activity.instance_id], restored)


def blocked(conn: Connection, activity: Any, gate: Gate) -> bool:
    """Whether a suspended process of the activity's group holds this decision back."""
    row = conn.execute(
        select(groups.c.suspended, groups.c.cloud).where(groups.c.id == activity.group_id)
    ).first()
    return row is not None and BY_CLOUD[Cloud(row.cloud)].blocks(gate, row.suspended)


def join_launched(ctx: Context, activity: Any) -> list[Target] | None:
    """A launched instance joins its group's targets; None while AddToLoadBalancer is
    suspended: it serves outside them, and stays out after the process resumes."""
    with ctx.db.read() as conn:
        if blocked(conn, activity, Gate.REGISTER):
            return None
    return join(ctx, activity)


def rejoin(
    conn: Connection, activity: Any, joined: list[Target], now: datetime
) -> list[Target] | None:
    """Under the group's lock: None if the targets joined are still the group's; otherwise
    the step runs again, and the targets the group dropped meanwhile are returned to leave."""
    current = targets_of(conn, activity)
    if current == joined:
        return None
    move(conn, activity, activity.step, now)
    return [t for t in joined if t not in current]


def leave(ctx: Context, activity: Any, stale: list[Target] | None) -> None:
    """Take the instance out of balancers its group let go while it was joining them."""
    for target in stale or ():
        ctx.traffic.deregister(scope_of(activity), target, [activity.instance_id])


def configured_weight(conn: Connection, activity: Any) -> int | None:
    """The backend weight the group's launch source names, if it names one (ESS)."""
    launch = conn.execute(select(groups.c.launch).where(groups.c.id == activity.group_id)).scalar()
    try:
        blueprint = blueprint_of(conn, scope_of(activity), source_of(launch))
    except Refusal:  # a source since deleted names no weight
        return None
    return blueprint.weight if blueprint is not None else None


def register(ctx: Context, activity: Any) -> None:
    """Put an attached or returning instance into service, tagged as the group's."""
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:  # one read: the group's tag, targets and weight
        group = group_row(conn, activity) if activity.kind == Kind.ATTACH else None
        joined, weight = joining(conn, activity)
    if group is not None:
        ctx.compute.tag(scope, [activity.instance_id], group_tag(ctx.profile(scope.cloud), group))
    enter(ctx, activity, joined, weight)
    with record(ctx, activity) as conn:
        stale = rejoin(conn, activity, joined, now)
        if stale is None:
            # a machine stopped while it rested (standby is not health-checked) is found out now
            machine = ctx.compute.machines(scope, [activity.instance_id], within=conn).get(
                activity.instance_id
            )
            up = (machine is not None and machine.up) or blocked(
                conn, activity, Gate.MARK_UNHEALTHY
            )
            conn.execute(
                update(members)
                .where(
                    members.c.instance_id == activity.instance_id,
                    # Pending:Proceed: an attach its launch hooks held (ESS LifecycleHook=true)
                    members.c.state.in_([Lifecycle.PENDING.value, Lifecycle.PENDING_PROCEED.value]),
                )
                .values(state=Lifecycle.IN_SERVICE.value, **({} if up else {"healthy": False}))
            )
            finish(conn, activity, now)
    leave(ctx, activity, stale)
