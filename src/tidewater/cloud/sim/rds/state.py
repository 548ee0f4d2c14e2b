"""RDS's rows: DB instances whose status follows the clock, and their IP whitelist groups.

States follow the injected clock: a new instance is `Creating` and a restarted one `Rebooting`
until its `due_at`, then `Running`. The row keeps the transitional status and its deadline; every
read derives the status from them, so no timer has to run for an instance to become Running.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, case, delete, insert, select, update

from tidewater.cloud.sim.kit.ids import aliyun_id
from tidewater.cloud.sim.kit.service import OwnedRows
from tidewater.cloud.sim.rds.faults import not_found
from tidewater.cloud.sim.rds.params import READ
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import machines, sim_rds_instances, sim_rds_ips

# The whitelist group Auto Scaling keeps its instances' private IPs in. Alibaba does not document
# the name ESS uses; this one is stable, and taken apart from user groups by its prefix.
ESS_GROUP = "ess-autoscaling"
DEFAULT_GROUP = "default"
DEFAULT_IPS = "127.0.0.1"
CREATE_SECONDS = 60.0  # Creating → Running, before Timing.scale
RESTART_SECONDS = 10.0  # Rebooting → Running, before Timing.scale
TRANSIENT = ("Creating", "Rebooting")


def new_db_id() -> str:
    return aliyun_id("rm-")


def split(ips: str) -> list[str]:
    return [ip for ip in ips.split(",") if ip]


class RdsState(OwnedRows):
    """What every RDS action family stands on: its rows, their statuses and whitelists."""

    table = sim_rds_instances
    id_parameter = "DBInstanceId"
    reader = READ
    unknown = staticmethod(not_found)
    default_id = staticmethod(new_db_id)

    @staticmethod
    def status_of(row: Row[Any], now: datetime) -> str:
        if row.status in TRANSIENT and row.due_at is not None and row.due_at <= now:
            return "Running"
        return str(row.status)

    @staticmethod
    def _status_column(now: datetime) -> ColumnElement[str]:
        """The SQL twin of status_of."""
        return case(
            (
                and_(
                    sim_rds_instances.c.status.in_(TRANSIENT),
                    sim_rds_instances.c.due_at <= now,
                ),
                "Running",
            ),
            else_=sim_rds_instances.c.status,
        )

    @staticmethod
    def _groups(conn: Connection, db_id: str) -> dict[str, Row[Any]]:
        rows = conn.execute(select(sim_rds_ips).where(sim_rds_ips.c.db_id == db_id)).all()
        ordered = sorted(rows, key=lambda r: (r.name != DEFAULT_GROUP, r.name))
        return {row.name: row for row in ordered}

    @staticmethod
    def _store_group(
        conn: Connection, db_id: str, name: str, ips: Sequence[str], attribute: str | None
    ) -> None:
        """Writes one group; a group left empty is removed, except the default one."""
        present = conn.execute(
            select(sim_rds_ips).where(sim_rds_ips.c.db_id == db_id, sim_rds_ips.c.name == name)
        ).first()
        where = (sim_rds_ips.c.db_id == db_id, sim_rds_ips.c.name == name)
        if not ips and name != DEFAULT_GROUP:
            conn.execute(delete(sim_rds_ips).where(*where))
        elif present is None:
            conn.execute(
                insert(sim_rds_ips).values(
                    db_id=db_id, name=name, attribute=attribute or "", ips=",".join(ips)
                )
            )
        else:
            values: dict[str, str] = {"ips": ",".join(ips)}
            if attribute is not None:
                values["attribute"] = attribute
            conn.execute(update(sim_rds_ips).where(*where).values(**values))

    def _private_ips(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> list[str]:
        if not ids:
            return []
        rows = conn.execute(
            select(machines.c.id, machines.c.private_ip).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == Cloud.ALIYUN.value,
                machines.c.id.in_(list(ids)),
            )
        ).all()
        by_id = {row.id: row.private_ip for row in rows}
        return list(dict.fromkeys(by_id[i] for i in ids if i in by_id))
