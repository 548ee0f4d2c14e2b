"""The Traffic port's side of RDS: what Auto Scaling calls as instances come and go."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from tidewater.cloud.sim.rds.state import (
    ESS_GROUP,
    RdsState,
    split,
)
from tidewater.domain.scope import Scope


class EnginePort(RdsState):
    """Idempotent calls the engine makes; every one refuses nothing."""

    def rds_exists(self, scope: Scope, db_id: str) -> bool:
        return self._find(scope, db_id) is not None

    def rds_usable(self, scope: Scope, db_id: str, within: Connection | None = None) -> bool:
        """Instances may join or leave the whitelist of a Running DB instance only."""
        row = self._find(scope, db_id, within)
        return row is not None and self.status_of(row, self.clock.now()) == "Running"

    def rds_allow(self, scope: Scope, db_id: str, instance_ids: Sequence[str]) -> None:
        """Adds the instances' private IPs to the ESS_GROUP whitelist group."""
        self._change_ess_group(scope, db_id, instance_ids, allow=True)

    def rds_revoke(self, scope: Scope, db_id: str, instance_ids: Sequence[str]) -> None:
        """Takes the instances' private IPs out of ESS_GROUP; an emptied group goes."""
        self._change_ess_group(scope, db_id, instance_ids, allow=False)

    def _change_ess_group(
        self, scope: Scope, db_id: str, instance_ids: Sequence[str], *, allow: bool
    ) -> None:
        with self.db.write() as conn:
            if self._row(conn, scope, db_id) is None:
                return
            ips = self._private_ips(conn, scope, instance_ids)
            if not ips:
                return
            groups = self._groups(conn, db_id)
            current = split(groups[ESS_GROUP].ips) if ESS_GROUP in groups else []
            if allow:
                result = list(dict.fromkeys([*current, *ips]))
            else:
                result = [ip for ip in current if ip not in ips]
            if result != current:
                self._store_group(conn, db_id, ESS_GROUP, result, None)

    def rds_whitelist(self, scope: Scope, db_id: str) -> dict[str, list[str]]:
        """Group name → entries (for tests and diagnostics)."""
        with self.db.read() as conn:
            if self._row(conn, scope, db_id) is None:
                return {}
            return {n: split(g.ips) for n, g in self._groups(conn, db_id).items()}
