"""Describe paths: one page of plain rows per query, no domain objects, no per-row round trips."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, select

from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.store.tables import activities, group_tags, groups, launch_configurations, members


@dataclass(slots=True)
class Page:
    rows: list[Any]
    next_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def encode_token(value: str | int) -> str:
    return base64.urlsafe_b64encode(f"tw1:{value}".encode()).decode()


def decode_token(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise Refusal("token.invalid", token=token) from None
    if not text.startswith("tw1:"):
        raise Refusal("token.invalid", token=token)
    return text[4:]


def page_size(max_records: int | None, default: int, limit: int) -> int:
    if max_records is None:
        return default
    if max_records < 1 or max_records > limit:
        raise Refusal("max_records.range", value=max_records, limit=limit)
    return max_records


def in_scope(table: Any, scope: Scope) -> Any:
    return and_(
        table.c.account == scope.account,
        table.c.region == scope.region,
        table.c.cloud == scope.cloud.value,
    )


def _tag_filters(query: Select[Any], filters: Sequence[tuple[str, Sequence[str]]]) -> Select[Any]:
    for name, values in filters:
        if name.startswith("tag:"):
            query = query.where(
                exists().where(
                    group_tags.c.group_id == groups.c.id,
                    group_tags.c.key == name[4:],
                    group_tags.c.value.in_(list(values)),
                )
            )
        elif name == "tag-key":
            query = query.where(
                exists().where(
                    group_tags.c.group_id == groups.c.id, group_tags.c.key.in_(list(values))
                )
            )
        elif name == "tag-value":
            query = query.where(
                exists().where(
                    group_tags.c.group_id == groups.c.id, group_tags.c.value.in_(list(values))
                )
            )
        else:
            raise Refusal("filter.invalid", name=name)
    return query


def groups_page(
    ctx: Context,
    scope: Scope,
    names: Sequence[str] | None,
    filters: Sequence[tuple[str, Sequence[str]]],
    token: str | None,
    size: int,
    with_instances: bool = True,
) -> Page:
    after = decode_token(token)
    query = select(groups).where(in_scope(groups, scope))
    if names is not None:
        query = query.where(groups.c.name.in_(list(names)))
    query = _tag_filters(query, filters)
    if after is not None:
        query = query.where(groups.c.name > after)
    query = query.order_by(groups.c.name).limit(size + 1)
    with ctx.db.read() as conn:
        rows = list(conn.execute(query).all())
        more = len(rows) > size
        rows = rows[:size]
        ids = [r.id for r in rows]
        tags: dict[str, list[Any]] = {i: [] for i in ids}
        instances: dict[str, list[Any]] = {i: [] for i in ids}
        if ids:
            for tag in conn.execute(
                select(group_tags).where(group_tags.c.group_id.in_(ids)).order_by(group_tags.c.key)
            ):
                tags[tag.group_id].append(tag)
            if with_instances:
                for member in conn.execute(
                    select(members)
                    .where(members.c.group_id.in_(ids))
                    .order_by(members.c.instance_id)
                ):
                    instances[member.group_id].append(member)
    return Page(
        rows, encode_token(rows[-1].name) if more else None, {"tags": tags, "instances": instances}
    )


def instances_page(
    ctx: Context, scope: Scope, ids: Sequence[str] | None, token: str | None, size: int
) -> Page:
    after = decode_token(token)
    query = (
        select(members, groups.c.name.label("group_name"), groups.c.launch.label("group_launch"))
        .join(groups, groups.c.id == members.c.group_id)
        .where(in_scope(groups, scope))
    )
    if ids is not None:
        query = query.where(members.c.instance_id.in_(list(ids)))
    if after is not None:
        query = query.where(members.c.instance_id > after)
    query = query.order_by(members.c.instance_id).limit(size + 1)
    with ctx.db.read() as conn:
        rows = list(conn.execute(query).all())
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_token(rows[-1].instance_id) if more else None)


def activities_page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    include_deleted: bool,
    token: str | None,
    size: int,
) -> Page:
    after = decode_token(token)
    query = select(activities).where(in_scope(activities, scope))
    if group is not None:
        query = query.where(activities.c.group_name == group)
    if ids is not None:
        query = query.where(activities.c.id.in_(list(ids)))
    if not include_deleted:
        query = query.where(activities.c.group_deleted.is_(False))
    if after is not None:
        try:
            query = query.where(activities.c.seq < int(after))
        except ValueError:
            raise Refusal("token.invalid", token=token) from None
    query = query.order_by(activities.c.seq.desc()).limit(size + 1)
    with ctx.db.read() as conn:
        rows = list(conn.execute(query).all())
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_token(rows[-1].seq) if more else None)


TAG_FILTERS = {
    "auto-scaling-group": group_tags.c.group_id,
    "key": group_tags.c.key,
    "value": group_tags.c.value,
    "propagate-at-launch": group_tags.c.propagate,
}


def tags_page(
    ctx: Context,
    scope: Scope,
    filters: Sequence[tuple[str, Sequence[str]]],
    token: str | None,
    size: int,
) -> Page:
    after = decode_token(token)
    query = (
        select(group_tags, groups.c.name.label("group_name"))
        .join(groups, groups.c.id == group_tags.c.group_id)
        .where(in_scope(groups, scope))
    )
    for name, values in filters:
        if name == "auto-scaling-group":
            query = query.where(groups.c.name.in_(list(values)))
        elif name == "propagate-at-launch":
            query = query.where(group_tags.c.propagate.in_([v.lower() == "true" for v in values]))
        elif name in ("key", "value"):
            query = query.where(TAG_FILTERS[name].in_(list(values)))
        else:
            raise Refusal("filter.invalid", name=name)
    if after is not None:
        name, _, key = after.partition("\x00")
        query = query.where(
            (groups.c.name > name) | and_(groups.c.name == name, group_tags.c.key > key)
        )
    query = query.order_by(groups.c.name, group_tags.c.key).limit(size + 1)
    with ctx.db.read() as conn:
        rows = list(conn.execute(query).all())
    more = len(rows) > size
    rows = rows[:size]
    token_out = encode_token(f"{rows[-1].group_name}\x00{rows[-1].key}") if more else None
    return Page(rows, token_out)


def launch_configurations_page(
    ctx: Context, scope: Scope, names: Sequence[str] | None, token: str | None, size: int
) -> Page:
    after = decode_token(token)
    query = select(launch_configurations).where(
        launch_configurations.c.account == scope.account,
        launch_configurations.c.region == scope.region,
    )
    if names is not None:
        query = query.where(launch_configurations.c.name.in_(list(names)))
    if after is not None:
        query = query.where(launch_configurations.c.name > after)
    query = query.order_by(launch_configurations.c.name).limit(size + 1)
    with ctx.db.read() as conn:
        rows = list(conn.execute(query).all())
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_token(rows[-1].name) if more else None)


def group_exists(ctx: Context, scope: Scope, name: str) -> bool:
    with ctx.db.read() as conn:
        return (
            conn.execute(
                select(groups.c.id).where(in_scope(groups, scope), groups.c.name == name)
            ).first()
            is not None
        )


def account_counts(ctx: Context, scope: Scope) -> dict[str, int]:
    with ctx.db.read() as conn:
        group_count = conn.execute(
            select(func.count()).select_from(groups).where(in_scope(groups, scope))
        ).scalar_one()
        lc_count = conn.execute(
            select(func.count())
            .select_from(launch_configurations)
            .where(
                launch_configurations.c.account == scope.account,
                launch_configurations.c.region == scope.region,
            )
        ).scalar_one()
    return {"groups": group_count, "launch_configurations": lc_count}
