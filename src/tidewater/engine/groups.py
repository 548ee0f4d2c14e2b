"""Commands on scaling groups: create, update, delete, capacity, processes, metrics and tags."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tidewater.cloud.ports import Subnet, Target
from tidewater.domain import group as rules
from tidewater.domain import limits as quotas
from tidewater.domain.group import GroupStatus, Rules
from tidewater.domain.instance import ARRIVING, Lifecycle
from tidewater.domain.launch import TYPE_SOURCES, WEIGHTS, version_ok
from tidewater.domain.lifecycle_hook import Hook
from tidewater.domain.processes import BY_CLOUD, Gate
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine import lifecycle_hooks, telemetry, tracking
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.gateways.groups import in_region
from tidewater.engine.profile import Record
from tidewater.engine.records import group_of
from tidewater.store.tables import (
    activities,
    group_tags,
    groups,
    launch_configurations,
    members,
    scaling_rules,
)


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str
    propagate: bool = False


@dataclass(slots=True)
class GroupSpec:
    """A group as a user describes it, in neutral words; `None` means "not given"."""

    name: str
    min_size: int | None = None
    max_size: int | None = None
    desired: int | None = None
    launch: dict[str, Any] | None = None
    zones: list[str] | None = None
    subnets: list[str] | None = None
    default_cooldown: int | None = None
    health_check_type: str | None = None
    health_check_grace: int | None = None
    termination_policies: list[str] | None = None
    new_instances_protected: bool | None = None
    tags: list[Tag] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    rules: Rules = field(default_factory=Rules)
    status: GroupStatus = GroupStatus.ACTIVE  # ESS groups are born Inactive, without a launch
    rename: str | None = None  # ESS groups keep their id and may change their name
    targets: list[Target] = field(default_factory=list)  # balancers and DB whitelists to join
    hooks: list[Hook] = field(default_factory=list)  # lifecycle hooks in place before any launch


def target_json(target: Target) -> dict[str, Any]:
    return {"kind": target.kind, "ref": target.ref, "weight": target.weight}


def _trigger(kind: str, now: datetime, before: int, after: int) -> dict[str, Any]:
    return {"kind": kind, "at": now.isoformat(), "from": before, "to": after}


def check_launch(
    ctx: Context, conn: Connection, scope: Scope, launch: dict[str, Any] | None
) -> None:
    """Refuse a launch source that does not resolve, as the clouds do at create time."""
    if not launch:
        raise Refusal("launch.missing")
    if launch["kind"] == "configuration":
        found = conn.execute(
            select(launch_configurations.c.name).where(
                in_region(launch_configurations, scope),
                launch_configurations.c.name == launch["name"],
            )
        ).first()
        if found is None:
            raise Refusal("launch_configuration.not_found", name=launch["name"])
    elif launch["kind"] == "template":
        if bool(launch.get("id")) == bool(launch.get("name")):  # one of the two, never both
            raise Refusal("template.ref_missing")
        if not version_ok(launch.get("version")):
            raise Refusal("template.version_invalid", version=launch.get("version"))
        spec = ctx.compute.template(
            scope, launch.get("id"), launch.get("name"), launch.get("version")
        )
        launch["id"], launch["name"] = spec.template_id, spec.template_name
        if spec.key_name and not ctx.compute.key_pair_exists(scope, spec.key_name):
            raise Refusal("key_pair.not_found", key_name=spec.key_name, source="template")
    for own in (launch.get(TYPE_SOURCES) or {}).values():  # an override's own template
        check_launch(ctx, conn, scope, own)


def vpcs_of(ctx: Context, scope: Scope, subnet_ids: Sequence[str]) -> set[str]:
    """The VPCs of a group's subnets; a group without any lives in the default network."""
    known = ctx.compute.subnets(scope)  # the default network's first
    return {s.vpc_id for s in known if s.id in subnet_ids} or {known[0].vpc_id}


def placement(
    ctx: Context, scope: Scope, zones: list[str] | None, subnet_ids: list[str] | None
) -> tuple[list[str], list[str]]:
    """Resolve the zones and subnets a group may launch into."""
    known: dict[str, Subnet] = {s.id: s for s in ctx.compute.subnets(scope)}
    if subnet_ids:
        for subnet_id in subnet_ids:
            if subnet_id not in known:
                raise Refusal("subnet.not_found", subnet=subnet_id)
        subnet_zones = list(dict.fromkeys(known[s].zone for s in subnet_ids))
        if zones and set(zones) != set(subnet_zones):
            raise Refusal("zones.mismatch")
        return subnet_zones, list(dict.fromkeys(subnet_ids))
    if zones:
        valid = set(ctx.compute.zones(scope))
        for zone in zones:
            if zone not in valid:
                raise Refusal("zone.invalid", zone=zone)
        return list(dict.fromkeys(zones)), []
    raise Refusal("placement.none")


def create(ctx: Context, scope: Scope, spec: GroupSpec) -> str:
    limits = ctx.limits(scope.cloud)
    quotas.check_sizes(limits, spec.min_size, spec.max_size, spec.desired)
    min_size, max_size = spec.min_size or 0, spec.max_size or 0
    rules.check_bounds(min_size, max_size, spec.desired)
    quotas.check_tags(limits, spec.name, len({tag.key for tag in spec.tags}))
    desired = spec.desired if spec.desired is not None else min_size
    zones, subnets = placement(ctx, scope, spec.zones, spec.subnets)
    for target in spec.targets:
        if not ctx.traffic.exists(scope, target):
            raise Refusal(f"{target.kind}.not_found", ref=target.ref)
    now = ctx.clock.now()
    profile = ctx.profile(scope.cloud)
    with ctx.change(scope) as books:
        conn = books.conn
        books.groups.lock_quota("groups")
        if spec.status is GroupStatus.ACTIVE or spec.launch:
            check_launch(ctx, conn, scope, spec.launch)
        if spec.name and books.groups.named(spec.name) is not None:
            raise Refusal("group.exists", group=spec.name)
        if books.groups.count() >= limits.groups:
            raise Refusal("group.quota", limit=limits.groups)
        group_id = profile.new_id(Record.GROUP)
        arn = profile.arn(Record.GROUP, scope, group_id, spec.name)
        conn.execute(
            insert(groups).values(
                id=group_id,
                account=scope.account,
                region=scope.region,
                cloud=scope.cloud.value,
                name=spec.name or group_id,
                arn=arn,
                status=spec.status.value,
                min_size=min_size,
                max_size=max_size,
                desired=desired,
                default_cooldown=300 if spec.default_cooldown is None else spec.default_cooldown,
                cooldown_until=None,
                launch=spec.launch or {},
                zones=zones,
                subnets=subnets,
                termination_policies=spec.termination_policies or ["Default"],
                suspended=[],
                metrics={},
                new_instances_protected=bool(spec.new_instances_protected),
                health_check_type=spec.health_check_type or "",
                health_check_grace=spec.health_check_grace or 0,
                rules=dataclasses.asdict(spec.rules),
                settings=spec.settings,
                targets=[target_json(t) for t in spec.targets],
                trigger=_trigger("create", now, 0, desired),
                dirty=True,
                retry_at=None,
                created_at=now,
            )
        )
        _put_tags(conn, group_id, spec.tags)
        if spec.hooks:
            lifecycle_hooks.store(conn, ctx, scope, group_id, spec.hooks, now)
    return group_id


def modify(ctx: Context, scope: Scope, spec: GroupSpec) -> None:
    quotas.check_sizes(ctx.limits(scope.cloud), spec.min_size, spec.max_size, spec.desired)
    zones = subnets = None
    if spec.zones is not None or spec.subnets is not None:
        zones, subnets = placement(ctx, scope, spec.zones, spec.subnets)
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        row = books.groups.lock(spec.name)
        if row.status == GroupStatus.DELETING.value:  # a disabled ESS group may still change
            raise Refusal("group.deleting", group=spec.name)
        if spec.launch is not None:
            check_launch(ctx, books.conn, scope, spec.launch)
        min_size, max_size, desired = sizes_of(row, spec.min_size, spec.max_size, spec.desired)
        values: dict[str, Any] = {
            "min_size": min_size,
            "max_size": max_size,
            "desired": desired,
            "dirty": True,
        }
        if desired != row.desired:
            values["trigger"] = _trigger("update", now, row.desired, desired)
        for column, value in (
            ("launch", spec.launch),
            ("default_cooldown", spec.default_cooldown),
            ("health_check_type", spec.health_check_type),
            ("health_check_grace", spec.health_check_grace),
            ("termination_policies", spec.termination_policies),
            ("new_instances_protected", spec.new_instances_protected),
            ("zones", zones),
            ("subnets", subnets),
        ):
            if value is not None:
                values[column] = value
        if spec.settings:
            values["settings"] = {**row.settings, **spec.settings}
        if spec.rename and spec.rename != row.name:
            if books.groups.named(spec.rename) is not None:
                raise Refusal("group.exists", group=spec.rename)
            values["name"] = spec.rename
        books.groups.change(row.id, **values)
        if spec.launch is not None:
            reweigh(books.conn, row.id, spec.launch.get(WEIGHTS) or {})


def reweigh(conn: Connection, group_id: str, weights: Mapping[str, int]) -> None:
    """New weights apply to the members of the types they name; a member of a type they leave
    out keeps its last weight (AWS's user guide), and a group that no longer weighs its types
    counts every member as one."""
    if not weights:
        conn.execute(update(members).where(members.c.group_id == group_id).values(weight=None))
        return
    for instance_type, weight in weights.items():
        conn.execute(
            update(members)
            .where(members.c.group_id == group_id, members.c.instance_type == instance_type)
            .values(weight=weight)
        )


def sizes_of(
    row: Any, min_size: int | None, max_size: int | None, desired: int | None
) -> tuple[int, int, int]:
    """An update's sizes over the group's: an unnamed desired moves inside the new bounds."""
    min_size = row.min_size if min_size is None else min_size
    max_size = row.max_size if max_size is None else max_size
    if desired is None:
        desired = min(max(row.desired, min_size), max_size)
    rules.check_bounds(min_size, max_size, desired)
    return min_size, max_size, desired


def set_active(
    ctx: Context, scope: Scope, name: str, active: bool, launch: dict[str, Any] | None = None
) -> None:
    """Enable an ESS group with a launch source, or disable it so it stays as it is."""
    with ctx.change(scope) as books:
        row = books.groups.lock(name)
        if row.status == GroupStatus.DELETING.value:
            raise Refusal("group.deleting", group=name)
        values: dict[str, Any] = {
            "status": (GroupStatus.ACTIVE if active else GroupStatus.INACTIVE).value,
            "dirty": True,
        }
        if launch is not None:
            values["launch"] = launch
        books.groups.change(row.id, **values)


def delete_group(ctx: Context, scope: Scope, name: str, force: bool) -> None:
    with ctx.change(scope) as books:
        row = books.groups.lock(name)
        if row.status == GroupStatus.DELETING.value:
            return
        if row.settings.get("GroupDeletionProtection"):
            raise Refusal("group.deletion_protected", group=name)
        count = books.members.count(row.id)
        busy = books.activities.busy(row.id)
        if not force:
            if count:
                raise Refusal("group.in_use", group=name)
            if busy:
                raise Refusal("group.activity_in_progress", group=name)
        if count == 0 and not busy:
            remove(ctx, books.conn, scope, row.id)
            return
        lifecycle_hooks.release_group(books.conn, row.id, ctx.clock.now())
        books.groups.change(
            row.id, status=GroupStatus.DELETING.value, dirty=True, desired=0, min_size=0
        )


def remove(ctx: Context, conn: Connection, scope: Scope, group_id: str) -> None:
    """Drop a group whose instances are gone, keeping its activity history; the alarms its
    target tracking policies own go with it."""
    owners = conn.execute(
        select(scaling_rules.c.alarms).where(scaling_rules.c.group_id == group_id)
    ).all()
    tracking.drop(ctx, conn, scope, owners)
    conn.execute(
        update(activities).where(activities.c.group_id == group_id).values(group_deleted=True)
    )
    conn.execute(delete(groups).where(groups.c.id == group_id))


def set_desired(ctx: Context, scope: Scope, name: str, desired: int, honor_cooldown: bool) -> None:
    quotas.check_sizes(ctx.limits(scope.cloud), None, None, desired)
    now = ctx.clock.now()

    def body(books: Books) -> None:
        row = books.groups.lock(name)
        group = group_of(row)
        group.require_active()
        if honor_cooldown and row.cooldown_until is not None and row.cooldown_until > now:
            raise Refusal("cooldown", group=name)
        if honor_cooldown and books.activities.busy(row.id):
            raise Refusal("cooldown", group=name)
        before = group.desired
        rules.set_desired(group, desired)
        if desired == before:
            # accepted, nothing to do: a clean group already holds its desired capacity
            # (invariants.settled_counts) and a dirty one is reconciled anyway
            return
        trigger = _trigger("set_desired", now, before, desired)
        books.groups.change(row.id, desired=desired, dirty=True, trigger=trigger)

    ctx.attempt(scope, body)


def set_processes(
    ctx: Context, scope: Scope, name: str, processes: Sequence[str] | None, suspend: bool
) -> None:
    """Suspend or resume a group's processes; none named means every one the cloud has.

    Each suspension keeps the time it began (`settings["suspended_at"]`), which AWS reports
    as its reason. A health check that resumes looks at every member's machine at once, as
    the cloud's next check would: one stopped meanwhile is marked unhealthy now.
    """
    now = ctx.clock.now()
    table = BY_CLOUD[scope.cloud]
    chosen = list(dict.fromkeys(processes)) if processes else list(table.names)
    for process in chosen:
        if process not in table.names:
            raise Refusal("process.invalid", process=process)
    with ctx.change(scope) as books:
        row = books.groups.lock(name)
        if suspend and row.status == GroupStatus.DELETING.value:
            raise Refusal("group.deleting", group=name)
        before = list(row.suspended)
        since = dict(row.settings.get("suspended_at") or {})
        if suspend:
            after = before + [p for p in chosen if p not in before]
            since.update({p: now.isoformat() for p in chosen if p not in before})
        else:
            after = [p for p in before if p not in chosen]
            since = {p: at for p, at in since.items() if p in after}
        books.groups.change(
            row.id,
            suspended=after,
            settings={**row.settings, "suspended_at": since},
            dirty=True,
        )
        if table.resumed(Gate.MARK_UNHEALTHY, before, after):
            _check_health(ctx, scope, books, row.id)


def _check_health(ctx: Context, scope: Scope, books: Books, group_id: str) -> None:
    """Mark unhealthy the members whose machine is down, as a resumed health check finds them."""
    watched = (Lifecycle.IN_SERVICE, *ARRIVING)
    ids = [m.instance_id for m in books.members.of(group_id).values() if m.state in watched]
    found = ctx.compute.machines(scope, ids, within=books.conn)
    down = [i for i in ids if i not in found or not found[i].up]
    if down:
        books.members.change(down, group_id, healthy=False)


def set_metrics(
    ctx: Context,
    scope: Scope,
    name: str,
    metrics: Sequence[str] | None,
    granularity: str | None,
    enable: bool,
    known: Sequence[str],
) -> None:
    chosen = list(metrics) if metrics else list(known)
    for metric in chosen:
        if metric not in known:
            raise Refusal("metric.invalid", metric=metric)
    with ctx.change(scope) as books:
        row = books.groups.lock(name)
        current = dict(row.metrics)
        for metric in chosen:
            if enable:
                current[metric] = granularity or "1Minute"
            else:
                current.pop(metric, None)
        books.groups.change(row.id, metrics=current)
        telemetry.keep(books.conn, row.id, ctx.clock.now(), collecting=bool(current))


def _put_tags(conn: Connection, group_id: str, tags: Sequence[Tag]) -> None:
    unique = {tag.key: tag for tag in tags}
    if unique:
        conn.execute(
            delete(group_tags).where(
                group_tags.c.group_id == group_id, group_tags.c.key.in_(list(unique))
            )
        )
        conn.execute(
            insert(group_tags),
            [
                {"group_id": group_id, "key": t.key, "value": t.value, "propagate": t.propagate}
                for t in unique.values()
            ],
        )


def put_tags(ctx: Context, scope: Scope, tags: Sequence[tuple[str, Tag]]) -> None:
    """Create or update tags on groups named by the first element of each pair."""
    with ctx.change(scope) as books:
        conn = books.conn
        by_group: dict[str, list[Tag]] = {}
        for name, tag in tags:
            by_group.setdefault(name, []).append(tag)
        rows = books.groups.lock_many(list(by_group))
        limits = ctx.limits(scope.cloud)
        for name, group_tags_ in by_group.items():
            if limits.tags_per_group is not None:
                keys = set(
                    conn.execute(
                        select(group_tags.c.key).where(group_tags.c.group_id == rows[name].id)
                    ).scalars()
                )
                keys.update(tag.key for tag in group_tags_)
                quotas.check_tags(limits, name, len(keys))
            _put_tags(conn, rows[name].id, group_tags_)


def delete_tags(ctx: Context, scope: Scope, tags: Sequence[tuple[str, str]]) -> None:
    with ctx.change(scope) as books:
        rows = books.groups.lock_many([name for name, _ in tags])
        for name, key in tags:
            books.conn.execute(
                delete(group_tags).where(
                    group_tags.c.group_id == rows[name].id, group_tags.c.key == key
                )
            )
