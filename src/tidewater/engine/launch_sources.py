"""One resolver from a group's launch source to what the cloud launches."""

from __future__ import annotations

from sqlalchemy import Connection, select

from tidewater.cloud.ports import LaunchSpec
from tidewater.domain.launch import (
    Blueprint,
    LaunchConfiguration,
    LaunchSource,
    ScalingConfiguration,
    TemplateVersion,
)
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_region
from tidewater.store.tables import launch_configurations, scaling_configurations


def blueprint_of(conn: Connection, scope: Scope, source: LaunchSource | None) -> Blueprint | None:
    """What a stored configuration launches; None for a template (the cloud keeps those)."""
    if isinstance(source, LaunchConfiguration):
        stored = conn.execute(
            select(launch_configurations.c.blueprint).where(
                in_region(launch_configurations, scope),
                launch_configurations.c.name == source.name,
            )
        ).scalar()
        if stored is None:
            raise Refusal("launch_configuration.not_found", name=source.name)
        return Blueprint.of(stored)
    if isinstance(source, ScalingConfiguration):
        stored = conn.execute(
            select(scaling_configurations.c.blueprint).where(
                scaling_configurations.c.id == source.id
            )
        ).scalar()
        if stored is None:
            raise Refusal("scaling_configuration.not_found", id=source.id)
        return Blueprint.of(stored)
    return None


def resolve(
    ctx: Context, conn: Connection, scope: Scope, source: LaunchSource | None
) -> LaunchSpec:
    """The launch a source describes; refuses a source since deleted."""
    blueprint = blueprint_of(conn, scope, source)
    if blueprint is not None:
        return LaunchSpec(
            image_id=blueprint.image_id,
            instance_type=blueprint.instance_type,
            key_name=blueprint.key_name,
            security_groups=blueprint.security_groups,
            attributes=blueprint.machine,
        )
    template = source if isinstance(source, TemplateVersion) else TemplateVersion(None, None, None)
    return ctx.compute.template(scope, template.id, template.name, template.version)
