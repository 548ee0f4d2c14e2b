"""The simulated ECS API (2014-05-26) over SimCompute's tables, in ECS's own JSON wire shapes.

Every action takes the flat, URL-decoded request parameters (`InstanceId.1`, `Tag.1.Key`, a JSON
array string for `InstanceIds`, booleans as `True`/`False`) and returns the response body without
its RequestId; refusals are `EcsFault`s carrying ECS's code, message and HTTP status.

States: SimCompute's pending is ECS's Pending during the first half of a fresh instance's boot and
Starting otherwise; running, stopping and stopped map one to one. A released instance goes
shutting-down then terminated, which ECS never shows: it simply disappears.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.ports import LaunchSpec, Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.ecs_types import TYPES, EcsType, ecs_type, family_of
from tidewater.cloud.sim.images import CATALOGUE as IMAGES
from tidewater.cloud.sim.images import Image
from tidewater.cloud.sim.kit import rpc
from tidewater.domain.scope import Scope
from tidewater.store.tables import machine_tags, machines

Params = Mapping[str, str]
Output = dict[str, Any]

VISIBLE = ("pending", "running", "stopping", "stopped")  # shutting-down and terminated are gone
STATUSES = ("Pending", "Running", "Starting", "Stopping", "Stopped")
SETTLED_STATUS = {"running": "Running", "stopping": "Stopping", "stopped": "Stopped"}
LAUNCH_LIMIT = 100  # instances one RunInstances may create
BATCH_LIMIT = 100  # instance ids one batch call may name
TAG_LIMIT = 20
POSTPAID_EXPIRY = "2099-12-31T15:59Z"  # what ECS reports as a pay-as-you-go instance's expiry
MAX_PAGE_NUMBER = 2**31 - 1

CHARGE_TYPES = ("PostPaid", "PrePaid")
INTERNET_CHARGE_TYPES = ("PayByTraffic", "PayByBandwidth")
SPOT_STRATEGIES = ("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo")
STOPPED_MODES = ("KeepCharging", "StopCharging")
PERIODS = {"Month": (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60), "Week": (1, 2, 3, 4)}
LANGUAGES = ("zh-CN", "en-US", "ja")

SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-z]{1,40}")
HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|[.-](?=[A-Za-z0-9]))*")
SEQUENCE = re.compile(
    r"(?P<prefix>[^\[\]]*)\[(?P<begin>[0-9]*)(?:,(?P<bits>[0-9]*))?\](?P<suffix>[^\[\]]*)"
)
NUMBER = re.compile(r"[0-9]{1,12}")
DECIMAL = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")
NAME_SYMBOLS = frozenset("0123456789:_.-")

# (RegionId, zh-CN LocalName, en-US LocalName): real Alibaba Cloud regions.
REGIONS: tuple[tuple[str, str, str], ...] = (
    ("cn-qingdao", "华北1（青岛）", "China (Qingdao)"),
    ("cn-beijing", "华北2（北京）", "China (Beijing)"),
    ("cn-zhangjiakou", "华北3（张家口）", "China (Zhangjiakou)"),
    ("cn-huhehaote", "华北5（呼和浩特）", "China (Hohhot)"),
    ("cn-wulanchabu", "华北6（乌兰察布）", "China (Ulanqab)"),
    ("cn-hangzhou", "华东1（杭州）", "China (Hangzhou)"),
    ("cn-shanghai", "华东2（上海）", "China (Shanghai)"),
    ("cn-nanjing", "华东5（南京-本地地域）", "China (Nanjing - Local Region)"),
    ("cn-shenzhen", "华南1（深圳）", "China (Shenzhen)"),
    ("cn-heyuan", "华南2（河源）", "China (Heyuan)"),
    ("cn-guangzhou", "华南3（广州）", "China (Guangzhou)"),
    ("cn-chengdu", "西南1（成都）", "China (Chengdu)"),
    ("cn-hongkong", "中国香港", "China (Hong Kong)"),
    ("ap-northeast-1", "日本（东京）", "Japan (Tokyo)"),
    ("ap-northeast-2", "韩国（首尔）", "South Korea (Seoul)"),
    ("ap-southeast-1", "新加坡", "Singapore"),
    ("ap-southeast-3", "马来西亚（吉隆坡）", "Malaysia (Kuala Lumpur)"),
    ("ap-southeast-5", "印度尼西亚（雅加达）", "Indonesia (Jakarta)"),
    ("ap-southeast-6", "菲律宾（马尼拉）", "Philippines (Manila)"),
    ("ap-southeast-7", "泰国（曼谷）", "Thailand (Bangkok)"),
    ("us-east-1", "美国（弗吉尼亚）", "US (Virginia)"),
    ("us-west-1", "美国（硅谷）", "US (Silicon Valley)"),
    ("eu-west-1", "英国（伦敦）", "UK (London)"),
    ("eu-central-1", "德国（法兰克福）", "Germany (Frankfurt)"),
    ("me-east-1", "阿联酋（迪拜）", "UAE (Dubai)"),
    ("me-central-1", "沙特（利雅得）", "Saudi Arabia (Riyadh)"),
)
DISK_CATEGORIES = ("cloud_efficiency", "cloud_ssd", "cloud_essd")


# -- faults -----------------------------------------------------------------------------------


class EcsFault(Exception):
    """An ECS error code, exact message and HTTP status, decided in the sim."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _invalid(name: str) -> EcsFault:
    return EcsFault("InvalidParameter", f'The specified parameter "{name}" is not valid.')


def _missing(name: str, *, quoted: bool = True) -> EcsFault:
    """The gateway quotes the name; RunInstances' own ImageId/InstanceType texts do not."""
    shown = f'"{name}"' if quoted else name
    return EcsFault(
        "MissingParameter",
        f"The input parameter {shown} that is mandatory for processing this request is not "
        "supplied.",
    )


def _not_found() -> EcsFault:
    return EcsFault("InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404)


def _incorrect_status() -> EcsFault:
    return EcsFault(
        "IncorrectInstanceStatus",
        "The current status of the resource does not support this operation.",
        403,
    )


def _too_many_ids() -> EcsFault:
    return EcsFault(
        "InvalidParameter.TooManyInstanceIds", "Instance ids cannot be more than 100.", 403
    )


def _dry_run_operation() -> EcsFault:
    return EcsFault("DryRunOperation", "Request validation has been passed with DryRun flag set.")


def _dry_run_success() -> EcsFault:
    """The newer batch actions (StopInstances, DeleteInstances) word a passed dry run so."""
    return EcsFault("DRYRUN.SUCCESS", "This request is a dryrun request with successful result.")


_Result = TypeVar("_Result")


def _action(
    method: Callable[[SimEcs, Scope, Params], _Result],
) -> Callable[[SimEcs, Scope, Params], _Result]:
    """Marks an ECS action and refuses text no store can keep (NUL, lone surrogates)."""

    @functools.wraps(method)
    def checked(self: SimEcs, scope: Scope, params: Params) -> _Result:
        bad = rpc.unstorable(params)
        if bad is not None:
            raise _invalid(bad)
        return method(self, scope, params)

    return checked


# -- parameters -------------------------------------------------------------------------------


def _int(params: Params, name: str, default: int, low: int, high: int) -> int:
    raw = rpc.value(params, name)
    if raw is None:
        return default
    if not NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise _invalid(name)
    return int(raw)


def _bool(params: Params, name: str, default: bool = False) -> bool:
    """Both SDKs send Python's str(): True/False; other clients send true/false."""
    raw = rpc.value(params, name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise _invalid(name)
    return lowered == "true"


def _choice(
    params: Params, name: str, default: str, allowed: Sequence[str], fault: EcsFault
) -> str:
    value = rpc.value(params, name) or default
    if value not in allowed:
        raise fault
    return value


def _json_list(params: Params, name: str, limit: int = 100) -> list[str] | None:
    """A JSON array of strings, e.g. InstanceIds=["i-1","i-2"]; None when not given."""
    raw = rpc.value(params, name)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise _invalid(name) from None
    if (
        not isinstance(value, list)
        or len(value) > limit
        or not all(isinstance(item, str) for item in value)
    ):
        raise _invalid(name)
    return list(dict.fromkeys(value))


def _indexed(params: Params, prefix: str) -> list[str]:
    """Values of Prefix.1, Prefix.2, … in index order, each once."""
    pattern = re.compile(re.escape(prefix) + r"\.([1-9][0-9]{0,5})")
    found: list[tuple[int, str]] = []
    for key, value in params.items():
        match = pattern.fullmatch(key)
        if match and value:
            found.append((int(match.group(1)), value))
    return list(dict.fromkeys(value for _, value in sorted(found)))


def _instance_ids(params: Params, empty: EcsFault) -> list[str]:
    ids = _indexed(params, "InstanceId")
    if not ids:
        raise empty
    if len(ids) > BATCH_LIMIT:
        raise _too_many_ids()
    return ids


def _tag_pairs(params: Params, *, lower_case: bool) -> list[tuple[str, str | None]]:
    """Tag.N.Key/Tag.N.Value, N from 1 to 20; describes also take the old Tag.N.key/value."""
    pattern = re.compile(r"Tag\.([0-9]{1,6})\.(Key|Value|key|value)")
    found: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        match = pattern.fullmatch(key)
        if not match or (match.group(2).islower() and not lower_case):
            continue
        number = int(match.group(1))
        if not 1 <= number <= TAG_LIMIT:
            raise EcsFault("InvalidTagCount", "The specified tags are beyond the permitted range.")
        item = found.setdefault(number, {})
        member = match.group(2).capitalize()
        if match.group(2)[0].isupper() or member not in item:
            item[member] = value
    pairs: list[tuple[str, str | None]] = []
    for number in sorted(found):
        item = found[number]
        tag_key = item.get("Key")
        if tag_key is None:
            raise EcsFault(
                "InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match."
            )
        pairs.append((tag_key, item.get("Value")))
    return pairs


def _launch_tags(params: Params) -> dict[str, str]:
    """Tags bound on creation: keys 1-128 characters, never acs:/aliyun, never a URL."""
    tags: dict[str, str] = {}
    for key, value in _tag_pairs(params, lower_case=False):
        if (
            not key
            or len(key) > 128
            or key.startswith(("acs:", "aliyun"))
            or "http://" in key
            or "https://" in key
        ):
            raise EcsFault("InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid.")
        value = value or ""
        if (
            len(value) > 128
            or value.startswith("acs:")
            or "http://" in value
            or "https://" in value
        ):
            raise EcsFault("InvalidTagValue.Malformed", "The specified Tag.n.Value is not valid.")
        if key in tags:
            raise EcsFault("Duplicate.TagKey", "The Tag.N.Key contain duplicate key.")
        tags[key] = value
    return tags


def _page(params: Params, limit: int) -> tuple[int, int]:
    number = _int(params, "PageNumber", 1, 1, MAX_PAGE_NUMBER)
    size = _int(params, "PageSize", 10, 1, limit)
    return number, size


def _paged(items: list[Output], number: int, size: int) -> list[Output]:
    start = (number - 1) * size
    return items[start : start + size]


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


# -- names --------------------------------------------------------------------------------------


def _valid_name(name: str) -> bool:
    return (
        2 <= len(name) <= 128
        and name[0].isalpha()
        and all(c.isalpha() or c in NAME_SYMBOLS for c in name)
    )


def _valid_hostname(name: str) -> bool:
    return 2 <= len(name) <= 64 and HOSTNAME.fullmatch(name) is not None


def _custom_malformed() -> EcsFault:
    return EcsFault(
        "InvalidInstanceName.CustomMalformed",
        "Customized section of instance or host name is invalid, please use valid format: "
        "[], [,], [m,], [,n], [m,n].",
    )


def _sequence(template: str, count: int, unique: bool, limit: int, too_long: EcsFault) -> list[str]:
    """name_prefix[begin,bits]name_suffix numbers a batch; otherwise UniqueSuffix adds 001…."""
    if "[" in template or "]" in template:
        match = SEQUENCE.fullmatch(template)
        if match is None:
            raise _custom_malformed()
        begin = int(match.group("begin") or 0)
        bits = int(match.group("bits") or 6)
        if begin > 999_999 or not 1 <= bits <= 6:
            raise _custom_malformed()
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


def default_security_group(scope: Scope) -> str:
    """The default VPC's security group, with an Alibaba-length id."""
    return "sg-" + network.hex_id(scope.account, scope.region, "sg-default", length=20)


# -- launching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Texts:
    """Where RunInstances and CreateInstance word the same refusal differently."""

    vswitch_not_found: str
    zone_not_found: str
    group_not_found: EcsFault


RUN_TEXTS = _Texts(
    "Specified virtual switch does not exist.",
    "The specified zoneId does not exist.",
    EcsFault(
        "InvalidSecurityGroupId.NotFound",
        "The SecurityGroupId provided does not exist in our records.",
        404,
    ),
)
CREATE_TEXTS = _Texts(
    "The VSwitchId provided does not exist in our records.",
    "The specified ZoneId does not exist.",
    EcsFault(
        "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.", 404
    ),
)


@dataclass(frozen=True, slots=True)
class _Launch:
    spec: LaunchSpec
    subnet: Subnet | None  # None: the zone with the fewest instances
    count: int
    token: str | None
    names: list[str | None]
    hostnames: list[str | None]
    public_ip: bool
    attributes: dict[str, Any] = field(default_factory=dict)


def _image(scope: Scope, params: Params) -> str:
    image_id = rpc.value(params, "ImageId")
    if image_id is None:
        raise _missing("ImageId", quoted=False)
    if image_id not in IMAGES[scope.cloud]:
        raise EcsFault("InvalidImageId.NotFound", "The specified ImageId does not exist.", 404)
    return image_id


def _instance_type(params: Params) -> str:
    instance_type = rpc.value(params, "InstanceType")
    if instance_type is None:
        raise _missing("InstanceType", quoted=False)
    if ecs_type(instance_type) is None:
        raise _type_not_supported()
    return instance_type


def _type_not_supported() -> EcsFault:
    return EcsFault(
        "InvalidInstanceType.ValueNotSupported",
        "The specified InstanceType does not exist or beyond the permitted range.",
    )


def _placement(scope: Scope, params: Params, texts: _Texts) -> Subnet | None:
    """VSwitchId wins (a ZoneId beside it must agree), then ZoneId's default vSwitch."""
    subnets = network.default_subnets(scope)
    vswitch_id = rpc.value(params, "VSwitchId")
    zone = rpc.value(params, "ZoneId")
    if zone is not None and zone not in network.zones(scope.region, scope.cloud):
        raise EcsFault("InvalidZoneId.NotFound", texts.zone_not_found, 404)
    if vswitch_id is not None:
        subnet = next((s for s in subnets if s.id == vswitch_id), None)
        if subnet is None:
            raise EcsFault("InvalidVSwitchId.NotFound", texts.vswitch_not_found, 404)
        if zone is not None and zone != subnet.zone:
            raise EcsFault(
                "InvalidParameter.Mismatch",
                "Specified virtual switch is not in the specified zone.",
            )
        return subnet
    if zone is not None:
        return next(s for s in subnets if s.zone == zone)
    return None


def _security_groups(scope: Scope, params: Params, texts: _Texts) -> tuple[str, ...]:
    """The sim keeps no security groups: any well-formed id is taken, none means the default."""
    single = rpc.value(params, "SecurityGroupId")
    many = _indexed(params, "SecurityGroupIds")
    if single is not None and many:
        raise EcsFault(
            "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            "The parameters SecurityGroupId and SecurityGroupIds.N cannot be specified at the "
            "same time.",
        )
    groups = [single] if single is not None else many
    for group in groups:
        if not SECURITY_GROUP_ID.fullmatch(group):
            raise texts.group_not_found
    return tuple(groups) or (default_security_group(scope),)


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
    charge = _choice(
        params,
        "InstanceChargeType",
        "PostPaid",
        CHARGE_TYPES,
        EcsFault(
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records",
            404,
        ),
    )
    internet = _choice(
        params,
        "InternetChargeType",
        "PayByTraffic",
        INTERNET_CHARGE_TYPES,
        EcsFault(
            "InvalidInternetChargeType.ValueNotSupported",
            "The specified InternetChargeType is not valid.",
        ),
    )
    bandwidth_out = _int(params, "InternetMaxBandwidthOut", 0, 0, 100)
    bandwidth_in = _int(params, "InternetMaxBandwidthIn", max(10, bandwidth_out), 1, 200)
    spot = _choice(
        params,
        "SpotStrategy",
        "NoSpot",
        SPOT_STRATEGIES,
        EcsFault("InvalidSpotStrategy", "The specified SpotStrategy is not valid."),
    )
    price = rpc.value(params, "SpotPriceLimit")
    if price is not None and not DECIMAL.fullmatch(price):
        raise EcsFault("InvalidSpotPriceLimit", "The specified SpotPriceLimitis not valid.")
    protection = _bool(params, "DeletionProtection")
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
        attributes["expired_at"] = _time((now + timedelta(days=days)).replace(hour=16, minute=0))
        attributes["sale_cycle"] = unit
    return attributes


def _launch(
    scope: Scope,
    params: Params,
    now: datetime,
    texts: _Texts,
    count: int,
    *,
    unique: bool = False,
    public_ip: bool = False,
) -> _Launch:
    """Everything a creation checks before it touches the store, in ECS's order."""
    image_id = _image(scope, params)
    instance_type = _instance_type(params)
    subnet = _placement(scope, params, texts)
    groups = _security_groups(scope, params, texts)
    names = _names(params, count, unique)
    hostnames = _hostnames(params, count, unique)
    description = _description(params)
    attributes = _charges(params, now)
    if description is not None:
        attributes["description"] = description
    tags = _launch_tags(params)
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
    return _Launch(
        spec,
        subnet,
        count,
        token,
        names,
        hostnames,
        public_ip and attributes["bandwidth_out"] > 0,
        attributes,
    )


def _amounts(params: Params) -> int:
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


def _public_ip(instance_id: str) -> str:
    digest = int(network.hex_id(instance_id, "public", length=8), 16)
    return f"47.{96 + digest % 24}.{(digest >> 8) % 256}.{(digest >> 16) % 250 + 2}"


# -- rendering --------------------------------------------------------------------------------


def _tag_list(tags: Mapping[str, str]) -> Output:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}


def _serial(instance_id: str) -> str:
    return str(uuid.UUID(hex=network.hex_id(instance_id, "serial", length=32)))


def _mac(instance_id: str) -> str:
    digest = network.hex_id(instance_id, "mac", length=6)
    return "00:16:3e:" + ":".join(digest[i : i + 2] for i in (0, 2, 4))


def _os(image_id: str, scope: Scope) -> Image | None:
    return IMAGES[scope.cloud].get(image_id)


def _image_size(image: Image) -> int:
    match = re.search(r"_([0-9]+)G_", image.id)
    return int(match.group(1)) if match else 20


# -- the API ------------------------------------------------------------------------------------


class SimEcs:
    """ECS's instance, image, type and geography calls over the tables SimCompute keeps."""

    def __init__(self, compute: SimCompute) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.timing = compute.timing

    # -- states ---------------------------------------------------------------------------------

    @property
    def _pending_for(self) -> timedelta:
        """A fresh instance is Pending for the first half of its boot, then Starting."""
        return self.timing.delay(self.timing.boot) / 2

    def _status(self, row: Row[Any], now: datetime) -> str:
        if row.state != "pending":
            return SETTLED_STATUS[row.state]
        fresh = (
            row.changed_at == row.launched_at
            and "started_at" not in (row.attributes or {})
            and row.launched_at > now - self._pending_for
        )
        return "Pending" if fresh else "Starting"

    def _fresh(self, now: datetime) -> ColumnElement[bool]:
        """The SQL twin of _status's Pending test."""
        return and_(
            machines.c.changed_at == machines.c.launched_at,
            machines.c.launched_at > now - self._pending_for,
            machines.c.attributes["started_at"].as_string().is_(None),
        )

    def _status_condition(self, status: str, now: datetime) -> ColumnElement[bool]:
        pending = machines.c.state == "pending"
        if status == "Pending":
            return and_(pending, self._fresh(now))
        if status == "Starting":
            return and_(pending, not_(self._fresh(now)))
        return machines.c.state == {v: k for k, v in SETTLED_STATUS.items()}[status]

    # -- SQL building blocks --------------------------------------------------------------------

    @staticmethod
    def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
        return [
            machines.c.account == scope.account,
            machines.c.region == scope.region,
            machines.c.cloud == scope.cloud.value,
            machines.c.state.in_(VISIBLE),
        ]

    def _rows(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = conn.execute(
            select(machines).where(*self._in_scope(scope), machines.c.id.in_(list(ids)))
        ).all()
        return {row.id: row for row in rows}

    @staticmethod
    def _tags_of(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        tags: dict[str, dict[str, str]] = {}
        if not ids:
            return tags
        rows = conn.execute(
            select(machine_tags)
            .where(machine_tags.c.machine_id.in_(list(ids)))
            .order_by(machine_tags.c.machine_id, machine_tags.c.key)
        )
        for row in rows:
            tags.setdefault(row.machine_id, {})[row.key] = row.value
        return tags

    def _pattern(self, column: Any, value: str) -> ColumnElement[bool]:
        """ECS names take * as a wildcard, case-sensitively; everything else is literal."""
        if "*" not in value:
            return column == value  # type: ignore[no-any-return]
        parts = value.split("*")
        if self.db.dialect == "sqlite":
            escaped = ("".join(f"[{c}]" if c in "?[" else c for c in p) for p in parts)
            return column.op("GLOB", is_comparison=True)("*".join(escaped))  # type: ignore[no-any-return]
        escaped = (re.sub(r"([%_\\])", r"\\\1", p) for p in parts)
        return column.like("%".join(escaped), escape="\\")  # type: ignore[no-any-return]

    def _in_security_group(self, group: str) -> ColumnElement[bool]:
        if self.db.dialect == "postgresql":
            return machines.c.security_groups.cast(postgresql.JSONB).contains([group])
        each = func.json_each(machines.c.security_groups).table_valued("value")
        return exists(select(literal(1)).select_from(each).where(each.c.value == group))

    @staticmethod
    def _attribute(name: str, default: str) -> ColumnElement[str]:
        return func.coalesce(machines.c.attributes[name].as_string(), default)

    @staticmethod
    def _has_tag(key: str, value: str | None) -> ColumnElement[bool]:
        conditions = [machine_tags.c.machine_id == machines.c.id, machine_tags.c.key == key]
        if value is not None:
            conditions.append(machine_tags.c.value == value)
        return exists().where(*conditions)

    # -- RunInstances / CreateInstance ------------------------------------------------------------

    @_action
    def run_instances(self, scope: Scope, params: Params) -> Output:
        """Creates Amount running instances in one vSwitch; a repeated ClientToken replays."""
        count = _amounts(params)
        unique = _bool(params, "UniqueSuffix")
        launch = _launch(
            scope, params, self.clock.now(), RUN_TEXTS, count, unique=unique, public_ip=True
        )
        if _bool(params, "DryRun"):
            raise _dry_run_operation()
        ids = self._launch_once(scope, launch, stopped=False)
        out: Output = {"InstanceIdSets": {"InstanceIdSet": ids}}
        if launch.attributes["charge_type"] == "PrePaid":
            out["OrderId"] = network.hex_id(ids[0], "order", length=12)
        return out

    @_action
    def create_instance(self, scope: Scope, params: Params) -> Output:
        """Creates one instance, Stopped as on ECS; StartInstance boots it."""
        launch = _launch(scope, params, self.clock.now(), CREATE_TEXTS, 1)
        if _bool(params, "DryRun"):
            raise _dry_run_operation()
        [instance_id] = self._launch_once(scope, launch, stopped=True)[:1]
        out: Output = {"InstanceId": instance_id}
        if launch.attributes["charge_type"] == "PrePaid":
            out["OrderId"] = network.hex_id(instance_id, "order", length=12)
        return out

    def _launch_once(self, scope: Scope, launch: _Launch, *, stopped: bool) -> list[str]:
        """A concurrent twin with the same ClientToken loses the insert and replays the winner."""
        try:
            with self.db.write() as conn:
                ids = self._replay(conn, scope, launch.token) if launch.token else None
                if not ids:
                    ids = self._insert(conn, scope, launch, stopped=stopped)
            return ids
        except IntegrityError:
            if launch.token is None:
                raise
            with self.db.read() as conn:
                ids = self._replay(conn, scope, launch.token)
            if not ids:  # the token belongs to another cloud's instance in a same-named region
                raise EcsFault(
                    "InvalidClientToken.ValueNotSupported", "The ClientToken provided is invalid."
                ) from None
            return ids

    def _replay(self, conn: Connection, scope: Scope, token: str) -> list[str] | None:
        first = conn.execute(
            select(machines).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == scope.cloud.value,
                machines.c.client_token == token,
            )
        ).first()
        if first is None:
            return None
        batch = (first.attributes or {}).get("batch_id")
        if not batch:
            return [first.id]
        rows = conn.execute(
            select(machines.c.id, machines.c.attributes).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == scope.cloud.value,
                machines.c.attributes["batch_id"].as_string() == batch,
            )
        ).all()
        return [
            r.id for r in sorted(rows, key=lambda r: (r.attributes or {}).get("launch_index", 0))
        ]

    def _emptiest(self, conn: Connection, scope: Scope) -> Subnet:
        busy: dict[str, int] = {
            zone: count
            for zone, count in conn.execute(
                select(machines.c.zone, func.count())
                .where(*self._in_scope(scope))
                .group_by(machines.c.zone)
            )
        }
        return min(network.default_subnets(scope), key=lambda s: busy.get(s.zone, 0))

    def _insert(
        self, conn: Connection, scope: Scope, launch: _Launch, *, stopped: bool
    ) -> list[str]:
        subnet = launch.subnet or self._emptiest(conn, scope)
        batch = secrets.token_hex(8)
        ids = []
        for index in range(launch.count):
            token = launch.token if index == 0 else None
            row = self.compute.insert(conn, scope, launch.spec, subnet, token)
            attributes = {**launch.attributes, "batch_id": batch, "launch_index": index}
            if launch.names[index] is not None:
                attributes["name"] = launch.names[index]
            if launch.hostnames[index] is not None:
                attributes["hostname"] = launch.hostnames[index]
            if launch.token:
                attributes["client_token"] = launch.token
            if launch.public_ip:
                attributes["public_ip"] = _public_ip(row.id)
            values: dict[str, Any] = {"attributes": attributes}
            if stopped:
                attributes["created_stopped"] = True
                values.update(state="stopped", due_at=None)
            conn.execute(update(machines).where(machines.c.id == row.id).values(**values))
            ids.append(row.id)
        return ids

    # -- DescribeInstances / DescribeInstanceStatus ----------------------------------------------

    @_action
    def describe_instances(self, scope: Scope, params: Params) -> Output:
        """One page in one statement, a count in another; unknown ids are simply not listed."""
        number, size = _page(params, 100)
        now = self.clock.now()
        conditions = self._instance_filters(params, now)
        if _bool(params, "DryRun"):
            raise _dry_run_operation()
        with self.db.read() as conn:
            total, rows = self._page_of(conn, scope, conditions, number, size)
            tags = self._tags_of(conn, [r.id for r in rows])
        return {
            "Instances": {
                "Instance": [self._instance(scope, r, tags.get(r.id, {}), now) for r in rows]
            },
            "TotalCount": total,
            "PageNumber": number,
            "PageSize": size,
        }

    @_action
    def describe_instance_status(self, scope: Scope, params: Params) -> Output:
        number, size = _page(params, 50)
        now = self.clock.now()
        conditions: list[ColumnElement[bool]] = []
        ids = _indexed(params, "InstanceId")
        if len(ids) > BATCH_LIMIT:
            raise _too_many_ids()
        if ids:
            conditions.append(machines.c.id.in_(ids))
        zone = rpc.value(params, "ZoneId")
        if zone is not None:
            conditions.append(machines.c.zone == zone)
        with self.db.read() as conn:
            total, rows = self._page_of(conn, scope, conditions, number, size)
        statuses = [{"InstanceId": r.id, "Status": self._status(r, now)} for r in rows]
        return {
            "InstanceStatuses": {"InstanceStatus": statuses},
            "TotalCount": total,
            "PageNumber": number,
            "PageSize": size,
        }

    def _page_of(
        self,
        conn: Connection,
        scope: Scope,
        conditions: Sequence[ColumnElement[bool]],
        number: int,
        size: int,
    ) -> tuple[int, list[Row[Any]]]:
        where = [*self._in_scope(scope), *conditions]
        total = conn.execute(select(func.count()).select_from(machines).where(*where)).scalar_one()
        offset = (number - 1) * size
        if offset >= total:
            return total, []
        rows = conn.execute(
            select(machines)
            .where(*where)
            .order_by(machines.c.launched_at, machines.c.id)
            .limit(size)
            .offset(offset)
        ).all()
        return total, list(rows)

    def _instance_filters(self, params: Params, now: datetime) -> list[ColumnElement[bool]]:
        """DescribeInstances' filters, ANDed; each one checked before anything is read."""
        conditions: list[ColumnElement[bool]] = []
        ids = _json_list(params, "InstanceIds")
        if ids is not None:
            conditions.append(machines.c.id.in_(ids) if ids else false())
        addresses = _json_list(params, "PrivateIpAddresses")
        if addresses is not None:
            conditions.append(machines.c.private_ip.in_(addresses) if addresses else false())
        for name, column in (
            ("ZoneId", machines.c.zone),
            ("VSwitchId", machines.c.subnet_id),
            ("VpcId", machines.c.vpc_id),
            ("InstanceType", machines.c.instance_type),
            ("ImageId", machines.c.image_id),
            ("KeyPairName", machines.c.key_name),
        ):
            value = rpc.value(params, name)
            if value is not None:
                conditions.append(column == value)
        status = rpc.value(params, "Status")
        if status is not None:
            if status not in STATUSES:
                raise EcsFault("InvalidStatus.NotFound", "The specified Status is not found", 404)
            conditions.append(self._status_condition(status, now))
        wanted = rpc.value(params, "InstanceName")
        if wanted is not None:
            label = func.coalesce(machines.c.attributes["name"].as_string(), machines.c.id)
            conditions.append(self._pattern(label, wanted))
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
            conditions.append(self._in_security_group(group))
        conditions += self._charge_filters(params)
        for key, value in _tag_pairs(params, lower_case=True):
            conditions.append(self._has_tag(key, value))
        return conditions

    def _charge_filters(self, params: Params) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        charge = rpc.value(params, "InstanceChargeType")
        if charge is not None:
            if charge not in CHARGE_TYPES:
                raise EcsFault(
                    "InvalidInstanceChargeType.NotFound",
                    "The InstanceChargeType does not exist in our records",
                    404,
                )
            conditions.append(self._attribute("charge_type", "PostPaid") == charge)
        internet = rpc.value(params, "InternetChargeType")
        if internet is not None:
            if internet not in INTERNET_CHARGE_TYPES:
                raise EcsFault(
                    "InvalidInternetChargeType.ValueNotSupported",
                    "The specified InternetChargeType is not valid",
                    404,
                )
            conditions.append(self._attribute("internet_charge_type", "PayByTraffic") == internet)
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

    def _instance(
        self, scope: Scope, row: Row[Any], tags: Mapping[str, str], now: datetime
    ) -> Output:
        """One instance in DescribeInstances' shape; engine-made machines get ECS's defaults."""
        attributes = row.attributes or {}
        kind: EcsType | None = ecs_type(row.instance_type)
        image = _os(row.image_id, scope)
        status = self._status(row, now)
        charge = attributes.get("charge_type", "PostPaid")
        public_ip = attributes.get("public_ip")
        started = attributes.get("started_at")
        if started is None:
            started = "" if attributes.get("created_stopped") else _time(row.launched_at)
        stopped_mode = "Not-applicable"
        if row.state in ("stopping", "stopped"):
            stopped_mode = attributes.get("stopped_mode", "KeepCharging")
        cpus = kind.cpus if kind else 0
        return {
            "InstanceId": row.id,
            "InstanceName": attributes.get("name", row.id),
            "Description": attributes.get("description", ""),
            "HostName": attributes.get("hostname", "iZ" + row.id[2:] + "Z"),
            "RegionId": row.region,
            "ZoneId": row.zone,
            "InstanceType": row.instance_type,
            "InstanceTypeFamily": kind.family if kind else family_of(row.instance_type),
            "Cpu": cpus,
            "Memory": kind.memory_mib if kind else 0,
            "CpuOptions": {
                "CoreCount": max(1, cpus // 2),
                "ThreadsPerCore": 2 if cpus > 1 else 1,
                "Numa": "",
            },
            "GPUAmount": 0,
            "GPUSpec": "",
            "ImageId": row.image_id,
            "OSType": "linux",
            "OSName": image.description if image else "",
            "OSNameEn": image.description if image else "",
            "Status": status,
            "CreationTime": _time(row.launched_at),
            "StartTime": started,
            "ExpiredTime": attributes.get("expired_at", POSTPAID_EXPIRY),
            "AutoReleaseTime": "",
            "InstanceChargeType": charge,
            "InternetChargeType": attributes.get("internet_charge_type", "PayByTraffic"),
            "InternetMaxBandwidthIn": attributes.get("bandwidth_in", 10),
            "InternetMaxBandwidthOut": attributes.get("bandwidth_out", 0),
            "SaleCycle": attributes.get("sale_cycle", ""),
            "SpotStrategy": attributes.get("spot_strategy", "NoSpot"),
            "SpotPriceLimit": attributes.get("spot_price_limit", 0.0),
            "StoppedMode": stopped_mode,
            "DeletionProtection": bool(attributes.get("deletion_protection", False)),
            "InstanceNetworkType": "vpc",
            "IoOptimized": True,
            "DeviceAvailable": True,
            "Recyclable": False,
            "CreditSpecification": "Standard" if kind and kind.burstable else "",
            "KeyPairName": row.key_name or "",
            "SerialNumber": _serial(row.id),
            "ResourceGroupId": "",
            "VlanId": "",
            "ClusterId": "",
            "HpcClusterId": "",
            "DeploymentSetId": "",
            "LocalStorageAmount": 0,
            "LocalStorageCapacity": 0,
            "VpcAttributes": {
                "VpcId": row.vpc_id,
                "VSwitchId": row.subnet_id,
                "PrivateIpAddress": {"IpAddress": [row.private_ip]},
                "NatIpAddress": "",
            },
            "InnerIpAddress": {"IpAddress": []},
            "PublicIpAddress": {"IpAddress": [public_ip] if public_ip else []},
            "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
            "SecurityGroupIds": {"SecurityGroupId": list(row.security_groups or [])},
            "NetworkInterfaces": {
                "NetworkInterface": [
                    {
                        "Type": "Primary",
                        "NetworkInterfaceId": "eni-" + network.hex_id(row.id, "eni", length=20),
                        "MacAddress": _mac(row.id),
                        "PrimaryIpAddress": row.private_ip,
                        "PrivateIpSets": {
                            "PrivateIpSet": [{"PrivateIpAddress": row.private_ip, "Primary": True}]
                        },
                    }
                ]
            },
            "OperationLocks": {"LockReason": []},
            "Tags": _tag_list(tags),
            "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "optional"},
            "DedicatedHostAttribute": {
                "DedicatedHostId": "",
                "DedicatedHostName": "",
                "DedicatedHostClusterId": "",
            },
            "DedicatedInstanceAttribute": {"Tenancy": "", "Affinity": ""},
            "EcsCapacityReservationAttr": {
                "CapacityReservationId": "",
                "CapacityReservationPreference": "",
            },
        }

    # -- Start / Stop / Delete --------------------------------------------------------------------

    def _batch(
        self,
        scope: Scope,
        ids: Sequence[str],
        check: Callable[[Row[Any], str], EcsFault | None],
        move: Callable[[Connection, Scope, list[Row[Any]]], None],
        dry_run: EcsFault | None,
        *,
        partial: bool = False,
    ) -> list[tuple[str, str, EcsFault | None]]:
        """Checks every instance, then moves the acceptable ones in one transaction.

        Returns (instance id, status before, refusal) for each; without `partial` the first
        refusal fails the whole request, as ECS's AllTogether does.
        """
        now = self.clock.now()
        with self.db.write() as conn:
            rows = self._rows(conn, scope, ids)
            if not partial and any(i not in rows for i in ids):
                raise _not_found()  # every id must exist before any state is judged
            results: list[tuple[str, str, EcsFault | None]] = []
            accepted: list[Row[Any]] = []
            for instance_id in ids:
                row = rows.get(instance_id)
                status = self._status(row, now) if row is not None else ""
                fault = _not_found() if row is None else check(row, status)
                if fault is not None and not partial:
                    raise fault
                results.append((instance_id, status, fault))
                if row is not None and fault is None:
                    accepted.append(row)
            if dry_run is not None:
                raise dry_run
            if accepted:
                move(conn, scope, accepted)
        return results

    @staticmethod
    def _responses(results: Iterable[tuple[str, str, EcsFault | None]], current: str) -> Output:
        responses = []
        for instance_id, before, fault in results:
            if fault is None:
                code, message, now = "200", "success", current
            else:
                code, message, now = fault.code, fault.message, before
            responses.append(
                {
                    "Code": code,
                    "Message": message,
                    "InstanceId": instance_id,
                    "PreviousStatus": before,
                    "CurrentStatus": now,
                }
            )
        return {"InstanceResponses": {"InstanceResponse": responses}}

    @staticmethod
    def _partial(params: Params) -> bool:
        mode = rpc.value(params, "BatchOptimization") or "AllTogether"
        if mode not in ("AllTogether", "SuccessFirst"):
            raise _invalid("BatchOptimization")
        return mode == "SuccessFirst"

    def _set_attributes(self, conn: Connection, rows: Iterable[Row[Any]], **values: Any) -> None:
        for row in rows:
            conn.execute(
                update(machines)
                .where(machines.c.id == row.id)
                .values(attributes={**(row.attributes or {}), **values})
            )

    def _start(self, conn: Connection, scope: Scope, rows: list[Row[Any]]) -> None:
        ids = [r.id for r in rows]
        self.compute.transition(conn, scope, ids, ("stopped",), "pending", self.timing.boot)
        self._set_attributes(conn, rows, started_at=_time(self.clock.now()))

    def _stopper(self, mode: str) -> Callable[[Connection, Scope, list[Row[Any]]], None]:
        def stop(conn: Connection, scope: Scope, rows: list[Row[Any]]) -> None:
            ids = [r.id for r in rows]
            self.compute.transition(conn, scope, ids, ("running",), "stopping", self.timing.stop)
            self._set_attributes(conn, rows, stopped_mode=mode)

        return stop

    def _release(self, conn: Connection, scope: Scope, rows: list[Row[Any]]) -> None:
        ids = [r.id for r in rows]
        self.compute.transition(conn, scope, ids, VISIBLE, "shutting-down", self.timing.shutdown)

    @staticmethod
    def _startable(row: Row[Any], status: str) -> EcsFault | None:
        return None if status == "Stopped" else _incorrect_status()

    @staticmethod
    def _stoppable(row: Row[Any], status: str) -> EcsFault | None:
        return None if status == "Running" else _incorrect_status()

    @staticmethod
    def _stopped_mode(params: Params) -> str:
        _bool(params, "ForceStop")
        _bool(params, "ConfirmStop")
        return _choice(
            params, "StoppedMode", "KeepCharging", STOPPED_MODES, _invalid("StoppedMode")
        )

    @staticmethod
    def _releasable(
        force: bool, terminate_subscription: bool
    ) -> Callable[[Row[Any], str], EcsFault | None]:
        def check(row: Row[Any], status: str) -> EcsFault | None:
            attributes = row.attributes or {}
            if status == "Pending":
                return EcsFault(
                    "IncorrectInstanceStatus.Initializing",
                    "The specified instance status does not support this operation.",
                    403,
                )
            if attributes.get("deletion_protection"):
                return EcsFault(
                    "InvalidOperation.DeletionProtection",
                    "The operation is not allowed due to deletion protection.",
                    403,
                )
            if attributes.get("charge_type") == "PrePaid" and not terminate_subscription:
                return EcsFault(
                    "ChargeTypeViolation",
                    "The operation is not permitted due to charge type of the instance.",
                    403,
                )
            if not force and status != "Stopped":
                return _incorrect_status()
            return None

        return check

    @staticmethod
    def _one_id(params: Params) -> list[str]:
        instance_id = rpc.value(params, "InstanceId")
        if instance_id is None:
            raise _missing("InstanceId")
        return [instance_id]

    @_action
    def start_instance(self, scope: Scope, params: Params) -> Output:
        ids = self._one_id(params)
        _bool(params, "InitLocalDisk")
        dry_run = _dry_run_operation() if _bool(params, "DryRun") else None
        self._batch(scope, ids, self._startable, self._start, dry_run)
        return {}

    @_action
    def start_instances(self, scope: Scope, params: Params) -> Output:
        ids = _instance_ids(params, _missing("InstanceId"))
        partial = self._partial(params)
        dry_run = _dry_run_success() if _bool(params, "DryRun") else None
        results = self._batch(scope, ids, self._startable, self._start, dry_run, partial=partial)
        return self._responses(results, "Starting")

    @_action
    def stop_instance(self, scope: Scope, params: Params) -> Output:
        ids = self._one_id(params)
        mode = self._stopped_mode(params)
        dry_run = _dry_run_operation() if _bool(params, "DryRun") else None
        self._batch(scope, ids, self._stoppable, self._stopper(mode), dry_run)
        return {}

    @_action
    def stop_instances(self, scope: Scope, params: Params) -> Output:
        ids = _instance_ids(
            params, EcsFault("InvalidInstanceId.NotFound", "InstanceId should not be null.", 403)
        )
        mode = self._stopped_mode(params)
        partial = self._partial(params)
        dry_run = _dry_run_success() if _bool(params, "DryRun") else None
        results = self._batch(
            scope, ids, self._stoppable, self._stopper(mode), dry_run, partial=partial
        )
        return self._responses(results, "Stopping")

    @_action
    def delete_instance(self, scope: Scope, params: Params) -> Output:
        """Without Force only a Stopped instance may be released."""
        ids = self._one_id(params)
        check = self._releasable(_bool(params, "Force"), _bool(params, "TerminateSubscription"))
        dry_run = _dry_run_operation() if _bool(params, "DryRun") else None
        self._batch(scope, ids, check, self._release, dry_run)
        return {}

    @_action
    def delete_instances(self, scope: Scope, params: Params) -> Output:
        ids = _instance_ids(params, _missing("InstanceId"))
        check = self._releasable(_bool(params, "Force"), _bool(params, "TerminateSubscription"))
        _bool(params, "ForceStop", True)
        dry_run = _dry_run_success() if _bool(params, "DryRun") else None
        self._batch(scope, ids, check, self._release, dry_run)
        return {}

    # -- images and instance types ----------------------------------------------------------------

    @_action
    def describe_images(self, scope: Scope, params: Params) -> Output:
        number, size = _page(params, 100)
        aliases = (rpc.value(params, "ImageOwnerAlias") or "system,self,others").split(",")
        if any(a not in ("system", "self", "others", "marketplace") for a in aliases):
            raise EcsFault(
                "InvalidImageOwnerAlias.ValueNotSupported",
                "The specified ImageOwnerAlias value is not supported.",
            )
        for name, allowed, code in (
            ("OSType", ("linux", "windows"), "InvalidOSType"),
            ("Architecture", ("i386", "x86_64", "arm64"), "InvalidArchitecture"),
            ("Usage", ("instance", "none"), "InvalidUsage"),
        ):
            value = rpc.value(params, name)
            if value is not None and value not in allowed:
                raise EcsFault(code, f"The specifed {name} is not valid", 404)
        instance_type = rpc.value(params, "InstanceType")
        if instance_type is not None and ecs_type(instance_type) is None:
            raise _type_not_supported()
        if _bool(params, "DryRun"):
            raise _dry_run_operation()
        with self.db.read() as conn:
            used = set(
                conn.execute(
                    select(machines.c.image_id).distinct().where(*self._in_scope(scope))
                ).scalars()
            )
        images = [_image_out(image, image.id in used) for image in IMAGES[scope.cloud].values()]
        images = [i for i in images if self._image_wanted(i, params, aliases)]
        return {
            "Images": {"Image": _paged(images, number, size)},
            "TotalCount": len(images),
            "PageNumber": number,
            "PageSize": size,
            "RegionId": scope.region,
        }

    @staticmethod
    def _image_wanted(image: Output, params: Params, aliases: Sequence[str]) -> bool:
        ids = (rpc.value(params, "ImageId") or "").split(",")
        statuses = (rpc.value(params, "Status") or "Available").split(",")
        name = rpc.value(params, "ImageName")
        checks = (
            image["ImageOwnerAlias"] in aliases,
            ids == [""] or image["ImageId"] in ids,
            image["Status"] in statuses,
            name is None or name in image["ImageName"],
            rpc.value(params, "OSType") in (None, image["OSType"]),
            rpc.value(params, "Architecture") in (None, image["Architecture"]),
            rpc.value(params, "Usage") in (None, image["Usage"]),
        )
        return all(checks)

    @_action
    def describe_instance_types(self, scope: Scope, params: Params) -> Output:
        """The whole catalogue, or the types asked for; NextToken pages through it."""
        asked = _indexed(params, "InstanceTypes")
        family = rpc.value(params, "InstanceTypeFamily")
        low_cpu = _int(params, "MinimumCpuCoreCount", 0, 0, 10_000)
        high_cpu = _int(params, "MaximumCpuCoreCount", 10_000, 0, 10_000)
        low_memory = _float(params, "MinimumMemorySize", 0.0)
        high_memory = _float(params, "MaximumMemorySize", float("inf"))
        limit = _int(params, "MaxResults", 1600, 1, 1600)
        start = _offset_token(params)
        kinds = [
            t
            for t in TYPES
            if (not asked or t.id in asked)
            and family in (None, t.family)
            and low_cpu <= t.cpus <= high_cpu
            and low_memory <= t.memory_gib <= high_memory
        ]
        page = kinds[start : start + limit]
        token = _encode_offset(start + limit) if start + limit < len(kinds) else ""
        return {
            "InstanceTypes": {"InstanceType": [_type_out(t) for t in page]},
            "NextToken": token,
        }

    # -- geography --------------------------------------------------------------------------------

    @_action
    def describe_zones(self, scope: Scope, params: Params) -> Output:
        language = _language(params)
        _choice(
            params,
            "InstanceChargeType",
            "PostPaid",
            CHARGE_TYPES,
            EcsFault(
                "InvalidInstanceChargeType.NotFound",
                "The InstanceChargeType does not exist in our records",
                404,
            ),
        )
        _choice(
            params,
            "SpotStrategy",
            "NoSpot",
            SPOT_STRATEGIES,
            EcsFault("InvalidSpotStrategy", "The specified SpotStrategy is not valid."),
        )
        verbose = _bool(params, "Verbose", True)
        zones = [
            _zone_out(scope, zone, language, verbose)
            for zone in network.zones(scope.region, scope.cloud)
        ]
        return {"Zones": {"Zone": zones}}

    @_action
    def describe_regions(self, scope: Scope, params: Params) -> Output:
        language = _language(params)
        known = {r[0] for r in REGIONS}
        regions = [_region_out(r, language) for r in REGIONS]
        if scope.region not in known:  # the sim serves any region name; list the caller's own
            regions.append(_region_out((scope.region, scope.region, scope.region), language))
        return {"Regions": {"Region": regions}}


# -- catalogue rendering --------------------------------------------------------------------------


def _float(params: Params, name: str, default: float) -> float:
    raw = rpc.value(params, name)
    if raw is None:
        return default
    if not DECIMAL.fullmatch(raw):
        raise _invalid(name)
    return float(raw)


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["types", offset]).encode()).decode().rstrip("=")


def _offset_token(params: Params) -> int:
    token = rpc.value(params, "NextToken")
    if token is None:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
    except (ValueError, UnicodeEncodeError):
        raise _invalid("NextToken") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != 2
        or decoded[0] != "types"
        or not isinstance(decoded[1], int)
        or isinstance(decoded[1], bool)
        or not 0 <= decoded[1] <= len(TYPES)
    ):
        raise _invalid("NextToken")
    return decoded[1]


def _language(params: Params) -> str:
    return _choice(
        params,
        "AcceptLanguage",
        "zh-CN",
        LANGUAGES,
        EcsFault(
            "InvalidAcceptLanguage.NotFound",
            "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.",
            404,
        ),
    )


def _region_names(region: str) -> tuple[str, str]:
    for region_id, chinese, english in REGIONS:
        if region_id == region:
            return chinese, english
    return region, region


def _region_out(region: tuple[str, str, str], language: str) -> Output:
    region_id, chinese, english = region
    return {
        "RegionId": region_id,
        "LocalName": chinese if language == "zh-CN" else english,
        "RegionEndpoint": f"ecs.{region_id}.aliyuncs.com",
        "Status": "available",
    }


def _zone_out(scope: Scope, zone: str, language: str, verbose: bool) -> Output:
    chinese, english = _region_names(scope.region)
    letter = zone[-1].upper()
    if language == "zh-CN":
        local = f"{chinese.split('（')[0]} 可用区 {letter}"
    else:
        city = english[english.find("(") + 1 : -1] if english.endswith(")") else english
        local = f"{city} Zone {letter}"
    out: Output = {
        "ZoneId": zone,
        "LocalName": local,
        "ZoneType": "AvailabilityZone",
        "AvailableResourceCreation": {
            "ResourceTypes": ["VSwitch", "IoOptimized", "Instance", "Disk", "DedicatedHost"]
        },
        "AvailableDiskCategories": {"DiskCategories": list(DISK_CATEGORIES)},
        "AvailableVolumeCategories": {"VolumeCategories": list(DISK_CATEGORIES)},
        "AvailableDedicatedHostTypes": {"DedicatedHostType": []},
        "DedicatedHostGenerations": {"DedicatedHostGeneration": []},
    }
    if verbose:
        out["AvailableInstanceTypes"] = {"InstanceTypes": [t.id for t in TYPES]}
        out["AvailableResources"] = {
            "ResourcesInfo": [
                {
                    "IoOptimized": True,
                    "InstanceGenerations": {"supportedInstanceGeneration": ["ecs-5", "ecs-6"]},
                    "InstanceTypeFamilies": {
                        "supportedInstanceTypeFamily": list(dict.fromkeys(t.family for t in TYPES))
                    },
                    "InstanceTypes": {"supportedInstanceType": [t.id for t in TYPES]},
                    "NetworkTypes": {"supportedNetworkCategory": ["vpc"]},
                    "SystemDiskCategories": {"supportedSystemDiskCategory": list(DISK_CATEGORIES)},
                    "DataDiskCategories": {"supportedDataDiskCategory": list(DISK_CATEGORIES)},
                }
            ]
        }
    return out


def _image_out(image: Image, in_use: bool) -> Output:
    size = _image_size(image)
    return {
        "ImageId": image.id,
        "ImageName": image.name,
        "ImageVersion": "",
        "ImageFamily": "",
        "Description": image.description,
        "Size": size,
        "ImageOwnerAlias": "system",
        "ImageOwnerId": 0,
        "IsSupportIoOptimized": True,
        "IsSupportCloudinit": True,
        "OSName": image.description,
        "OSNameEn": image.description,
        "OSType": "linux",
        "Platform": image.platform,
        "Architecture": image.architecture,
        "BootMode": "BIOS",
        "Status": "Available",
        "Progress": "100%",
        "ProductCode": "",
        "IsSubscribed": False,
        "IsSelfShared": "",
        "IsCopied": False,
        "IsPublic": True,
        "Usable": True,
        "Usage": "instance" if in_use else "none",
        "CreationTime": image.creation_date,
        "ResourceGroupId": "",
        "DiskDeviceMappings": {
            "DiskDeviceMapping": [
                {
                    "Device": "/dev/xvda",
                    "Size": str(size),
                    "Type": "system",
                    "SnapshotId": "",
                    "Format": "",
                    "ImportOSSBucket": "",
                    "ImportOSSObject": "",
                    "Progress": "",
                }
            ]
        },
        "Tags": {"Tag": []},
    }


def _type_out(kind: EcsType) -> Output:
    queues = 2 if kind.cpus <= 2 else min(kind.cpus, 8)
    out: Output = {
        "InstanceTypeId": kind.id,
        "InstanceTypeFamily": kind.family,
        "InstanceFamilyLevel": kind.level,
        "InstanceCategory": kind.category,
        "CpuCoreCount": kind.cpus,
        "MemorySize": kind.memory_gib,
        "CpuArchitecture": "X86",
        "PhysicalProcessorModel": kind.processor,
        "CpuSpeedFrequency": kind.base_ghz,
        "CpuTurboFrequency": kind.turbo_ghz,
        "GPUAmount": 0,
        "GPUSpec": "",
        "GPUMemorySize": 0.0,
        "LocalStorageCategory": "",
        "LocalStorageAmount": 0,
        "LocalStorageCapacity": 0,
        "DiskQuantity": 17 if kind.level == "EnterpriseLevel" else 5,
        "EniQuantity": kind.enis,
        "EniTotalQuantity": kind.enis * 2 if kind.level == "EnterpriseLevel" else kind.enis,
        "EniPrivateIpAddressQuantity": kind.ips_per_eni,
        "EniIpv6AddressQuantity": 1 if kind.level == "EnterpriseLevel" else 0,
        "EniTrunkSupported": kind.level == "EnterpriseLevel",
        "InstanceBandwidthRx": kind.bandwidth_kbps,
        "InstanceBandwidthTx": kind.bandwidth_kbps,
        "InstancePpsRx": kind.pps,
        "InstancePpsTx": kind.pps,
        "PrimaryEniQueueNumber": queues,
        "SecondaryEniQueueNumber": queues,
        "MaximumQueueNumberPerEni": queues,
        "TotalEniQueueQuantity": queues * kind.enis,
        "NvmeSupport": "required" if "Ice Lake" in kind.processor else "unsupported",
    }
    if kind.baseline_credit is not None:
        out["BaselineCredit"] = kind.baseline_credit
        out["InitialCredit"] = kind.initial_credit
    return out
