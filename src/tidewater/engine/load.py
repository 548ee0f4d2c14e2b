"""A group's load model, set and cleared by tests through /_tidewater/load, one transaction each.

The row carries the next minute to publish (next_at) on the service clock, so the runner's
TIMED table can drive publication without sleeping; setting a model publishes from now on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from tidewater.domain.load import Load
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.store.tables import group_loads


def put(ctx: Context, scope: Scope, group_key: str, body: Any) -> dict[str, Any]:
    """Replace the group's model; the next whole minute of service time publishes it."""
    load = Load.parse(body)
    now = ctx.clock.now()
    following = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        values = {"model": load.to_json(), "updated_at": now, "next_at": following}
        found = books.conn.execute(
            select(group_loads.c.group_id).where(group_loads.c.group_id == row.id)
        ).first()
        if found is None:
            books.conn.execute(insert(group_loads).values(group_id=row.id, **values))
        else:
            books.conn.execute(
                update(group_loads).where(group_loads.c.group_id == row.id).values(**values)
            )
    return load.to_json()


def get(ctx: Context, scope: Scope, group_key: str) -> dict[str, Any]:
    """The group's model as stored (normalised), or a refusal when none is set."""
    with ctx.read(scope) as books:
        row = books.groups.find(group_key)
        model = books.conn.execute(
            select(group_loads.c.model).where(group_loads.c.group_id == row.id)
        ).scalar()
    if model is None:
        raise Refusal("load.not_set", group=group_key)
    return dict(model)


def clear(ctx: Context, scope: Scope, group_key: str) -> None:
    """Forget the group's model: it publishes no utilisation from now on."""
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        gone = books.conn.execute(
            delete(group_loads).where(group_loads.c.group_id == row.id)
        ).rowcount
    if not gone:
        raise Refusal("load.not_set", group=group_key)
