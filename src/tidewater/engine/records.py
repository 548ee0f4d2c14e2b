"""Rows to domain objects and back, in one place."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from tidewater.domain.group import Group, GroupStatus, Rules
from tidewater.domain.instance import Lifecycle, Member, Origin
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    launch_configurations,
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
