"""VPCs and vSwitches out as the 2016-04-28 wire names them."""

from __future__ import annotations

import ipaddress
from typing import Any

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit import times
from tidewater.cloud.sim.kit.ids import resource_group
from tidewater.cloud.sim.vpc.state import Vpc, VSwitch
from tidewater.domain.scope import Scope

RESERVED = 4  # the first address and the last three of every vSwitch block


def router(vpc_id: str) -> str:
    return "vrt-" + network.hex_id(vpc_id, "vrt", length=20)


def route_table(vpc_id: str) -> str:
    return "vtb-" + network.hex_id(vpc_id, "vtb", length=20)


def vpc_out(scope: Scope, vpc: Vpc, vswitches: list[VSwitch]) -> dict[str, Any]:
    return {
        "VpcId": vpc.id,
        "RegionId": scope.region,
        "Status": "Available",
        "VpcName": vpc.name,
        "Description": vpc.description,
        "CidrBlock": vpc.cidr,
        "CreationTime": times.second(vpc.created),
        "IsDefault": vpc.is_default,
        "VRouterId": router(vpc.id),
        "ResourceGroupId": resource_group(scope),
        "VSwitchIds": {"VSwitchId": [s.id for s in vswitches if s.vpc_id == vpc.id]},
        "RouterTableIds": {"RouterTableIds": [route_table(vpc.id)]},
        "UserCidrs": {"UserCidr": []},
        "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
        "Tags": {"Tag": []},
    }


def vswitch_out(scope: Scope, vswitch: VSwitch) -> dict[str, Any]:
    size = ipaddress.IPv4Network(vswitch.cidr).num_addresses
    return {
        "VSwitchId": vswitch.id,
        "VpcId": vswitch.vpc_id,
        "Status": "Available",
        "CidrBlock": vswitch.cidr,
        "ZoneId": vswitch.zone,
        "AvailableIpAddressCount": size - RESERVED,
        "VSwitchName": vswitch.name,
        "Description": vswitch.description,
        "CreationTime": times.second(vswitch.created),
        "IsDefault": vswitch.is_default,
        "ResourceGroupId": resource_group(scope),
        "RouteTable": {"RouteTableId": route_table(vswitch.vpc_id), "RouteTableType": "System"},
        "Tags": {"Tag": []},
    }
