"""ESS scaling configurations: the launch sources of a group, one of them active at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select

from tidewater.domain.launch import Blueprint, ScalingConfiguration, source_of
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.groups import vpcs_of
from tidewater.engine.profile import Record
from tidewater.engine.queries import Page, owned_page
from tidewater.store.tables import groups, scaling_configurations


def launch_of(config_id: str) -> dict[str, Any]:
    return ScalingConfiguration(config_id).stored()


def _check_groups(
    ctx: Context, scope: Scope, vswitches: Sequence[str], named: Sequence[str]
) -> None:
    """The security groups named exist and sit in the VPC of the group's vSwitches."""
    if not named:
        return
    known = ctx.compute.security_groups(scope)
    vpcs = vpcs_of(ctx, scope, vswitches)
    for group in named:
        if group not in known:
            raise Refusal("security_group.not_found", group=group)
        if known[group] not in vpcs:
            raise Refusal("security_group.vpc_mismatch", group=group)


def create(
    ctx: Context,
    scope: Scope,
    group: str,
    name: str | None,
    blueprint: Blueprint,
    instance_types: Sequence[str],
    data: dict[str, Any],
) -> str:
    """Store a scaling configuration: what it launches (its first instance type), every type it
    names, and its wire fields to describe it by."""
    if not ctx.compute.image_exists(scope, blueprint.image_id):
        raise Refusal("image.not_found", image_id=blueprint.image_id)
    config_id = ctx.profile(scope.cloud).new_id(Record.SCALING_CONFIGURATION)
    with ctx.change(scope) as books:
        conn = books.conn
        row = books.groups.lock(group)
        _check_groups(ctx, scope, row.subnets or [], blueprint.security_groups)
        count = conn.execute(
            select(func.count())
            .select_from(scaling_configurations)
            .where(scaling_configurations.c.group_id == row.id)
        ).scalar_one()
        limit = ctx.limits(scope.cloud).scaling_configurations
        if limit is not None and count >= limit:
            raise Refusal("scaling_configuration.quota", group=group, limit=limit)
        taken = conn.execute(
            select(scaling_configurations.c.id).where(
                scaling_configurations.c.group_id == row.id,
                scaling_configurations.c.name == (name or config_id),
            )
        ).first()
        if taken is not None:
            raise Refusal("scaling_configuration.exists", name=name)
        conn.execute(
            insert(scaling_configurations).values(
                id=config_id,
                group_id=row.id,
                name=name or config_id,
                image_id=blueprint.image_id,
                instance_types=list(instance_types),
                data=data,
                blueprint=blueprint.stored(),
                created_at=ctx.clock.now(),
            )
        )
    return config_id


def first_of(ctx: Context, scope: Scope, group: str, wanted: str | None) -> dict[str, Any]:
    """The configuration EnableScalingGroup activates: the one named, else the group's first."""
    with ctx.read(scope) as books:
        conn = books.conn
        row = books.groups.find(group)
        query = select(scaling_configurations.c.id).where(
            scaling_configurations.c.group_id == row.id
        )
        if wanted:
            query = query.where(scaling_configurations.c.id == wanted)
        found = conn.execute(query.order_by(scaling_configurations.c.seq).limit(1)).scalar()
        if found is None and not wanted and row.launch:
            return dict(row.launch)
    if found is None:
        raise Refusal("scaling_configuration.not_found", id=wanted or "")
    return launch_of(found)


def delete_one(ctx: Context, scope: Scope, config_id: str) -> None:
    with ctx.change(scope) as books:
        conn = books.conn
        row = conn.execute(
            select(scaling_configurations.c.group_id, groups.c.launch)
            .join(groups, groups.c.id == scaling_configurations.c.group_id)
            # configuration ids are unique everywhere; the request may name no region
            .where(scaling_configurations.c.id == config_id, groups.c.account == scope.account)
        ).first()
        if row is None:
            raise Refusal("scaling_configuration.not_found", id=config_id)
        if source_of(row.launch) == ScalingConfiguration(config_id):
            raise Refusal("scaling_configuration.active", id=config_id)
        conn.execute(delete(scaling_configurations).where(scaling_configurations.c.id == config_id))


def page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    names: Sequence[str] | None,
    number: int,
    size: int,
) -> Page:
    """One numbered page, oldest first, each row with its group's active launch source."""
    chosen = {scaling_configurations.c.id: ids, scaling_configurations.c.name: names}
    extra = groups.c.launch.label("group_launch")
    return owned_page(ctx, scope, scaling_configurations, extra, group, chosen, number, size)
