"""A group's load model, set and cleared by tests through /_tidewater/load, one transaction each.

The model lives on the group's publication row (engine/telemetry.py `keep`), whose next_at on
the service clock lets the runner's TIMED table publish without sleeping; setting a model
publishes from the next whole minute.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tidewater.domain.load import Load
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine import telemetry
from tidewater.engine.context import Context
from tidewater.store.tables import group_loads


def put(ctx: Context, scope: Scope, group_key: str, body: Any) -> dict[str, Any]:
    """Replace the group's model; the next whole minute of service time publishes it."""
    load = Load.parse(body)
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        telemetry.keep(
            books.conn, row.id, ctx.clock.now(), collecting=bool(row.metrics), model=load.to_json()
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
        model = books.conn.execute(
            select(group_loads.c.model).where(group_loads.c.group_id == row.id)
        ).scalar()
        if model is None:
            raise Refusal("load.not_set", group=group_key)
        telemetry.keep(
            books.conn, row.id, ctx.clock.now(), collecting=bool(row.metrics), model=None
        )
