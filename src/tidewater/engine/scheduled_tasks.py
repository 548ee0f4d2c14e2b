"""ESS scheduled tasks: rows of the scheduled actions' table, named and counted per region.

A task runs a scaling rule (by its ARI) or sets its group's sizes; either way its row belongs to
one group (the rule's), so it is fired by the same pass as an AWS scheduled action
(engine/scheduled_actions.py). Unlike an AWS action its name is unique in the account's region,
and the region holds at most `Limits.scheduled_tasks` of them.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tidewater.domain.refusal import Refusal
from tidewater.domain.schedule import Schedule
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_scope, owned_row
from tidewater.engine.queries import Page, owned_page
from tidewater.engine.scheduled_actions import schedule_of, timing
from tidewater.store.tables import groups, scaling_rules, scheduled_actions

LAUNCH_HORIZON = timedelta(days=90)  # LaunchTime: no later than 90 days from the change
END_HORIZON = timedelta(days=365)  # RecurrenceEndTime: no later than 365 days from it
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class Task:
    """A CreateScheduledTask (or a task as ModifyScheduledTask leaves it) in neutral words."""

    schedule: Schedule
    name: str | None = None
    description: str | None = None
    rule_ari: str | None = None
    group: str | None = None  # the group whose sizes it sets, when it runs no rule
    min_size: int | None = None
    max_size: int | None = None
    desired: int | None = None
    expiry: int = 600
    enabled: bool = True


def _new_id() -> str:
    """ESS task ids are 20 letters and digits with no prefix (API reference examples)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(20))


def _owner(conn: Connection, scope: Scope, task: Task) -> str:
    """The group a task belongs to: its rule's, else the group it names."""
    if task.rule_ari is not None:
        parts = task.rule_ari.split(":")
        if len(parts) > 3 and parts[3] != scope.region:
            raise Refusal("task.region_mismatch", ari=task.rule_ari)
        found = conn.execute(
            select(scaling_rules.c.group_id)
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(scaling_rules.c.ari == task.rule_ari, in_scope(groups, scope))
        ).scalar()
        if found is None:
            raise Refusal("scaling_rule.not_found", ari=task.rule_ari)
        return str(found)
    found = conn.execute(
        select(groups.c.id).where(groups.c.id == task.group, in_scope(groups, scope))
    ).scalar()
    if found is None:
        raise Refusal("group.not_found", group=task.group)
    return str(found)


def _in_region(scope: Scope) -> Any:
    return (
        select(scheduled_actions.c.seq)
        .join(groups, groups.c.id == scheduled_actions.c.group_id)
        .where(in_scope(groups, scope))
    )


def _check(task: Task, now: datetime, started: bool = False) -> None:
    """What ESS refuses of a task's timing; `started`: a stored LaunchTime the change keeps."""
    task.schedule.check(now, started)
    start = task.schedule.start
    if start is not None and start > now + LAUNCH_HORIZON and not started:
        raise Refusal("schedule.start_too_late", start=task.schedule.start)
    if task.schedule.end is not None and task.schedule.end > now + END_HORIZON:
        raise Refusal("schedule.end_too_late", end=task.schedule.end)


def _values(task: Task, group_id: str, now: datetime) -> dict[str, Any]:
    return {
        **timing(task.schedule, now),
        "group_id": group_id,
        "rule_ari": task.rule_ari,
        "description": task.description,
        "min_size": None if task.rule_ari else task.min_size,
        "max_size": None if task.rule_ari else task.max_size,
        "desired": None if task.rule_ari else task.desired,
        "expiry": task.expiry,
        "enabled": task.enabled,
    }


def _name_taken(conn: Connection, scope: Scope, name: str, own: str | None) -> None:
    query = _in_region(scope).where(scheduled_actions.c.name == name)
    if own is not None:
        query = query.where(scheduled_actions.c.id != own)
    if conn.execute(query).first() is not None:
        raise Refusal("task.name_taken", name=name)


def create(ctx: Context, scope: Scope, task: Task) -> str:
    """Store a task; its id, which also names it when the request gives no name."""
    now = ctx.clock.now()
    task_id = _new_id()
    with ctx.change(scope) as books:
        conn = books.conn
        group_id = _owner(conn, scope, task)
        books.groups.lock(group_id)
        _check(task, now)
        name = task.name or task_id
        _name_taken(conn, scope, name, None)
        count = conn.execute(select(func.count()).select_from(_in_region(scope).subquery()))
        limit = ctx.limits(scope.cloud).scheduled_tasks
        if limit is not None and count.scalar_one() >= limit:
            raise Refusal("task.limit", limit=limit)
        conn.execute(
            insert(scheduled_actions).values(
                id=task_id, name=name, created_at=now, **_values(task, group_id, now)
            )
        )
    return task_id


def _found(conn: Connection, scope: Scope, task_id: str) -> Any:
    row = owned_row(conn, scheduled_actions, scheduled_actions.c.id == task_id, scope)
    if row is None:
        raise Refusal("task.not_found", task=task_id)
    return row


def task_of(row: Any) -> Task:
    """The task a stored row holds."""
    return Task(
        schedule=schedule_of(row),
        name=row.name,
        description=row.description,
        rule_ari=row.rule_ari,
        group=None if row.rule_ari else row.group_id,
        min_size=row.min_size,
        max_size=row.max_size,
        desired=row.desired,
        expiry=row.expiry if row.expiry is not None else 600,
        enabled=row.enabled,
    )


def modify(ctx: Context, scope: Scope, task_id: str, change: dict[str, Any]) -> None:
    """Change a task's fields (`change`: Task's field names, or the schedule's under
    "schedule"); the whole task is checked again and its next firing found again."""
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        conn = books.conn
        before = task_of(_found(conn, scope, task_id))
        kept = "start" not in change.get("schedule", {})  # LaunchTime not given again
        if "schedule" in change:
            change = {**change, "schedule": replace(before.schedule, **change["schedule"])}
        if change.get("rule_ari"):
            change = {**change, "group": None}
        elif change.get("group"):
            change = {**change, "rule_ari": None}
        task = replace(before, **change)
        group_id = _owner(conn, scope, task)
        books.groups.lock(group_id)
        _check(task, now, started=kept)
        if task.name:
            _name_taken(conn, scope, task.name, task_id)
        conn.execute(
            update(scheduled_actions)
            .where(scheduled_actions.c.id == task_id)
            .values(name=task.name or task_id, **_values(task, group_id, now))
        )


def delete_one(ctx: Context, scope: Scope, task_id: str) -> None:
    with ctx.change(scope) as books:
        _found(books.conn, scope, task_id)
        books.conn.execute(delete(scheduled_actions).where(scheduled_actions.c.id == task_id))


def page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    names: Sequence[str] | None,
    aris: Sequence[str] | None,
    number: int,
    size: int,
    enabled: Sequence[bool] | None = None,
    kinds: Sequence[str] | None = None,
    values: Sequence[str] | None = None,
    name_part: str | None = None,
) -> Page:
    """One page of the region's tasks; `name_part`: DescribeScheduledTasks' fuzzy TaskName."""
    chosen: dict[Any, Sequence[Any] | None] = {
        scheduled_actions.c.id: ids,
        scheduled_actions.c.name: names,
        scheduled_actions.c.rule_ari: aris,
        scheduled_actions.c.enabled: enabled,
        scheduled_actions.c.kind: kinds,
        scheduled_actions.c.recurrence: values,
    }
    extra = groups.c.id.label("group_key")
    where = [] if not name_part else [scheduled_actions.c.name.contains(name_part, autoescape=True)]
    return owned_page(ctx, scope, scheduled_actions, extra, group, chosen, number, size, where)
