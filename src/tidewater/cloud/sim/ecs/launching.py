"""What RunInstances and CreateInstance check before they touch the store, in ECS's order:
image, type, placement, groups, names, description, charges, tags, user data, token."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tidewater.cloud.ports import LaunchSpec, Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.ecs.faults import (
    EcsFault,
    custom_malformed,
    missing,
    type_not_supported,
)
from tidewater.cloud.sim.ecs.params import (
    DECIMAL,
    INTERNET_CHARGE_TYPES,
    NUMBER,
    READ,
    SPOT_STRATEGIES,
    Params,
    charge_type,
)
from tidewater.cloud.sim.ecs_types import ecs_type
from tidewater.cloud.sim.images import ImageCatalogue
from tidewater.cloud.sim.kit import rpc, times
from tidewater.cloud.sim.kit.tags import aliyun_launch_tags
from tidewater.domain.scope import Scope

LAUNCH_LIMIT = 100  # instances one RunInstances may create
PERIODS = {"Month": (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60), "Week": (1, 2, 3, 4)}
HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|[.-](?=[A-Za-z0-9]))*")
SEQUENCE = re.compile(
    r"(?P<prefix>[^\[\]]*)\[(?P<begin>[0-9]*)(?:,(?P<bits>[0-9]*))?\](?P<suffix>[^\[\]]*)"
)
NAME_SYMBOLS = frozenset("0123456789:_.-")


def _valid_name(name: str) -> bool:
    return (
        2 <= len(name) <= 128
        and name[0].isalpha()
        and all(c.isalpha() or c in NAME_SYMBOLS for c in name)
    )


def _valid_hostname(name: str) -> bool:
    return 2 <= len(name) <= 64 and HOSTNAME.fullmatch(name) is not None


def _sequence(template: str, count: int, unique: bool, limit: int, too_long: EcsFault) -> list[str]:
    """name_prefix[begin,bits]name_suffix numbers a batch; otherwise UniqueSuffix adds 001…."""
    if "[" in template or "]" in template:
        match = SEQUENCE.fullmatch(template)
        if match is None:
            raise custom_malformed()
        begin = int(match.group("begin") or 0)
        bits = int(match.group("bits") or 6)
        if begin > 999_999 or not 1 <= bits <= 6:
            raise custom_malformed()
        return [
            f"{match.group('prefix')}{begin + i:0{bits}d}{match.group('suffix')}"
            for i in range(count)
        ]
    if unique and count > 1:
        if len(template) + 3 > limit:
            raise too_long
        return [f"{template}{i + 1:03d}" for i in range(count)]
    return [template] * count


def _names(params: Params, count: int, unique: bool) -> list[str | None]:
    template = rpc.value(params, "InstanceName")
    if template is None:
        return [None] * count
    names = _sequence(
        template,
        count,
        unique,
        128,
        EcsFault(
            "InvalidParams.InstanceNameExceed",
            "The uniqueSuffix takes three naming places, please shorten your InstanceName.",
            403,
        ),
    )
    for name in names:
        if not _valid_name(name):
            raise EcsFault(
                "InvalidInstanceName.Malformed",
                'The specified parameter "InstanceName" is not valid.',
            )
    return list(names)


def _hostnames(params: Params, count: int, unique: bool) -> list[str | None]:
    template = rpc.value(params, "HostName")
    if template is None:
        return [None] * count
    names = _sequence(
        template,
        count,
        unique,
        64,
        EcsFault(
            "InvalidParams.HostnameExceed",
            "The uniqueSuffix takes three naming places, please shorten your Hostname.",
            403,
        ),
    )
    for name in names:
        if not _valid_hostname(name):
            raise EcsFault(
                "InvalidHostName.Malformed", 'The specified parameter "HostName" is not valid.'
            )
    return list(names)


default_security_group = network.default_security_group  # the default VPC's, 20 characters


@dataclass(frozen=True, slots=True)
class Texts:
    """Where RunInstances and CreateInstance word the same refusal differently."""

    vswitch_not_found: str
    zone_not_found: str
    group_not_found: EcsFault


RUN_TEXTS = Texts(
    "Specified virtual switch does not exist.",
    "The specified zoneId does not exist.",
    EcsFault(
        "InvalidSecurityGroupId.NotFound",
        "The SecurityGroupId provided does not exist in our records.",
        404,
    ),
)
CREATE_TEXTS = Texts(
    "The VSwitchId provided does not exist in our records.",
    "The specified ZoneId does not exist.",
    EcsFault(
        "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.", 404
    ),
)


@dataclass(frozen=True, slots=True)
class Launch:
    spec: LaunchSpec
    subnet: Subnet
    count: int
    token: str | None
    names: list[str | None]
    hostnames: list[str | None]
    public_ip: bool
    attributes: dict[str, Any] = field(default_factory=dict)


def _image(scope: Scope, params: Params, images: ImageCatalogue) -> str:
    image_id = rpc.value(params, "ImageId")
    if image_id is None:
        raise missing("ImageId", quoted=False)
    if images.find(scope, image_id) is None:
        raise EcsFault("InvalidImageId.NotFound", "The specified ImageId does not exist.", 404)
    return image_id


def _instance_type(params: Params) -> str:
    instance_type = rpc.value(params, "InstanceType")
    if instance_type is None:
        raise missing("InstanceType", quoted=False)
    if ecs_type(instance_type) is None:
        raise type_not_supported()
    return instance_type


@dataclass(frozen=True, slots=True)
class Network:
    """What a launch may name: every vSwitch (default ones first) and each security group's VPC."""

    vswitches: tuple[Subnet, ...]
    groups: Mapping[str, str]


def _placement(scope: Scope, params: Params, texts: Texts, known: Network) -> Subnet:
    """VSwitchId wins (a ZoneId beside it must agree), then ZoneId's default vSwitch; with
    neither, the default vSwitch of the first zone, where a scaling group without vSwitches
    launches too."""
    vswitch_id = rpc.value(params, "VSwitchId")
    zone = rpc.value(params, "ZoneId")
    zones = network.zones(scope.region, scope.cloud)
    if zone is not None and zone not in zones:
        raise EcsFault("InvalidZoneId.NotFound", texts.zone_not_found, 404)
    if vswitch_id is not None:
        subnet = next((s for s in known.vswitches if s.id == vswitch_id), None)
        if subnet is None:
            raise EcsFault("InvalidVSwitchId.NotFound", texts.vswitch_not_found, 404)
        if zone is not None and zone != subnet.zone:
            raise EcsFault(
                "InvalidParameter.Mismatch",
                "Specified virtual switch is not in the specified zone.",
            )
        return subnet
    return next(s for s in network.default_subnets(scope) if s.zone == (zone or zones[0]))


def _security_groups(
    scope: Scope, params: Params, texts: Texts, known: Network, subnet: Subnet
) -> tuple[str, ...]:
    """Groups the account has, in the vSwitch's VPC; none means the default VPC's group."""
    single = rpc.value(params, "SecurityGroupId")
    many = rpc.indexed(params, "SecurityGroupIds")
    if single is not None and many:
        raise EcsFault(
            "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            "The parameters SecurityGroupId and SecurityGroupIds.N cannot be specified at the "
            "same time.",
        )
    groups = [single] if single is not None else many
    if not groups:
        groups = [default_security_group(scope)]
    for group in groups:
        if group not in known.groups:
            raise texts.group_not_found
        if known.groups[group] != subnet.vpc_id:
            raise EcsFault(
                "InvalidParameter.Mismatch",
                "Specified security group and virtual switch are not in the same VPC.",
            )
    return tuple(groups)


def _description(params: Params) -> str | None:
    text = rpc.value(params, "Description")
    if text is not None and (not 2 <= len(text) <= 256 or text.startswith(("http://", "https://"))):
        raise EcsFault(
            "InvalidDescription.Malformed", 'The specified parameter "Description" is not valid.'
        )
    return text


def _user_data(params: Params) -> None:
    """Base64 of at most 32 KiB encoded (16 KiB raw); the sim checks it and keeps nothing."""
    data = rpc.value(params, "UserData")
    if data is None:
        return
    if len(data) > 32 * 1024:
        raise EcsFault(
            "InvalidUserData.SizeExceeded", 'The specified parameter "UserData" exceeds the size.'
        )
    try:
        base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise EcsFault(
            "InvalidUserData.Base64FormatInvalid", "The specified UserData is not valid."
        ) from None


def _client_token(params: Params) -> str | None:
    token = rpc.value(params, "ClientToken")
    if token is not None and (len(token) > 64 or not token.isascii()):
        raise EcsFault(
            "InvalidClientToken.ValueNotSupported", "The ClientToken provided is invalid."
        )
    return token


def _charges(params: Params, now: datetime) -> dict[str, Any]:
    """Billing facts kept on the instance and reported back; PrePaid ones expire."""
    charge = charge_type(params)
    internet = READ.choice(
        params,
        "InternetChargeType",
        "PayByTraffic",
        INTERNET_CHARGE_TYPES,
        EcsFault(
            "InvalidInternetChargeType.ValueNotSupported",
            "The specified InternetChargeType is not valid.",
        ),
    )
    bandwidth_out = READ.integer(params, "InternetMaxBandwidthOut", 0, 0, 100)
    bandwidth_in = READ.integer(params, "InternetMaxBandwidthIn", max(10, bandwidth_out), 1, 200)
    spot = READ.choice(
        params,
        "SpotStrategy",
        "NoSpot",
        SPOT_STRATEGIES,
        EcsFault("InvalidSpotStrategy", "The specified SpotStrategy is not valid."),
    )
    price = rpc.value(params, "SpotPriceLimit")
    if price is not None and not DECIMAL.fullmatch(price):
        raise EcsFault("InvalidSpotPriceLimit", "The specified SpotPriceLimitis not valid.")
    protection = READ.boolean(params, "DeletionProtection")
    if protection and (charge == "PrePaid" or spot != "NoSpot"):
        raise EcsFault(
            "InvalidChargeType.ValueNotSupported",
            "Deletion protection is only valid for postPaid instance, not for prePaid or spot "
            "instance.",
            403,
        )
    attributes: dict[str, Any] = {
        "charge_type": charge,
        "internet_charge_type": internet,
        "bandwidth_out": bandwidth_out,
        "bandwidth_in": bandwidth_in,
        "spot_strategy": spot,
        "spot_price_limit": float(price) if price and spot == "SpotWithPriceLimit" else 0.0,
        "deletion_protection": protection,
    }
    if charge == "PrePaid":
        unit = rpc.value(params, "PeriodUnit") or "Month"
        period = rpc.value(params, "Period")
        if unit not in PERIODS or period is None or not NUMBER.fullmatch(period):
            raise EcsFault("InvalidPeriod", "The specified period is not valid.")
        if int(period) not in PERIODS[unit]:
            raise EcsFault("InvalidPeriod", "The specified period is not valid.")
        days = int(period) * (7 if unit == "Week" else 30)
        attributes["expired_at"] = times.minute(
            (now + timedelta(days=days)).replace(hour=16, minute=0)
        )
        attributes["sale_cycle"] = unit
    return attributes


def checked_launch(
    scope: Scope,
    params: Params,
    now: datetime,
    texts: Texts,
    count: int,
    known: Network,
    *,
    unique: bool = False,
    public_ip: bool = False,
    images: ImageCatalogue,
) -> Launch:
    """Everything a creation checks before it touches the store, in ECS's order."""
    image_id = _image(scope, params, images)
    instance_type = _instance_type(params)
    subnet = _placement(scope, params, texts, known)
    groups = _security_groups(scope, params, texts, known, subnet)
    names = _names(params, count, unique)
    hostnames = _hostnames(params, count, unique)
    description = _description(params)
    attributes = _charges(params, now)
    if description is not None:
        attributes["description"] = description
    tags = aliyun_launch_tags(params)
    _user_data(params)
    key_name = rpc.value(params, "KeyPairName")
    if key_name is not None and len(key_name) > 128:
        raise EcsFault(
            "InvalidKeyPairName.NotFound",
            "The specified parameter KeyPairName does not exist in our records.",
            404,
        )
    token = _client_token(params)
    spec = LaunchSpec(
        image_id=image_id,
        instance_type=instance_type,
        key_name=key_name,
        security_groups=groups,
        tags=tags,
    )
    return Launch(
        spec,
        subnet,
        count,
        token,
        names,
        hostnames,
        public_ip and attributes["bandwidth_out"] > 0,
        attributes,
    )


def amounts(params: Params) -> int:
    raw = rpc.value(params, "Amount") or "1"
    if not NUMBER.fullmatch(raw) or not 1 <= int(raw) <= LAUNCH_LIMIT:
        raise EcsFault("InvalidParameter", "The specified parameter Amount is not valid.")
    amount = int(raw)
    minimum = rpc.value(params, "MinAmount")
    if minimum is not None and (not NUMBER.fullmatch(minimum) or not 1 <= int(minimum) <= amount):
        raise EcsFault(
            "InvalidMinAmount.Malformed", "The specified parameter MinAmount is not valid."
        )
    return amount


def public_ip(instance_id: str) -> str:
    digest = int(network.hex_id(instance_id, "public", length=8), 16)
    return f"47.{96 + digest % 24}.{(digest >> 8) % 256}.{(digest >> 16) % 250 + 2}"
