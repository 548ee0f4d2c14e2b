"""Rows to domain objects and back, in one place."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from tidewater.domain import processes
from tidewater.domain.group import Group, GroupStatus, Rules
from tidewater.domain.instance import Lifecycle, Member, Origin
from tidewater.domain.launch import (
    WEIGHTS,
    LaunchConfiguration,
    ScalingConfiguration,
    TemplateVersion,
    preferred_type,
    ref_of,
    source_of,
)
from tidewater.domain.scope import Cloud, Scope
from tidewater.domain.warm_pool import POOL, WarmPool
from tidewater.engine.gateways.groups import in_region
from tidewater.store.tables import (
    launch_configurations,
    scaling_configurations,
)


def group_of(row: Any) -> Group:
    rules, source = row.rules or {}, source_of(row.launch)
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
        launch_ref=ref_of(source),
        source=source,
        rules=Rules(**rules),
        processes=processes.BY_CLOUD[Cloud(row.cloud)],
        weights=(row.launch or {}).get(WEIGHTS) or {},
        launch_type=preferred_type(row.launch),
        warm_pool=WarmPool.of((row.settings or {}).get(POOL)),
    )


def date_launches(conn: Connection, scope: Scope, group_members: Iterable[Member]) -> None:
    """Give each member its launch source's age, so scale-in can end the oldest source first.

    A scaling configuration's age is its creation order, a launch configuration's its creation
    time, a template's its version number; a source since deleted counts as older than any.
    """
    dated = [m for m in group_members if m.source is not None]
    ids = {m.source.id for m in dated if isinstance(m.source, ScalingConfiguration)}
    names = {m.source.name for m in dated if isinstance(m.source, LaunchConfiguration)}
    ages: dict[str, float] = {}
    if ids:
        ages.update(
            (ScalingConfiguration(row.id).ref, float(row.seq))
            for row in conn.execute(
                select(scaling_configurations.c.id, scaling_configurations.c.seq).where(
                    scaling_configurations.c.id.in_(sorted(ids))
                )
            )
        )
    if names:
        ages.update(
            (LaunchConfiguration(row.name).ref, row.created_at.timestamp())
            for row in conn.execute(
                select(launch_configurations.c.name, launch_configurations.c.created_at).where(
                    in_region(launch_configurations, scope),
                    launch_configurations.c.name.in_(sorted(names)),
                )
            )
        )
    for member in dated:
        assert member.source is not None
        age = member.source.age() if isinstance(member.source, TemplateVersion) else None
        member.launch_age = age if age is not None else ages.get(member.source.ref, -math.inf)


def member_of(row: Any) -> Member:
    source = source_of(row.launch)
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
        launch_ref=ref_of(source),
        source=source,
        entrusted=row.entrusted,
        weight=row.weight,
    )
