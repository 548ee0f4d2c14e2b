"""VPC request parameters in, checked plain values out: CIDR blocks, names, descriptions."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping

from tidewater.cloud.sim.kit import cidr, rpc
from tidewater.cloud.sim.kit.guards import guarded, refuse_unstorable
from tidewater.cloud.sim.kit.rpc import RpcReader
from tidewater.cloud.sim.vpc.faults import VpcFault, cidr_malformed, invalid, missing

Params = Mapping[str, str]

PAGE_LIMIT, DEFAULT_PAGE_SIZE = 50, 10  # DescribeVpcs and DescribeVSwitches
ID_LIMIT = 20  # comma-separated VpcIds one DescribeVpcs may name
VPC_MASKS = range(8, 29)  # a VPC from /8 to /28
VSWITCH_MASKS = range(16, 30)  # a vSwitch from /16 to /29
DEFAULT_VPC_BLOCK = "172.16.0.0/12"  # CreateVpc without CidrBlock, and the default VPC's
NAME_SYMBOLS = frozenset("._-")

READ = RpcReader(invalid=invalid, missing=missing)

# Marks a VPC action and refuses text no store can keep (NUL, lone surrogates).
action = guarded(lambda params: refuse_unstorable(params, invalid))


def block(params: Params, name: str = "CidrBlock") -> ipaddress.IPv4Network:
    found = cidr.parse(READ.required(params, name))
    if found is None:
        raise cidr_malformed()
    return found


def _web_address(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def name(params: Params, key: str, fault: Callable[[], VpcFault]) -> str:
    """1 to 128 characters from a letter on: letters, digits, `.`, `_` and `-`."""
    text = rpc.value(params, key)
    if text is None:
        return ""
    if (
        len(text) > 128
        or not text[0].isalpha()
        or _web_address(text)
        or not all(c.isalnum() or c in NAME_SYMBOLS for c in text)
    ):
        raise fault()
    return text


def description(params: Params, fault: Callable[[], VpcFault]) -> str:
    text = rpc.value(params, "Description")
    if text is None:
        return ""
    if len(text) > 256 or _web_address(text):
        raise fault()
    return text


def ids(params: Params, key: str) -> list[str] | None:
    """A comma-separated list of ids, at most 20."""
    raw = rpc.value(params, key)
    if raw is None:
        return None
    items = list(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
    if len(items) > ID_LIMIT:
        raise invalid(key)
    return items
