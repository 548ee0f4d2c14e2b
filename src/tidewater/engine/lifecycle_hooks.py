"""Lifecycle hooks and their actions: each a command in one transaction under the group's lock.

A waiting instance's action is a row with its deadlines on the service clock; completing it or
letting it time out only records a result and brings the activity's `due_at` forward. The
activity's `wait` step (steps/wait.py) reads the outcome and moves the instance on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tidewater.cloud.ports import TargetCheck
from tidewater.domain.activity import TERMINAL
from tidewater.domain.lifecycle_hook import (
    HELD,
    ON_DELETE,
    PAUSE,
    Hook,
    HookRules,
    Result,
    Transition,
    held_at,
)
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.profile import Record
from tidewater.engine.steps.paths import PATHS
from tidewater.store.tables import activities, groups, lifecycle_actions, lifecycle_hooks


def rules_of(ctx: Context, scope: Scope) -> HookRules:
    rules = ctx.limits(scope.cloud).hooks
    if rules is None:
        raise Refusal("hook.unsupported")
    return rules


def store(
    conn: Connection,
    ctx: Context,
    scope: Scope,
    group_id: str,
    hooks: Sequence[Hook],
    now: datetime,
) -> None:
    """Create or update hooks on a group: missing settings keep the hook's, or the defaults."""
    rules = rules_of(ctx, scope)
    limit = ctx.limits(scope.cloud).lifecycle_hooks
    profile = ctx.profile(scope.cloud)
    hook_id = None
    for hook in hooks:
        if profile.names(Record.LIFECYCLE_HOOK):
            hook_id = profile.new_id(Record.LIFECYCLE_HOOK)
            hook = replace(hook, name=hook.name or hook_id)  # ESS: the name defaults to the id
        if hook.heartbeat is not None:
            rules.check_heartbeat(hook.heartbeat)
        old = conn.execute(
            select(lifecycle_hooks).where(
                lifecycle_hooks.c.group_id == group_id, lifecycle_hooks.c.name == hook.name
            )
        ).first()
        if old is None:
            if hook.transition is None:
                raise Refusal("hook.transition_missing", hook=hook.name)
            count = conn.execute(
                select(func.count())
                .select_from(lifecycle_hooks)
                .where(lifecycle_hooks.c.group_id == group_id)
            ).scalar_one()
            if limit is not None and count >= limit:
                raise Refusal("hook.limit", limit=limit)
            conn.execute(
                insert(lifecycle_hooks).values(
                    group_id=group_id,
                    name=hook.name,
                    created_at=now,
                    hook_id=hook_id,
                    **_values(hook, rules, None),
                )
            )
        else:
            conn.execute(
                update(lifecycle_hooks)
                .where(lifecycle_hooks.c.seq == old.seq)
                .values(**_values(hook, rules, old))
            )
        if hook.target and (old is None or old.target != hook.target):
            _prove_target(conn, ctx, scope, group_id, hook, now)
        if hook.transition is not None and (old is None or hook.transition != old.transition):
            _hold_recorded(conn, group_id, hook.transition, now)


def _prove_target(
    conn: Connection, ctx: Context, scope: Scope, group_id: str, hook: Hook, now: datetime
) -> None:
    """A target being set gets its test message now, in this transaction; one that cannot be
    reached refuses the hook (AWS: the test message could not be published)."""
    assert hook.target
    group = conn.execute(select(groups.c.name, groups.c.arn).where(groups.c.id == group_id)).one()
    check = TargetCheck(hook.target, hook.role, group.name, group.arn, now)
    if not ctx.notices.reaches(scope, check, conn):
        raise Refusal("hook.target_unreachable", target=hook.target, role=hook.role or "null")


def _hold_recorded(conn: Connection, group_id: str, transition: Transition, now: datetime) -> None:
    """A new hook also holds the group's activities recorded before it that have not reached
    their pause yet: the instance reaches the transition after the hook exists."""
    kinds = [kind.value for kind, held in HELD.items() if held is transition]
    for row in conn.execute(
        select(activities.c.id, activities.c.kind, activities.c.step, activities.c.facts).where(
            activities.c.group_id == group_id,
            activities.c.kind.in_(kinds),
            activities.c.status.not_in([s.value for s in TERMINAL]),
        )
    ).all():
        path = PATHS[row.kind]
        if (
            PAUSE in row.facts
            or held_at(row.kind, row.facts) is None
            or "wait" not in path
            or (row.step in path and path.index(row.step) >= path.index("wait"))
        ):
            continue
        conn.execute(
            update(activities)
            .where(activities.c.id == row.id)
            .values(facts={**row.facts, PAUSE: now.isoformat()})
        )


def _values(hook: Hook, rules: HookRules, old: Any) -> dict[str, Any]:
    def keep(given: Any, column: str, default: Any) -> Any:
        if given is not None:
            return given
        return getattr(old, column) if old is not None else default

    target = keep(hook.target, "target", None)
    return {
        "transition": keep(hook.transition, "transition", None),
        "heartbeat": keep(hook.heartbeat, "heartbeat", rules.heartbeat_default),
        "default_result": keep(hook.default_result, "default_result", rules.default_result),
        "metadata": keep(hook.metadata, "metadata", None),
        "target": target or None,  # an empty ARN clears the target
        "role": keep(hook.role, "role", None),
        "active": keep(hook.active, "active", True),
    }


def put(ctx: Context, scope: Scope, group_key: str, hook: Hook) -> None:
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        store(books.conn, ctx, scope, row.id, [hook], now)


def hooks_of(ctx: Context, scope: Scope, group_key: str, names: Sequence[str] | None) -> list[Any]:
    """A group's hooks in the order they were created; unknown names are ignored (chosen)."""
    with ctx.read(scope) as books:
        row = books.groups.find(group_key)
        query = select(lifecycle_hooks).where(lifecycle_hooks.c.group_id == row.id)
        if names:
            query = query.where(lifecycle_hooks.c.name.in_(list(names)))
        return list(books.conn.execute(query.order_by(lifecycle_hooks.c.seq)))


def global_timeout(ctx: Context, scope: Scope, heartbeat: int) -> int:
    return rules_of(ctx, scope).global_timeout(heartbeat)


def remove(ctx: Context, scope: Scope, group_key: str, name: str) -> None:
    """Delete a hook; its outstanding actions complete as the transition's ON_DELETE says."""
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        conn = books.conn
        row = books.groups.lock(group_key)
        hook = conn.execute(
            select(lifecycle_hooks).where(
                lifecycle_hooks.c.group_id == row.id, lifecycle_hooks.c.name == name
            )
        ).first()
        if hook is None:
            raise Refusal("hook.not_found", hook=name, group=group_key)
        delete_hook(conn, ctx, scope, hook, now)


def delete_hook(conn: Connection, ctx: Context, scope: Scope, hook: Any, now: datetime) -> None:
    """Delete a hook row; its outstanding actions end as the cloud's rules say."""
    outstanding = _open(conn, hook.group_id).where(lifecycle_actions.c.hook_name == hook.name)
    end_waits(conn, outstanding, now, by_default=rules_of(ctx, scope).deleted_takes_default)
    conn.execute(delete(lifecycle_hooks).where(lifecycle_hooks.c.seq == hook.seq))


def end_waits(
    conn: Connection, outstanding: Any, now: datetime, *, by_default: bool = False
) -> None:
    """End waits nobody will complete: launches ABANDON, terminations CONTINUE (AWS), or each
    with its hook's default result."""
    for action in conn.execute(outstanding).all():
        if by_default:
            resolve(conn, action, Result(action.default_result), now)
        else:
            resolve(conn, action, ON_DELETE[Transition(action.transition)], now)


def abandon_waits(conn: Connection, instance_ids: Sequence[str], now: datetime) -> set[str]:
    """Launch waits whose machine stopped or ended underneath: nothing can complete them, so
    they end ABANDON now rather than at their timeout. Returns the instances whose wait ended."""
    if not instance_ids:
        return set()
    outstanding = select(lifecycle_actions).where(
        lifecycle_actions.c.instance_id.in_(list(instance_ids)),
        lifecycle_actions.c.transition == Transition.LAUNCHING.value,
        lifecycle_actions.c.result.is_(None),
    )
    ended = set()
    for action in conn.execute(outstanding).all():
        resolve(conn, action, Result.ABANDON, now)
        ended.add(action.instance_id)
    return ended


def release_group(conn: Connection, group_id: str, now: datetime) -> None:
    """A group deleted by force waits for no hook (AWS runs none on ForceDelete)."""
    end_waits(conn, _open(conn, group_id), now)


def _open(conn: Connection, group_id: str) -> Any:
    return select(lifecycle_actions).where(
        lifecycle_actions.c.group_id == group_id, lifecycle_actions.c.result.is_(None)
    )


@dataclass(frozen=True, slots=True)
class ActionRef:
    """How a request names one waiting action: a group's hook, and a token or an instance."""

    group_key: str
    hook: str
    token: str | None = None
    instance_id: str | None = None


def _find(books: Books, ref: ActionRef, now: datetime) -> Any:
    """The open action a request names, under its group's lock; refused when none waits.

    An action whose timeout (its heartbeat's, capped by the global one) has passed is no longer
    active even before the runner records its default result: it is refused as a finished one.
    """
    row = books.groups.lock(ref.group_key)
    query = _open(books.conn, row.id).where(
        lifecycle_actions.c.hook_name == ref.hook, lifecycle_actions.c.deadline > now
    )
    if ref.token:
        query = query.where(lifecycle_actions.c.token == ref.token)
    elif ref.instance_id:
        query = query.where(lifecycle_actions.c.instance_id == ref.instance_id)
    else:
        raise Refusal("hook.action_unnamed")
    action = books.conn.execute(query).first()
    if action is None:
        if ref.token:
            raise Refusal("hook.no_action_token", token=ref.token)
        raise Refusal("hook.no_action_instance", instance_id=ref.instance_id)
    return action


def resolve(
    conn: Connection, action: Any, result: Result, now: datetime, *, timed_out: bool = False
) -> None:
    """Record an action's result and wake its activity now: its `wait` step moves it on.

    An ended action's deadline is when it ended, so the wait can tell which hook ended last.
    """
    conn.execute(
        update(lifecycle_actions)
        .where(lifecycle_actions.c.token == action.token)
        .values(result=result.value, timed_out=timed_out, deadline=now)
    )
    conn.execute(
        update(activities)
        .where(activities.c.id == action.activity_id, activities.c.step == "wait")
        .values(due_at=now)
    )


def complete(ctx: Context, scope: Scope, ref: ActionRef, result: Result) -> None:
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        resolve(books.conn, _find(books, ref, now), result, now)


def heartbeat(ctx: Context, scope: Scope, ref: ActionRef) -> None:
    """Restart the action's heartbeat timeout from now, never past its global deadline."""
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        action = _find(books, ref, now)
        deadline = min(now + timedelta(seconds=action.heartbeat), action.global_deadline)
        books.conn.execute(
            update(lifecycle_actions)
            .where(lifecycle_actions.c.token == action.token)
            .values(deadline=deadline)
        )
