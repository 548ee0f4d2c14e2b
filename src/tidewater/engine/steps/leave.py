"""Leaving: stop, release, terminate or rest an instance once it is out of traffic."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update

from tidewater.domain.instance import Lifecycle
from tidewater.engine.context import Context
from tidewater.engine.steps.machinery import POLL, advance, finish, move, record, scope_of
from tidewater.store.tables import members


def halt(ctx: Context, activity: Any) -> None:
    """Stop the instance before it is released or kept stopped (ESS removals)."""
    ctx.compute.stop(scope_of(activity), [activity.instance_id])
    _look_again(ctx, activity)


def _look_again(ctx: Context, activity: Any) -> None:
    """Once the cloud was asked to stop or end a machine: go on when it should have."""
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        due = machine.settles_at if machine is not None and machine.settles_at else now
        advance(conn, activity, max(due, now), progress=50)


def halted(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        if machine is not None and machine.state in ("pending", "running", "stopping"):
            move(conn, activity, "halted", max(machine.settles_at or now + POLL, now))
            return
        advance(conn, activity, now)


def release(ctx: Context, activity: Any) -> None:
    """Hand a detached instance back to its owner: untagged, running, outside the group."""
    scope, now = scope_of(activity), ctx.clock.now()
    ctx.compute.untag(scope, [activity.instance_id], [ctx.profile(scope.cloud).group_tag])
    with record(ctx, activity) as conn:
        conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
        finish(conn, activity, now)


def end(ctx: Context, activity: Any) -> None:
    """Terminate the instance (the `terminate` step)."""
    ctx.compute.terminate(scope_of(activity), [activity.instance_id])
    _look_again(ctx, activity)


def gone(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        if machine is not None and machine.state not in ("terminated",):
            move(conn, activity, "gone", max(machine.settles_at or now + POLL, now))
            return
        conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
        finish(conn, activity, now)


def rest(ctx: Context, activity: Any) -> None:
    with record(ctx, activity) as conn:
        conn.execute(
            update(members)
            .where(members.c.instance_id == activity.instance_id)
            .values(state=Lifecycle.STANDBY.value)
        )
        finish(conn, activity, ctx.clock.now())
