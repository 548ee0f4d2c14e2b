"""How a step records its work: under its group's lock, only while its lease is still its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tidewater.domain.activity import Kind, Status, Trigger
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.context import Context
from tidewater.engine.leases import LeaseLost, held
from tidewater.engine.settled import needs_look
from tidewater.engine.steps.paths import onward
from tidewater.store.checks import TERMINAL_VALUES
from tidewater.store.tables import activities, groups, members

POLL = timedelta(seconds=1)

Step = Callable[[Context, Any], None]
# Why an activity failed or was given up: {"reason": ..., and the facts its words need}.
Failure = dict[str, Any]


@contextmanager
def record(ctx: Context, activity: Any) -> Iterator[Connection]:
    """A step's write: it takes its group's lock first, in the order every command does."""
    with ctx.db.write() as conn:
        conn.execute(select(groups.c.id).where(groups.c.id == activity.group_id).with_for_update())
        yield conn


def scope_of(activity: Any) -> Scope:
    return Scope(activity.account, activity.region, Cloud(activity.cloud))


def group_row(conn: Connection, activity: Any) -> Any:
    return conn.execute(select(groups).where(groups.c.id == activity.group_id)).first()


def move(conn: Connection, activity: Any, step: str, due: datetime, **values: Any) -> None:
    """Record the next step and let go of the lease; only the lease's holder may."""
    moved = conn.execute(
        update(activities)
        .where(activities.c.id == activity.id, *held(activity))
        .values(step=step, due_at=due, lease_owner=None, lease_until=None, **values)
    )
    if moved.rowcount == 0:
        raise LeaseLost(activity.id)


def advance(
    conn: Connection, activity: Any, due: datetime, *, after: str | None = None, **values: Any
) -> None:
    """Move on to the step after this one (or after `after`) on the activity's path."""
    move(conn, activity, onward(activity, after or activity.step), due, **values)


def finish(
    conn: Connection,
    activity: Any,
    now: datetime,
    status: Status = Status.SUCCESSFUL,
    message: str | None = None,
    *,
    failure: Failure | None = None,
    **values: Any,
) -> None:
    """End an activity and, unless it left its group settled, ask the reconciler to look again.

    Why it failed is stored as neutral facts (`failure`) that each dialect words; `message` is
    only for what no dialect can word (a broken step's own error).
    """
    if failure is not None:
        values["facts"] = {**activity.facts, "failure": failure}
    ended = conn.execute(
        update(activities)
        .where(activities.c.id == activity.id, *held(activity))
        .values(
            status=status.value,
            progress=100,
            step="done",
            due_at=None,
            ended_at=now,
            status_message=message,
            lease_owner=None,
            lease_until=None,
            **values,
        )
    )
    if ended.rowcount == 0:
        raise LeaseLost(activity.id)
    group_values: dict[str, Any] = {}
    if (
        activity.kind in (Kind.LAUNCH, Kind.TERMINATE)
        and status is Status.SUCCESSFUL
        and activity.facts.get("trigger") == Trigger.CAPACITY
    ):
        # a simple policy's own Cooldown overrides the group's default (PutScalingPolicy
        # reference; ESS: a simple rule's Cooldown Time), counted from the activity's end
        cooldown = (activity.facts.get("change") or {}).get("cooldown")
        if cooldown is None:
            cooldown = conn.execute(
                select(groups.c.default_cooldown).where(groups.c.id == activity.group_id)
            ).scalar()
        if cooldown is not None:
            group_values["cooldown_until"] = now + timedelta(seconds=cooldown)
    if needs_look(conn, activity.group_id):
        group_values["dirty"] = True
    if group_values:
        conn.execute(update(groups).where(groups.c.id == activity.group_id).values(**group_values))
    if activity.parent_id:
        close_parent(conn, activity.parent_id, now)


def close_parent(conn: Connection, parent_id: str, now: datetime) -> None:
    """A request's activity ends when the last of its instances' activities does.

    While the reconciler still has batches of it to write (the group's trigger names it as
    `batched`), it stays open however many of the children written so far have ended.
    """
    statuses = list(
        conn.execute(
            select(activities.c.status).where(activities.c.parent_id == parent_id)
        ).scalars()
    )
    if any(s not in TERMINAL_VALUES for s in statuses):
        return
    parent = conn.execute(select(activities).where(activities.c.id == parent_id)).first()
    if parent is None or parent.status in TERMINAL_VALUES:
        return
    trigger = conn.execute(
        select(groups.c.trigger).where(groups.c.id == parent.group_id)
    ).scalar_one_or_none()
    if trigger and trigger.get("batched") and trigger.get("activity") == parent_id:
        return
    failed = sum(1 for s in statuses if s != Status.SUCCESSFUL.value)
    if failed and failed == len(statuses):
        status = Status.FAILED
    elif failed or parent.facts.get("ignored"):
        status = Status.WARNING
    else:
        status = Status.SUCCESSFUL
    conn.execute(
        update(activities)
        .where(activities.c.id == parent_id)
        .values(status=status.value, progress=100, step="done", due_at=None, ended_at=now)
    )


def running(conn: Connection, activity: Any, machine: Any, now: datetime) -> bool:
    """Whether a launched (or started) machine runs: one still pending keeps the activity at its
    step until it settles, and one that never came up ends the member and fails the activity."""
    if machine is not None and machine.state == "pending":
        move(conn, activity, activity.step, max(machine.settles_at or now + POLL, now))
        return False
    if machine is None or not machine.running:
        conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
        finish(conn, activity, now, Status.FAILED, failure={"reason": "instance.not_running"})
        return False
    return True
