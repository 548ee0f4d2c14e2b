"""Warm pools (AWS): keeping a group's pool at its size, drawing on it at scale-out, and the
requests that put, describe and delete it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tidewater.domain.activity import Kind, Trigger
from tidewater.domain.capacity import emptiest_zone
from tidewater.domain.group import Group, GroupStatus
from tidewater.domain.instance import WARM, WARM_LEAVING, WARMED, Lifecycle, Member
from tidewater.domain.lifecycle_hook import HOLD, Transition
from tidewater.domain.processes import Gate
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.domain.warm_pool import POOL, PoolState, WarmPool
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.leaving import Fate, send_off
from tidewater.engine.steps import PATHS
from tidewater.engine.steps.warm import WARM as WARM_FACT
from tidewater.store.tables import members

BATCH = 100  # pool instances one pass may launch or end


def reuse_fate(group: Group) -> Fate | None:
    """What scale-in does with an instance the group owns when its pool takes them back."""
    pool = group.warm_pool
    if pool is None or not pool.reuse or pool.deleting or group.status is not GroupStatus.ACTIVE:
        return None
    return Fate.WARM_RUNNING if pool.state is PoolState.RUNNING else Fate.WARM


def ready(current: Sequence[Member]) -> list[Member]:
    """The pool's instances a scale-out may draw on, the longest prepared first."""
    return sorted(
        (m for m in current if m.state in WARMED), key=lambda m: (m.joined_at, m.instance_id)
    )


def take(pool: list[Member], zone: str) -> Member | None:
    """The prepared instance a launch in `zone` draws: one of that zone, so the group stays
    balanced, else the longest prepared of any (inferred: the guide names no order)."""
    if not pool:
        return None
    chosen = next((m for m in pool if m.zone == zone), pool[0])
    pool.remove(chosen)
    return chosen


def draw(
    books: Books, row: Any, member: Member, now: datetime, facts: dict[str, Any], parent: Any
) -> None:
    """A scale-out takes a prepared instance: Pending at once (so the next pass counts it),
    started and booted by its activity."""
    books.members.move([member.instance_id], Lifecycle.PENDING)
    member.state = Lifecycle.PENDING  # no longer the pool's, for the rest of this pass
    path = PATHS["draw"]
    books.activities.add(
        row,
        Kind.LAUNCH,
        now,
        instance_id=member.instance_id,
        zone=member.zone,
        subnet_id=member.subnet_id,
        step=path[0],
        parent_id=parent,
        facts={**facts, WARM_FACT: "from", "path": list(path), HOLD: Transition.LAUNCHING.value},
    )


def tend(
    books: Books,
    row: Any,
    group: Group,
    current: Sequence[Member],
    launching: int,
    now: datetime,
    subnet_for: Callable[[str], str],
) -> None:
    """Launch into the pool or end what it holds beyond its size; let a deleted pool go once
    it is empty. `launching`: launches into the pool still without an instance."""
    pooled = [m for m in current if m.state in WARM and m.state not in WARM_LEAVING]
    have, want = len(pooled) + launching, group.pool_size()
    # a group going takes its pool with it, past every hook (as a force delete does)
    why = Trigger.DELETE if group.status is GroupStatus.DELETING else Trigger.WARM_POOL
    facts = {"at": now.isoformat(), "trigger": why, "from": have, "to": want}
    zones = list(group.zones)
    if have < want and zones and not group.blocks(Gate.SCALE_OUT):
        assert group.warm_pool is not None
        path = PATHS["warm_running" if group.warm_pool.state is PoolState.RUNNING else "warm"]
        counts: Counter[str] = Counter({zone: 0 for zone in zones})
        counts.update(m.zone for m in pooled)
        for _ in range(min(want - have, BATCH)):
            zone = emptiest_zone(counts, zones)
            counts[zone] += 1
            books.activities.add(
                row,
                Kind.LAUNCH,
                now,
                zone=zone,
                subnet_id=subnet_for(zone),
                step=path[0],
                facts={
                    **facts,
                    WARM_FACT: "into",
                    "path": list(path),
                    HOLD: Transition.LAUNCHING.value,
                },
            )
    elif have > want:
        for member in ready(pooled)[::-1][: min(have - want, BATCH)]:  # the newest go first
            send_off(books, row, member, Fate.DROP, now, facts)
    pool = group.warm_pool
    empty = not launching and not any(m.state in WARM for m in current)
    if pool is not None and pool.deleting and empty:
        settings = {k: v for k, v in row.settings.items() if k != POOL}
        books.groups.change(group.id, settings=settings)


def put(ctx: Context, scope: Scope, name: str, pool: WarmPool) -> None:
    def body(books: Books) -> None:
        row = books.groups.lock(name)
        if (row.settings or {}).get("MixedInstancesPolicy"):
            raise Refusal("warm_pool.mixed", group=name)
        old = WarmPool.of((row.settings or {}).get(POOL))
        if old is not None and old.deleting:
            raise Refusal("warm_pool.deleting", group=name)
        settings = {**row.settings, POOL: pool.stored()}
        books.groups.change(row.id, settings=settings, dirty=True)

    ctx.attempt(scope, body)


def delete(ctx: Context, scope: Scope, name: str, force: bool) -> None:
    """The pool is marked for deletion (PendingDelete) and its instances ended; with `force`
    the instances are ended all the same, but the pool is gone at once."""

    def body(books: Books) -> None:
        row = books.groups.lock(name)
        pool = WarmPool.of((row.settings or {}).get(POOL))
        if pool is None:
            raise Refusal("warm_pool.none", group=name)
        if force:
            settings = {k: v for k, v in row.settings.items() if k != POOL}
        else:
            settings = {**row.settings, POOL: dataclasses.replace(pool, deleting=True).stored()}
        books.groups.change(row.id, settings=settings, dirty=True)

    ctx.attempt(scope, body)


def described(
    ctx: Context, scope: Scope, name: str, after: str | None, size: int
) -> tuple[WarmPool | None, list[Any]]:
    """A group's pool and one page of the member rows in it, in instance id order: `size` of
    them past `after`, and one more when there is a next page."""
    query = select(members).where(members.c.state.in_([s.value for s in WARM]))
    if after is not None:
        query = query.where(members.c.instance_id > after)
    with ctx.db.read() as conn:
        row = ctx.books(conn, scope).groups.find(name)
        rows = conn.execute(
            query.where(members.c.group_id == row.id)
            .order_by(members.c.instance_id)
            .limit(size + 1)
        ).all()
        return WarmPool.of((row.settings or {}).get(POOL)), list(rows)
