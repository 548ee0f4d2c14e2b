"""Activities advance one idempotent step at a time: a crash anywhere resumes, never repeats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tidewater.cloud.ports import LaunchSpec, Subnet, Target
from tidewater.domain.activity import TERMINAL, Kind, Status, Trigger
from tidewater.domain.instance import Lifecycle, Origin
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.context import Context
from tidewater.engine.leases import LeaseLost, held
from tidewater.engine.records import launch_ref
from tidewater.store.tables import (
    activities,
    group_tags,
    groups,
    launch_configurations,
    members,
    scaling_configurations,
)

GROUP_TAG = {Cloud.AWS: "aws:autoscaling:groupName", Cloud.ALIYUN: "acs:autoscaling:scalingGroupId"}
POLL = timedelta(seconds=1)
LAUNCH_RETRY = timedelta(seconds=10)
TERMINAL_VALUES = frozenset(s.value for s in TERMINAL)

Step = Callable[[Context, Any], None]

# The steps each kind of activity walks; an activity may carry its own path in facts["path"]
# (ESS removals: stop first, then release or keep the stopped instance).
PATHS: dict[str, tuple[str, ...]] = {
    Kind.LAUNCH: ("launch", "boot"),
    Kind.DETACH: ("deregister", "release"),
    Kind.TERMINATE: ("deregister", "terminate", "gone"),
    Kind.ENTER_STANDBY: ("deregister", "rest"),
    Kind.EXIT_STANDBY: ("register",),
    Kind.ATTACH: ("register",),
}


@contextmanager
def record(ctx: Context, activity: Any) -> Iterator[Connection]:
    """A step's write: it takes its group's lock first, in the order every command does."""
    with ctx.db.write() as conn:
        conn.execute(select(groups.c.id).where(groups.c.id == activity.group_id).with_for_update())
        yield conn


def next_step(activity: Any) -> str:
    path = activity.facts.get("path") or PATHS[activity.kind]
    return str(path[path.index(activity.step) + 1])


def scope_of(activity: Any) -> Scope:
    return Scope(activity.account, activity.region, Cloud(activity.cloud))


def move(conn: Connection, activity: Any, step: str, due: datetime, **values: Any) -> None:
    """Record the next step and let go of the lease; only the lease's holder may."""
    moved = conn.execute(
        update(activities)
        .where(activities.c.id == activity.id, *held(activity))
        .values(step=step, due_at=due, lease_owner=None, lease_until=None, **values)
    )
    if moved.rowcount == 0:
        raise LeaseLost(activity.id)


def finish(
    conn: Connection,
    activity: Any,
    now: datetime,
    status: Status = Status.SUCCESSFUL,
    message: str | None = None,
    **values: Any,
) -> None:
    """End an activity and ask the reconciler to look at its group again."""
    ended = conn.execute(
        update(activities)
        .where(activities.c.id == activity.id, *held(activity))
        .values(
            status=status.value,
            progress=100,
            step="done",
            due_at=None,
            ended_at=now,
            status_message=message,
            lease_owner=None,
            lease_until=None,
            **values,
        )
    )
    if ended.rowcount == 0:
        raise LeaseLost(activity.id)
    group_values: dict[str, Any] = {"dirty": True}
    if (
        activity.kind in (Kind.LAUNCH, Kind.TERMINATE)
        and status is Status.SUCCESSFUL
        and activity.facts.get("trigger") == Trigger.CAPACITY
    ):
        cooldown = conn.execute(
            select(groups.c.default_cooldown).where(groups.c.id == activity.group_id)
        ).scalar()
        if cooldown is not None:
            group_values["cooldown_until"] = now + timedelta(seconds=cooldown)
    conn.execute(update(groups).where(groups.c.id == activity.group_id).values(**group_values))
    if activity.parent_id:
        close_parent(conn, activity.parent_id, now)


def close_parent(conn: Connection, parent_id: str, now: datetime) -> None:
    """A request's activity ends when the last of its instances' activities does.

    While the reconciler still has batches of it to write (the group's trigger names it as
    `batched`), it stays open however many of the children written so far have ended.
    """
    statuses = list(
        conn.execute(
            select(activities.c.status).where(activities.c.parent_id == parent_id)
        ).scalars()
    )
    if any(s not in TERMINAL_VALUES for s in statuses):
        return
    parent = conn.execute(select(activities).where(activities.c.id == parent_id)).first()
    if parent is None or parent.status in TERMINAL_VALUES:
        return
    trigger = conn.execute(
        select(groups.c.trigger).where(groups.c.id == parent.group_id)
    ).scalar_one_or_none()
    if trigger and trigger.get("batched") and trigger.get("activity") == parent_id:
        return
    failed = sum(1 for s in statuses if s != Status.SUCCESSFUL.value)
    if failed and failed == len(statuses):
        status = Status.FAILED
    elif failed or parent.facts.get("ignored"):
        status = Status.WARNING
    else:
        status = Status.SUCCESSFUL
    conn.execute(
        update(activities)
        .where(activities.c.id == parent_id)
        .values(status=status.value, progress=100, step="done", due_at=None, ended_at=now)
    )


def group_row(conn: Connection, activity: Any) -> Any:
    return conn.execute(select(groups).where(groups.c.id == activity.group_id)).first()


def member_tags(conn: Connection, group: Any, cloud: Cloud) -> dict[str, str]:
    tags = {
        r.key: r.value
        for r in conn.execute(
            select(group_tags.c.key, group_tags.c.value).where(
                group_tags.c.group_id == group.id, group_tags.c.propagate
            )
        )
    }
    tags[GROUP_TAG[cloud]] = group.name if cloud is Cloud.AWS else group.id
    return tags


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


# -- launch ---------------------------------------------------------------------------------


def launch(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:
        group = group_row(conn, activity)
    if group is None or group.status != "InService":
        abandon(ctx, activity)
        with record(ctx, activity) as conn:
            finish(conn, activity, now, Status.CANCELLED, "The group is being deleted.")
        return
    with ctx.db.read() as conn:
        failure: str | None = None
        try:
            spec = resolve_launch(ctx, conn, scope, group)
        except Refusal as refusal:
            failure = launch_failure(refusal)
        else:
            if not ctx.compute.image_exists(scope, spec.image_id):
                failure = (
                    f"The image id '[{spec.image_id}]' does not exist. "
                    "Launching EC2 instance failed."
                )
        tags = member_tags(conn, group, scope.cloud)
    if failure is None:
        failure = over_instance_limit(ctx, scope, activity.id)
    if failure is not None:
        abandon(ctx, activity)
        with record(ctx, activity) as conn:
            finish(conn, activity, now, Status.FAILED, failure)
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
        move(
            conn,
            activity,
            "boot",
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


def over_instance_limit(ctx: Context, scope: Scope, token: str) -> str | None:
    """EC2's answer when the account already runs as many instances as its limit allows.

    The text is EC2's own, as AWS shows it in a failed launch activity's status message. A
    launch this step already made (a repeated step) is not counted against itself.
    """
    limit = ctx.limits(scope.cloud).instances
    if limit is None or ctx.compute.launched(scope, token) is not None:
        return None
    running = ctx.compute.in_use(scope)
    if running < limit:
        return None
    return (
        f"You have requested more instances ({running + 1}) than your current instance limit "
        f"of {limit} allows for the specified instance type. Please visit "
        "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit. "
        "Launching EC2 instance failed."
    )


def launch_failure(refusal: Refusal) -> str:
    facts = refusal.facts
    if refusal.reason == "launch_configuration.not_found":
        return f"Launch configuration {facts['name']} not found. Launching EC2 instance failed."
    if refusal.reason.startswith("template."):
        return (
            "The specified launch template does not exist or its version could not be "
            "found. Launching EC2 instance failed."
        )
    return f"{refusal.reason}. Launching EC2 instance failed."


def boot(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        if machine is not None and machine.state == "pending":
            move(conn, activity, "boot", max(machine.settles_at or now + POLL, now))
            return
        if machine is None or not machine.running:
            conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
            finish(
                conn,
                activity,
                now,
                Status.FAILED,
                "Instance failed to reach running state. Launching EC2 instance failed.",
            )
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


# -- instances leaving or resting -------------------------------------------------------------


def targets_of(conn: Connection, activity: Any) -> list[Target]:
    targets = conn.execute(
        select(groups.c.targets).where(groups.c.id == activity.group_id)
    ).scalar()
    return [Target(t["kind"], t["ref"], t.get("weight")) for t in targets or ()]


def deregister(ctx: Context, activity: Any) -> None:
    """Take the instance out of traffic first, then wait for its connections to drain.

    An ESS instance entering standby stays an SLB backend with weight 0 instead.
    """
    scope, now = scope_of(activity), ctx.clock.now()
    with ctx.db.read() as conn:
        targets = targets_of(conn, activity)
    ids = [activity.instance_id]
    until: datetime | None = None
    for target in targets:
        if activity.kind == Kind.ENTER_STANDBY and target.kind == "slb":
            ctx.traffic.set_weight(scope, target, ids, 0)
            continue
        done = ctx.traffic.deregister(scope, target, ids)
        if done is not None and done > now and (until is None or done > until):
            until = done
    with record(ctx, activity) as conn:
        if until is None:
            move(conn, activity, next_step(activity), now)
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
        path = activity.facts.get("path") or PATHS[activity.kind]
        status = Status.PRE_IN_SERVICE if activity.kind == Kind.EXIT_STANDBY else Status.IN_PROGRESS
        move(conn, activity, str(path[path.index("deregister") + 1]), now, status=status.value)


def join(ctx: Context, activity: Any) -> list[Target]:
    """Put an instance into every balancer and whitelist of its group before it serves.

    An SLB backend gets the weight its scaling configuration names (ESS), else the target's.
    Returns the group's targets as read; the step compares them under the group's lock.
    """
    scope = scope_of(activity)
    with ctx.db.read() as conn:
        targets = targets_of(conn, activity)
        weight = configured_weight(conn, activity)
    for target in targets:
        if target.kind == "slb" and weight is not None:
            target = Target(target.kind, target.ref, weight)
        ctx.traffic.register(scope, target, [activity.instance_id])
        if activity.kind == Kind.EXIT_STANDBY and target.kind == "slb":
            weight = 50 if target.weight is None else target.weight
            ctx.traffic.set_weight(scope, target, [activity.instance_id], weight)
    return targets


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
    launch = conn.execute(select(groups.c.launch).where(groups.c.id == activity.group_id)).scalar()
    if not launch or launch.get("kind") != "scaling_configuration":
        return None
    data = conn.execute(
        select(scaling_configurations.c.data).where(scaling_configurations.c.id == launch["id"])
    ).scalar()
    weight = (data or {}).get("LoadBalancerWeight")
    return int(weight) if weight is not None else None


def halt(ctx: Context, activity: Any) -> None:
    """Stop the instance before it is released or kept stopped (ESS removals)."""
    scope, now = scope_of(activity), ctx.clock.now()
    ctx.compute.stop(scope, [activity.instance_id])
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        due = machine.settles_at if machine is not None and machine.settles_at else now
        move(conn, activity, "halted", max(due, now), progress=50)


def halted(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        if machine is not None and machine.state in ("pending", "running", "stopping"):
            move(conn, activity, "halted", max(machine.settles_at or now + POLL, now))
            return
        move(conn, activity, next_step(activity), now)


def release(ctx: Context, activity: Any) -> None:
    """Hand a detached instance back to its owner: untagged, running, outside the group."""
    scope, now = scope_of(activity), ctx.clock.now()
    ctx.compute.untag(scope, [activity.instance_id], [GROUP_TAG[scope.cloud]])
    with record(ctx, activity) as conn:
        conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
        finish(conn, activity, now)


def end(ctx: Context, activity: Any) -> None:
    scope, now = scope_of(activity), ctx.clock.now()
    ctx.compute.terminate(scope, [activity.instance_id])
    machine = ctx.compute.machines(scope, [activity.instance_id]).get(activity.instance_id)
    with record(ctx, activity) as conn:
        due = machine.settles_at if machine is not None and machine.settles_at else now
        move(conn, activity, "gone", max(due, now), progress=50)


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


def register(ctx: Context, activity: Any) -> None:
    """Put an attached or returning instance into service, tagged as the group's."""
    scope, now = scope_of(activity), ctx.clock.now()
    if activity.kind == Kind.ATTACH:
        with ctx.db.read() as conn:
            group = group_row(conn, activity)
        if group is not None:
            ctx.compute.tag(
                scope,
                [activity.instance_id],
                {GROUP_TAG[scope.cloud]: group.name if scope.cloud is Cloud.AWS else group.id},
            )
    joined = join(ctx, activity)
    with record(ctx, activity) as conn:
        stale = rejoin(conn, activity, joined, now)
        if stale is None:
            # a machine stopped while it rested (standby is not health-checked) is found out now
            machine = ctx.compute.machines(scope, [activity.instance_id], within=conn).get(
                activity.instance_id
            )
            up = machine is not None and machine.up
            conn.execute(
                update(members)
                .where(
                    members.c.instance_id == activity.instance_id,
                    members.c.state == Lifecycle.PENDING.value,
                )
                .values(state=Lifecycle.IN_SERVICE.value, **({} if up else {"healthy": False}))
            )
            finish(conn, activity, now)
    leave(ctx, activity, stale)


STEPS: dict[str, Step] = {
    "launch": launch,
    "boot": boot,
    "deregister": deregister,
    "release": release,
    "terminate": end,
    "gone": gone,
    "rest": rest,
    "register": register,
    "halt": halt,
    "halted": halted,
    "drain": drain,
}
