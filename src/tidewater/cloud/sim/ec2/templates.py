"""EC2's launch template actions: create, version, describe and delete templates."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    invalid,
    malformed_template_id,
    missing,
    name_in_use,
    template_not_found,
)
from tidewater.cloud.sim.ec2.filters import template_filter, version_filter
from tidewater.cloud.sim.ec2.params import (
    ALL_VERSIONS_TEXT,
    TEMPLATE_ID,
    TEMPLATE_NAME,
    TEMPLATE_NAME_TEXT,
    Params,
    action,
    instance_tags,
    merge,
    parse_filters,
    sql_page,
    unique,
)
from tidewater.cloud.sim.ec2.render import template_out, version_out
from tidewater.cloud.sim.ec2.state import Ec2State, template_row, version_data, version_number
from tidewater.cloud.sim.kit import dryrun, paging
from tidewater.cloud.sim.kit.rows import owner_columns
from tidewater.domain.scope import Scope
from tidewater.store.tables import launch_template_versions, launch_templates

Output = dict[str, Any]

TEMPLATE_ORDER: paging.Order = (
    (launch_templates.c.created_at, False),
    (launch_templates.c.id, False),
)
VERSION_ORDER: paging.Order = (
    (launch_template_versions.c.template_id, False),
    (launch_template_versions.c.version, True),
)


class Templates(Ec2State):
    """Launch templates and their numbered versions."""

    @action
    def create_launch_template(self, scope: Scope, params: Params) -> Output:
        name = str(params.get("LaunchTemplateName") or "")
        if not TEMPLATE_NAME.fullmatch(name):
            raise Ec2Fault("InvalidLaunchTemplateName.MalformedException", TEMPLATE_NAME_TEXT)
        data = params.get("LaunchTemplateData")
        if not data:
            raise Ec2Fault(
                "MissingParameter",
                "No launch template data was provided. Launch "
                "template data is required to create a launch template.",
            )
        tags = instance_tags(params.get("TagSpecifications") or [], ("launch-template",))
        try:
            with self.db.write() as conn:
                return {"LaunchTemplate": self._insert_template(conn, scope, params, name, tags)}
        except IntegrityError:
            raise name_in_use() from None

    def _insert_template(
        self, conn: Connection, scope: Scope, params: Params, name: str, tags: Mapping[str, str]
    ) -> Output:
        taken = conn.execute(
            select(launch_templates.c.id).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
                launch_templates.c.name == name,
            )
        ).first()
        if taken is not None:
            raise name_in_use()
        dryrun.aws(params)
        now = self.clock.now()
        template_id = "lt-" + secrets.token_hex(9)[:17]
        conn.execute(
            insert(launch_templates).values(
                **owner_columns(scope),
                id=template_id,
                name=name,
                default_version=1,
                latest_version=1,
                created_at=now,
                created_by=f"arn:aws:iam::{scope.account}:root",
                tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        )
        conn.execute(
            insert(launch_template_versions).values(
                template_id=template_id,
                version=1,
                description=params.get("VersionDescription"),
                data=dict(params["LaunchTemplateData"]),
                created_at=now,
            )
        )
        row = conn.execute(select(launch_templates).where(launch_templates.c.id == template_id))
        return template_out(row.one())

    @action
    def create_launch_template_version(self, scope: Scope, params: Params) -> Output:
        """SourceVersion's data is the base the new data is laid over."""
        data = params.get("LaunchTemplateData")
        if data is None:
            raise missing("LaunchTemplateData")
        with self.db.write() as conn:
            template = template_row(
                conn,
                scope,
                params.get("LaunchTemplateId"),
                params.get("LaunchTemplateName"),
                lock=True,
            )
            source = params.get("SourceVersion")
            base = version_data(conn, template, version_number(template, source)) if source else {}
            dryrun.aws(params)
            return {
                "LaunchTemplateVersion": self._add_version(
                    conn, template, merge(base, data), params.get("VersionDescription")
                )
            }

    def _add_version(
        self, conn: Connection, template: Row[Any], data: dict[str, Any], description: str | None
    ) -> Output:
        number = int(template.latest_version) + 1
        now = self.clock.now()
        conn.execute(
            update(launch_templates)
            .where(launch_templates.c.id == template.id)
            .values(latest_version=number)
        )
        conn.execute(
            insert(launch_template_versions).values(
                template_id=template.id,
                version=number,
                description=description,
                data=data,
                created_at=now,
            )
        )
        return version_out(template, number, description, data, now)

    @action
    def describe_launch_templates(self, scope: Scope, params: Params) -> Output:
        ids = unique(params.get("LaunchTemplateIds") or [])
        names = unique(params.get("LaunchTemplateNames") or [])
        for template_id in ids:
            if not TEMPLATE_ID.fullmatch(template_id):
                raise malformed_template_id(template_id)
        page = sql_page(params, "templates", TEMPLATE_ORDER, 1, 200)
        conditions = [
            template_filter(name, values, self.db.dialect) for name, values in parse_filters(params)
        ]
        dryrun.aws(params)
        with self.db.read() as conn:
            conditions += self._named_templates(conn, scope, ids, names)
            query = select(launch_templates).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
                *conditions,
            )
            rows, token = paging.fetch(conn, query, TEMPLATE_ORDER, page)
        out: Output = {"LaunchTemplates": [template_out(r) for r in rows]}
        if token:
            out["NextToken"] = token
        return out

    def _named_templates(
        self, conn: Connection, scope: Scope, ids: Sequence[str], names: Sequence[str]
    ) -> list[ColumnElement[bool]]:
        """Every id and name asked for must exist; they then narrow the listing."""
        if not ids and not names:
            return []
        found = conn.execute(
            select(launch_templates.c.id, launch_templates.c.name).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
                or_(launch_templates.c.id.in_(ids), launch_templates.c.name.in_(names)),
            )
        ).all()
        missing_ids = [i for i in ids if i not in {r.id for r in found}]
        if missing_ids:
            raise template_not_found(missing_ids[0])
        if any(n not in {r.name for r in found} for n in names):
            raise Ec2Fault(
                "InvalidLaunchTemplateName.NotFoundException",
                "At least one of the launch templates specified in the request does not exist.",
            )
        conditions: list[ColumnElement[bool]] = []
        if ids:
            conditions.append(launch_templates.c.id.in_(ids))
        if names:
            conditions.append(launch_templates.c.name.in_(names))
        return conditions

    @action
    def describe_launch_template_versions(self, scope: Scope, params: Params) -> Output:
        """Without a template, only $Latest and $Default may be asked for, across all of them."""
        page = sql_page(params, "versions", VERSION_ORDER, 1, 200)
        versions = [str(v) for v in params.get("Versions") or []]
        conditions = [version_filter(name, values) for name, values in parse_filters(params)]
        dryrun.aws(params)
        with self.db.read() as conn:
            if params.get("LaunchTemplateId") or params.get("LaunchTemplateName"):
                template = template_row(
                    conn, scope, params.get("LaunchTemplateId"), params.get("LaunchTemplateName")
                )
                conditions += self._versions_of(template, versions, params)
            else:
                conditions.append(aliases(versions))
            query = (
                select(
                    launch_template_versions,
                    launch_templates.c.id,
                    launch_templates.c.name,
                    launch_templates.c.default_version,
                    launch_templates.c.created_by,
                )
                .join(
                    launch_templates,
                    launch_templates.c.id == launch_template_versions.c.template_id,
                )
                .where(
                    launch_templates.c.account == scope.account,
                    launch_templates.c.region == scope.region,
                    *conditions,
                )
            )
            rows, token = paging.fetch(conn, query, VERSION_ORDER, page)
        out: Output = {
            "LaunchTemplateVersions": [
                version_out(r, r.version, r.description, r.data, r.created_at) for r in rows
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def _versions_of(
        self, template: Row[Any], versions: Sequence[str], params: Params
    ) -> list[ColumnElement[bool]]:
        column = launch_template_versions.c.version
        conditions = [launch_template_versions.c.template_id == template.id]
        if versions:
            conditions.append(column.in_([version_number(template, v) for v in versions]))
        for bound, compare in (("MinVersion", column.__ge__), ("MaxVersion", column.__le__)):
            if params.get(bound):
                conditions.append(compare(version_number(template, params[bound])))
        return conditions

    @action
    def delete_launch_template(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            template = template_row(
                conn,
                scope,
                params.get("LaunchTemplateId"),
                params.get("LaunchTemplateName"),
                lock=True,
            )
            dryrun.aws(params)
            conn.execute(
                delete(launch_template_versions).where(
                    launch_template_versions.c.template_id == template.id
                )
            )
            conn.execute(delete(launch_templates).where(launch_templates.c.id == template.id))
        return {"LaunchTemplate": template_out(template)}


def aliases(versions: Sequence[str]) -> ColumnElement[bool]:
    if not versions:
        raise Ec2Fault("MissingParameter", ALL_VERSIONS_TEXT)
    if any(v not in ("$Latest", "$Default") for v in versions):
        raise invalid(ALL_VERSIONS_TEXT)
    column = launch_template_versions.c.version
    return or_(
        *([column == launch_templates.c.latest_version] if "$Latest" in versions else []),
        *([column == launch_templates.c.default_version] if "$Default" in versions else []),
    )
