"""Launching: make the machine under the activity's token, then wait for it to run and serve."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tidewater.cloud.ports import LaunchSpec, Subnet
from tidewater.domain.activity import Status
from tidewater.domain.instance import Lifecycle, Origin
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.records import launch_ref
from tidewater.engine.steps.machinery import (
    POLL,
    Failure,
    advance,
    finish,
    group_row,
    move,
    record,
    scope_of,
)
from tidewater.engine.steps.tags import member_tags
from tidewater.engine.steps.traffic import join, leave, rejoin
from tidewater.store.tables import (
    groups,
    launch_configurations,
    members,
    scaling_configurations,
)

LAUNCH_RETRY = timedelta(seconds=10)


def resolve_launch(ctx: Context, conn: Connection, scope: Scope, group: Any) -> LaunchSpec:
    launch = group.launch
    if launch.get("kind") == "configuration":
        data = conn.execute(
            select(launch_configurations.c.data).where(
                launch_configurations.c.account == scope.account,
                launch_configurations.c.region == scope.region,
                launch_configurations.c.name == launch["name"],
            )
        ).scalar()
        if data is None:
            raise Refusal("launch_configuration.not_found", name=launch["name"])
        return LaunchSpec(
            image_id=data["ImageId"],
            instance_type=data["InstanceType"],
            key_name=data.get("KeyName"),
            security_groups=tuple(data.get("SecurityGroups") or ()),
        )
    if launch.get("kind") == "scaling_configuration":
        config = conn.execute(
            select(scaling_configurations).where(scaling_configurations.c.id == launch["id"])
        ).first()
        if config is None:
            raise Refusal("scaling_configuration.not_found", id=launch["id"])
        return LaunchSpec(
            image_id=config.image_id,
            instance_type=config.instance_types[0],
            key_name=config.data.get("KeyPairName"),
            security_groups=tuple(filter(None, [config.data.get("SecurityGroupId")])),
        )
    if launch.get("kind") == "spec":
        return LaunchSpec(
            image_id=launch["image_id"],
            instance_type=launch["instance_type"],
            key_name=launch.get("key_name"),
            security_groups=tuple(launch.get("security_groups") or ()),
        )
    return ctx.compute.template(scope, launch.get("id"), launch.get("name"), launch.get("version"))


def launch(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:
        group = group_row(conn, activity)
    if group is None or group.status != "InService":
        abandon(ctx, activity)
        with record(ctx, activity) as conn:
            finish(conn, activity, now, Status.CANCELLED, failure={"reason": "group.deleting"})
        return
    with ctx.db.read() as conn:
        failure: Failure | None = None
        try:
            spec = resolve_launch(ctx, conn, scope, group)
        except Refusal as refusal:
            failure = {"reason": refusal.reason, **refusal.facts}
        else:
            if not ctx.compute.image_exists(scope, spec.image_id):
                failure = {"reason": "image.not_found", "image_id": spec.image_id}
        tags = member_tags(conn, group, scope.cloud)
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
    spec = LaunchSpec(
        image_id=spec.image_id,
        instance_type=spec.instance_type,
        key_name=spec.key_name,
        security_groups=spec.security_groups,
        template_id=spec.template_id,
        template_version=spec.template_version,
        tags=tags,
    )
    machine = ctx.compute.launch(scope, spec, subnet, token=activity.id)
    used = _launch_used(group.launch, spec)
    with record(ctx, activity) as conn:
        exists = conn.execute(
            select(members.c.instance_id).where(members.c.instance_id == machine.id)
        ).first()
        if exists is None:
            conn.execute(
                members.insert().values(
                    instance_id=machine.id,
                    group_id=group.id,
                    zone=machine.zone,
                    subnet_id=machine.subnet_id,
                    state=Lifecycle.PENDING.value,
                    healthy=True,
                    protected=group.new_instances_protected,
                    origin=Origin.LAUNCHED.value,
                    instance_type=machine.instance_type,
                    launch_ref=launch_ref(used),
                    launch=used,
                    joined_at=now,
                )
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


def _launch_used(launch: dict[str, Any], spec: LaunchSpec) -> dict[str, Any]:
    if launch.get("kind") == "template":
        return {**launch, "version": spec.template_version}
    return dict(launch)


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
        if machine is not None and machine.state == "pending":
            move(conn, activity, "boot", max(machine.settles_at or now + POLL, now))
            return
        if machine is None or not machine.running:
            conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
            finish(conn, activity, now, Status.FAILED, failure={"reason": "instance.not_running"})
            return
    joined = join(ctx, activity)
    with record(ctx, activity) as conn:
        stale = rejoin(conn, activity, joined, now)
        if stale is None:
            conn.execute(
                update(members)
                .where(
                    members.c.instance_id == activity.instance_id,
                    members.c.state == Lifecycle.PENDING.value,
                )
                .values(state=Lifecycle.IN_SERVICE.value)
            )
            finish(conn, activity, now)
    leave(ctx, activity, stale)
