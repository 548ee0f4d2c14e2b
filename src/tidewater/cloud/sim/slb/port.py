"""The Traffic port's side of SLB: what Auto Scaling calls as instances come and go."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, update

from tidewater.cloud.sim.slb.state import SlbState
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_slb_backends


class EnginePort(SlbState):
    """Idempotent calls the engine makes; every one refuses nothing."""

    def slb_exists(self, scope: Scope, lb_id: str) -> bool:
        return self._find(scope, lb_id) is not None

    def slb_usable(self, scope: Scope, lb_id: str, within: Connection | None = None) -> bool:
        """Instances may join or leave only an active load balancer."""
        row = self._find(scope, lb_id, within)
        return row is not None and row.status == "active"

    def slb_add(self, scope: Scope, lb_id: str, instance_ids: Sequence[str], weight: int) -> None:
        """Makes the instances backends with this weight; present ones take the weight."""
        with self.db.write() as conn:
            if self._row(conn, scope, lb_id) is not None and instance_ids:
                self._put(conn, lb_id, instance_ids, weight, {})

    def slb_remove(self, scope: Scope, lb_id: str, instance_ids: Sequence[str]) -> None:
        with self.db.write() as conn:
            if self._row(conn, scope, lb_id) is not None and instance_ids:
                self._drop(conn, lb_id, instance_ids)

    def slb_weight(
        self, scope: Scope, lb_id: str, instance_ids: Sequence[str], weight: int
    ) -> None:
        """Sets the weight of those instances that are backends (EnterStandby sets 0)."""
        with self.db.write() as conn:
            if self._row(conn, scope, lb_id) is None or not instance_ids:
                return
            conn.execute(
                update(sim_slb_backends)
                .where(
                    sim_slb_backends.c.lb_id == lb_id,
                    sim_slb_backends.c.server_id.in_(list(instance_ids)),
                )
                .values(weight=weight)
            )

    def slb_backends(self, scope: Scope, lb_id: str) -> dict[str, int]:
        """Server id → weight, in the order they were added (for tests and diagnostics)."""
        with self.db.read() as conn:
            if self._row(conn, scope, lb_id) is None:
                return {}
            return {row.server_id: row.weight for row in self._backend_rows(conn, lb_id)}
