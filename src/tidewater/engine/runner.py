"""The activity runner: one loop that moves the simulated cloud, activities and capacity along."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from tidewater.domain.activity import TERMINAL, Status
from tidewater.engine import reconciler
from tidewater.engine.context import Context
from tidewater.engine.steps import STEPS, finish
from tidewater.store.tables import activities

log = logging.getLogger("tidewater.runner")

LEASE = timedelta(seconds=60)
BATCH = 100


class Runner:
    """Woken by commits; also polls, so timers (boot, draining) fire on the clock's own time."""

    def __init__(self, ctx: Context, poll_seconds: float = 0.5) -> None:
        self.ctx = ctx
        self.poll_seconds = poll_seconds
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._stopping = False

    # -- the synchronous heart ----------------------------------------------------------------

    def tick(self) -> bool:
        """One pass over everything due now; returns whether anything moved."""
        ctx = self.ctx
        now = ctx.clock.now()
        changed = ctx.compute.advance(now)
        reconciler.observe(ctx, changed)
        moved = bool(changed)
        for activity in self.claim(now):
            moved = True
            self.run_step(activity)
        for group_id in reconciler.dirty(ctx, now):
            moved = True
            reconciler.reconcile(ctx, group_id)
        return moved

    def claim(self, now: datetime) -> list[Any]:
        with self.ctx.db.write() as conn:
            rows = list(
                conn.execute(
                    select(activities)
                    .where(
                        activities.c.due_at <= now,
                        activities.c.status.not_in([s.value for s in TERMINAL]),
                        or_(activities.c.lease_until.is_(None), activities.c.lease_until < now),
                    )
                    .order_by(activities.c.due_at, activities.c.seq)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                ).all()
            )
            if rows:
                conn.execute(
                    update(activities)
                    .where(activities.c.id.in_([r.id for r in rows]))
                    .values(lease_owner=self.ctx.node, lease_until=now + LEASE)
                )
        return rows

    def run_step(self, activity: Any) -> None:
        step = STEPS.get(activity.step)
        try:
            if step is None:
                raise RuntimeError(f"unknown step {activity.step!r}")
            step(self.ctx, activity)
        except Exception as error:  # a broken step must fail its activity, not the loop
            log.exception("activity %s failed at step %s", activity.id, activity.step)
            with self.ctx.db.write() as conn:
                finish(conn, activity, self.ctx.clock.now(), Status.FAILED, str(error)[:255])

    def drain(self, limit: int = 1000) -> int:
        """Tick until nothing is due; tests call this (through the API) instead of sleeping."""
        for count in range(limit):
            if not self.tick():
                return count
        return limit

    # -- the asynchronous shell ---------------------------------------------------------------

    def wake(self) -> None:
        if self._loop is not None and self._event is not None:
            self._loop.call_soon_threadsafe(self._event.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        if self._task is not None:
            await self._task

    async def settle(self) -> int:
        async with self._lock:
            return await asyncio.to_thread(self.drain)

    async def _run(self) -> None:
        assert self._event is not None
        while not self._stopping:
            try:
                async with self._lock:
                    await asyncio.to_thread(self.drain)
            except Exception:
                log.exception("runner pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout=self.poll_seconds)
            self._event.clear()
