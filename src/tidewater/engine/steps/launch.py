"""Launching: make the machine under the activity's token, then wait for it to run and serve."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tidewater.cloud.ports import Subnet
from tidewater.domain.activity import Status
from tidewater.domain.instance import ARRIVING, Lifecycle, Origin
from tidewater.domain.launch import TemplateVersion, launched_source, preferred_type, source_of
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine import launch_sources
from tidewater.engine.context import Context
from tidewater.engine.gateways import Members
from tidewater.engine.records import group_of
from tidewater.engine.steps.machinery import (
    Failure,
    advance,
    finish,
    group_row,
    record,
    running,
    scope_of,
)
from tidewater.engine.steps.tags import member_tags
from tidewater.engine.steps.traffic import join_launched, leave, rejoin
from tidewater.engine.steps.warm import WARM
from tidewater.store.tables import groups, members

LAUNCH_RETRY = timedelta(seconds=10)


def launch(ctx: Context, activity: Any) -> None:
    """Make the machine (once: the activity id is its token) and record it as a Pending member."""
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:
        group = group_row(conn, activity)
    if group is None or group.status != "InService":
        abandon(ctx, activity)
        with record(ctx, activity) as conn:
            finish(conn, activity, now, Status.CANCELLED, failure={"reason": "group.deleting"})
        return
    # an instance refresh launches from its own desired source, not yet the group's
    source = source_of(activity.facts.get("source") or launched_source(group.launch))
    with ctx.db.read() as conn:
        failure: Failure | None = None
        try:
            spec = launch_sources.resolve(ctx, conn, scope, source)
        except Refusal as refusal:
            failure = {"reason": refusal.reason, **refusal.facts}
        else:
            if not ctx.compute.image_exists(scope, spec.image_id):
                failure = {"reason": "image.not_found", "image_id": spec.image_id}
        tags = member_tags(conn, group, ctx.profile(scope.cloud))
    if failure is None:
        failure = over_instance_limit(ctx, scope, activity.id)
    if failure is not None:
        abandon(ctx, activity)
        with record(ctx, activity) as conn:
            finish(conn, activity, now, Status.FAILED, failure=failure)
            conn.execute(
                update(groups).where(groups.c.id == group.id).values(retry_at=now + LAUNCH_RETRY)
            )
        return
    subnet = Subnet(activity.subnet_id, activity.zone, "")
    for known in ctx.compute.subnets(scope):
        if known.id == activity.subnet_id:
            subnet = known
    spec = replace(spec, tags={**spec.tags, **tags})  # the group's value wins a shared key
    preferred = None if activity.facts.get("source") else preferred_type(group.launch)
    if preferred is not None:
        spec = replace(spec, instance_type=preferred)
    machine = ctx.compute.launch(scope, spec, subnet, token=activity.id)
    if isinstance(source, TemplateVersion):  # the version the cloud resolved, not $Latest
        source = replace(source, version=spec.template_version)
    used = source.stored() if source is not None else {}
    with record(ctx, activity) as conn:
        exists = conn.execute(
            select(members.c.instance_id).where(members.c.instance_id == machine.id)
        ).first()
        if exists is None:
            weight = group_of(group).weight_of(machine.instance_type)
            arriving = Lifecycle.WARMED_PENDING if activity.facts.get(WARM) else Lifecycle.PENDING
            Members(conn, scope).join(
                machine, group, Origin.LAUNCHED, now, launch=used, weight=weight, state=arriving
            )
        advance(
            conn,
            activity,
            max(machine.settles_at or now, now),
            instance_id=machine.id,
            status=Status.PRE_IN_SERVICE.value,
            progress=30,
        )


def abandon(ctx: Context, activity: Any) -> None:
    """A launch given up after a crash may already have made its machine: end it, not leak it."""
    scope = scope_of(activity)
    machine = ctx.compute.launched(scope, activity.id)
    if machine is not None:
        ctx.compute.terminate(scope, [machine.id])


def over_instance_limit(ctx: Context, scope: Scope, token: str) -> Failure | None:
    """Why a launch fails when the account already runs as many instances as its limit allows.

    A launch this step already made (a repeated step) is not counted against itself.
    """
    limit = ctx.limits(scope.cloud).instances
    if limit is None or ctx.compute.launched(scope, token) is not None:
        return None
    running = ctx.compute.in_use(scope)
    if running < limit:
        return None
    return {"reason": "instances.limit", "requested": running + 1, "limit": limit}


def boot(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        if not running(conn, activity, machine, now):
            return
    joined = join_launched(ctx, activity)
    with record(ctx, activity) as conn:
        stale = None if joined is None else rejoin(conn, activity, joined, now)
        if stale is None:
            conn.execute(
                update(members)
                .where(
                    members.c.instance_id == activity.instance_id,
                    members.c.state.in_([s.value for s in ARRIVING]),
                )
                .values(state=Lifecycle.IN_SERVICE.value)
            )
            finish(conn, activity, now)
    leave(ctx, activity, stale)
