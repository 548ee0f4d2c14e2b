"""Balancers' registrations and their health over time, the names the service gives its
resources, and the lookups every action family shares.

refusals are `BalancerFault`s with AWS's code and text. Health and draining are not timers that
fire: each registration stores when its health checks pass (`healthy_at`) and, once
deregistered, when its draining ends (`draining_until`), and every answer is computed from
`compute.clock.now()`. Rows whose draining has ended are ignored and purged on the next write.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, delete, insert, or_, select, update

from tidewater.cloud.sim.balancers.faults import lbs_not_found, no_active, tg_not_found
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.kit.rows import owned, owner_columns
from tidewater.cloud.sim.kit.service import SimService
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    machines,
    sim_listeners,
    sim_load_balancers,
    sim_target_groups,
    sim_targets,
)

Output = dict[str, Any]

DRAINING_TEXT = "Instance deregistration currently in progress."
HTTP_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": "300",
    "stickiness.enabled": "false",
    "stickiness.type": "lb_cookie",
    "stickiness.lb_cookie.duration_seconds": "86400",
    "stickiness.app_cookie.cookie_name": "",
    "stickiness.app_cookie.duration_seconds": "86400",
    "slow_start.duration_seconds": "0",
    "load_balancing.algorithm.type": "round_robin",
    "load_balancing.algorithm.anomaly_mitigation": "off",
    "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
}
TCP_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": "300",
    "deregistration_delay.connection_termination.enabled": "false",
    "stickiness.enabled": "false",
    "stickiness.type": "source_ip",
    "proxy_protocol_v2.enabled": "false",
    "preserve_client_ip.enabled": "true",
    "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
}
CLASSIC_ATTRIBUTES: Output = {
    "CrossZoneLoadBalancing": {"Enabled": False},
    "AccessLog": {"Enabled": False},
    "ConnectionDraining": {"Enabled": False, "Timeout": 300},
    "ConnectionSettings": {"IdleTimeout": 60},
    "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "defensive"}],
}


def hex16() -> str:
    return secrets.token_hex(8)


def digits(*parts: str) -> str:
    return str(int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16))[:10]


def elb_arn(scope: Scope, resource: str) -> str:
    return f"arn:aws:elasticloadbalancing:{scope.region}:{scope.account}:{resource}"


def classic_arn(scope: Scope, name: str) -> str:
    return elb_arn(scope, f"loadbalancer/{name}")


class BalancerState(SimService):
    """What every load balancer action family stands on: registrations, health, lookups."""

    def __init__(self, compute: SimCompute, health_check: float = 10.0) -> None:
        super().__init__(compute)
        self.health_check = health_check  # seconds, scaled, until a new target passes its checks

    def _now(self) -> datetime:
        return self.clock.now()

    @staticmethod
    def _scoped(table: Table, scope: Scope) -> list[Any]:
        return owned(table, scope)

    def _purge(self, conn: Connection, now: datetime) -> None:
        conn.execute(
            delete(sim_targets).where(
                sim_targets.c.draining_until.is_not(None), sim_targets.c.draining_until <= now
            )
        )

    def _machines(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = conn.execute(
            select(machines.c.id, machines.c.state).where(
                machines.c.id.in_(list(ids)), *self._scoped(machines, scope)
            )
        ).all()
        return {row.id: row.state for row in rows}

    def _live_targets(
        self, conn: Connection, owner: str, now: datetime, *, draining: bool = True
    ) -> list[Row[Any]]:
        query = select(sim_targets).where(sim_targets.c.owner == owner)
        if draining:
            query = query.where(
                or_(sim_targets.c.draining_until.is_(None), sim_targets.c.draining_until > now)
            )
        else:
            query = query.where(sim_targets.c.draining_until.is_(None))
        return list(
            conn.execute(query.order_by(sim_targets.c.registered_at, sim_targets.c.instance_id))
        )

    def _register_rows(
        self,
        conn: Connection,
        scope: Scope,
        kind: str,
        owner: str,
        pairs: Sequence[tuple[str, int]],
    ) -> None:
        now = self._now()
        self._purge(conn, now)
        healthy_at = now + self.timing.delay(self.health_check)
        for instance_id, port in pairs:
            key = [
                sim_targets.c.owner == owner,
                sim_targets.c.instance_id == instance_id,
                sim_targets.c.port == port,
            ]
            row = conn.execute(select(sim_targets).where(*key)).first()
            if row is None:
                conn.execute(
                    insert(sim_targets).values(
                        owner=owner,
                        instance_id=instance_id,
                        port=port,
                        **owner_columns(scope),
                        kind=kind,
                        registered_at=now,
                        healthy_at=healthy_at,
                        draining_until=None,
                    )
                )
            elif row.draining_until is not None:
                conn.execute(
                    update(sim_targets)
                    .where(*key)
                    .values(registered_at=now, healthy_at=healthy_at, draining_until=None)
                )

    def _deregister_rows(
        self,
        conn: Connection,
        owner: str,
        instance_ids: Sequence[str],
        seconds: float | None,
        ports: Sequence[int] | None = None,
    ) -> datetime | None:
        """Starts draining (or drops at once when `seconds` is None or 0); the latest end."""
        now = self._now()
        self._purge(conn, now)
        query = select(sim_targets).where(
            sim_targets.c.owner == owner, sim_targets.c.instance_id.in_(list(instance_ids))
        )
        rows = [r for r in conn.execute(query) if ports is None or r.port in ports]
        until = now + self.timing.delay(seconds) if seconds else None
        latest: datetime | None = None
        for row in rows:
            key = [
                sim_targets.c.owner == owner,
                sim_targets.c.instance_id == row.instance_id,
                sim_targets.c.port == row.port,
            ]
            if row.draining_until is not None:
                latest = max(latest or row.draining_until, row.draining_until)
            elif until is None:
                conn.execute(delete(sim_targets).where(*key))
            else:
                conn.execute(update(sim_targets).where(*key).values(draining_until=until))
                latest = max(latest or until, until)
        return latest

    # == Classic (2012-06-01) =================================================================

    def _load_balancer(
        self, conn: Connection, scope: Scope, family: str, column: str, value: Any
    ) -> Row[Any] | None:
        """A load balancer of one family (classic or v2) by one of its keys (name or ARN)."""
        return conn.execute(
            select(sim_load_balancers).where(
                *self._scoped(sim_load_balancers, scope),
                sim_load_balancers.c.family == family,
                sim_load_balancers.c[column] == value,
            )
        ).first()

    def _classic(self, conn: Connection, scope: Scope, name: Any) -> Row[Any]:
        row = self._load_balancer(conn, scope, "classic", "name", name)
        if row is None:
            raise no_active(str(name))
        return row

    @staticmethod
    def _classic_drain(row: Row[Any]) -> float | None:
        draining = row.attributes.get("ConnectionDraining") or {}
        return float(draining.get("Timeout", 300)) if draining.get("Enabled") else None

    def _classic_state(self, target: Row[Any], state: str | None, now: datetime) -> Output:
        if target.draining_until is not None:
            return {"State": "OutOfService", "ReasonCode": "ELB", "Description": DRAINING_TEXT}
        if state in ("stopped", "stopping"):
            return {
                "State": "OutOfService",
                "ReasonCode": "Instance",
                "Description": "Instance is in stopped state.",
            }
        if state in (None, "shutting-down", "terminated"):
            return {
                "State": "OutOfService",
                "ReasonCode": "Instance",
                "Description": "Instance is in terminated state.",
            }
        if now < target.healthy_at:
            return {
                "State": "OutOfService",
                "ReasonCode": "ELB",
                "Description": "Instance registration is still in progress.",
            }
        if state != "running":
            return {
                "State": "OutOfService",
                "ReasonCode": "Instance",
                "Description": "Instance has failed at least the UnhealthyThreshold number "
                "of health checks consecutively.",
            }
        return {"State": "InService", "ReasonCode": "N/A", "Description": "N/A"}

    def _balancer(self, conn: Connection, scope: Scope, arn: Any) -> Row[Any]:
        """An ELBv2 load balancer by ARN; LoadBalancerNotFound otherwise."""
        row = self._load_balancer(conn, scope, "v2", "arn", arn)
        if row is None:
            raise lbs_not_found()
        return row

    def _group(self, conn: Connection, scope: Scope, arn: Any) -> Row[Any]:
        row = None
        if isinstance(arn, str):
            row = conn.execute(
                select(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == arn
                )
            ).first()
        if row is None:
            raise tg_not_found(str(arn))
        return row

    def _group_balancers(self, conn: Connection, scope: Scope) -> dict[str, list[str]]:
        """Target group ARN → the load balancers whose listeners forward to it."""
        out: dict[str, list[str]] = {}
        for row in conn.execute(
            select(sim_listeners.c.load_balancer_arn, sim_listeners.c.target_groups)
            .where(*self._scoped(sim_listeners, scope))
            .order_by(sim_listeners.c.created_at, sim_listeners.c.arn)
        ):
            for arn in row.target_groups:
                balancers = out.setdefault(arn, [])
                if row.load_balancer_arn not in balancers:
                    balancers.append(row.load_balancer_arn)
        return out

    @staticmethod
    def _group_drain(group: Row[Any]) -> float:
        return float(group.attributes.get("deregistration_delay.timeout_seconds", "300"))

    def _target_health(
        self, target: Row[Any] | None, state: str | None, in_use: bool, now: datetime
    ) -> Output:
        if target is None:
            return {
                "State": "unused",
                "Reason": "Target.NotRegistered",
                "Description": "Target is not registered to the target group",
            }
        if target.draining_until is not None:
            return {
                "State": "draining",
                "Reason": "Target.DeregistrationInProgress",
                "Description": "Target deregistration is in progress",
            }
        if not in_use:
            return {
                "State": "unused",
                "Reason": "Target.NotInUse",
                "Description": "Target group is not configured to receive traffic from the "
                "load balancer",
            }
        if now < target.healthy_at:
            return {
                "State": "initial",
                "Reason": "Elb.RegistrationInProgress",
                "Description": "Target registration is in progress",
            }
        if state != "running":
            return {
                "State": "unhealthy",
                "Reason": "Target.FailedHealthChecks",
                "Description": "Health checks failed",
            }
        return {"State": "healthy"}

    def _owner(self, conn: Connection, scope: Scope, kind: str, ref: str) -> Row[Any] | None:
        if kind not in ("clb", "target_group"):
            raise ValueError(f"unknown load balancer kind {kind!r}")
        if "\x00" in ref:
            return None
        if kind == "clb":
            return conn.execute(
                select(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "classic",
                    sim_load_balancers.c.name == ref,
                )
            ).first()
        if kind == "target_group":
            return conn.execute(
                select(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == ref
                )
            ).first()
        raise ValueError(f"unknown load balancer kind {kind!r}")

    def _owner_or_fault(self, conn: Connection, scope: Scope, kind: str, ref: str) -> Row[Any]:
        row = self._owner(conn, scope, kind, ref)
        if row is None:
            raise no_active(ref) if kind == "clb" else tg_not_found(ref)
        return row
