"""ECS's view of the sim's machines: statuses derived from states, transitions, scope.

States: SimCompute's pending is ECS's Pending during the first half of a fresh instance's boot and
Starting otherwise; running, stopping and stopped map one to one. A released instance goes
shutting-down then terminated, which ECS never shows: it simply disappears.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, not_, select, update

from tidewater.cloud.sim.ecs.faults import EcsFault, incorrect_status
from tidewater.cloud.sim.ecs.launching import Network
from tidewater.cloud.sim.kit import times
from tidewater.cloud.sim.kit.rows import of_cloud
from tidewater.cloud.sim.kit.service import SimService
from tidewater.domain.scope import Scope
from tidewater.store.tables import machines

VISIBLE = ("pending", "running", "stopping", "stopped")  # shutting-down and terminated are gone
SETTLED_STATUS = {"running": "Running", "stopping": "Stopping", "stopped": "Stopped"}


class EcsState(SimService):
    """What every ECS handler family stands on: machines as ECS sees them, and their moves."""

    # -- states ---------------------------------------------------------------------------------

    @property
    def _pending_for(self) -> timedelta:
        """A fresh instance is Pending for the first half of its boot, then Starting."""
        return self.timing.delay(self.timing.boot) / 2

    def _status(self, row: Row[Any], now: datetime) -> str:
        if row.state != "pending":
            return SETTLED_STATUS[row.state]
        fresh = (
            row.changed_at == row.launched_at
            and "started_at" not in (row.attributes or {})
            and row.launched_at > now - self._pending_for
        )
        return "Pending" if fresh else "Starting"

    def _fresh(self, now: datetime) -> ColumnElement[bool]:
        """The SQL twin of _status's Pending test."""
        return and_(
            machines.c.changed_at == machines.c.launched_at,
            machines.c.launched_at > now - self._pending_for,
            machines.c.attributes["started_at"].as_string().is_(None),
        )

    def _status_condition(self, status: str, now: datetime) -> ColumnElement[bool]:
        pending = machines.c.state == "pending"
        if status == "Pending":
            return and_(pending, self._fresh(now))
        if status == "Starting":
            return and_(pending, not_(self._fresh(now)))
        return machines.c.state == {v: k for k, v in SETTLED_STATUS.items()}[status]

    @staticmethod
    def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
        return [*of_cloud(machines, scope), machines.c.state.in_(VISIBLE)]

    def _rows(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = conn.execute(
            select(machines).where(*self._in_scope(scope), machines.c.id.in_(list(ids)))
        ).all()
        return {row.id: row for row in rows}

    def _network(self, scope: Scope) -> Network:
        """The vSwitches and security groups a launch may name."""
        with self.db.read() as conn:
            vswitches = tuple(self.compute.subnets(scope, conn))
            groups = self.compute.security_groups(scope, conn)
        return Network(vswitches, groups)

    # -- transitions ------------------------------------------------------------------------

    def _set_attributes(self, conn: Connection, rows: Iterable[Row[Any]], **values: Any) -> None:
        for row in rows:
            conn.execute(
                update(machines)
                .where(machines.c.id == row.id)
                .values(attributes={**(row.attributes or {}), **values})
            )

    def _start(self, conn: Connection, scope: Scope, rows: list[Row[Any]]) -> None:
        ids = [r.id for r in rows]
        self.compute.transition(conn, scope, ids, ("stopped",), "pending", self.timing.boot)
        self._set_attributes(conn, rows, started_at=times.minute(self.clock.now()))

    def _stopper(self, mode: str) -> Callable[[Connection, Scope, list[Row[Any]]], None]:
        def stop(conn: Connection, scope: Scope, rows: list[Row[Any]]) -> None:
            ids = [r.id for r in rows]
            self.compute.transition(conn, scope, ids, ("running",), "stopping", self.timing.stop)
            self._set_attributes(conn, rows, stopped_mode=mode)

        return stop

    def _release(self, conn: Connection, scope: Scope, rows: list[Row[Any]]) -> None:
        ids = [r.id for r in rows]
        self.compute.transition(conn, scope, ids, VISIBLE, "shutting-down", self.timing.shutdown)

    @staticmethod
    def _startable(row: Row[Any], status: str) -> EcsFault | None:
        return None if status == "Stopped" else incorrect_status()

    @staticmethod
    def _stoppable(row: Row[Any], status: str) -> EcsFault | None:
        return None if status == "Running" else incorrect_status()

    @staticmethod
    def _releasable(
        force: bool, terminate_subscription: bool
    ) -> Callable[[Row[Any], str], EcsFault | None]:
        def check(row: Row[Any], status: str) -> EcsFault | None:
            attributes = row.attributes or {}
            if status == "Pending":
                return EcsFault(
                    "IncorrectInstanceStatus.Initializing",
                    "The specified instance status does not support this operation.",
                    403,
                )
            if attributes.get("deletion_protection"):
                return EcsFault(
                    "InvalidOperation.DeletionProtection",
                    "The operation is not allowed due to deletion protection.",
                    403,
                )
            if attributes.get("charge_type") == "PrePaid" and not terminate_subscription:
                return EcsFault(
                    "ChargeTypeViolation",
                    "The operation is not permitted due to charge type of the instance.",
                    403,
                )
            if not force and status != "Stopped":
                return incorrect_status()
            return None

        return check
