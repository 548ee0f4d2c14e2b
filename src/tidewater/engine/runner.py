"""The activity runner: one loop per node that moves the simulated cloud, activities and capacity.

Any number of nodes may run on one database: each step runs under a lease taken with
FOR UPDATE SKIP LOCKED, a heartbeat renews the leases a node holds, and a node that falls
silent loses them when they run out, so a survivor finishes its work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, Select, exists, literal_column, select, union_all
from sqlalchemy.exc import OperationalError

from tidewater.clock import Clock
from tidewater.domain.activity import Status
from tidewater.domain.refusal import Contention
from tidewater.engine import (
    alarms,
    ess_alarms,
    leases,
    reconciler,
    refresh,
    scheduled_actions,
    telemetry,
)
from tidewater.engine.context import Context
from tidewater.engine.steps import STEPS, finish, record
from tidewater.engine.steps.paths import at_end
from tidewater.store import service_clock

Result = TypeVar("Result")
log = logging.getLogger("tidewater.runner")

BATCH = 20

# Rows that carry their own next time on the service clock: the keys due at the bound
# parameter `now` (a query, or none when the cloud keeps no such rows), how to move one on.
TIMED: tuple[
    tuple[Callable[[Context], Select[Any] | None], Callable[[Context, Any], bool], str], ...
] = (
    (lambda ctx: scheduled_actions.DUE, scheduled_actions.fire, "scheduled action"),
    (lambda ctx: refresh.DUE, refresh.advance, "instance refresh"),
    (lambda ctx: telemetry.DUE, telemetry.publish, "load model"),  # before the alarms
    (alarms.due, alarms.evaluate, "metric alarm"),
    (lambda ctx: ess_alarms.DUE, ess_alarms.evaluate, "ESS event-triggered task"),
)
# Consecutive steps of one activity a pass runs without letting go of it, when each is due at
# once (nothing to wait for); then the activity goes back in line behind the others.
CHAIN = 8


class Runner:
    """Woken by commits (its own node's, and others' through the database); also sweeps."""

    def __init__(
        self,
        ctx: Context,
        *,
        lease_seconds: float = 30.0,
        sweep_seconds: float = 0.5,
        wall: Clock | None = None,
    ) -> None:
        self.ctx = ctx
        self.lease = timedelta(seconds=lease_seconds)
        self.sweep_seconds = sweep_seconds
        self.wall = wall or Clock()  # leases measure liveness: real time, never simulated
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self._held: list[str] = []  # activities claimed by the pass under way, not yet run
        self._held_lock = threading.Lock()  # the heartbeat reads it from another thread
        self._stop_listening: Callable[[], None] = lambda: None
        self._timed = [(q, go, what) for due, go, what in TIMED if (q := due(ctx)) is not None]
        # one query says which kinds of timed rows have anything due; only those are listed
        self._any_timed: CompoundSelect[Any] = union_all(
            *(
                select(literal_column(str(n))).where(exists(query))
                for n, (query, _, _) in enumerate(self._timed)
            )
        )

    # -- the synchronous heart ----------------------------------------------------------------

    def tick(self) -> bool:
        """One pass over everything due now; returns whether anything moved."""
        ctx = self.ctx
        try:
            if ctx.db.dialect == "postgresql":  # SQLite serves one process: nothing to take up
                service_clock.catch_up(ctx.db, ctx.clock)  # a move made on another node
            now = ctx.clock.now()
            changed = ctx.compute.advance(now)
            reconciler.observe(ctx, changed)
            claimed = leases.claim(ctx.db, ctx.node, now, self.wall.now(), self.lease, BATCH)
        except Contention:  # another node holds what this pass wanted; the next pass retries
            log.info("the cloud or the activities are busy on another node; trying again")
            return False
        moved = bool(changed)
        with self._held_lock:
            self._held = [a.id for a in claimed]
        try:
            for activity in claimed:
                if self._stopping:
                    return False
                moved = True
                self.run_chain(activity)
                with self._held_lock:
                    self._held.remove(activity.id)
        finally:
            with self._held_lock:
                left, self._held = self._held, []
            if left:  # stopping, or the pass failed: hand back what was never run
                with contextlib.suppress(Exception):
                    leases.release(ctx.db, ctx.node, left)
        for group_id in reconciler.dirty(ctx, now):
            if self._stopping:
                return False
            try:
                reconciler.reconcile(ctx, group_id)
                moved = True
            except Contention:
                log.info("group %s is busy; reconciling it on a later pass", group_id)
        for keys, advance, what in self.timed_due(now):
            for key in keys:
                if self._stopping:
                    return False
                try:
                    moved = advance(ctx, key) or moved
                except Contention:
                    log.info("%s %s is busy; moving it on a later pass", what, key)
        return moved

    def timed_due(
        self, now: datetime
    ) -> list[tuple[list[Any], Callable[[Context, Any], bool], str]]:
        """The due keys of each kind of timed row, in one read: most passes find none at all."""
        with self.ctx.db.read() as conn:
            hits = {int(n) for n in conn.execute(self._any_timed, {"now": now}).scalars()}
            return [
                (list(conn.execute(query, {"now": now}).scalars()), go, what)
                for n, (query, go, what) in enumerate(self._timed)
                if n in hits
            ]

    def run_chain(self, activity: Any) -> None:
        """Run a claimed activity's step, then its next ones while each is due at once.

        Each next step is claimed again like any other (so a node that took it over, or an
        earlier activity of the same instance, still wins), only without waiting for a pass.
        After a path's last step nothing is due at once, so nothing is asked.
        """
        for left in range(CHAIN, 0, -1):
            last = at_end(activity)
            self.run_step(activity)
            if self._stopping or left == 1 or last:
                return
            try:
                again = leases.claim(
                    self.ctx.db,
                    self.ctx.node,
                    self.ctx.clock.now(),
                    self.wall.now(),
                    self.lease,
                    1,
                    activity.id,
                )
            except Contention:
                return  # the next pass takes it
            if not again:
                return
            activity = again[0]

    def run_step(self, activity: Any) -> None:
        step = STEPS.get(activity.step)
        try:
            if step is None:
                raise RuntimeError(f"unknown step {activity.step!r}")
            step(self.ctx, activity)
        except leases.LeaseLost:
            log.warning("activity %s was taken over by another node", activity.id)
        except (Contention, OperationalError) as error:
            # busy, or the database went away: nothing was recorded, so the step runs again;
            # let go of the lease if we still can, else it runs out unrenewed
            log.warning("activity %s will retry step %s: %s", activity.id, activity.step, error)
            with contextlib.suppress(Exception):
                leases.release(self.ctx.db, self.ctx.node, [activity.id])
        except Exception as error:  # a broken step must fail its activity, not the loop
            log.exception("activity %s failed at step %s", activity.id, activity.step)
            with contextlib.suppress(leases.LeaseLost), record(self.ctx, activity) as conn:
                finish(conn, activity, self.ctx.clock.now(), Status.FAILED, str(error)[:255])

    def drain(self, limit: int = 1000) -> int:
        """Tick until nothing is due; tests call this (through the API) instead of sleeping."""
        for count in range(limit):
            if not self.tick():
                return count
        return limit

    def renew(self) -> int:
        with self._held_lock:
            held = list(self._held)
        return leases.renew(self.ctx.db, self.ctx.node, held, self.wall.now(), self.lease)

    def recover(self) -> int:
        """A node restarting under its old name takes back nothing: what it held is free again."""
        return leases.release(self.ctx.db, self.ctx.node)

    # -- the asynchronous shell ---------------------------------------------------------------

    def wake(self) -> None:
        if self._loop is not None and self._event is not None:
            self._loop.call_soon_threadsafe(self._event.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        await asyncio.to_thread(self.recover)
        self._stop_listening = self.ctx.db.listen(self.wake)
        self._run_task = asyncio.create_task(self._run())
        self._heartbeat_task = asyncio.create_task(self._heartbeat())

    def halt(self) -> None:
        """Stop starting steps and passes at once (a shutdown began); safe from any thread.

        A pass under way ends after its step or group in hand, so requests in flight (a
        settle) answer promptly and the shutdown stays within its graceful limit.
        """
        self._stopping = True
        self.wake()

    async def stop(self) -> None:
        """Finish the step in hand, hand back every other lease, stop listening."""
        self._stopping = True
        self.wake()
        if self._run_task is not None:
            await self._run_task  # the step in hand finishes; tick() releases the rest
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat_task
        await asyncio.to_thread(self._stop_listening)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.recover)

    async def settle(self) -> int:
        async with self._lock:
            return await asyncio.to_thread(self.drain)

    async def between_passes(self, work: Callable[[], Result]) -> Result:
        """Run `work` in a thread while this node's runner is between passes (a reset)."""
        async with self._lock:
            return await asyncio.to_thread(work)

    async def _run(self) -> None:
        assert self._event is not None
        while not self._stopping:
            try:
                async with self._lock:
                    await asyncio.to_thread(self.drain)
            except Exception:
                log.exception("runner pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout=self.sweep_seconds)
            self._event.clear()

    async def _heartbeat(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await asyncio.to_thread(self.renew)
            except Exception:
                log.exception("renewing leases failed")
