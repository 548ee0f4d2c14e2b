"""ECS's security groups: created in a VPC, listed, given ingress rules and deleted.

The default VPC's group stays computed (ecs/launching.default_security_group) and is listed with
the stored ones; scaling configurations and launches name either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ecs.faults import (
    bad_ports,
    bad_protocol,
    bad_source,
    group_in_use,
    group_not_found,
    vpc_not_found,
)
from tidewater.cloud.sim.ecs.launching import default_security_group
from tidewater.cloud.sim.ecs.params import READ, Params, action
from tidewater.cloud.sim.ecs.render import group_out, permission_out
from tidewater.cloud.sim.ecs.state import EcsState
from tidewater.cloud.sim.kit import cidr, paging, rpc
from tidewater.cloud.sim.kit.ids import aliyun_id
from tidewater.cloud.sim.kit.rows import of_cloud, owned, owner_columns
from tidewater.domain.scope import Scope
from tidewater.store.tables import machines, sim_aliyun_vpcs, sim_ecs_security_groups

Output = dict[str, Any]

PROTOCOLS = ("tcp", "udp", "icmp", "gre", "all")
PORTS = re.compile(r"(-1|[0-9]{1,5})/(-1|[0-9]{1,5})")
PAGE_LIMIT, DEFAULT_PAGE_SIZE = 50, 10
GROUPS = sim_ecs_security_groups


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    description: str
    vpc_id: str
    created_at: datetime
    rules: list[dict[str, Any]]


def _ports(protocol: str, text: str | None) -> str:
    """tcp and udp name a range 1/65535 at most; the others take only -1/-1."""
    match = PORTS.fullmatch(text or "")
    if match is None:
        raise bad_ports()
    low, high = int(match.group(1)), int(match.group(2))
    if protocol in ("tcp", "udp"):
        if not 1 <= low <= high <= 65535:
            raise bad_ports()
    elif (low, high) != (-1, -1):
        raise bad_ports()
    return f"{low}/{high}"


def _rule(params: Params, groups: Mapping[str, str]) -> dict[str, Any]:
    protocol = READ.required(params, "IpProtocol").lower()
    if protocol not in PROTOCOLS:
        raise bad_protocol()
    ports = _ports(protocol, rpc.value(params, "PortRange"))
    source = rpc.value(params, "SourceCidrIp")
    if source is not None and cidr.parse(source if "/" in source else f"{source}/32") is None:
        raise bad_source()
    source_group = rpc.value(params, "SourceGroupId")
    if source_group is not None and source_group not in groups:
        raise group_not_found()
    return {
        "protocol": protocol.upper() if protocol != "all" else "ALL",
        "ports": ports,
        "source": source,
        "source_group": source_group,
        "policy": rpc.value(params, "Policy") or "Accept",
        "priority": rpc.value(params, "Priority") or "1",
        "nic_type": rpc.value(params, "NicType") or "intranet",
        "description": rpc.value(params, "Description") or "",
    }


class SecurityGroups(EcsState):
    """CreateSecurityGroup, DescribeSecurityGroups, AuthorizeSecurityGroup, DeleteSecurityGroup."""

    def _groups(self, conn: Connection, scope: Scope) -> list[Group]:
        default = Group(
            default_security_group(scope),
            "default",
            "",
            network.default_vpc(scope),
            network.DEFAULT_CREATED,
            [],
        )
        rows = conn.execute(
            select(GROUPS).where(*owned(GROUPS, scope)).order_by(GROUPS.c.created_at, GROUPS.c.id)
        )
        stored = [
            Group(r.id, r.name, r.description, r.vpc_id, r.created_at, list(r.rules or []))
            for r in rows
        ]
        return [default, *stored]

    def _group(self, conn: Connection, scope: Scope, group_id: str) -> Group:
        found = next((g for g in self._groups(conn, scope) if g.id == group_id), None)
        if found is None:
            raise group_not_found()
        return found

    def _members(self, conn: Connection, scope: Scope) -> dict[str, int]:
        """How many live instances name each group."""
        counts: dict[str, int] = {}
        rows = conn.execute(
            select(machines.c.security_groups).where(
                *of_cloud(machines, scope), machines.c.state != "terminated"
            )
        )
        for row in rows:
            for group in row.security_groups or []:
                counts[group] = counts.get(group, 0) + 1
        return counts

    @action
    def create_security_group(self, scope: Scope, params: Params) -> Output:
        """In a VPC the account has; without VpcId, the default VPC (the sim has no classic)."""
        vpc_id = rpc.value(params, "VpcId") or network.default_vpc(scope)
        group_id = aliyun_id("sg-")
        with self.db.write() as conn:
            stored = conn.execute(
                select(func.count()).where(
                    *owned(sim_aliyun_vpcs, scope), sim_aliyun_vpcs.c.id == vpc_id
                )
            ).scalar_one()
            if vpc_id != network.default_vpc(scope) and not stored:
                raise vpc_not_found()
            conn.execute(
                insert(GROUPS).values(
                    **owner_columns(scope),
                    id=group_id,
                    vpc_id=vpc_id,
                    name=rpc.value(params, "SecurityGroupName") or "",
                    description=rpc.value(params, "Description") or "",
                    rules=[],
                    created_at=self.clock.now(),
                )
            )
        return {"SecurityGroupId": group_id}

    @action
    def describe_security_groups(self, scope: Scope, params: Params) -> Output:
        number, size = READ.page(params, DEFAULT_PAGE_SIZE, PAGE_LIMIT)
        wanted = READ.json_list(params, "SecurityGroupIds")
        single = rpc.value(params, "SecurityGroupId")
        vpc_id = rpc.value(params, "VpcId")
        name = rpc.value(params, "SecurityGroupName")
        with self.db.read() as conn:
            groups, members = self._groups(conn, scope), self._members(conn, scope)
        chosen = [
            g
            for g in groups
            if (wanted is None or g.id in wanted)
            and (single is None or g.id == single)
            and (vpc_id is None or g.vpc_id == vpc_id)
            and (name is None or g.name == name)
        ]
        page = paging.numbered(chosen, number, size)
        return {
            "RegionId": scope.region,
            "TotalCount": len(chosen),
            "PageNumber": number,
            "PageSize": size,
            "SecurityGroups": {
                "SecurityGroup": [group_out(scope, g, members.get(g.id, 0)) for g in page]
            },
        }

    @action
    def describe_security_group_attribute(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            group = self._group(conn, scope, READ.required(params, "SecurityGroupId"))
        return {
            "RegionId": scope.region,
            "SecurityGroupId": group.id,
            "SecurityGroupName": group.name,
            "Description": group.description,
            "VpcId": group.vpc_id,
            "InnerAccessPolicy": "Accept",
            "Permissions": {"Permission": [permission_out(r) for r in group.rules]},
        }

    @action
    def authorize_security_group(self, scope: Scope, params: Params) -> Output:
        """One ingress rule; the same rule again changes nothing. The default group's rules are
        not kept (it stays computed, inferred)."""
        group_id = READ.required(params, "SecurityGroupId")
        with self.db.write() as conn:
            group = self._group(conn, scope, group_id)
            rule = _rule(params, {g.id: g.vpc_id for g in self._groups(conn, scope)})
            if rule not in group.rules and group.id != default_security_group(scope):
                conn.execute(
                    update(GROUPS).where(GROUPS.c.id == group.id).values(rules=[*group.rules, rule])
                )
        return {}

    @action
    def delete_security_group(self, scope: Scope, params: Params) -> Output:
        group_id = READ.required(params, "SecurityGroupId")
        with self.db.write() as conn:
            group = self._group(conn, scope, group_id)
            if group.id == default_security_group(scope) or self._members(conn, scope).get(
                group.id
            ):
                raise group_in_use()
            conn.execute(delete(GROUPS).where(GROUPS.c.id == group.id))
        return {}
