"""The simulated cloud's Traffic port: one door onto its balancers and DB whitelists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from tidewater.cloud.ports import Target
from tidewater.cloud.sim.balancers import SimBalancers
from tidewater.cloud.sim.rds import SimRds
from tidewater.cloud.sim.slb import SimSlb
from tidewater.domain.scope import Scope


class SimTraffic:
    """Dispatches by the target's kind to the simulated ELB/ELBv2, SLB or RDS."""

    def __init__(self, balancers: SimBalancers, slb: SimSlb, rds: SimRds) -> None:
        self.balancers = balancers  # Classic ELB and ELBv2 target groups
        self.slb = slb
        self.rds = rds

    def exists(self, scope: Scope, target: Target) -> bool:
        if target.kind in ("clb", "target_group"):
            return self.balancers.exists(scope, target.kind, target.ref)
        if target.kind == "slb":
            return self.slb.slb_exists(scope, target.ref)
        if target.kind == "rds":
            return self.rds.rds_exists(scope, target.ref)
        return False

    def usable(self, scope: Scope, target: Target, within: Connection | None = None) -> bool:
        """`within`: read in the caller's transaction, which may hold the database's write lock."""
        if target.kind in ("clb", "target_group"):
            return self.balancers.usable(scope, target.kind, target.ref, within)
        if target.kind == "slb":
            return self.slb.slb_usable(scope, target.ref, within)
        if target.kind == "rds":
            return self.rds.rds_usable(scope, target.ref, within)
        return False

    def register(self, scope: Scope, target: Target, ids: Sequence[str]) -> None:
        if not ids or not self.exists(scope, target):
            return
        if target.kind in ("clb", "target_group"):
            self.balancers.register(scope, target.kind, target.ref, list(ids))
        elif target.kind == "slb":
            self.slb.slb_add(scope, target.ref, list(ids), target.weight or 50)
        elif target.kind == "rds":
            self.rds.rds_allow(scope, target.ref, list(ids))

    def deregister(self, scope: Scope, target: Target, ids: Sequence[str]) -> datetime | None:
        if not ids or not self.exists(scope, target):
            return None
        if target.kind in ("clb", "target_group"):
            return self.balancers.deregister(scope, target.kind, target.ref, list(ids))
        if target.kind == "slb":
            self.slb.slb_remove(scope, target.ref, list(ids))
        elif target.kind == "rds":
            self.rds.rds_revoke(scope, target.ref, list(ids))
        return None

    def drained(self, scope: Scope, target: Target, ids: Sequence[str]) -> bool:
        if target.kind in ("clb", "target_group") and self.exists(scope, target):
            return self.balancers.drained(scope, target.kind, target.ref, list(ids))
        return True

    def set_weight(self, scope: Scope, target: Target, ids: Sequence[str], weight: int) -> None:
        if target.kind == "slb" and self.exists(scope, target):
            self.slb.slb_weight(scope, target.ref, list(ids), weight)
