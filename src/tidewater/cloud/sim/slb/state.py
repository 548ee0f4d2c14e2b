"""SLB's rows: load balancers and their backend servers, in the order they were added."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit.ids import aliyun_id
from tidewater.cloud.sim.kit.service import OwnedRows
from tidewater.cloud.sim.slb.faults import not_found
from tidewater.cloud.sim.slb.params import DEFAULT_PORT, READ
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import machines, sim_slb_backends, sim_slbs


def new_lb_id() -> str:
    return aliyun_id("lb-")


def public_address(lb_id: str) -> str:
    digest = int(network.hex_id(lb_id, "public", length=8), 16)
    return f"47.{96 + (digest >> 16) % 32}.{(digest >> 8) % 256}.{digest % 250 + 4}"


def health(balancer: Row[Any], backend: Row[Any], machine: Row[Any] | None) -> str:
    """Unavailable while the balancer is inactive or the weight is 0; else the machine's."""
    if balancer.status != "active" or backend.weight == 0:
        return "unavailable"
    if machine is not None and machine.state == "running":
        return "normal"
    return "abnormal"


class SlbState(OwnedRows):
    """What every SLB action family stands on: its rows and the machines behind them."""

    table = sim_slbs
    id_parameter = "LoadBalancerId"
    reader = READ
    unknown = staticmethod(not_found)
    default_id = staticmethod(new_lb_id)

    @staticmethod
    def _backend_rows(conn: Connection, lb_id: str) -> list[Row[Any]]:
        return list(
            conn.execute(
                select(sim_slb_backends)
                .where(sim_slb_backends.c.lb_id == lb_id)
                .order_by(sim_slb_backends.c.position, sim_slb_backends.c.server_id)
            ).all()
        )

    @staticmethod
    def _machines(conn: Connection, scope: Scope, ids: Iterable[str]) -> dict[str, Row[Any]]:
        ids = list(ids)
        if not ids:
            return {}
        rows = conn.execute(
            select(machines).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == Cloud.ALIYUN.value,
                machines.c.state.in_(("pending", "running", "stopping", "stopped")),
                machines.c.id.in_(ids),
            )
        ).all()
        return {row.id: row for row in rows}

    @staticmethod
    def _put(
        conn: Connection, lb_id: str, ids: Sequence[str], weight: int, ports: Mapping[str, int]
    ) -> None:
        """Adds backends (or sets the weight of present ones), keeping the order of adding."""
        # writers to one balancer take turns, or two could add the same backend at once
        conn.execute(select(sim_slbs.c.id).where(sim_slbs.c.id == lb_id).with_for_update())
        present = {
            row.server_id: row
            for row in conn.execute(
                select(sim_slb_backends).where(sim_slb_backends.c.lb_id == lb_id)
            ).all()
        }
        last = max((row.position for row in present.values()), default=0)
        for server in dict.fromkeys(ids):
            if server in present:
                conn.execute(
                    update(sim_slb_backends)
                    .where(
                        sim_slb_backends.c.lb_id == lb_id,
                        sim_slb_backends.c.server_id == server,
                    )
                    .values(weight=weight)
                )
                continue
            last += 1
            conn.execute(
                insert(sim_slb_backends).values(
                    lb_id=lb_id,
                    server_id=server,
                    weight=weight,
                    port=ports.get(server, DEFAULT_PORT),
                    position=last,
                )
            )

    @staticmethod
    def _drop(conn: Connection, lb_id: str, ids: Sequence[str]) -> None:
        conn.execute(
            delete(sim_slb_backends).where(
                sim_slb_backends.c.lb_id == lb_id, sim_slb_backends.c.server_id.in_(list(ids))
            )
        )
