"""The simulated cloud's fixed geography: zones, a default VPC and one default subnet per zone.

Everything here is derived from (account, region), as in a new account, so it costs no storage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from tidewater.cloud.ports import Subnet
from tidewater.domain.scope import Cloud, Scope

ZONE_LETTERS = "abc"


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
    return "sg-" + hex_id(scope.account, scope.region, "sg-default")
