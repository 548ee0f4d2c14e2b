"""The simulated cloud's fixed geography: zones, a default VPC and one default subnet per zone.

Everything here is derived from (account, region), as in a new account, so it costs no storage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tidewater.cloud.ports import Subnet
from tidewater.domain.scope import Cloud, Scope

ZONE_LETTERS = "abc"

# The computed default network was made by no call; Alibaba's describes report this moment for
# it (inferred).
DEFAULT_CREATED = datetime(2014, 5, 26, tzinfo=UTC)


def hex_id(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


@lru_cache(maxsize=1024)
def zones(region: str, cloud: Cloud = Cloud.AWS) -> tuple[str, ...]:
    if cloud is Cloud.ALIYUN:
        return tuple(f"{region}-{letter}" for letter in ZONE_LETTERS)
    return tuple(f"{region}{letter}" for letter in ZONE_LETTERS)


DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def zone_id(region: str, zone: str) -> str:
    """AWS's zone ids: us-east-1a is use1-az1, ap-northeast-1c is apne1-az3."""
    parts = region.split("-")
    middle = "".join(DIRECTIONS.get(p, p[:1]) for p in parts[1:-1])
    return f"{parts[0]}{middle}{parts[-1]}-az{ZONE_LETTERS.index(zone[-1]) + 1}"


@lru_cache(maxsize=1024)
def default_vpc(scope: Scope) -> str:
    if scope.cloud is Cloud.ALIYUN:
        return "vpc-" + hex_id(scope.account, scope.region, "vpc", length=20)
    return "vpc-" + hex_id(scope.account, scope.region, "vpc")


@lru_cache(maxsize=1024)
def default_subnets(scope: Scope) -> tuple[Subnet, ...]:
    vpc = default_vpc(scope)
    prefix, length = ("vsw-", 20) if scope.cloud is Cloud.ALIYUN else ("subnet-", 17)
    return tuple(
        Subnet(prefix + hex_id(scope.account, scope.region, zone, length=length), zone, vpc)
        for zone in zones(scope.region, scope.cloud)
    )


def subnet_cidr(index: int) -> str:
    return f"172.31.{index * 16}.0/20"


def default_security_group(scope: Scope) -> str:
    """The default VPC's group, in each cloud's id length."""
    length = 20 if scope.cloud is Cloud.ALIYUN else 17
    return "sg-" + hex_id(scope.account, scope.region, "sg-default", length=length)


def default_group_id(scope: Scope, vpc_id: str) -> str:
    """Each VPC's default security group; the default VPC's keeps its id from before groups
    were stored."""
    if vpc_id == default_vpc(scope):
        return default_security_group(scope)
    return "sg-" + hex_id(vpc_id, "sg-default")


def primary_interface(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The network interface at device index 0 of EC2 launch data (RunInstances' members or a
    launch template's), where its subnet and groups may be named instead."""
    for interface in data.get("NetworkInterfaces") or []:
        if (interface.get("DeviceIndex") or 0) == 0:
            return dict(interface)
    return {}


def named_groups(data: Mapping[str, Any]) -> list[str]:
    """The security groups EC2 launch data names: by id, on its primary interface, or by name."""
    return list(
        data.get("SecurityGroupIds")
        or primary_interface(data).get("Groups")
        or data.get("SecurityGroups")
        or []
    )


def launch_groups(scope: Scope, named: Sequence[str], vpc_id: str) -> tuple[str, ...]:
    """The groups an EC2 instance is launched in: those named (`default` is the VPC's default
    group), or the VPC's default group when none is, for RunInstances and groups' launches."""
    default = default_group_id(scope, vpc_id)
    return tuple(dict.fromkeys(default if g == "default" else str(g) for g in named or [default]))
