"""VPC's handlers: VPCs and the vSwitches in them, beside the default network of each region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit import cidr, paging, rpc
from tidewater.cloud.sim.kit.ids import resource_group
from tidewater.cloud.sim.vpc.faults import (
    cidr_malformed,
    cidr_mask,
    cidr_outside_vpc,
    cidr_overlapped,
    vpc_description,
    vpc_in_use,
    vpc_name,
    vswitch_description,
    vswitch_in_use,
    vswitch_name,
    vswitch_not_found,
    zone_not_found,
)
from tidewater.cloud.sim.vpc.params import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_VPC_BLOCK,
    PAGE_LIMIT,
    READ,
    VPC_MASKS,
    VSWITCH_MASKS,
    Params,
    action,
    block,
    description,
    ids,
    name,
)
from tidewater.cloud.sim.vpc.render import route_table, router, vpc_out, vswitch_out
from tidewater.cloud.sim.vpc.state import VpcState, new_vpc_id, new_vswitch_id
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_aliyun_vpcs, sim_vswitches

Output = dict[str, Any]


def _page(params: Params, items: list[Any]) -> tuple[Output, list[Any]]:
    number, size = READ.page(params, DEFAULT_PAGE_SIZE, PAGE_LIMIT)
    counts = {"TotalCount": len(items), "PageNumber": number, "PageSize": size}
    return counts, paging.numbered(items, number, size)


class Networks(VpcState):
    """CreateVpc, DescribeVpcs, DeleteVpc and the same three for vSwitches."""

    @action
    def create_vpc(self, scope: Scope, params: Params) -> Output:
        given = rpc.value(params, "CidrBlock")
        found = cidr.parse(given or DEFAULT_VPC_BLOCK)
        if found is None or found.prefixlen not in VPC_MASKS:
            raise cidr_malformed()
        vpc_id = new_vpc_id()
        row = {
            "id": vpc_id,
            "account": scope.account,
            "region": scope.region,
            "cidr": str(found),
            "name": name(params, "VpcName", vpc_name),
            "description": description(params, vpc_description),
            "created_at": self.clock.now(),
        }
        with self.db.write() as conn:
            conn.execute(insert(sim_aliyun_vpcs).values(row))
        return {
            "VpcId": vpc_id,
            "VRouterId": router(vpc_id),
            "RouteTableId": route_table(vpc_id),
            "ResourceGroupId": resource_group(scope),
        }

    @action
    def describe_vpcs(self, scope: Scope, params: Params) -> Output:
        """Unknown ids are simply not listed; IsDefault keeps the default VPC or the others."""
        wanted = ids(params, "VpcId")
        named = rpc.value(params, "VpcName")
        is_default = READ.boolean(params, "IsDefault") if "IsDefault" in params else None
        with self.db.read() as conn:
            vpcs, vswitches = self._vpcs(conn, scope), self._vswitches(conn, scope)
        chosen = [
            v
            for v in vpcs
            if (wanted is None or v.id in wanted)
            and (named is None or v.name == named)
            and (is_default is None or v.is_default == is_default)
        ]
        counts, page = _page(params, chosen)
        return {**counts, "Vpcs": {"Vpc": [vpc_out(scope, v, vswitches) for v in page]}}

    @action
    def delete_vpc(self, scope: Scope, params: Params) -> Output:
        vpc_id = READ.required(params, "VpcId")
        with self.db.write() as conn:
            vpc = self._vpc(conn, scope, vpc_id)
            blocker = self._vpc_blocker(conn, scope, vpc)
            if blocker is not None:
                raise vpc_in_use(blocker)
            conn.execute(delete(sim_aliyun_vpcs).where(sim_aliyun_vpcs.c.id == vpc.id))
        return {}

    @action
    def create_vswitch(self, scope: Scope, params: Params) -> Output:
        """In ECS's order: zone, VPC, block; a block must fit the VPC and overlap no other."""
        zone = READ.required(params, "ZoneId")
        vpc_id = READ.required(params, "VpcId")
        found = block(params)
        if zone not in network.zones(scope.region, scope.cloud):
            raise zone_not_found()
        row = {
            "id": new_vswitch_id(),
            "account": scope.account,
            "region": scope.region,
            "vpc_id": vpc_id,
            "zone": zone,
            "cidr": str(found),
            "name": name(params, "VSwitchName", vswitch_name),
            "description": description(params, vswitch_description),
            "created_at": self.clock.now(),
        }
        with self.db.write() as conn:
            vpc = self._vpc(conn, scope, vpc_id)
            if found.prefixlen not in VSWITCH_MASKS:
                raise cidr_mask()
            if not cidr.within(found, vpc.cidr):
                raise cidr_outside_vpc()
            taken = [s.cidr for s in self._vswitches(conn, scope) if s.vpc_id == vpc.id]
            if cidr.overlaps(found, taken):
                raise cidr_overlapped()
            conn.execute(insert(sim_vswitches).values(row))
        return {"VSwitchId": row["id"]}

    @action
    def describe_vswitches(self, scope: Scope, params: Params) -> Output:
        wanted = ids(params, "VSwitchId")
        filters = {
            "vpc_id": rpc.value(params, "VpcId"),
            "zone": rpc.value(params, "ZoneId"),
            "name": rpc.value(params, "VSwitchName"),
        }
        is_default = READ.boolean(params, "IsDefault") if "IsDefault" in params else None
        with self.db.read() as conn:
            vswitches = self._vswitches(conn, scope)
        chosen = [
            s
            for s in vswitches
            if (wanted is None or s.id in wanted)
            and all(v is None or getattr(s, k) == v for k, v in filters.items())
            and (is_default is None or s.is_default == is_default)
        ]
        counts, page = _page(params, chosen)
        return {
            **counts,
            "VSwitches": {"VSwitch": [vswitch_out(scope, s) for s in page]},
        }

    @action
    def delete_vswitch(self, scope: Scope, params: Params) -> Output:
        """A default vSwitch stays: the sim computes it, so it is refused as in use (inferred)."""
        vswitch_id = READ.required(params, "VSwitchId")
        with self.db.write() as conn:
            found = next((s for s in self._vswitches(conn, scope) if s.id == vswitch_id), None)
            if found is None:
                raise vswitch_not_found()
            if found.is_default or self._vswitch_in_use(conn, scope, vswitch_id):
                raise vswitch_in_use()
            conn.execute(delete(sim_vswitches).where(sim_vswitches.c.id == vswitch_id))
        return {}
