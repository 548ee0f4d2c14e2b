"""Scheduled actions (AWS) and tasks (ESS): stored with their next firing, fired by the runner.

One table holds both. A due row's sizes are set in its group's transaction, which also moves
its `next_at` on (or deletes a one-time row), so a restart or a failover neither loses nor
repeats a firing. A row that runs a scaling rule (ESS) runs it just before, under a client token
made of the row and the firing, so a firing retried after a crash finds its activity instead of
starting another. Firings missed while the service was down, or while the schedule process was
suspended, collapse into one at most: the schedule goes on from now; a row with an expiry
(ESS's LaunchExpirationTime) skips a firing later than that (docs/facts/scheduled-actions.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from tidewater.domain import limits as quotas
from tidewater.domain.processes import Gate
from tidewater.domain.refusal import Refusal
from tidewater.domain.schedule import Schedule
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import policies
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import lock_owned
from tidewater.engine.groups import sizes_of
from tidewater.engine.queries import Page, decode_token, encode_token
from tidewater.engine.records import group_of
from tidewater.store.tables import groups, scheduled_actions

log = logging.getLogger("tidewater.schedules")

PER_GROUP = 125  # AWS quota: scheduled actions per Auto Scaling group


@dataclass(frozen=True, slots=True)
class Action:
    """A PutScheduledUpdateGroupAction in neutral words."""

    name: str
    schedule: Schedule
    min_size: int | None = None
    max_size: int | None = None
    desired: int | None = None


def _store(ctx: Context, conn: Connection, group_id: str, action: Action, now: datetime) -> None:
    """Create or replace one action; the caller holds the group's lock."""
    if action.min_size is None and action.max_size is None and action.desired is None:
        raise Refusal("schedule.no_sizes", name=action.name)
    quotas.check_sizes(ctx.limits(Cloud.AWS), action.min_size, action.max_size, action.desired)
    action.schedule.check(now)
    values: dict[str, Any] = {
        **timing(action.schedule, now),
        "min_size": action.min_size,
        "max_size": action.max_size,
        "desired": action.desired,
    }
    found = conn.execute(
        select(scheduled_actions.c.seq).where(
            scheduled_actions.c.group_id == group_id, scheduled_actions.c.name == action.name
        )
    ).scalar()
    if found is not None:
        conn.execute(
            update(scheduled_actions).where(scheduled_actions.c.seq == found).values(**values)
        )
        return
    count = len(
        conn.execute(
            select(scheduled_actions.c.seq).where(scheduled_actions.c.group_id == group_id)
        ).all()
    )
    if count >= PER_GROUP:
        raise Refusal("schedule.limit", name=action.name, limit=PER_GROUP)
    conn.execute(
        insert(scheduled_actions).values(
            id=str(uuid.uuid4()), group_id=group_id, name=action.name, created_at=now, **values
        )
    )


def timing(schedule: Schedule, now: datetime) -> dict[str, Any]:
    """A checked schedule's columns, with its first firing for a row written at `now`."""
    return {
        "start_at": schedule.start,
        "end_at": schedule.end,
        "recurrence": schedule.recurrence,
        "time_zone": schedule.time_zone,
        "kind": schedule.kind,
        "next_at": schedule.first(now),
    }


def schedule_of(row: Any) -> Schedule:
    """The schedule a stored row holds."""
    return Schedule(row.start_at, row.end_at, row.recurrence, row.time_zone, row.kind)


def put(
    ctx: Context, scope: Scope, group_key: str, actions: Sequence[Action], batch: bool = False
) -> list[Refusal]:
    """Create or update actions; in a batch, one refused does not stop the others."""
    now = ctx.clock.now()
    failed: list[Refusal] = []
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        for action in actions:
            if not batch:
                _store(ctx, books.conn, row.id, action, now)
                continue
            try:
                _store(ctx, books.conn, row.id, action, now)
            except Refusal as refusal:
                refusal.facts.setdefault("name", action.name)
                failed.append(refusal)
    return failed


def remove(ctx: Context, scope: Scope, group_key: str, names: Sequence[str]) -> list[str]:
    """Delete named actions; returns the names that were not there."""
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        missing = []
        for name in names:
            gone = books.conn.execute(
                delete(scheduled_actions).where(
                    scheduled_actions.c.group_id == row.id, scheduled_actions.c.name == name
                )
            ).rowcount
            if not gone:
                missing.append(name)
        return missing


@dataclass(frozen=True, slots=True)
class Query:
    """A DescribeScheduledActions request in neutral words."""

    group: str | None = None
    names: Sequence[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    token: str | None = None
    size: int = 50


def page(ctx: Context, scope: Scope, query: Query) -> Page:
    """One page of actions with their group's name, in creation order."""
    with ctx.read(scope) as books:
        statement = (
            select(scheduled_actions, groups.c.name.label("group_name"))
            .join(groups, groups.c.id == scheduled_actions.c.group_id)
            .where(
                groups.c.account == scope.account,
                groups.c.region == scope.region,
                groups.c.cloud == scope.cloud.value,
            )
            .order_by(scheduled_actions.c.seq)
        )
        if query.group is not None:
            row = books.groups.find(query.group)
            statement = statement.where(scheduled_actions.c.group_id == row.id)
        if query.names:
            statement = statement.where(scheduled_actions.c.name.in_(list(query.names)))
        if query.start is not None:
            statement = statement.where(scheduled_actions.c.next_at >= query.start)
        if query.end is not None:
            statement = statement.where(scheduled_actions.c.next_at <= query.end)
        after = decode_token(query.token)
        if after is not None:
            statement = statement.where(scheduled_actions.c.seq > int(after))
        rows = list(books.conn.execute(statement.limit(query.size + 1)).all())
    token = encode_token(rows[query.size - 1].seq) if len(rows) > query.size else None
    return Page(rows[: query.size], token)


# The actions due at the service time `now` (the runner's TIMED table runs it)
DUE = (
    select(scheduled_actions.c.seq)
    .where(scheduled_actions.c.next_at <= bindparam("now"), scheduled_actions.c.enabled)
    .order_by(scheduled_actions.c.next_at, scheduled_actions.c.seq)
    .limit(50)
)


# What a rule's run may be refused for and still be tried again within the expiry (ESS: "a
# scaling activity is in progress in the scaling group or the scaling group is disabled")
RETRIED = frozenset({"group.activity_in_progress", "group.inactive", "contention"})


def _runs(grow: Any, found: Any, now: datetime) -> bool:
    """Whether a due firing acts: not held back by a suspended process, not expired."""
    late = (now - found.next_at).total_seconds()
    expired = found.expiry is not None and late > found.expiry
    return not expired and not group_of(grow).blocks(Gate.SCHEDULE)


def _run_rule(ctx: Context, seq: int, now: datetime) -> bool:
    """Run a due row's rule, once per firing; False: refused for now, to be tried again."""
    with ctx.db.read() as conn:
        found = conn.execute(
            select(scheduled_actions).where(scheduled_actions.c.seq == seq)
        ).first()
        grow = (
            None
            if found is None
            else conn.execute(select(groups).where(groups.c.id == found.group_id)).first()
        )
    if found is None or found.rule_ari is None or found.next_at is None or found.next_at > now:
        return True
    if grow is None or not _runs(grow, found, now):
        return True
    scope = Scope(grow.account, grow.region, Cloud(grow.cloud))
    token = f"task-{found.id}-{found.next_at:%Y%m%d%H%M}"
    try:
        policies.fire(ctx, scope, found.rule_ari, None, honor_cooldown=False, client_token=token)
    except Refusal as refusal:
        log.info("scheduled task %s: rule %s not run: %s", found.id, found.rule_ari, refusal)
        return refusal.reason not in RETRIED
    return True


def fire(ctx: Context, seq: int) -> bool:
    """Fire one due row (its rule, or its sizes in its group's transaction), move it on."""
    now = ctx.clock.now()
    if not _run_rule(ctx, seq, now):
        return False  # refused for now: a later pass tries again, until the expiry passes
    with ctx.db.write() as conn:
        locked = lock_owned(conn, scheduled_actions, scheduled_actions.c.seq == seq)
        if locked is None:
            return False
        grow, found = locked
        if found.next_at is None or found.next_at > now:
            return False  # another node fired it first
        if found.rule_ari is None and _runs(grow, found, now):
            _apply(ctx, conn, grow, found)
        following = schedule_of(found).after(found.next_at, now)
        if following is None:
            conn.execute(delete(scheduled_actions).where(scheduled_actions.c.seq == seq))
        else:
            conn.execute(
                update(scheduled_actions)
                .where(scheduled_actions.c.seq == seq)
                .values(next_at=following)
            )
        ctx.db.notify(conn)
    ctx.wake()
    return True


def _apply(ctx: Context, conn: Connection, grow: Any, found: Any) -> None:
    """The group's sizes as the action names them, by the rules an update keeps."""
    scope = Scope(grow.account, grow.region, Cloud(grow.cloud))
    try:
        min_size, max_size, desired = sizes_of(grow, found.min_size, found.max_size, found.desired)
    except Refusal as refusal:  # sizes the group can no longer take: this firing does nothing
        log.info("scheduled action %s on %s not applied: %s", found.name, grow.name, refusal)
        return
    values: dict[str, Any] = {
        "min_size": min_size,
        "max_size": max_size,
        "desired": desired,
        "dirty": True,
    }
    if desired != grow.desired:
        values["trigger"] = {
            "kind": "scheduled",
            "at": found.next_at.isoformat(),
            "from": grow.desired,
            "to": desired,
            "min": min_size,
            "max": max_size,
        }
    ctx.books(conn, scope).groups.change(grow.id, **values)
