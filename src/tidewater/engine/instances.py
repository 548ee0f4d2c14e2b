"""Commands on a group's instances: detach, attach, standby, terminate and protection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from tidewater.cloud.ports import Machine
from tidewater.domain import group as rules
from tidewater.domain.activity import Kind, Status, Trigger
from tidewater.domain.group import Group, Process
from tidewater.domain.instance import Lifecycle, Origin
from tidewater.domain.refusal import Contention, Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.groups import vpcs_of
from tidewater.engine.records import group_of

DETACH_LIMIT = 20
ATTACH_LIMIT = 20
STANDBY_LIMIT = 20
PROTECTION_LIMIT = 50
TERMINATE_LIMIT = 100


def _save_desired(books: Books, group: Group) -> None:
    books.groups.change(group.id, desired=group.desired, dirty=True)


@dataclass(frozen=True, slots=True)
class Move:
    """One kind of user request that moves instances: what it may touch and what it records."""

    kind: Kind
    operation: str  # for the batch refusal: "detach", "standby", "terminate"
    limit: int
    allowed: tuple[Lifecycle, ...]
    to: Lifecycle
    verb: str  # for the capacity refusal: "To <verb> 2 instances, …"
    grows: bool = False  # exit standby adds to desired; the others may take away
    status: Status = Status.IN_PROGRESS
    progress: int = 0
    step: str = "deregister"


DETACH = Move(
    Kind.DETACH,
    "detach",
    DETACH_LIMIT,
    (Lifecycle.IN_SERVICE, Lifecycle.STANDBY),
    Lifecycle.DETACHING,
    "detach",
    progress=50,
)
ENTER_STANDBY = Move(
    Kind.ENTER_STANDBY,
    "standby",
    STANDBY_LIMIT,
    (Lifecycle.IN_SERVICE,),
    Lifecycle.ENTERING_STANDBY,
    "place into standby",
    progress=50,
)
EXIT_STANDBY = Move(
    Kind.EXIT_STANDBY,
    "standby",
    STANDBY_LIMIT,
    (Lifecycle.STANDBY,),
    Lifecycle.PENDING,
    "exit standby",
    grows=True,
    status=Status.PRE_IN_SERVICE,
    progress=30,
    step="register",
)
TERMINATE = Move(
    Kind.TERMINATE,
    "terminate",
    TERMINATE_LIMIT,
    (Lifecycle.IN_SERVICE, Lifecycle.STANDBY, Lifecycle.PENDING),
    Lifecycle.TERMINATING,
    "terminate",
)


def move(
    ctx: Context, scope: Scope, name: str, ids: Sequence[str], how: Move, decrement: bool = False
) -> list[dict[str, Any]]:
    """Validate, move the members, adjust the desired capacity and record one activity each."""
    ids = list(dict.fromkeys(ids))
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        row, group, current = books.open(name)
        rules.check_batch(ids, how.operation, how.limit)
        chosen = rules.members_named(group, current, ids, how.allowed)
        before = after = group.desired
        if how.grows:
            before, after = rules.grow(group, len(chosen), how.verb)
        elif decrement:
            before, after = rules.shrink(group, len(chosen), how.verb)
        books.members.move([m.instance_id for m in chosen], how.to)
        _save_desired(books, group)
        facts = {
            "at": now.isoformat(),
            "trigger": Trigger.USER,
            "decrement": decrement,
            "from": before,
            "to": after,
            "instances": [m.instance_id for m in chosen],
        }
        parent = _request_activity(books, row, group, how.kind, now, facts)
        made = [
            books.activities.add(
                row,
                how.kind,
                now,
                instance_id=m.instance_id,
                zone=m.zone,
                subnet_id=m.subnet_id,
                status=how.status,
                progress=how.progress,
                step=how.step,
                facts=facts,
                parent_id=parent["id"] if parent else None,
            )
            for m in chosen
        ]
        return [parent] if parent else made


def _request_activity(
    books: Books,
    row: Any,
    group: Group,
    kind: Kind,
    now: Any,
    facts: dict[str, Any],
) -> dict[str, Any] | None:
    """ESS answers a request with one activity standing for all of its instances."""
    if not group.rules.batched_activities:
        return None
    return books.activities.add(row, kind, now, runs=False, facts=facts)


def detach(
    ctx: Context, scope: Scope, name: str, ids: Sequence[str], decrement: bool
) -> list[dict[str, Any]]:
    """Take instances out of a group, still running; replacements follow unless decremented."""
    return move(ctx, scope, name, ids, DETACH, decrement)


def enter_standby(
    ctx: Context, scope: Scope, name: str, ids: Sequence[str], decrement: bool
) -> list[dict[str, Any]]:
    return move(ctx, scope, name, ids, ENTER_STANDBY, decrement)


def exit_standby(ctx: Context, scope: Scope, name: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    return move(ctx, scope, name, ids, EXIT_STANDBY)


def _outside(
    ctx: Context, scope: Scope, machine: Machine, zones: Sequence[str], subnets: Sequence[str]
) -> str | None:
    """The refusal for an instance outside what its cloud asks it to share with the group."""
    within = ctx.limits(scope.cloud).attach_within
    if "zone" in within and machine.zone not in zones:
        return "instance.wrong_zone"
    if "subnet" in within and subnets and machine.subnet_id not in subnets:
        return "instance.wrong_subnet"
    if "vpc" in within and machine.vpc_id not in vpcs_of(ctx, scope, subnets):
        return "instance.wrong_vpc"
    return None


def attach(
    ctx: Context, scope: Scope, name: str, ids: Sequence[str], entrusted: bool = False
) -> list[dict[str, Any]]:
    """Bring running instances into a group; its desired capacity grows by as many."""
    unique = list(dict.fromkeys(ids))
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        row, group, _ = books.open(name)
        rules.check_batch(unique, "attach", ATTACH_LIMIT)
        if group.suspends(Process.LAUNCH):
            raise Refusal("process.suspended", group=name, process=Process.LAUNCH.value)
        owners = {i: r.name for i, r in books.members.owners(unique, anywhere=True).items()}
        # Only now, with the group held and membership read, is the machines' state current:
        # an instance another group let go is terminated before its membership ends.
        machines = ctx.compute.machines(scope, unique, within=books.conn)
        for instance_id in unique:
            machine = machines.get(instance_id)
            if machine is None:
                raise Refusal("instance.not_found", instance_id=instance_id)
            if instance_id in owners:
                raise Refusal(
                    "instance.in_group", instance_id=instance_id, group=owners[instance_id]
                )
            if not machine.running:
                raise Refusal("instance.not_running", instance_id=instance_id)
            outside = _outside(ctx, scope, machine, group.zones, row.subnets or [])
            if outside is not None:
                raise Refusal(outside, instance_id=instance_id, zone=machine.zone)
        before, after = rules.grow(group, len(unique), "attach")
        _save_desired(books, group)
        facts = {
            "at": now.isoformat(),
            "trigger": Trigger.USER,
            "from": before,
            "to": after,
            "instances": unique,
        }
        parent = _request_activity(books, row, group, Kind.ATTACH, now, facts)
        created = []
        for instance_id in unique:
            machine = machines[instance_id]
            joined = dict(
                instance_id=instance_id,
                group_id=group.id,
                zone=machine.zone,
                subnet_id=machine.subnet_id,
                state=Lifecycle.PENDING.value,
                healthy=True,
                protected=group.new_instances_protected,
                origin=Origin.ATTACHED.value,
                entrusted=entrusted,
                instance_type=machine.instance_type,
                launch={},
                joined_at=now,
            )
            try:
                books.members.add(**joined)
            except IntegrityError as error:
                # another group's attach took it a moment ago; a retry names that group
                raise Contention("contention") from error
            created.append(
                books.activities.add(
                    row,
                    Kind.ATTACH,
                    now,
                    instance_id=instance_id,
                    zone=machine.zone,
                    subnet_id=machine.subnet_id,
                    step="register",
                    facts=facts,
                    parent_id=parent["id"] if parent else None,
                )
            )
        return [parent] if parent else created


def terminate(
    ctx: Context, scope: Scope, ids: Sequence[str], name: str | None, decrement: bool
) -> list[dict[str, Any]]:
    """End instances of a group; replacements follow unless the capacity is decremented."""
    unique = list(dict.fromkeys(ids))
    rules.check_batch(unique, "terminate", TERMINATE_LIMIT)
    with ctx.read(scope) as books:
        owners = {i: r.name for i, r in books.members.owners(unique).items()}
    for instance_id in unique:
        if instance_id not in owners:
            raise Refusal("instance.unmanaged", instance_id=instance_id)
    names = {owners[i] for i in unique}
    if name is not None and names != {name}:
        stray = next(i for i in unique if owners[i] != name)
        raise Refusal("instance.not_member", instance_id=stray, group=name)
    if len(names) != 1:
        raise Refusal("instance.many_groups")
    return move(ctx, scope, names.pop(), unique, TERMINATE, decrement)


def set_protection(
    ctx: Context, scope: Scope, name: str, ids: Sequence[str], protected: bool
) -> None:
    with ctx.change(scope) as books:
        row = books.groups.lock(name)
        group = group_of(row)
        rules.check_batch(ids, "protect", PROTECTION_LIMIT)
        chosen = rules.members_named(
            group,
            books.members.of(group.id),
            ids,
            (Lifecycle.IN_SERVICE, Lifecycle.ENTERING_STANDBY, Lifecycle.STANDBY),
        )
        books.members.change([m.instance_id for m in chosen], protected=protected)
        if not protected:  # an instance spared by scale-in may be the one to go now
            books.groups.change(group.id, dirty=True)


def set_health(ctx: Context, scope: Scope, instance_id: str, healthy: bool) -> None:
    with ctx.change(scope) as books:
        found = books.members.owners([instance_id]).get(instance_id)
        if found is None:
            raise Refusal("instance.unmanaged", instance_id=instance_id)
        # the group first, as every change takes it; then make sure the member is still there
        books.groups.lock_id(found.id)
        machine = ctx.compute.machines(scope, [instance_id], within=books.conn).get(instance_id)
        if machine is None or not machine.up:
            healthy = False  # the cloud's own health check overrules a user who says otherwise
        if books.members.change([instance_id], found.id, healthy=healthy) == 0:
            raise Refusal("instance.unmanaged", instance_id=instance_id)
        books.groups.change(found.id, dirty=True)
