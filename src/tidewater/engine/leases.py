"""Leases say which node runs an activity's step; a node that falls silent loses them in time.

Lease times are wall-clock times: they measure a node's liveness, never simulated time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, update

from tidewater.domain.activity import TERMINAL
from tidewater.store.database import Database
from tidewater.store.tables import activities

TERMINAL_VALUES = [s.value for s in TERMINAL]


class LeaseLost(Exception):
    """Another node took this activity over while this one was working on it; drop the step."""


def claim(
    db: Database, node: str, now: datetime, wall: datetime, lease: timedelta, limit: int
) -> list[Any]:
    """Take up to `limit` due activities nobody holds (or whose holder went silent).

    An instance's activities run in the order they were recorded: a termination asked for
    while the instance still boots waits for the launch, so nothing re-registers it afterwards.
    """
    earlier = activities.alias("earlier")
    with db.write() as conn:
        ids = list(
            conn.execute(
                select(activities.c.id)
                .where(
                    activities.c.due_at <= now,
                    activities.c.status.not_in(TERMINAL_VALUES),
                    or_(activities.c.lease_until.is_(None), activities.c.lease_until < wall),
                    ~exists().where(
                        earlier.c.instance_id == activities.c.instance_id,
                        earlier.c.seq < activities.c.seq,
                        earlier.c.status.not_in(TERMINAL_VALUES),
                    ),
                )
                .order_by(activities.c.due_at, activities.c.seq)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return []
        conn.execute(
            update(activities)
            .where(activities.c.id.in_(ids))
            .values(lease_owner=node, lease_until=wall + lease)
        )
        return list(
            conn.execute(
                select(activities)
                .where(activities.c.id.in_(ids))
                .order_by(activities.c.due_at, activities.c.seq)
            ).all()
        )


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
