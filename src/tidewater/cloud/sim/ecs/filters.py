"""DescribeInstances' filters as ECS takes them: named parameters, each ANDed, in SQL."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import ColumnElement, exists, false, func, literal, or_, select
from sqlalchemy.dialects import postgresql

from tidewater.cloud.sim.ecs.faults import EcsFault
from tidewater.cloud.sim.ecs.params import (
    CHARGE_TYPES,
    INTERNET_CHARGE_TYPES,
    READ,
    STATUSES,
    Params,
)
from tidewater.cloud.sim.kit import rpc
from tidewater.cloud.sim.kit.filters import ALIYUN, Choice, exact, exact_choices, match
from tidewater.cloud.sim.kit.tags import aliyun_pairs
from tidewater.store.tables import machine_tags, machines


def instance_filters(
    params: Params, dialect: str, status_condition: Callable[[str], ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """DescribeInstances' filters, ANDed; each one checked before anything is read."""
    conditions: list[ColumnElement[bool]] = []
    ids = READ.json_list(params, "InstanceIds")
    if ids is not None:
        conditions.append(machines.c.id.in_(ids) if ids else false())
    addresses = READ.json_list(params, "PrivateIpAddresses")
    if addresses is not None:
        conditions.append(machines.c.private_ip.in_(addresses) if addresses else false())
    conditions += exact(
        params,
        (
            ("ZoneId", machines.c.zone),
            ("VSwitchId", machines.c.subnet_id),
            ("VpcId", machines.c.vpc_id),
            ("InstanceType", machines.c.instance_type),
            ("ImageId", machines.c.image_id),
            ("KeyPairName", machines.c.key_name),
        ),
    )
    status = rpc.value(params, "Status")
    if status is not None:
        if status not in STATUSES:
            raise EcsFault("InvalidStatus.NotFound", "The specified Status is not found", 404)
        conditions.append(status_condition(status))
    wanted = rpc.value(params, "InstanceName")
    if wanted is not None:
        label = func.coalesce(machines.c.attributes["name"].as_string(), machines.c.id)
        conditions.append(match(label, [wanted], dialect, ALIYUN))
    family = rpc.value(params, "InstanceTypeFamily")
    if family is not None:  # ecs.g6 holds ecs.g6.large; ecs.t5 holds ecs.t5-lc1m1.small
        escaped = re.sub(r"([%_\\])", r"\\\1", family)
        column = machines.c.instance_type
        conditions.append(
            or_(
                column.like(escaped + ".%", escape="\\"),
                column.like(escaped + "-%", escape="\\"),
            )
        )
    group = rpc.value(params, "SecurityGroupId")
    if group is not None:
        conditions.append(in_security_group(group, dialect))
    conditions += charge_filters(params)
    for key, value in aliyun_pairs(params, lower_case=True):
        conditions.append(has_tag(key, value))
    return conditions


def charge_filters(params: Params) -> list[ColumnElement[bool]]:
    conditions = exact_choices(params, CHARGES)
    network_type = rpc.value(params, "InstanceNetworkType")
    if network_type is not None:
        if network_type not in ("classic", "vpc"):
            raise EcsFault(
                "InvalidNetworkType.NotFound",
                "The specified InstanceNetworkType is not found",
                404,
            )
        if network_type == "classic":
            conditions.append(false())
    return conditions


def in_security_group(group: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return machines.c.security_groups.cast(postgresql.JSONB).contains([group])
    each = func.json_each(machines.c.security_groups).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == group))


def attribute(name: str, default: str) -> ColumnElement[str]:
    return func.coalesce(machines.c.attributes[name].as_string(), default)


def has_tag(key: str, value: str | None) -> ColumnElement[bool]:
    conditions = [machine_tags.c.machine_id == machines.c.id, machine_tags.c.key == key]
    if value is not None:
        conditions.append(machine_tags.c.value == value)
    return exists().where(*conditions)


def _unknown(code: str, message: str) -> Callable[[str], Exception]:
    return lambda name: EcsFault(code, message, 404)


CHARGES: tuple[Choice, ...] = (
    (
        "InstanceChargeType",
        attribute("charge_type", "PostPaid"),
        CHARGE_TYPES,
        _unknown(
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records",
        ),
    ),
    (
        "InternetChargeType",
        attribute("internet_charge_type", "PayByTraffic"),
        INTERNET_CHARGE_TYPES,
        _unknown(
            "InvalidInternetChargeType.ValueNotSupported",
            "The specified InternetChargeType is not valid",
        ),
    ),
)
