"""A warm pool's steps (AWS): an instance prepared into the pool rests there, stopped or running,
until scale-out draws it into the group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from tidewater.domain.activity import Status
from tidewater.domain.instance import Lifecycle
from tidewater.domain.warm_pool import POOL, WarmPool
from tidewater.engine.context import Context
from tidewater.engine.steps.machinery import (
    advance,
    finish,
    group_row,
    record,
    running,
    scope_of,
)
from tidewater.store.tables import members

WARM = "warm"  # the fact marking a launch into the pool ("into") or a draw from it ("from")


def warming(ctx: Context, activity: Any) -> None:
    """Wait for a machine launched into the pool to run, before it is put to rest."""
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        if running(conn, activity, machine, now):
            advance(conn, activity, now, progress=60)


def warmed(ctx: Context, activity: Any) -> None:
    """The instance rests in the pool in the pool's state (Warmed:Stopped, …); a pool deleted
    meanwhile leaves it stopped, for the group's next pass to end."""
    with record(ctx, activity) as conn:
        group = group_row(conn, activity)
        pool = WarmPool.of((group.settings or {}).get(POOL)) if group is not None else None
        resting = pool.resting if pool is not None else Lifecycle.WARMED_STOPPED
        conn.execute(
            update(members)
            .where(members.c.instance_id == activity.instance_id)
            .values(state=resting.value)
        )
        finish(conn, activity, ctx.clock.now())


def wake(ctx: Context, activity: Any) -> None:
    """Scale-out draws a pool instance: a stopped one is started, then boots as any launch."""
    scope, now = scope_of(activity), ctx.clock.now()
    ctx.compute.start(scope, [activity.instance_id])
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        due = machine.settles_at if machine is not None and machine.settles_at else now
        conn.execute(
            update(members)
            .where(members.c.instance_id == activity.instance_id)
            .values(state=Lifecycle.PENDING.value)
        )
        advance(conn, activity, max(due, now), status=Status.PRE_IN_SERVICE.value, progress=30)
