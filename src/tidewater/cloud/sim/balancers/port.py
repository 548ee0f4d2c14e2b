"""The Traffic port's side of the balancers: what Auto Scaling calls as instances come and go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from tidewater.cloud.sim.balancers.state import (
    BalancerState,
)
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    sim_targets,
)


class EnginePort(BalancerState):
    """Idempotent calls the engine makes; they refuse nothing a step could not repeat."""

    def exists(self, scope: Scope, kind: str, ref: str, within: Connection | None = None) -> bool:
        """`within`: the caller's transaction, so it reads what it has not committed yet."""
        if within is None:
            with self.db.read() as conn:
                return self.exists(scope, kind, ref, conn)
        return self._owner(within, scope, kind, ref) is not None

    def usable(self, scope: Scope, kind: str, ref: str, within: Connection | None = None) -> bool:
        """Can take instances now: the simulated ones are active as soon as they exist."""
        return self.exists(scope, kind, ref, within)

    def register(self, scope: Scope, kind: str, ref: str, instance_ids: Sequence[str]) -> None:
        """Registers the instances that exist (any state); already registered ones stay."""
        with self.db.write() as conn:
            owner = self._owner_or_fault(conn, scope, kind, ref)
            wanted = [i for i in dict.fromkeys(instance_ids) if "\x00" not in i]
            known = self._machines(conn, scope, wanted)
            ids = [i for i in dict.fromkeys(instance_ids) if i in known]
            port = 0 if kind == "clb" else owner.port
            self._register_rows(conn, scope, kind, owner.arn, [(i, port) for i in ids])

    def deregister(
        self, scope: Scope, kind: str, ref: str, instance_ids: Sequence[str]
    ) -> datetime | None:
        """Starts draining; when it ends, or None when nothing is left to wait for."""
        with self.db.write() as conn:
            owner = self._owner(conn, scope, kind, ref)
            if owner is None:
                return None
            seconds = self._classic_drain(owner) if kind == "clb" else self._group_drain(owner)
            ids = [i for i in instance_ids if "\x00" not in i]
            return self._deregister_rows(conn, owner.arn, ids, seconds)

    def drained(self, scope: Scope, kind: str, ref: str, instance_ids: Sequence[str]) -> bool:
        now = self._now()
        with self.db.read() as conn:
            owner = self._owner(conn, scope, kind, ref)
            if owner is None:
                return True
            live = self._live_targets(conn, owner.arn, now)
        wanted = set(instance_ids)
        return not any(t.instance_id in wanted for t in live)

    def healthy(self, scope: Scope, instance_id: str) -> bool | None:
        if "\x00" in instance_id:
            return None
        now = self._now()
        with self.db.read() as conn:
            rows = list(
                conn.execute(
                    select(sim_targets).where(
                        *self._scoped(sim_targets, scope),
                        sim_targets.c.instance_id == instance_id,
                        sim_targets.c.draining_until.is_(None),
                    )
                )
            )
            if not rows:
                return None
            state = self._machines(conn, scope, [instance_id]).get(instance_id)
            in_use = self._group_balancers(conn, scope)
        for row in rows:
            if row.kind == "target_group" and row.owner not in in_use:
                continue  # unused: no load balancer checks it
            if now >= row.healthy_at and state != "running":
                return False
        return True
