"""Describe paths: one page of plain rows per query, no domain objects, no per-row round trips."""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, false, func, or_, select

from tidewater.domain.refresh import STARTED_BY
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_region, in_scope, within
from tidewater.store.prepared import Prepared, fetch
from tidewater.store.tables import (
    activities,
    group_tags,
    groups,
    launch_configurations,
    members,
    scaling_rules,
)


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


# Describe statements are built once per shape (which optional parts are present) and run with
# bound parameters: building a SELECT costs more than running it on SQLite.


def _scoped(table: Any) -> Any:
    return within(table, bindparam("account"), bindparam("region"), bindparam("cloud"))


def _scope_params(scope: Scope, size: int | None = None) -> dict[str, Any]:
    """The bound scope, and the page's limit (one row more, to know whether more follow)."""
    params: dict[str, Any] = {
        "account": scope.account,
        "region": scope.region,
        "cloud": scope.cloud.value,
    }
    if size is not None:
        params["limit"] = size + 1
    return params


def _listed(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


GROUP_TAG_FILTERS = {"tag-key": group_tags.c.key, "tag-value": group_tags.c.value}
# Values one filter type may carry: DescribeAutoScalingGroups refuses a sixth value for a
# tag:<key> filter (observed; applied to tag-key and tag-value too, inferred), DescribeTags a
# 1001st (documented). Filters that share a name are one filter type: their values add up.
GROUP_FILTER_VALUES = 5
TAG_FILTER_VALUES = 1000
GROUP_TAGS_LIMIT = 50  # tags one group may carry: more distinct tag:<key> filters match nothing


def merged_filters(
    filters: Sequence[tuple[str, Sequence[str]]], limit: int
) -> list[tuple[str, list[str]]]:
    """One filter per name, its values joined; refused when a name carries more than `limit`."""
    merged: dict[str, list[str]] = {}
    for name, values in filters:
        merged.setdefault(name, []).extend(values)
    for name, values in merged.items():
        if len(values) > limit:
            raise Refusal("filter.too_many_values", name=name, limit=limit)
    return [(name, list(dict.fromkeys(values))) for name, values in merged.items()]


class Named(enum.Enum):
    """How a describe names what it wants: an IN list costs a statement rewrite per call
    (SQLAlchemy's expanding parameters), one name does not."""

    ALL = 0
    ONE = 1
    MANY = 2

    @classmethod
    def of(cls, names: Sequence[str] | None) -> Named:
        if names is None:
            return cls.ALL
        return cls.ONE if len(names) == 1 else cls.MANY


@lru_cache(maxsize=128)
def _groups_statements(
    named: Named, after: bool, tag_filters: tuple[str, ...]
) -> tuple[Prepared | Select[Any], Prepared | Select[Any], Prepared | Select[Any]]:
    """A page of groups, and the tags and members of that same page: those two select the
    page's groups again as a subquery, so no id list is bound (and none expanded) per call;
    they may name the one group past the page, which the caller skips. Run on the driver
    where no IN list expands (`store.prepared`)."""
    query = select(groups).where(_scoped(groups))
    if named is Named.ONE:
        query = query.where(groups.c.name == bindparam("name"))
    elif named is Named.MANY:
        query = query.where(groups.c.name.in_(bindparam("names", expanding=True)))
    for n, kind in enumerate(tag_filters):
        values = group_tags.c.value if kind == "tag" else GROUP_TAG_FILTERS[kind]
        condition = [
            group_tags.c.group_id == groups.c.id,
            values.in_(bindparam(f"values{n}", expanding=True)),
        ]
        if kind == "tag":
            condition.append(group_tags.c.key == bindparam(f"key{n}"))
        query = query.where(exists().where(*condition))
    if after:
        query = query.where(groups.c.name > bindparam("after"))
    page = query.order_by(groups.c.name).limit(bindparam("limit"))
    ids = page.with_only_columns(groups.c.id).subquery()
    tags = select(group_tags).where(group_tags.c.group_id.in_(select(ids.c.id)))
    owned = select(members).where(members.c.group_id.in_(select(ids.c.id)))
    return (
        Prepared.where_possible(page),
        Prepared.where_possible(tags.order_by(group_tags.c.key)),
        Prepared.where_possible(owned.order_by(members.c.instance_id)),
    )


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
    params = _scope_params(scope, size)
    params.update(names=_listed(names), after=after)
    for name, _ in filters:
        if not name.startswith("tag:") and name not in GROUP_TAG_FILTERS:
            raise Refusal("filter.invalid", name=name)
    filters = merged_filters(filters, GROUP_FILTER_VALUES)
    if sum(name.startswith("tag:") for name, _ in filters) > GROUP_TAGS_LIMIT:
        return Page([], None, {"tags": {}, "instances": {}})
    kinds = []
    for n, (name, values) in enumerate(filters):
        if name.startswith("tag:"):
            kinds.append("tag")
            params[f"key{n}"] = name[4:]
        elif name in GROUP_TAG_FILTERS:
            kinds.append(name)
        else:
            raise Refusal("filter.invalid", name=name)
        params[f"values{n}"] = list(values)
    named = Named.of(names)
    if named is Named.ONE:
        params["name"] = params["names"][0]
    page, tags_of, members_of = _groups_statements(named, after is not None, tuple(kinds))
    with ctx.db.read() as conn:
        rows = fetch(conn, page, params)
        more = len(rows) > size
        rows = rows[:size]
        ids = [r.id for r in rows]
        tags: dict[str, list[Any]] = {i: [] for i in ids}
        instances: dict[str, list[Any]] = {i: [] for i in ids}
        if ids:
            for tag in fetch(conn, tags_of, params):
                if tag.group_id in tags:  # not the group past the page
                    tags[tag.group_id].append(tag)
            if with_instances:
                for member in fetch(conn, members_of, params):
                    if member.group_id in instances:
                        instances[member.group_id].append(member)
    return Page(
        rows, encode_token(rows[-1].name) if more else None, {"tags": tags, "instances": instances}
    )


@lru_cache(maxsize=8)
def _instances_statement(named: bool, after: bool) -> Prepared | Select[Any]:
    # The scope's members walked in instance id order from their own index, each one's group
    # named, so a page reads about a page of rows however many members other scopes hold.
    query = select(
        members,
        select(groups.c.name)
        .where(groups.c.id == members.c.group_id)
        .scalar_subquery()
        .label("group_name"),
    ).where(_scoped(members))
    if named:
        query = query.where(members.c.instance_id.in_(bindparam("ids", expanding=True)))
    if after:
        query = query.where(members.c.instance_id > bindparam("after"))
    return Prepared.where_possible(query.order_by(members.c.instance_id).limit(bindparam("limit")))


def instances_page(
    ctx: Context, scope: Scope, ids: Sequence[str] | None, token: str | None, size: int
) -> Page:
    after = decode_token(token)
    params = _scope_params(scope, size)
    params.update(ids=_listed(ids), after=after)
    with ctx.db.read() as conn:
        rows = fetch(conn, _instances_statement(ids is not None, after is not None), params)
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_token(rows[-1].instance_id) if more else None)


@lru_cache(maxsize=32)
def _activities_statement(
    grouped: bool, named: bool, include_deleted: bool, after: bool
) -> Prepared | Select[Any]:
    query = select(activities).where(_scoped(activities))
    if grouped:
        query = query.where(activities.c.group_name == bindparam("group"))
    if named:
        query = query.where(activities.c.id.in_(bindparam("ids", expanding=True)))
    if not include_deleted:
        query = query.where(activities.c.group_deleted.is_(False))
    if after:
        query = query.where(activities.c.seq < bindparam("after"))
    return Prepared.where_possible(
        query.order_by(activities.c.seq.desc()).limit(bindparam("limit"))
    )


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
    params = _scope_params(scope, size)
    params.update(group=group, ids=_listed(ids))
    if after is not None:
        try:
            params["after"] = int(after)
        except ValueError:
            raise Refusal("token.invalid", token=token) from None
    query = _activities_statement(
        group is not None, ids is not None, include_deleted, after is not None
    )
    with ctx.db.read() as conn:
        rows = fetch(conn, query, params)
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_token(rows[-1].seq) if more else None)


TAG_FILTERS = {
    "auto-scaling-group": groups.c.name,
    "key": group_tags.c.key,
    "value": group_tags.c.value,
    "propagate-at-launch": group_tags.c.propagate,
}


@lru_cache(maxsize=64)
def _tags_statement(filters: tuple[str, ...], after: bool) -> Select[Any]:
    query = (
        select(group_tags, groups.c.name.label("group_name"))
        .join(groups, groups.c.id == group_tags.c.group_id)
        .where(_scoped(groups))
    )
    for n, name in enumerate(filters):
        query = query.where(TAG_FILTERS[name].in_(bindparam(f"values{n}", expanding=True)))
    if after:
        query = query.where(
            (groups.c.name > bindparam("after_group"))
            | and_(
                groups.c.name == bindparam("after_group"), group_tags.c.key > bindparam("after_key")
            )
        )
    return query.order_by(groups.c.name, group_tags.c.key).limit(bindparam("limit"))


def tags_page(
    ctx: Context,
    scope: Scope,
    filters: Sequence[tuple[str, Sequence[str]]],
    token: str | None,
    size: int,
) -> Page:
    after = decode_token(token)
    params = _scope_params(scope, size)
    for name, _ in filters:
        if name not in TAG_FILTERS:
            raise Refusal("filter.invalid", name=name)
    filters = merged_filters(filters, TAG_FILTER_VALUES)
    for n, (name, values) in enumerate(filters):
        if name not in TAG_FILTERS:
            raise Refusal("filter.invalid", name=name)
        if name == "propagate-at-launch":
            params[f"values{n}"] = [v.lower() == "true" for v in values]
        else:
            params[f"values{n}"] = list(values)
    if after is not None:
        params["after_group"], _, params["after_key"] = after.partition("\x00")
    query = _tags_statement(tuple(name for name, _ in filters), after is not None)
    with ctx.db.read() as conn:
        rows = list(conn.execute(query, params).all())
    more = len(rows) > size
    rows = rows[:size]
    token_out = encode_token(f"{rows[-1].group_name}\x00{rows[-1].key}") if more else None
    return Page(rows, token_out)


def launch_configurations_page(
    ctx: Context, scope: Scope, names: Sequence[str] | None, token: str | None, size: int
) -> Page:
    after = decode_token(token)
    query = select(launch_configurations).where(
        in_region(launch_configurations, scope),
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
                in_region(launch_configurations, scope),
            )
        ).scalar_one()
    return {"groups": group_count, "launch_configurations": lc_count}


# -- numbered pages: PageNumber/PageSize with a total, as ESS asks for them ---------------------


# One count per member state, the protected members apart: (state, protected) -> count.
StateCounts = dict[tuple[str, bool], int]


def owned_page(
    ctx: Context,
    scope: Scope,
    table: Any,
    extra: Any,
    group: str | None,
    chosen: Mapping[Any, Sequence[str] | None],
    number: int,
    size: int,
    where: Sequence[Any] = (),
) -> Page:
    """One numbered page of what a scope's groups own (configurations, rules), oldest first;
    `where`: further conditions (a name search)."""
    query = (
        select(table, extra)
        .join(groups, groups.c.id == table.c.group_id)
        .where(in_scope(groups, scope), *where)
    )
    if group is not None:
        query = query.where(groups.c.id == group)
    for column, values in chosen.items():
        if values is not None:
            query = query.where(column.in_(list(values)))
    return numbered(ctx, query, table.c.seq, number, size)


def numbered(ctx: Context, query: Select[Any], order: Any, number: int, size: int) -> Page:
    """One page by number, with the total the API reports alongside it."""
    with ctx.db.read() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = list(conn.execute(query.order_by(order).offset((number - 1) * size).limit(size)))
    return Page(rows, None, {"total": total})


@lru_cache(maxsize=8)
def _groups_by_number_statements(
    by_id: bool, by_name: bool
) -> tuple[Prepared | Select[Any], Prepared | Select[Any], Prepared | Select[Any]]:
    """The page, the count and the page's members counted by (state, protected) of ESS's
    numbered group pages, built once per shape; the member counts select the page again as a
    subquery (they may count the one group past the page, which the caller skips)."""
    query = select(groups).where(_scoped(groups))
    if by_id:
        query = query.where(groups.c.id.in_(bindparam("ids", expanding=True)))
    if by_name:
        query = query.where(groups.c.name.in_(bindparam("names", expanding=True)))
    count = query.with_only_columns(func.count())  # counted where it stands: no subquery
    page = query.order_by(groups.c.seq).offset(bindparam("offset")).limit(bindparam("limit"))
    ids = page.with_only_columns(groups.c.id).subquery()
    counts = (
        select(members.c.group_id, members.c.state, members.c.protected, func.count())
        .where(members.c.group_id.in_(select(ids.c.id)))
        .group_by(members.c.group_id, members.c.state, members.c.protected)
    )
    return tuple(Prepared.where_possible(q) for q in (page, count, counts))  # type: ignore[return-value]


def counted_page(
    conn: Connection,
    page: Prepared | Select[Any],
    count: Prepared | Select[Any],
    params: dict[str, Any],
    number: int,
    size: int,
) -> tuple[list[Any], int]:
    """A numbered page and the total, asking one row more than the page: a short page, or one
    with nothing after it, tells the total without a COUNT (exact either way)."""
    window = _window(number, size)
    rows = fetch(conn, page, {**params, **window})
    offset = window["offset"]
    if len(rows) <= size and (rows or offset == 0):
        return rows, offset + len(rows)
    return rows[:size], fetch(conn, count, params)[0][0]


def _window(number: int, size: int) -> dict[str, int]:
    """A numbered page's offset, and its limit of one row more than the page."""
    return {"offset": (number - 1) * size, "limit": size + 1}


def groups_by_number(
    conn: Connection,
    scope: Scope,
    ids: Sequence[str] | None,
    names: Sequence[str] | None,
    number: int,
    size: int,
) -> Page:
    """Groups oldest first, each with its members counted by state (`extra["counts"]`), read
    in the caller's transaction."""
    page, count, member_counts = _groups_by_number_statements(ids is not None, names is not None)
    params = _scope_params(scope)
    if ids is not None:
        params["ids"] = list(ids)
    if names is not None:
        params["names"] = list(names)
    rows, total = counted_page(conn, page, count, params, number, size)
    counts: dict[str, StateCounts] = {row.id: {} for row in rows}
    if counts:
        for group_id, state, protected, n in fetch(
            conn, member_counts, {**params, **_window(number, size)}
        ):
            if group_id not in counts:  # the group past the page
                continue
            key = (state, bool(protected))
            counts[group_id][key] = counts[group_id].get(key, 0) + n
    return Page(rows, None, {"total": total, "counts": counts})


StateWanted = tuple[tuple[str, bool | None], ...]


@lru_cache(maxsize=64)
def _instances_by_number_statements(
    by_group: bool, by_id: bool, states: StateWanted | None, by_origin: bool, by_health: bool
) -> tuple[Prepared | Select[Any], Prepared | Select[Any]]:
    """The page and the count of ESS's numbered member pages, built once per shape (the
    states asked for are part of the shape: a few dozen at most, LRU-bounded)."""
    wanted = [_scoped(members)]
    if by_group:
        wanted.append(members.c.group_id == bindparam("group"))
    if by_id:
        wanted.append(members.c.instance_id.in_(bindparam("ids", expanding=True)))
    if states is not None:
        wanted.append(
            or_(
                *(
                    members.c.state == state
                    if protected is None
                    else and_(members.c.state == state, members.c.protected.is_(protected))
                    for state, protected in states
                ),
                false(),
            )
        )
    if by_origin:
        wanted.append(members.c.origin.in_(bindparam("origins", expanding=True)))
    if by_health:
        wanted.append(members.c.healthy == bindparam("healthy"))
    # counted on the members alone, from the scope's index; every member has its group
    count = select(func.count()).select_from(members).where(*wanted)
    page = (
        select(members, groups.c.name.label("group_name"), groups.c.launch.label("group_launch"))
        .join(groups, groups.c.id == members.c.group_id)
        .where(*wanted)
        .order_by(members.c.joined_at, members.c.instance_id)  # ties fixed: no page skips one
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return Prepared.where_possible(page), Prepared.where_possible(count)


def instances_by_number(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    states: Sequence[tuple[str, bool | None]] | None,
    origins: Sequence[str] | None,
    healthy: bool | None,
    number: int,
    size: int,
) -> Page:
    """Members in the order they joined, filtered by group id, state, origin and health.

    A state is asked for with its protection: (state, True/False), or (state, None) for either.
    """
    page, count = _instances_by_number_statements(
        group is not None,
        ids is not None,
        None if states is None else tuple(states),
        origins is not None,
        healthy is not None,
    )
    params: dict[str, Any] = {
        **_scope_params(scope),
        "group": group,
        "ids": _listed(ids),
        "origins": _listed(origins),
        "healthy": healthy,
    }
    with ctx.db.read() as conn:
        rows, total = counted_page(conn, page, count, params, number, size)
    return Page(rows, None, {"total": total})


def activities_by_number(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    status: str | None,
    number: int,
    size: int,
    refresh: str | None = None,
) -> Page:
    """Requests' activities, newest first; the per-instance ones behind a batch are children.

    With `refresh`, only the activities that instance refresh started (fact `STARTED_BY`).
    """
    query = select(activities).where(in_scope(activities, scope), activities.c.parent_id.is_(None))
    if refresh is not None:
        query = query.where(activities.c.facts[STARTED_BY].as_string() == refresh)
    if group is not None:
        query = query.where(activities.c.group_id == group)
    if ids is not None:
        query = query.where(activities.c.id.in_(list(ids)))
    if status is not None:
        query = query.where(activities.c.status == status)
    return numbered(ctx, query, activities.c.seq.desc(), number, size)


def children_of(ctx: Context, parent_ids: Sequence[str]) -> dict[str, list[Any]]:
    """The per-instance activities behind a page of batched requests' activities, in one query."""
    found: dict[str, list[Any]] = {i: [] for i in parent_ids}
    if parent_ids:
        with ctx.db.read() as conn:
            for row in conn.execute(
                select(activities)
                .where(activities.c.parent_id.in_(list(parent_ids)))
                .order_by(activities.c.seq)
            ):
                found[row.parent_id].append(row)
    return found


def region_of_group(ctx: Context, account: str, group_id: str) -> str | None:
    """Group (and rule) ids are unique across regions; some requests name one but no region."""
    with ctx.db.read() as conn:
        region: str | None = conn.execute(
            select(groups.c.region).where(
                groups.c.account == account,
                or_(
                    groups.c.id == group_id,
                    groups.c.id.in_(
                        select(scaling_rules.c.group_id).where(scaling_rules.c.id == group_id)
                    ),
                ),
            )
        ).scalar()
    return region


def activity_by_id(ctx: Context, scope: Scope, activity_id: str) -> Any:
    """Activity ids are unique across regions; a request may name one without its region."""
    with ctx.db.read() as conn:
        return conn.execute(
            select(activities).where(
                activities.c.account == scope.account,
                activities.c.cloud == scope.cloud.value,
                activities.c.id == activity_id,
            )
        ).first()


def regions_in_use(ctx: Context, account: str) -> list[tuple[str, str]]:
    """(cloud, region) pairs where the account has groups: the console lists groups per region,
    as each cloud's API does, and asks only where there are some."""
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(groups.c.cloud, groups.c.region)
            .where(groups.c.account == account)
            .distinct()
            .order_by(groups.c.cloud, groups.c.region)
        ).all()
    return [(row.cloud, row.region) for row in rows]
