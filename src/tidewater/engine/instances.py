"""Commands on a group's instances: attach, protection and health (leaving is engine/leaving)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.ports import Machine
from tidewater.domain import group as rules
from tidewater.domain.activity import Kind, Trigger
from tidewater.domain.instance import Lifecycle, Origin
from tidewater.domain.lifecycle_hook import HOLD, Transition
from tidewater.domain.processes import BY_CLOUD, Gate
from tidewater.domain.refusal import Contention, Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.groups import vpcs_of
from tidewater.engine.records import group_of
from tidewater.engine.settled import needs_look
from tidewater.engine.steps import PATHS
from tidewater.store.tables import groups

ATTACH_LIMIT = 20
PROTECTION_LIMIT = 50


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
    ctx: Context,
    scope: Scope,
    name: str,
    ids: Sequence[str],
    entrusted: bool = False,
    *,
    hold: bool = False,
) -> list[dict[str, Any]]:
    """Bring running instances into a group; its desired capacity grows by as many (by their
    weights, where the group weighs instance types).

    With `hold` (ESS LifecycleHook=true) its launch hooks hold them before they join."""
    unique = list(dict.fromkeys(ids))
    now = ctx.clock.now()

    def body(books: Books) -> list[dict[str, Any]]:
        row, group, _ = books.open(name)
        rules.check_batch(unique, ATTACH_LIMIT)
        group.require(Gate.ATTACH)
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
        before, after = rules.grow(
            group, sum(group.weight_of(machines[i].instance_type) or 1 for i in unique)
        )
        books.groups.change(group.id, desired=after)
        facts = {
            "at": now.isoformat(),
            "trigger": Trigger.USER,
            "from": before,
            "to": after,
            "instances": unique,
        }
        if hold:
            facts[HOLD] = Transition.LAUNCHING.value
        parent = books.request(row, group, Kind.ATTACH, now, facts)
        created = []
        for instance_id in unique:
            machine = machines[instance_id]
            try:
                books.members.join(
                    machine,
                    group,
                    Origin.ATTACHED,
                    now,
                    entrusted=entrusted,
                    weight=group.weight_of(machine.instance_type),
                )
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
                    step=PATHS[Kind.ATTACH][0] if hold else "register",
                    facts=facts,
                    parent_id=parent["id"] if parent else None,
                )
            )
        if needs_look(books.conn, group.id):
            books.groups.change(group.id, dirty=True)
        return [parent] if parent else created

    return ctx.attempt(scope, body)


def set_protection(
    ctx: Context, scope: Scope, name: str, ids: Sequence[str], protected: bool
) -> None:

    def body(books: Books) -> None:
        row = books.groups.lock(name)
        group = group_of(row)
        rules.check_batch(ids, PROTECTION_LIMIT)
        chosen = rules.members_named(
            group,
            books.members.named(group.id, ids),
            ids,
            (Lifecycle.IN_SERVICE, Lifecycle.ENTERING_STANDBY, Lifecycle.STANDBY),
        )
        books.members.change([m.instance_id for m in chosen], protected=protected)
        if not protected:  # an instance spared by scale-in may be the one to go now
            books.groups.change(group.id, dirty=True)

    ctx.attempt(scope, body)


def set_health(ctx: Context, scope: Scope, instance_id: str, healthy: bool) -> None:

    def body(books: Books) -> None:
        found = books.members.owners([instance_id]).get(instance_id)
        if found is None:
            raise Refusal("instance.unmanaged", instance_id=instance_id)
        # the group first, as every change takes it; then make sure the member is still there
        books.groups.lock_id(found.id)
        machine = ctx.compute.machines(scope, [instance_id], within=books.conn).get(instance_id)
        suspended = books.conn.execute(
            select(groups.c.suspended).where(groups.c.id == found.id)
        ).scalar_one()
        checked = not BY_CLOUD[scope.cloud].blocks(Gate.MARK_UNHEALTHY, suspended)
        # the cloud's own health check overrules a user who says otherwise
        overruled = checked and (machine is None or not machine.up)
        if books.members.change([instance_id], found.id, healthy=healthy and not overruled) == 0:
            raise Refusal("instance.unmanaged", instance_id=instance_id)
        books.groups.change(found.id, dirty=True)

    ctx.attempt(scope, body)
