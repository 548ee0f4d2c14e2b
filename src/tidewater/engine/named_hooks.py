"""Hooks named by their own ids and waits named by one token over a whole request (ESS).

ESS gives each hook an id (`ash-…`) that requests use instead of group and name, and one wait
covers every instance one hook holds in one scaling activity: its token is the `handle` the
per-instance action rows share. Each command runs in one transaction under the group's lock, as
`lifecycle_hooks` does, so a completion, a heartbeat and a timeout never cross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from tidewater.domain.lifecycle_hook import Hook, Result
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine import lifecycle_hooks
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.gateways.groups import in_scope
from tidewater.store.tables import activities, groups, lifecycle_actions
from tidewater.store.tables import lifecycle_hooks as hooks


@dataclass(frozen=True, slots=True)
class HookRef:
    """A hook as a request names it: by its id, else by its group and name."""

    hook_id: str | None = None
    group_key: str | None = None
    name: str | None = None


def _hook(books: Books, ref: HookRef) -> Any:
    """The hook a request names, its group locked; refused when there is none."""
    if ref.hook_id:
        found = books.conn.execute(
            select(hooks.c.group_id)
            .join(groups, groups.c.id == hooks.c.group_id)
            .where(hooks.c.hook_id == ref.hook_id, in_scope(groups, books.scope))
        ).first()
        if found is None:
            raise Refusal("hook.id_not_found", hook_id=ref.hook_id)
        books.groups.lock_id(found.group_id)
        query = select(hooks).where(hooks.c.hook_id == ref.hook_id)
    elif ref.group_key and ref.name:
        group = books.groups.lock(ref.group_key)
        query = select(hooks).where(hooks.c.group_id == group.id, hooks.c.name == ref.name)
    else:
        raise Refusal("hook.unnamed")
    row = books.conn.execute(query).first()
    if row is None:
        raise Refusal("hook.name_not_found", hook=ref.name, group=ref.group_key)
    return row


def create(ctx: Context, scope: Scope, group_key: str, hook: Hook) -> str:
    """A new hook; a name the group already has is refused. Returns the hook's id."""
    with ctx.change(scope) as books:
        group = books.groups.lock(group_key)
        if hook.name and _named(books.conn, group.id, hook.name) is not None:
            raise Refusal("hook.duplicate", hook=hook.name)
        before = {
            r.hook_id
            for r in books.conn.execute(select(hooks.c.hook_id).where(hooks.c.group_id == group.id))
        }
        lifecycle_hooks.store(books.conn, ctx, scope, group.id, [hook], ctx.clock.now())
        made = books.conn.execute(
            select(hooks.c.hook_id).where(hooks.c.group_id == group.id)
        ).scalars()
        return str(next(h for h in made if h not in before))


def _named(conn: Connection, group_id: str, name: str) -> Any:
    return conn.execute(
        select(hooks.c.seq).where(hooks.c.group_id == group_id, hooks.c.name == name)
    ).first()


def modify(ctx: Context, scope: Scope, ref: HookRef, hook: Hook) -> None:
    """Change the settings given; the rest, and the name, stay."""
    with ctx.change(scope) as books:
        row = _hook(books, ref)
        lifecycle_hooks.store(
            books.conn,
            ctx,
            scope,
            row.group_id,
            [Hook(**{**_fields(hook), "name": row.name})],
            ctx.clock.now(),
        )


def _fields(hook: Hook) -> dict[str, Any]:
    return {name: getattr(hook, name) for name in Hook.__slots__}


def delete(ctx: Context, scope: Scope, ref: HookRef) -> None:
    """Delete a hook; its waits end at once with the hook's default result (inferred)."""
    with ctx.change(scope) as books:
        row = _hook(books, ref)
        lifecycle_hooks.delete_hook(books.conn, ctx, scope, row, ctx.clock.now())


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    total: int


def page(
    ctx: Context,
    scope: Scope,
    group_key: str | None,
    hook_ids: Sequence[str] | None,
    name: str | None,
    number: int,
    size: int,
) -> Page:
    """Hooks of the scope, filtered, in creation order, one numbered page and the total."""
    with ctx.read(scope) as books:
        where = [in_scope(groups, scope)]
        if group_key:
            where.append(groups.c.id == books.groups.find(group_key).id)
        if hook_ids:
            where.append(hooks.c.hook_id.in_(list(hook_ids)))
        if name:
            where.append(hooks.c.name == name)
        base = select(hooks).join(groups, groups.c.id == hooks.c.group_id).where(*where)
        total = books.conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = list(
            books.conn.execute(base.order_by(hooks.c.seq).offset((number - 1) * size).limit(size))
        )
        return Page(rows, int(total))


def _waiting(books: Books, hook_id: str, token: str) -> tuple[Any, list[Any]]:
    """The hook and the open rows of the wait a token names; refused when none waits."""
    try:
        hook = _hook(books, HookRef(hook_id=hook_id))
    except Refusal as refusal:
        if refusal.reason != "hook.id_not_found":
            raise
        raise Refusal("hook.no_action_pair", hook_id=hook_id, token=token) from None
    rows = list(
        books.conn.execute(
            select(lifecycle_actions).where(
                lifecycle_actions.c.group_id == hook.group_id,
                lifecycle_actions.c.hook_name == hook.name,
                lifecycle_actions.c.handle == token,
                lifecycle_actions.c.result.is_(None),
            )
        )
    )
    if not rows:
        raise Refusal("hook.no_action_pair", hook_id=hook_id, token=token)
    return hook, rows


def complete(ctx: Context, scope: Scope, hook_id: str, token: str, result: Result | None) -> None:
    """End a wait for every instance it holds; without a result, the hook's default applies."""
    if result is not None and result not in lifecycle_hooks.rules_of(ctx, scope).results:
        raise Refusal("hook.result", result=result.value)
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        hook, rows = _waiting(books, hook_id, token)
        chosen = result or Result(hook.default_result)
        for row in rows:
            lifecycle_hooks.resolve(books.conn, row, chosen, now)


def heartbeat(ctx: Context, scope: Scope, hook_id: str, token: str, timeout: int | None) -> None:
    """Wait `timeout` seconds more from now (the hook's heartbeat when not given)."""
    now = ctx.clock.now()
    rules = lifecycle_hooks.rules_of(ctx, scope)
    with ctx.change(scope) as books:
        _, rows = _waiting(books, hook_id, token)
        for row in rows:
            if timeout is not None:
                rules.check_heartbeat(timeout)
            deadline = now + timedelta(seconds=timeout or row.heartbeat)
            if deadline > row.global_deadline:
                if rules.refuse_past_cap:
                    raise Refusal("hook.past_cap", token=token)
                deadline = row.global_deadline
            if rules.heartbeats is not None and row.beats >= rules.heartbeats:
                raise Refusal("hook.beats", token=token, limit=rules.heartbeats)
            books.conn.execute(
                update(lifecycle_actions)
                .where(lifecycle_actions.c.token == row.token)
                .values(deadline=deadline, beats=row.beats + 1)
            )
            # the activity parks at its earliest deadline: wake it to park again
            books.conn.execute(
                update(activities)
                .where(activities.c.id == row.activity_id, activities.c.step == "wait")
                .values(due_at=now)
            )


@dataclass(frozen=True, slots=True)
class Wait:
    """One hook's wait over one request: every instance it holds under one token."""

    token: str
    hook_id: str | None
    instance_ids: list[str]
    status: str  # "Pending", "Timeout" or "Completed"
    result: str


def waits(ctx: Context, scope: Scope, activity_id: str) -> list[Wait]:
    """The waits of an activity (a request's, over its instances' activities), oldest first."""
    with ctx.read(scope) as books:
        conn = books.conn
        found = conn.execute(
            select(activities.c.id).where(
                in_scope(activities, scope), activities.c.id == activity_id
            )
        ).first()
        if found is None:
            raise Refusal("activity.not_found", activity_id=activity_id)
        children = select(activities.c.id).where(activities.c.parent_id == activity_id)
        ids = [activity_id, *conn.execute(children).scalars()]
        rows = conn.execute(
            select(lifecycle_actions, hooks.c.hook_id)
            .outerjoin(
                hooks,
                (hooks.c.group_id == lifecycle_actions.c.group_id)
                & (hooks.c.name == lifecycle_actions.c.hook_name),
            )
            .where(lifecycle_actions.c.activity_id.in_(ids))
            .order_by(lifecycle_actions.c.opened_at, lifecycle_actions.c.token)
        ).all()
    found_waits: dict[str, list[Any]] = {}
    for row in rows:
        found_waits.setdefault(row.handle or row.token, []).append(row)
    return [_wait(token, members) for token, members in found_waits.items()]


def _wait(token: str, rows: list[Any]) -> Wait:
    if any(r.result is None for r in rows):
        status, result = "Pending", rows[0].default_result
    elif all(r.timed_out for r in rows):
        status, result = "Timeout", rows[0].result
    else:
        status, result = "Completed", rows[0].result
    return Wait(token, rows[0].hook_id, [r.instance_id for r in rows], status, result)
