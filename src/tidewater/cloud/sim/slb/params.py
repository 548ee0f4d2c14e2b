"""SLB request parameters in, checked plain values out: ids, names, backend server lists."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tidewater.cloud.sim.kit import rpc
from tidewater.cloud.sim.kit.guards import guarded, refuse_unstorable
from tidewater.cloud.sim.kit.rpc import RpcReader
from tidewater.cloud.sim.slb.faults import (
    BACKEND_LIMIT,
    bad_backends,
    bad_port,
    invalid,
    malformed,
    missing,
    too_many,
)

Params = Mapping[str, str]

ADDRESS_TYPES = ("internet", "intranet")
STATUSES = ("active", "inactive")
LISTED_STATUSES = ("active", "inactive", "locked")
NETWORK_TYPES = ("vpc", "classic")
SPECS = (
    "slb.s1.small",
    "slb.s2.small",
    "slb.s2.medium",
    "slb.s3.small",
    "slb.s3.medium",
    "slb.s3.large",
)
DEFAULT_WEIGHT = 100
DEFAULT_PORT = 80
PAGE_LIMIT = 100
DEFAULT_PAGE_SIZE = 50
FILTER_LIMIT = 20  # comma-separated ids or names one DescribeLoadBalancers may name
NAME = re.compile(r"[^\x00-\x1f]{1,80}")
NUMBER = re.compile(r"[0-9]{1,12}")
ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

# SLB's InvalidParameter never names the parameter.
READ = RpcReader(invalid=lambda name: invalid(), missing=missing)

# Marks an SLB action and refuses text no store can keep (NUL, lone surrogates).
action = guarded(lambda params: refuse_unstorable(params, lambda name: invalid()))


def csv(params: Params, name: str) -> list[str] | None:
    raw = rpc.value(params, name)
    if raw is None:
        return None
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if len(items) > FILTER_LIMIT:
        raise invalid()
    return list(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class Backend:
    server_id: str
    weight: int | None
    port: int | None


def number(value: object, low: int, high: int) -> int | None:
    """A JSON number or a string of digits within [low, high]; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and NUMBER.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if low <= number <= high else None


def backends_of(params: Params) -> list[Backend]:
    """BackendServers: [{"ServerId": "i-…", "Weight": "100", "Type": "ecs", "Port": "80"}]."""
    raw = READ.required(params, "BackendServers")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise malformed() from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise malformed()
    if len(value) > BACKEND_LIMIT:
        raise too_many()
    if not value:
        raise bad_backends()
    found: dict[str, Backend] = {}
    for item in value:
        server = item.get("ServerId")
        if not isinstance(server, str) or not ID.fullmatch(server):
            raise bad_backends()
        kind = item.get("Type", "ecs")
        if kind not in ("ecs", "", None):
            raise bad_backends()
        weight: int | None = None
        if item.get("Weight") not in (None, ""):
            weight = number(item["Weight"], 0, 100)
            if weight is None:
                raise bad_backends()
        port: int | None = None
        if item.get("Port") not in (None, ""):
            port = number(item["Port"], 1, 65535)
            if port is None:
                raise bad_port()
        found.setdefault(server, Backend(server, weight, port))  # only the first one counts
    return list(found.values())
