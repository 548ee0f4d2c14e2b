"""Launch configurations: the legacy AWS launch source, stored and checked by the engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select

from tidewater.cloud.ports import Subnet
from tidewater.domain.launch import Blueprint, LaunchConfiguration, source_of
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_region
from tidewater.engine.profile import Record
from tidewater.store.tables import groups, launch_configurations


def from_instance(ctx: Context, scope: Scope, instance_id: str) -> tuple[Blueprint, Subnet]:
    """What a launch configuration made from a running instance launches (its image, type,
    key pair, security groups, EBS optimization and monitoring; never its block devices), and
    where that instance runs."""
    found = ctx.compute.launched_like(scope, instance_id)
    if found is None:
        raise Refusal("instance.not_a_source", instance_id=instance_id)
    spec, subnet = found
    blueprint = Blueprint(
        image_id=spec.image_id,
        instance_type=spec.instance_type,
        key_name=spec.key_name,
        security_groups=spec.security_groups,
        machine=dict(spec.attributes),
    )
    return blueprint, subnet


def create(
    ctx: Context, scope: Scope, name: str, blueprint: Blueprint, data: dict[str, Any]
) -> None:
    """Store a launch configuration: what it launches, and its wire fields to describe it by."""
    if not blueprint.image_id or not blueprint.instance_type:
        raise Refusal("launch_configuration.incomplete")
    if not ctx.compute.image_exists(scope, blueprint.image_id):
        raise Refusal("image.not_found", image_id=blueprint.image_id)
    key_name = blueprint.key_name
    if key_name and not ctx.compute.key_pair_exists(scope, key_name):
        raise Refusal("key_pair.not_found", key_name=key_name)
    profile = ctx.profile(scope.cloud)
    with ctx.change(scope) as books:
        conn = books.conn
        books.groups.lock_quota("launch_configurations")
        found = conn.execute(
            select(launch_configurations.c.name).where(
                in_region(launch_configurations, scope),
                launch_configurations.c.name == name,
            )
        ).first()
        if found is not None:
            raise Refusal("launch_configuration.exists", name=name)
        limit = ctx.limits(scope.cloud).launch_configurations
        if limit is not None:
            count = conn.execute(
                select(func.count())
                .select_from(launch_configurations)
                .where(
                    in_region(launch_configurations, scope),
                )
            ).scalar_one()
            if count >= limit:
                raise Refusal("launch_configuration.quota", limit=limit)
        conn.execute(
            insert(launch_configurations).values(
                account=scope.account,
                region=scope.region,
                name=name,
                arn=profile.arn(
                    Record.LAUNCH_CONFIGURATION,
                    scope,
                    profile.new_id(Record.LAUNCH_CONFIGURATION),
                    name,
                ),
                data=data,
                blueprint=blueprint.stored(),
                created_at=ctx.clock.now(),
            )
        )


def delete_one(ctx: Context, scope: Scope, name: str) -> None:
    with ctx.change(scope) as books:
        conn = books.conn
        found = conn.execute(
            select(launch_configurations.c.name)
            .where(
                in_region(launch_configurations, scope),
                launch_configurations.c.name == name,
            )
            .with_for_update()
        ).first()
        if found is None:
            raise Refusal("launch_configuration.not_found", name=name)
        for launch in conn.execute(
            select(groups.c.launch).where(in_region(groups, scope))
        ).scalars():
            if source_of(launch) == LaunchConfiguration(name):
                raise Refusal("launch_configuration.in_use", name=name)
        conn.execute(
            delete(launch_configurations).where(
                in_region(launch_configurations, scope),
                launch_configurations.c.name == name,
            )
        )
