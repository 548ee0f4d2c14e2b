"""Rows to domain objects and back, in one place."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from tidewater.domain.activity import Kind, Status
from tidewater.domain.group import Group, GroupStatus, Rules
from tidewater.domain.instance import Lifecycle, Member, Origin
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import (
    activities,
    groups,
    launch_configurations,
    members,
    scaling_configurations,
)


def group_of(row: Any) -> Group:
    rules = row.rules or {}
    return Group(
        id=row.id,
        name=row.name,
        min_size=row.min_size,
        max_size=row.max_size,
        desired=row.desired,
        status=GroupStatus(row.status),
        zones=tuple(row.zones),
        suspended=frozenset(row.suspended),
        termination_policies=tuple(row.termination_policies),
        new_instances_protected=row.new_instances_protected,
        launch_ref=launch_ref(row.launch),
        rules=Rules(**rules),
    )


def launch_ref(launch: dict[str, Any]) -> str:
    """One reference per launch source: per template version, configuration, ESS configuration."""
    kind = launch.get("kind")
    if kind == "template":
        return f"lt:{launch.get('id') or launch.get('name')}:{launch.get('version')}"
    if kind == "configuration":
        return f"lc:{launch.get('name')}"
    if kind == "scaling_configuration":
        return f"sc:{launch.get('id')}"
    return ""  # attached, or launched from a spec: no source to compare by age


def date_launches(conn: Connection, scope: Scope, group_members: Iterable[Member]) -> None:
    """Give each member its launch source's age, so scale-in can end the oldest source first.

    A scaling configuration's age is its creation order, a launch configuration's its creation
    time, a template's its version number; a source since deleted counts as older than any.
    """
    dated = [m for m in group_members if m.launch_ref]
    ids = {m.launch_ref[3:] for m in dated if m.launch_ref.startswith("sc:")}
    names = {m.launch_ref[3:] for m in dated if m.launch_ref.startswith("lc:")}
    ages: dict[str, float] = {}
    if ids:
        ages.update(
            (f"sc:{row.id}", float(row.seq))
            for row in conn.execute(
                select(scaling_configurations.c.id, scaling_configurations.c.seq).where(
                    scaling_configurations.c.id.in_(sorted(ids))
                )
            )
        )
    if names:
        ages.update(
            (f"lc:{row.name}", row.created_at.timestamp())
            for row in conn.execute(
                select(launch_configurations.c.name, launch_configurations.c.created_at).where(
                    launch_configurations.c.account == scope.account,
                    launch_configurations.c.region == scope.region,
                    launch_configurations.c.name.in_(sorted(names)),
                )
            )
        )
    for member in dated:
        if member.launch_ref.startswith("lt:"):
            version = member.launch_ref.rsplit(":", 1)[1]
            member.launch_age = float(version) if version.isdigit() else -math.inf
        else:
            member.launch_age = ages.get(member.launch_ref, -math.inf)


def member_of(row: Any) -> Member:
    return Member(
        instance_id=row.instance_id,
        group_id=row.group_id,
        zone=row.zone,
        subnet_id=row.subnet_id,
        state=Lifecycle(row.state),
        healthy=row.healthy,
        protected=row.protected,
        origin=Origin(row.origin),
        joined_at=row.joined_at,
        instance_type=row.instance_type,
        launch_ref=launch_ref(row.launch),
        entrusted=row.entrusted,
    )


def group_key(scope: Scope) -> Any:
    """AWS names a group by its name, ESS by its ScalingGroupId; commands take either as `name`."""
    return groups.c.id if scope.cloud is Cloud.ALIYUN else groups.c.name


def find_group(
    conn: Connection,
    scope: Scope,
    name: str,
    *,
    missing: str = "group.not_found",
    lock: bool = False,
) -> Any:
    """Fetch a group by its key; with `lock`, hold its row until the transaction ends."""
    query = select(groups).where(
        groups.c.account == scope.account,
        groups.c.region == scope.region,
        groups.c.cloud == scope.cloud.value,
        group_key(scope) == name,
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise Refusal(missing, group=name)
    return row


def lock_group(
    conn: Connection, scope: Scope, name: str, *, missing: str = "group.not_found"
) -> Any:
    """Fetch a group for change, holding its row until the transaction ends."""
    return find_group(conn, scope, name, missing=missing, lock=True)


def lock_groups(
    conn: Connection, scope: Scope, names: list[str], *, missing: str
) -> dict[str, Any]:
    """Lock several groups in id order, the order every multi-group change keeps: no deadlock."""
    rows = {name: find_group(conn, scope, name, missing=missing) for name in dict.fromkeys(names)}
    conn.execute(
        select(groups.c.id)
        .where(groups.c.id.in_(sorted(row.id for row in rows.values())))
        .order_by(groups.c.id)
        .with_for_update()
    )
    return rows


def lock_quota(conn: Connection, scope: Scope, kind: str) -> None:
    """Count-then-insert under a quota is one step: creates of one kind in one scope queue here.

    PostgreSQL takes a transaction-scoped advisory lock (it honours lock_timeout, so a long
    wait becomes Contention); SQLite already admits one writer at a time.
    """
    if conn.dialect.name == "postgresql":
        key = f"quota:{kind}:{scope.account}:{scope.region}:{scope.cloud.value}"
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def members_of(conn: Connection, group_id: str) -> dict[str, Member]:
    rows = conn.execute(
        select(members)
        .where(members.c.group_id == group_id)
        .order_by(members.c.joined_at, members.c.instance_id)
    ).all()
    return {row.instance_id: member_of(row) for row in rows}


def activity_id(scope: Scope) -> str:
    """AWS names activities by UUID; ESS by `asa-` and 20 characters."""
    if scope.cloud is Cloud.ALIYUN:
        return "asa-" + uuid.uuid4().hex[:20]
    return str(uuid.uuid4())


def add_activity(
    conn: Connection,
    scope: Scope,
    group: Any,
    kind: Kind,
    now: datetime,
    *,
    instance_id: str | None = None,
    zone: str | None = None,
    subnet_id: str | None = None,
    status: Status = Status.IN_PROGRESS,
    progress: int = 0,
    step: str = "start",
    facts: dict[str, Any] | None = None,
    parent_id: str | None = None,
    client_token: str | None = None,
    runs: bool = True,
) -> dict[str, Any]:
    """Record an activity in the caller's transaction; the runner advances it from `step`."""
    row = {
        "id": activity_id(scope),
        "account": scope.account,
        "region": scope.region,
        "cloud": scope.cloud.value,
        "group_id": group.id,
        "group_name": group.name,
        "group_arn": group.arn,
        "group_deleted": False,
        "kind": kind.value,
        "instance_id": instance_id,
        "zone": zone,
        "subnet_id": subnet_id,
        "status": status.value,
        "progress": progress,
        "step": step,
        "due_at": now if runs else None,  # a request's own activity waits on its instances
        "parent_id": parent_id,
        "client_token": client_token,
        "facts": facts or {},
        "status_message": None,
        "started_at": now,
        "ended_at": None,
        "lease_owner": None,
        "lease_until": None,
    }
    conn.execute(insert(activities).values(row))
    return row
