"""Leases say which node runs an activity's step; a node that falls silent loses them in time.

Lease times are wall-clock times: they measure a node's liveness, never simulated time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Update, bindparam, exists, or_, select, update

from tidewater.domain.activity import TERMINAL
from tidewater.store.database import Database
from tidewater.store.tables import activities

TERMINAL_VALUES = [s.value for s in TERMINAL]


class LeaseLost(Exception):
    """Another node took this activity over while this one was working on it; drop the step."""


_EARLIER = activities.alias("earlier")
# Due, unfinished, held by nobody (or by a node gone silent), and first in its instance's line;
# built once: the runner asks this on every pass
_CLAIMABLE = (
    activities.c.due_at <= bindparam("now"),
    activities.c.status.not_in(TERMINAL_VALUES),
    or_(activities.c.lease_until.is_(None), activities.c.lease_until < bindparam("wall")),
    ~exists().where(
        _EARLIER.c.instance_id == activities.c.instance_id,
        _EARLIER.c.seq < activities.c.seq,
        _EARLIER.c.status.not_in(TERMINAL_VALUES),
    ),
)
_ORDER = (activities.c.due_at, activities.c.seq)
_DUE = select(activities.c.id).where(*_CLAIMABLE).order_by(*_ORDER).limit(bindparam("limit"))
_ONE_DUE = select(activities.c.id).where(activities.c.id == bindparam("activity"), *_CLAIMABLE)


def _taking(due: Select[Any]) -> Update:
    """One statement takes what `due` finds and returns the rows it took: PostgreSQL skips
    rows another node is taking at the same moment (the queue's SKIP LOCKED), SQLite has
    the one writer already."""
    return (
        update(activities)
        .where(activities.c.id.in_(due.with_for_update(skip_locked=True)))
        .values(lease_owner=bindparam("node"), lease_until=bindparam("until"))
        .returning(*activities.c)
    )


_TAKE_DUE = _taking(_DUE)
_TAKE_ONE = _taking(_ONE_DUE)


def claim(
    db: Database,
    node: str,
    now: datetime,
    wall: datetime,
    lease: timedelta,
    limit: int,
    only: str | None = None,
) -> list[Any]:
    """Take up to `limit` due activities nobody holds (or whose holder went silent); with
    `only`, that one activity if it is due (its next step, straight after the last).

    An instance's activities run in the order they were recorded: a termination asked for
    while the instance still boots waits for the launch, so nothing re-registers it afterwards.
    On SQLite it reads before it writes, so a pass with nothing due takes no write lock (the
    one lock every request needs); PostgreSQL's SKIP LOCKED claim holds nobody up and costs
    no more round trips than the read would.
    """
    query, params = (
        (_DUE, {"now": now, "wall": wall, "limit": limit})
        if only is None
        else (_ONE_DUE, {"now": now, "wall": wall, "activity": only})
    )
    if db.turns is not None:  # SQLite: one writer at a time, so look before taking its lock
        with db.read() as conn:
            if conn.execute(query, params).first() is None:
                return []
    take = _TAKE_DUE if only is None else _TAKE_ONE
    with db.write() as conn:
        taken = conn.execute(take, {**params, "until": wall + lease, "node": node}).all()
        return sorted(taken, key=lambda row: (row.due_at, row.seq))


def renew(db: Database, node: str, ids: list[str], wall: datetime, lease: timedelta) -> int:
    """Extend the leases of the activities this node still has in hand, and no others: a lease
    it dropped by accident (a failed pass) runs out, and another node takes the work."""
    if not ids:
        return 0
    with db.write() as conn:
        return conn.execute(
            update(activities)
            .where(activities.c.lease_owner == node, activities.c.id.in_(ids))
            .values(lease_until=wall + lease)
        ).rowcount


def release(db: Database, node: str, ids: list[str] | None = None) -> int:
    """Hand activities back so any node may take them at once (shutdown, restart, stop)."""
    where = [activities.c.lease_owner == node]
    if ids is not None:
        where.append(activities.c.id.in_(ids))
    with db.write() as conn:
        return conn.execute(
            update(activities).where(*where).values(lease_owner=None, lease_until=None)
        ).rowcount


def held(activity: Any) -> list[ColumnElement[bool]]:
    """The condition under which a step may still write its activity: its lease is unchanged."""
    owner = getattr(activity, "lease_owner", None)
    return [] if owner is None else [activities.c.lease_owner == owner]
