"""One resolver from a group's launch source to what the cloud launches."""

from __future__ import annotations

from sqlalchemy import Connection, select

from tidewater.cloud.ports import LaunchSpec
from tidewater.domain.launch import (
    LaunchConfiguration,
    LaunchSource,
    Machine,
    ScalingConfiguration,
    TemplateVersion,
)
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.store.tables import launch_configurations, scaling_configurations


def machine_of(conn: Connection, scope: Scope, source: LaunchSource | None) -> Machine | None:
    """What a stored configuration launches; None for a template (the cloud keeps those)."""
    if isinstance(source, LaunchConfiguration):
        stored = conn.execute(
            select(launch_configurations.c.machine).where(
                launch_configurations.c.account == scope.account,
                launch_configurations.c.region == scope.region,
                launch_configurations.c.name == source.name,
            )
        ).scalar()
        if stored is None:
            raise Refusal("launch_configuration.not_found", name=source.name)
        return Machine.of(stored)
    if isinstance(source, ScalingConfiguration):
        stored = conn.execute(
            select(scaling_configurations.c.machine).where(scaling_configurations.c.id == source.id)
        ).scalar()
        if stored is None:
            raise Refusal("scaling_configuration.not_found", id=source.id)
        return Machine.of(stored)
    return None


def resolve(
    ctx: Context, conn: Connection, scope: Scope, source: LaunchSource | None
) -> LaunchSpec:
    """The launch a source describes; refuses a source since deleted."""
    machine = machine_of(conn, scope, source)
    if machine is not None:
        return LaunchSpec(
            image_id=machine.image_id,
            instance_type=machine.instance_type,
            key_name=machine.key_name,
            security_groups=machine.security_groups,
        )
    template = source if isinstance(source, TemplateVersion) else TemplateVersion(None, None, None)
    return ctx.compute.template(scope, template.id, template.name, template.version)
