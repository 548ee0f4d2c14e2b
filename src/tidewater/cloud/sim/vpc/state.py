"""VPC's rows beside the computed default network: which VPCs and vSwitches a scope has, and
what keeps one from being deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, exists, select

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit.ids import aliyun_id
from tidewater.cloud.sim.kit.rows import of_cloud, owned
from tidewater.cloud.sim.kit.service import SimService
from tidewater.cloud.sim.vpc.faults import vpc_not_found
from tidewater.cloud.sim.vpc.params import DEFAULT_VPC_BLOCK
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    machines,
    sim_aliyun_vpcs,
    sim_ecs_security_groups,
    sim_vswitches,
)


@dataclass(frozen=True, slots=True)
class Vpc:
    id: str
    cidr: str
    name: str
    description: str
    created: datetime
    is_default: bool


@dataclass(frozen=True, slots=True)
class VSwitch:
    id: str
    vpc_id: str
    zone: str
    cidr: str
    name: str
    description: str
    created: datetime
    is_default: bool


def new_vpc_id() -> str:
    return aliyun_id("vpc-")


def new_vswitch_id() -> str:
    return aliyun_id("vsw-")


def default_vpc(scope: Scope) -> Vpc:
    return Vpc(network.default_vpc(scope), DEFAULT_VPC_BLOCK, "", "", network.DEFAULT_CREATED, True)


def default_vswitches(scope: Scope) -> list[VSwitch]:
    """One per zone, the blocks the default subnets always had (all inside 172.16.0.0/12)."""
    return [
        VSwitch(
            s.id, s.vpc_id, s.zone, network.subnet_cidr(i), "", "", network.DEFAULT_CREATED, True
        )
        for i, s in enumerate(network.default_subnets(scope))
    ]


class VpcState(SimService):
    """The VPCs and vSwitches of an account and region, the default ones first."""

    def _vpcs(self, conn: Connection, scope: Scope) -> list[Vpc]:
        table = sim_aliyun_vpcs
        rows = conn.execute(
            select(table).where(*owned(table, scope)).order_by(table.c.created_at, table.c.id)
        )
        stored = [Vpc(r.id, r.cidr, r.name, r.description, r.created_at, False) for r in rows]
        return [default_vpc(scope), *stored]

    def _vswitches(self, conn: Connection, scope: Scope) -> list[VSwitch]:
        table = sim_vswitches
        rows = conn.execute(
            select(table).where(*owned(table, scope)).order_by(table.c.created_at, table.c.id)
        )
        stored = [
            VSwitch(r.id, r.vpc_id, r.zone, r.cidr, r.name, r.description, r.created_at, False)
            for r in rows
        ]
        return [*default_vswitches(scope), *stored]

    def _vpc(self, conn: Connection, scope: Scope, vpc_id: str) -> Vpc:
        found = next((v for v in self._vpcs(conn, scope) if v.id == vpc_id), None)
        if found is None:
            raise vpc_not_found()
        return found

    def _vpc_blocker(self, conn: Connection, scope: Scope, vpc: Vpc) -> str | None:
        """What keeps a VPC: its vSwitches first, then its security groups."""
        if any(s.vpc_id == vpc.id for s in self._vswitches(conn, scope)):
            return "vswitch"
        groups = sim_ecs_security_groups
        query = exists().where(*owned(groups, scope), groups.c.vpc_id == vpc.id)
        return "security_group" if conn.execute(select(query)).scalar() else None

    @staticmethod
    def _vswitch_in_use(conn: Connection, scope: Scope, vswitch_id: str) -> bool:
        query = exists().where(
            *of_cloud(machines, scope),
            machines.c.subnet_id == vswitch_id,
            machines.c.state != "terminated",
        )
        return bool(conn.execute(select(query)).scalar())
