"""The simulated EC2 API (2016-11-15) over the sim's own tables, in botocore's member names.

Every operation takes the parsed input dict of its botocore operation and returns its output dict;
refusals are `Ec2Fault`s carrying EC2's own code and message, which the AWS dialect only wraps.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.ports import LaunchSpec, Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.images import CATALOGUE as IMAGES
from tidewater.cloud.sim.images import Image
from tidewater.cloud.sim.instance_types import KINDS, InstanceKind, instance_kind
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    UTCDateTime,
    launch_template_versions,
    launch_templates,
    machine_tags,
    machines,
)

Params = Mapping[str, Any]
Output = dict[str, Any]

STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
GONE = ("shutting-down", "terminated")
DEFAULT_INSTANCE_TYPE = "m1.small"  # what EC2 launches when RunInstances names no type
LAUNCH_LIMIT = 100  # instances one RunInstances may start in the simulated account
AMAZON_OWNERS = ("137112412989", "801119661308")

INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
IMAGE_ID = re.compile(r"ami-(?:[0-9a-f]{8}|[0-9a-f]{17})")
TEMPLATE_ID = re.compile(r"lt-[0-9a-f]{17}")
TEMPLATE_NAME = re.compile(r"[a-zA-Z0-9().\-/_]{3,128}")
TAGGABLE_ON_RUN = (
    "instance",
    "volume",
    "network-interface",
    "spot-instances-request",
    "elastic-gpu",
)

TEMPLATE_NAME_TEXT = (
    "A launch template name must be between 3 and 128 characters, and may "
    "contain letters, numbers, and the following characters: - ( ) . / _."
)
ALL_VERSIONS_TEXT = (
    "To describe the launch template data for all your launch templates, for ‘--versions’ "
    "specify ‘$Latest’, ‘$Default’, or both, and omit ‘--launch-template-id’, "
    "‘--launch-template-name’, and version numbers. To describe the launch template data for a "
    "specific launch template, specify ‘--launch-template-id’ or ‘--launch-template-name’, and "
    "for ‘--versions’ specify one or more of the following values: ‘$Latest’, ‘$Default’, or one "
    "or more version numbers."
)


# -- faults -----------------------------------------------------------------------------------


class Ec2Fault(Exception):
    """An EC2 error code and exact message, decided in the sim so every caller words it alike."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _invalid(message: str) -> Ec2Fault:
    return Ec2Fault("InvalidParameterValue", message)


def _missing(name: str) -> Ec2Fault:
    return Ec2Fault("MissingParameter", f"The request must contain the parameter {name}")


def _invalid_filter(name: str) -> Ec2Fault:
    return _invalid(f"The filter '{name}' is invalid")


def _ids_not_found(code: str, noun: str, ids: Sequence[str]) -> Ec2Fault:
    """EC2 names one missing id in the singular and several, comma-joined, in the plural."""
    if len(ids) == 1:
        return Ec2Fault(code, f"The {noun} ID '{ids[0]}' does not exist")
    return Ec2Fault(code, f"The {noun} IDs '{', '.join(ids)}' do not exist")


def _template_not_found(template_id: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateId.NotFound",
        f"The specified launch template, with template ID {template_id}, does not exist.",
    )


def _version_not_found(version: str, template_id: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateId.VersionNotFound",
        f"Could not find the specified version {version} for the launch template "
        f"with ID {template_id}.",
    )


def _dry_run(params: Params) -> None:
    """Called after validation, so a dry run says what the real call would have done."""
    if params.get("DryRun"):
        raise Ec2Fault(
            "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", status=412
        )


def _is_number(text: str) -> bool:
    """Plain ASCII digits short enough that int() neither refuses nor overflows the database."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _refuse_nul(value: Any) -> None:
    """PostgreSQL text cannot hold NUL, so no request carrying one may reach a query."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _invalid("Parameter values may not contain the NUL character.")
    elif isinstance(value, Mapping):
        for item in value.values():
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)


_Result = TypeVar("_Result")


def _operation(
    method: Callable[[SimEc2, Scope, Params], _Result],
) -> Callable[[SimEc2, Scope, Params], _Result]:
    """Marks an EC2 action and holds its whole input to what the store can keep."""

    @functools.wraps(method)
    def checked(self: SimEc2, scope: Scope, params: Params) -> _Result:
        _refuse_nul(params)
        return method(self, scope, params)

    return checked


def _unique(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v is not None))


def _check_instance_ids(ids: Sequence[str]) -> None:
    for instance_id in ids:
        if not INSTANCE_ID.fullmatch(instance_id):
            raise Ec2Fault("InvalidInstanceID.Malformed", f'Invalid id: "{instance_id}"')


# -- filters: EC2 values take * and ? wildcards, with \ escaping the next character -------------

_Token = tuple[str, str]  # ("*" | "?" | "c", literal character)
_Filters = list[tuple[str, list[str]]]
_Reader = Callable[[Output], Iterable[str]]  # the texts of one item a filter is matched against


FILTER_VALUES_LIMIT = 200  # filter values one call may carry, over all its filters
FILTER_VALUE_LENGTH = 255


def _filters(params: Params) -> _Filters:
    """EC2 refuses more than 200 filter values in a call (a filter with none counts as one,
    inferred) and any value longer than 255 characters, before it looks at a name."""
    parsed: _Filters = []
    count = 0
    for item in params.get("Filters") or []:
        values = [str(v) for v in item.get("Values") or [] if v is not None]
        count += max(1, len(values))
        if count > FILTER_VALUES_LIMIT:
            raise Ec2Fault(
                "FilterLimitExceeded",
                f"The maximum number of filter values specified on a single call is "
                f"{FILTER_VALUES_LIMIT}",
            )
        if any(len(v) > FILTER_VALUE_LENGTH for v in values):
            raise Ec2Fault(
                "FilterLimitExceeded",
                f"The maximum length for a filter value is {FILTER_VALUE_LENGTH} characters",
            )
        parsed.append((str(item.get("Name") or ""), values))
    return parsed


@lru_cache(maxsize=4096)
def _tokens(value: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    escaped = False
    for char in value:
        if escaped:
            tokens.append(("c", char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "*?":
            tokens.append((char, ""))
        else:
            tokens.append(("c", char))
    if escaped:
        tokens.append(("c", "\\"))
    return tuple(tokens)


def _is_pattern(tokens: Sequence[_Token]) -> bool:
    return any(kind != "c" for kind, _ in tokens)


def _literal(tokens: Sequence[_Token]) -> str:
    return "".join(char for _, char in tokens)


@lru_cache(maxsize=4096)
def _regex(value: str) -> re.Pattern[str]:
    parts = {"*": ".*", "?": "."}
    return re.compile(
        "".join(parts.get(kind) or re.escape(char) for kind, char in _tokens(value)), re.DOTALL
    )


def _py_match(text: str, values: Sequence[str]) -> bool:
    return any(_regex(value).fullmatch(text) for value in values)


def _glob(tokens: Sequence[_Token]) -> str:
    """SQLite's GLOB is case-sensitive like EC2; its own metacharacters go in brackets."""
    return "".join(
        {"*": "*", "?": "?"}.get(kind) or (f"[{c}]" if c in "*?[" else c) for kind, c in tokens
    )


def _like(tokens: Sequence[_Token]) -> str:
    """PostgreSQL's LIKE is case-sensitive like EC2; its metacharacters are escaped with \\."""
    return "".join(
        {"*": "%", "?": "_"}.get(kind) or (f"\\{c}" if c in "%_\\" else c) for kind, c in tokens
    )


# -- paging -----------------------------------------------------------------------------------

_Order = tuple[tuple[Any, bool], ...]  # (column, descending) from the first sort key to the last


@dataclass(frozen=True, slots=True)
class _Page:
    kind: str
    limit: int | None
    after: list[Any] | None


def _encode_token(kind: str, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps([kind, *plain]).encode()).decode().rstrip("=")


def _decode_value(raw: Any, expected: type) -> Any:
    if expected is datetime:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("naive time")
        return value
    if not isinstance(raw, expected) or isinstance(raw, bool):
        raise ValueError("wrong type")
    if isinstance(raw, int) and not -(2**62) < raw < 2**62:
        raise ValueError("out of range")
    return raw


def _decode_token(kind: str, token: str, types: Sequence[type]) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(decoded, list) or decoded[:1] != [kind] or len(decoded) != len(types) + 1:
            raise ValueError("not ours")
        return [_decode_value(raw, t) for raw, t in zip(decoded[1:], types, strict=True)]
    except (ValueError, TypeError) as error:
        raise _invalid("Unable to parse pagination token") from error


def _column_type(column: Any) -> type:
    return datetime if isinstance(column.type, UTCDateTime) else column.type.python_type


def _page(params: Params, kind: str, types: Sequence[type], low: int, high: int) -> _Page:
    limit = params.get("MaxResults")
    if limit is not None and limit < low:
        raise _invalid(
            f"Value ( {limit} ) for parameter maxResults is invalid. "
            f"Expecting a value greater than {low}."
        )
    if limit is not None and limit > high:
        raise _invalid(
            f"Value ( {limit} ) for parameter maxResults is invalid. "
            f"Expecting a value less than or equal to {high}."
        )
    token = params.get("NextToken")
    after = _decode_token(kind, token, types) if token else None
    return _Page(kind, limit, after)


def _sql_page(params: Params, kind: str, order: _Order, low: int, high: int) -> _Page:
    return _page(params, kind, [_column_type(column) for column, _ in order], low, high)


def _after(order: _Order, values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly beyond the previous page's last row, in the page's own order (keyset)."""
    clauses = []
    for index, (column, descending) in enumerate(order):
        equal = [c == v for (c, _), v in zip(order[:index], values[:index], strict=True)]
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def _fetch_page(
    conn: Connection, query: Select[Any], order: _Order, page: _Page
) -> tuple[list[Row[Any]], str | None]:
    """One page in one statement: LIMIT n+1 tells whether another page follows."""
    if page.after is not None:
        query = query.where(_after(order, page.after))
    query = query.order_by(*(column.desc() if desc else column for column, desc in order))
    if page.limit is None:
        return list(conn.execute(query)), None
    rows = list(conn.execute(query.limit(page.limit + 1)))
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    last = rows[-1]._mapping
    return rows, _encode_token(page.kind, [last[column] for column, _ in order])


def _static_page(
    items: list[Output], params: Params, kind: str, low: int, high: int
) -> tuple[list[Output], str | None]:
    """Fixed catalogues are tiny and in memory, so an offset is a stable position."""
    page = _page(params, kind, [int], low, high)
    start = page.after[0] if page.after else 0
    if start < 0:
        raise _invalid("Unable to parse pagination token")
    if page.limit is None or start + page.limit >= len(items):
        return items[start:], None
    return items[start : start + page.limit], _encode_token(kind, [start + page.limit])


def _static_filter(
    items: list[Output], filters: _Filters, fields: Mapping[str, _Reader]
) -> list[Output]:
    readers = [(_field_reader(name, fields), values) for name, values in filters]
    for read, values in readers:
        items = [item for item in items if any(_py_match(text, values) for text in read(item))]
    return items


def _field_reader(name: str, fields: Mapping[str, _Reader]) -> _Reader:
    """Tag filters apply to every resource; the built-in ones simply carry no tags."""
    if name in fields:
        return fields[name]
    if name.startswith("tag:") and len(name) > 4:
        return lambda item: [t["Value"] for t in item.get("Tags", []) if t["Key"] == name[4:]]
    if name in ("tag-key", "tag-value"):
        member = "Key" if name == "tag-key" else "Value"
        return lambda item: [t[member] for t in item.get("Tags", [])]
    raise _invalid_filter(name)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _member(key: str) -> _Reader:
    return lambda item: [_text(item.get(key, ""))]


def _fields(**paths: str) -> dict[str, _Reader]:
    """Filter names that read one top-level member of an output item."""
    return {name.replace("_", "-"): _member(key) for name, key in paths.items()}


# -- launching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Launch:
    spec: LaunchSpec
    subnet: Subnet
    count: int
    token: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


def _counts(params: Params) -> tuple[int, int]:
    minimum, maximum = params.get("MinCount"), params.get("MaxCount")
    if minimum is None:
        raise _missing("MinCount")
    if maximum is None:
        raise _missing("MaxCount")
    if minimum < 1:
        raise _invalid(
            f"Value ({minimum}) for parameter minCount is invalid. Expected a positive integer."
        )
    if maximum < minimum:
        raise _invalid(
            f"Value ({maximum}) for parameter maxCount is invalid. "
            "Expected a value greater than or equal to minCount."
        )
    if minimum > LAUNCH_LIMIT:
        raise Ec2Fault(
            "InstanceLimitExceeded",
            f"You have requested more instances ({minimum}) than your current instance "
            f"limit of {LAUNCH_LIMIT} allows for the specified instance type. Please "
            "visit http://aws.amazon.com/contact-us/ec2-request to request an "
            "adjustment to this limit.",
        )
    return minimum, min(maximum, LAUNCH_LIMIT)


def _merge(base: Mapping[str, Any], override: Params) -> dict[str, Any]:
    """Request members win over template data; nested structures merge one level deep."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _instance_tags(specs: Iterable[Mapping[str, Any]], allowed: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for spec in specs:
        kind = spec.get("ResourceType")
        if kind not in allowed:
            raise _invalid(f"'{kind}' is not a valid taggable resource type for this operation.")
        if kind in ("instance", "launch-template"):
            tags.update(_tag_dict(spec.get("Tags") or []))
    return tags


def _tag_dict(tags: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    result = {str(t.get("Key") or ""): str(t.get("Value") or "") for t in tags}
    _check_tags(result)
    return result


def _check_tags(tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        if not key:
            raise _missing("Tag.Key")
        if key.lower().startswith("aws:"):
            raise _invalid("Tag keys starting with 'aws:' are reserved for internal use")
        if len(key) > 128:
            raise _invalid(f"Tag key exceeds the maximum length of 128 characters: {key}")
        if len(value) > 256:
            raise _invalid(f"Tag value exceeds the maximum length of 256 characters: {value}")


def _client_token(params: Params) -> str | None:
    token = params.get("ClientToken") or None
    if token is not None and len(token) > 64:
        raise _invalid(
            f"Value ({token}) for parameter clientToken is invalid. "
            "Length exceeds maximum of 64 characters."
        )
    return token


def _key_name(data: Mapping[str, Any]) -> str | None:
    """Any key name is taken (the sim keeps no key pairs) unless no key pair could bear it."""
    name = data.get("KeyName")
    if name is not None and len(name) > 255:
        raise Ec2Fault("InvalidKeyPair.NotFound", f"The key pair '{name}' does not exist")
    return name


def _primary_interface(data: Mapping[str, Any]) -> Mapping[str, Any]:
    interfaces = data.get("NetworkInterfaces") or []
    for interface in interfaces:
        if (interface.get("DeviceIndex") or 0) == 0:
            return dict(interface)
    return {}


def _security_groups(scope: Scope, data: Mapping[str, Any]) -> tuple[str, ...]:
    default = network.default_security_group(scope)
    chosen = (
        data.get("SecurityGroupIds")
        or _primary_interface(data).get("Groups")
        or data.get("SecurityGroups")
        or [default]
    )
    return tuple(_unique(default if g == "default" else g for g in chosen))


# -- rendering --------------------------------------------------------------------------------


def _state(name: str) -> Output:
    return {"Code": STATE_CODES[name], "Name": name}


def _dns_suffix(region: str) -> str:
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def _reservation_id(row: Row[Any]) -> str:
    reservation = (row.attributes or {}).get("reservation_id")
    return str(reservation) if reservation else "r-" + network.hex_id(row.id, "reservation")


def _reasons(row: Row[Any]) -> tuple[str, Output | None]:
    if row.state == "pending":
        return "", {"Code": "pending", "Message": "pending"}
    if row.state in ("stopping", "stopped", *GONE):
        when = row.changed_at.strftime("%Y-%m-%d %H:%M:%S")
        return (
            f"User initiated ({when} GMT)",
            {
                "Code": "Client.UserInitiatedShutdown",
                "Message": "Client.UserInitiatedShutdown: User initiated shutdown",
            },
        )
    return "", None


def _group_identifiers(scope: Scope, groups: Iterable[str]) -> list[Output]:
    default = network.default_security_group(scope)
    return [{"GroupId": g, "GroupName": "default" if g == default else g} for g in groups]


def _network_members(scope: Scope, row: Row[Any]) -> Output:
    """Terminated instances lose their address, subnet, groups and volumes, as on EC2."""
    if row.state == "terminated":
        return {"PrivateDnsName": "", "SecurityGroups": [], "BlockDeviceMappings": []}
    return {
        "PrivateDnsName": f"ip-{row.private_ip.replace('.', '-')}.{_dns_suffix(scope.region)}",
        "PrivateIpAddress": row.private_ip,
        "SubnetId": row.subnet_id,
        "VpcId": row.vpc_id,
        "SecurityGroups": _group_identifiers(scope, row.security_groups or []),
        "BlockDeviceMappings": [
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "AttachTime": row.launched_at,
                    "DeleteOnTermination": True,
                    "Status": "attached",
                    "VolumeId": "vol-" + network.hex_id(row.id, "root"),
                },
            }
        ],
    }


def _instance(scope: Scope, row: Row[Any], tags: Mapping[str, str]) -> Output:
    attributes = row.attributes or {}
    kind = instance_kind(row.instance_type)
    image = IMAGES[scope.cloud].get(row.image_id)
    windows = image is not None and image.platform == "Windows"
    reason, state_reason = _reasons(row)
    out: Output = {
        "AmiLaunchIndex": attributes.get("launch_index", 0),
        "ImageId": row.image_id,
        "InstanceId": row.id,
        "InstanceType": row.instance_type,
        "LaunchTime": row.launched_at,
        "Monitoring": {"State": "enabled" if attributes.get("monitoring") else "disabled"},
        "Placement": {"AvailabilityZone": row.zone, "GroupName": "", "Tenancy": "default"},
        "ProductCodes": [],
        "PublicDnsName": "",
        "State": _state(row.state),
        "StateTransitionReason": reason,
        "Architecture": image.architecture if image else "x86_64",
        "ClientToken": attributes.get("client_token", row.client_token or ""),
        "EbsOptimized": False,
        "EnaSupport": True,
        "Hypervisor": "xen",
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "SourceDestCheck": True,
        "VirtualizationType": "hvm",
        "PlatformDetails": "Windows" if windows else "Linux/UNIX",
        "UsageOperation": "RunInstances:0002" if windows else "RunInstances",
        "UsageOperationUpdateTime": row.launched_at,
        **_network_members(scope, row),
    }
    if kind is not None:
        out["CpuOptions"] = {"CoreCount": kind.cores, "ThreadsPerCore": kind.threads_per_core}
    optional = {
        "KeyName": row.key_name,
        "StateReason": state_reason,
        "Platform": "windows" if windows else None,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()] or None,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    return out


def _reservations(
    scope: Scope, rows: Sequence[Row[Any]], tags: Mapping[str, dict[str, str]]
) -> list[Output]:
    grouped: dict[str, list[Output]] = {}
    for row in rows:
        instance = _instance(scope, row, tags.get(row.id, {}))
        grouped.setdefault(_reservation_id(row), []).append(instance)
    return [
        {"ReservationId": rid, "OwnerId": scope.account, "Groups": [], "Instances": items}
        for rid, items in grouped.items()
    ]


def _changes(
    ids: Sequence[str], before: Mapping[str, str], after: Mapping[str, str]
) -> list[Output]:
    return [
        {"InstanceId": i, "CurrentState": _state(after[i]), "PreviousState": _state(before[i])}
        for i in ids
    ]


def _template_out(row: Row[Any]) -> Output:
    out: Output = {
        "LaunchTemplateId": row.id,
        "LaunchTemplateName": row.name,
        "CreateTime": row.created_at,
        "CreatedBy": row.created_by,
        "DefaultVersionNumber": row.default_version,
        "LatestVersionNumber": row.latest_version,
    }
    if row.tags:
        out["Tags"] = list(row.tags)
    return out


def _version_out(
    template: Any, number: int, description: str | None, data: Any, created_at: datetime
) -> Output:
    out: Output = {
        "LaunchTemplateId": template.id,
        "LaunchTemplateName": template.name,
        "VersionNumber": number,
        "CreateTime": created_at,
        "CreatedBy": template.created_by,
        "DefaultVersion": number == template.default_version,
        "LaunchTemplateData": data,
    }
    if description is not None:
        out["VersionDescription"] = description
    return out


def _zone_out(scope: Scope, zone: str) -> Output:
    return {
        "State": "available",
        "OptInStatus": "opt-in-not-required",
        "Messages": [],
        "RegionName": scope.region,
        "ZoneName": zone,
        "ZoneId": network.zone_id(scope.region, zone),
        "GroupName": scope.region,
        "NetworkBorderGroup": scope.region,
        "ZoneType": "availability-zone",
    }


def _vpc_out(scope: Scope) -> Output:
    vpc = network.default_vpc(scope)
    return {
        "CidrBlock": "172.31.0.0/16",
        "State": "available",
        "VpcId": vpc,
        "DhcpOptionsId": "dopt-" + network.hex_id(scope.account, scope.region, "dopt"),
        "OwnerId": scope.account,
        "InstanceTenancy": "default",
        "IsDefault": True,
        "Ipv6CidrBlockAssociationSet": [],
        "CidrBlockAssociationSet": [
            {
                "AssociationId": "vpc-cidr-assoc-" + network.hex_id(vpc, "cidr"),
                "CidrBlock": "172.31.0.0/16",
                "CidrBlockState": {"State": "associated"},
            }
        ],
    }


def _subnet_out(scope: Scope, index: int, subnet: Subnet) -> Output:
    return {
        "AvailabilityZone": subnet.zone,
        "AvailabilityZoneId": network.zone_id(scope.region, subnet.zone),
        "AvailableIpAddressCount": 4091,
        "CidrBlock": network.subnet_cidr(index),
        "DefaultForAz": True,
        "MapPublicIpOnLaunch": True,
        "MapCustomerOwnedIpOnLaunch": False,
        "State": "available",
        "SubnetId": subnet.id,
        "VpcId": subnet.vpc_id,
        "OwnerId": scope.account,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "EnableDns64": False,
        "Ipv6Native": False,
        "SubnetArn": f"arn:aws:ec2:{scope.region}:{scope.account}:subnet/{subnet.id}",
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
    }


def _security_group_out(scope: Scope) -> Output:
    group = network.default_security_group(scope)
    return {
        "Description": "default VPC security group",
        "GroupName": "default",
        "GroupId": group,
        "OwnerId": scope.account,
        "VpcId": network.default_vpc(scope),
        "SecurityGroupArn": f"arn:aws:ec2:{scope.region}:{scope.account}:security-group/{group}",
        "IpPermissions": [
            {
                "IpProtocol": "-1",
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [{"GroupId": group, "UserId": scope.account}],
            }
        ],
        "IpPermissionsEgress": [
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ],
    }


def _image_alias(image: Image) -> str | None:
    return "amazon" if image.owner in AMAZON_OWNERS else None


def _image_out(image: Image) -> Output:
    windows = image.platform == "Windows"
    alias = _image_alias(image)
    out: Output = {
        "Architecture": image.architecture,
        "CreationDate": image.creation_date,
        "ImageId": image.id,
        "ImageLocation": f"{alias or image.owner}/{image.name}",
        "ImageType": "machine",
        "Public": True,
        "OwnerId": image.owner,
        "State": "available",
        "PlatformDetails": "Windows" if windows else "Linux/UNIX",
        "UsageOperation": "RunInstances:0002" if windows else "RunInstances",
        "BlockDeviceMappings": [
            {
                "DeviceName": "/dev/xvda",
                "Ebs": {
                    "DeleteOnTermination": True,
                    "SnapshotId": "snap-" + network.hex_id(image.id, "snap"),
                    "VolumeSize": 30 if windows else 8,
                    "VolumeType": "gp2",
                    "Encrypted": False,
                },
            }
        ],
        "Description": image.description,
        "EnaSupport": True,
        "Hypervisor": "xen",
        "Name": image.name,
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "SriovNetSupport": "simple",
        "VirtualizationType": "hvm",
    }
    if alias:
        out["ImageOwnerAlias"] = alias
    if windows:
        out["Platform"] = "windows"
    return out


def _instance_type_out(kind: InstanceKind) -> Output:
    nitro = kind.hypervisor == "nitro"
    processor: Output = {"SupportedArchitectures": ["x86_64"], "Manufacturer": kind.manufacturer}
    if kind.clock_ghz is not None:
        processor["SustainedClockSpeedInGhz"] = kind.clock_ghz
    return {
        "InstanceType": kind.name,
        "CurrentGeneration": kind.current,
        "FreeTierEligible": kind.free_tier,
        "SupportedUsageClasses": ["on-demand", "spot"],
        "SupportedRootDeviceTypes": ["ebs"] if kind.current else ["ebs", "instance-store"],
        "SupportedVirtualizationTypes": ["hvm"] if kind.current else ["hvm", "paravirtual"],
        "BareMetal": False,
        "Hypervisor": kind.hypervisor,
        "ProcessorInfo": processor,
        "VCpuInfo": {
            "DefaultVCpus": kind.vcpus,
            "DefaultCores": kind.cores,
            "DefaultThreadsPerCore": kind.threads_per_core,
        },
        "MemoryInfo": {"SizeInMiB": kind.memory_mib},
        "InstanceStorageSupported": False,
        "EbsInfo": {
            "EbsOptimizedSupport": "default" if nitro else "unsupported",
            "EncryptionSupport": "supported",
            "NvmeSupport": "required" if nitro else "unsupported",
        },
        "NetworkInfo": {
            "NetworkPerformance": kind.network,
            "MaximumNetworkInterfaces": kind.max_interfaces,
            "Ipv4AddressesPerInterface": kind.ipv4_per_interface,
            "Ipv6AddressesPerInterface": kind.ipv4_per_interface,
            "Ipv6Supported": kind.current,
            "EnaSupport": "required" if nitro else "unsupported",
        },
        "PlacementGroupInfo": {
            "SupportedStrategies": (
                ["partition", "spread"] if kind.burstable else ["cluster", "partition", "spread"]
            )
        },
        "HibernationSupported": kind.current,
        "BurstablePerformanceSupported": kind.burstable,
        "DedicatedHostsSupported": not kind.burstable,
        "AutoRecoverySupported": True,
        "SupportedBootModes": ["legacy-bios", "uefi"] if nitro else ["legacy-bios"],
    }


ZONE_FILTERS = _fields(
    zone_name="ZoneName",
    zone_id="ZoneId",
    region_name="RegionName",
    state="State",
    zone_type="ZoneType",
    group_name="GroupName",
    opt_in_status="OptInStatus",
    network_border_group="NetworkBorderGroup",
)
VPC_FILTERS = _fields(
    vpc_id="VpcId",
    is_default="IsDefault",
    state="State",
    cidr="CidrBlock",
    owner_id="OwnerId",
    dhcp_options_id="DhcpOptionsId",
)
SUBNET_FILTERS = _fields(
    subnet_id="SubnetId",
    vpc_id="VpcId",
    availability_zone="AvailabilityZone",
    availability_zone_id="AvailabilityZoneId",
    default_for_az="DefaultForAz",
    state="State",
    cidr_block="CidrBlock",
    owner_id="OwnerId",
    map_public_ip_on_launch="MapPublicIpOnLaunch",
)
GROUP_FILTERS = _fields(
    group_id="GroupId",
    group_name="GroupName",
    vpc_id="VpcId",
    owner_id="OwnerId",
    description="Description",
)
IMAGE_FILTERS = _fields(
    image_id="ImageId",
    name="Name",
    owner_id="OwnerId",
    owner_alias="ImageOwnerAlias",
    architecture="Architecture",
    platform="Platform",
    state="State",
    image_type="ImageType",
    is_public="Public",
    root_device_type="RootDeviceType",
    virtualization_type="VirtualizationType",
    hypervisor="Hypervisor",
    description="Description",
)
TYPE_FILTERS: dict[str, _Reader] = {
    **_fields(
        instance_type="InstanceType",
        current_generation="CurrentGeneration",
        free_tier_eligible="FreeTierEligible",
        hypervisor="Hypervisor",
        bare_metal="BareMetal",
        burstable_performance_supported="BurstablePerformanceSupported",
    ),
    "vcpu-info.default-vcpus": lambda t: [str(t["VCpuInfo"]["DefaultVCpus"])],
    "memory-info.size-in-mib": lambda t: [str(t["MemoryInfo"]["SizeInMiB"])],
    "processor-info.supported-architecture": lambda t: t["ProcessorInfo"]["SupportedArchitectures"],
}
KEY_PAIR_FILTERS = ("key-name", "key-pair-id", "fingerprint", "key-type", "tag-key")

INSTANCE_COLUMNS: dict[str, Any] = {
    "instance-id": machines.c.id,
    "instance-state-name": machines.c.state,
    "availability-zone": machines.c.zone,
    "subnet-id": machines.c.subnet_id,
    "vpc-id": machines.c.vpc_id,
    "image-id": machines.c.image_id,
    "instance-type": machines.c.instance_type,
}
INSTANCE_ORDER: _Order = ((machines.c.launched_at, False), (machines.c.id, False))
TAG_ORDER: _Order = ((machine_tags.c.machine_id, False), (machine_tags.c.key, False))
TEMPLATE_ORDER: _Order = ((launch_templates.c.created_at, False), (launch_templates.c.id, False))
VERSION_ORDER: _Order = (
    (launch_template_versions.c.template_id, False),
    (launch_template_versions.c.version, True),
)


# -- the API ------------------------------------------------------------------------------------


class SimEc2:
    """EC2's instance, tag, template and geography calls over the tables SimCompute keeps."""

    def __init__(self, compute: SimCompute) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.timing = compute.timing

    # -- SQL building blocks --------------------------------------------------------------------

    def _match(self, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
        """Exact values become one IN; wildcard values a case-sensitive pattern each."""
        exact, clauses = [], []
        for value in values:
            tokens = _tokens(value)
            if not _is_pattern(tokens):
                exact.append(_literal(tokens))
            elif self.db.dialect == "sqlite":
                clauses.append(column.op("GLOB", is_comparison=True)(_glob(tokens)))
            else:
                clauses.append(column.like(_like(tokens), escape="\\"))
        if exact:
            clauses.append(column.in_(exact))
        return or_(false(), *clauses)

    @staticmethod
    def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
        return [
            machines.c.account == scope.account,
            machines.c.region == scope.region,
            machines.c.cloud == scope.cloud.value,
        ]

    def _tag_exists(self, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists().where(machine_tags.c.machine_id == machines.c.id, *conditions)

    def _instance_filter(self, name: str, values: Sequence[str]) -> ColumnElement[bool]:
        column = INSTANCE_COLUMNS.get(name)
        if column is not None:
            return self._match(column, values)
        if name == "instance-state-code":
            codes = {code: state for state, code in STATE_CODES.items()}
            wanted = [codes.get(int(v) & 255) for v in values if _is_number(v)]
            return machines.c.state.in_([w for w in wanted if w])
        if name.startswith("tag:") and len(name) > 4:
            return self._tag_exists(
                machine_tags.c.key == name[4:], self._match(machine_tags.c.value, values)
            )
        if name == "tag-key":
            return self._tag_exists(self._match(machine_tags.c.key, values))
        if name == "tag-value":
            return self._tag_exists(self._match(machine_tags.c.value, values))
        raise _invalid_filter(name)

    def _rows(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = conn.execute(
            select(machines).where(*self._in_scope(scope), machines.c.id.in_(list(ids)))
        ).all()
        return {row.id: row for row in rows}

    def _existing(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = self._rows(conn, scope, ids)
        missing = [i for i in ids if i not in rows]
        if missing:
            raise _ids_not_found("InvalidInstanceID.NotFound", "instance", missing)
        return rows

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

    # -- RunInstances ---------------------------------------------------------------------------

    @_operation
    def run_instances(self, scope: Scope, params: Params) -> Output:
        """Launches MinCount..MaxCount instances at once; a repeated ClientToken replays."""
        _, count = _counts(params)
        with self.db.read() as conn:
            data, template = self._launch_data(conn, scope, params)
            subnet = self._subnet(conn, scope, data)
        launch = self._launch(scope, params, data, template, subnet, count)
        _dry_run(params)
        return self._launch_once(scope, launch)

    def _launch_data(
        self, conn: Connection, scope: Scope, params: Params
    ) -> tuple[dict[str, Any], tuple[str, int] | None]:
        """The request's members over its launch template's data, and which version was used."""
        reference = params.get("LaunchTemplate")
        if not reference:
            return _merge({}, params), None
        row = self._template(
            conn, scope, reference.get("LaunchTemplateId"), reference.get("LaunchTemplateName")
        )
        number = self._version_number(row, reference.get("Version") or "$Default")
        data = self._version_data(conn, row, number)
        merged = _merge(data, params)
        merged["TagSpecifications"] = [
            *(data.get("TagSpecifications") or []),
            *(params.get("TagSpecifications") or []),
        ]
        return merged, (row.id, number)

    def _launch(
        self,
        scope: Scope,
        params: Params,
        data: Mapping[str, Any],
        template: tuple[str, int] | None,
        subnet: Subnet,
        count: int,
    ) -> _Launch:
        image_id = self._checked_image(scope, data.get("ImageId"))
        instance_type = str(data.get("InstanceType") or DEFAULT_INSTANCE_TYPE)
        if instance_kind(instance_type) is None:
            raise _invalid(f"Invalid value '{instance_type}' for InstanceType.")
        tags = _instance_tags(data.get("TagSpecifications") or [], TAGGABLE_ON_RUN)
        if template is not None:
            tags.update(
                {
                    "aws:ec2launchtemplate:id": template[0],
                    "aws:ec2launchtemplate:version": str(template[1]),
                }
            )
        spec = LaunchSpec(
            image_id=image_id,
            instance_type=instance_type,
            key_name=_key_name(data),
            security_groups=_security_groups(scope, data),
            template_id=template[0] if template else None,
            template_version=str(template[1]) if template else None,
            tags=tags,
        )
        attributes = {
            "monitoring": bool((data.get("Monitoring") or {}).get("Enabled")),
            "disable_api_termination": bool(data.get("DisableApiTermination")),
        }
        return _Launch(spec, subnet, count, _client_token(params), attributes)

    @staticmethod
    def _checked_image(scope: Scope, image_id: Any) -> str:
        if not image_id:
            raise _missing("ImageId")
        if not IMAGE_ID.fullmatch(str(image_id)):
            raise _malformed_image_id(str(image_id))
        if image_id not in IMAGES[scope.cloud]:
            raise Ec2Fault("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist")
        return str(image_id)

    def _subnet(self, conn: Connection, scope: Scope, data: Mapping[str, Any]) -> Subnet:
        """SubnetId wins, then Placement.AvailabilityZone, then the zone with fewest instances."""
        subnets = network.default_subnets(scope)
        subnet_id = data.get("SubnetId") or _primary_interface(data).get("SubnetId")
        zone = (data.get("Placement") or {}).get("AvailabilityZone")
        if subnet_id:
            for subnet in subnets:
                if subnet.id == subnet_id:
                    return subnet
            raise _ids_not_found("InvalidSubnetID.NotFound", "subnet", [subnet_id])
        if zone:
            for subnet in subnets:
                if subnet.zone == zone:
                    return subnet
            raise _invalid(f"Invalid value '{zone}' for AvailabilityZone.")
        busy: dict[str, int] = {
            zone: count
            for zone, count in conn.execute(
                select(machines.c.zone, func.count())
                .where(*self._in_scope(scope), machines.c.state.not_in(GONE))
                .group_by(machines.c.zone)
            )
        }
        return min(subnets, key=lambda s: busy.get(s.zone, 0))

    def _launch_once(self, scope: Scope, launch: _Launch) -> Output:
        """A concurrent twin with the same ClientToken loses the insert and replays the winner."""
        try:
            with self.db.write() as conn:
                rows = self._replay(conn, scope, launch.token) if launch.token else None
                if not rows:
                    rows = self._insert(conn, scope, launch)
                tags = self._tags_of(conn, [r.id for r in rows])
        except IntegrityError:
            if launch.token is None:
                raise
            with self.db.read() as conn:
                rows = self._replay(conn, scope, launch.token)
                if not rows:
                    raise
                tags = self._tags_of(conn, [r.id for r in rows])
        return _reservations(scope, rows, tags)[0]

    def _replay(self, conn: Connection, scope: Scope, token: str) -> list[Row[Any]] | None:
        first = conn.execute(
            select(machines).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.client_token == token,
            )
        ).first()
        if first is None:
            return None
        reservation = (first.attributes or {}).get("reservation_id")
        if not reservation:
            return [first]
        rows = conn.execute(
            select(machines).where(
                *self._in_scope(scope),
                machines.c.attributes["reservation_id"].as_string() == reservation,
            )
        ).all()
        return sorted(rows, key=lambda r: (r.attributes or {}).get("launch_index", 0))

    def _insert(self, conn: Connection, scope: Scope, launch: _Launch) -> list[Row[Any]]:
        reservation = "r-" + secrets.token_hex(9)[:17]
        ids = []
        for index in range(launch.count):
            token = launch.token if index == 0 else None
            row = self.compute.insert(conn, scope, launch.spec, launch.subnet, token)
            attributes = {**launch.attributes, "reservation_id": reservation, "launch_index": index}
            if launch.token:
                attributes["client_token"] = launch.token
            conn.execute(
                update(machines).where(machines.c.id == row.id).values(attributes=attributes)
            )
            ids.append(row.id)
        rows = self._rows(conn, scope, ids)
        return [rows[i] for i in ids]

    # -- DescribeInstances ----------------------------------------------------------------------

    @_operation
    def describe_instances(self, scope: Scope, params: Params) -> Output:
        """Terminated instances stay listed until the cloud forgets them (about an hour);
        one SQL statement reads exactly one page."""
        ids = _unique(params.get("InstanceIds") or [])
        if ids and params.get("MaxResults") is not None:
            raise _combination("instancesSet")
        _check_instance_ids(ids)
        page = _sql_page(params, "instances", INSTANCE_ORDER, 5, 1000)
        conditions = [self._instance_filter(name, values) for name, values in _filters(params)]
        _dry_run(params)
        with self.db.read() as conn:
            if ids:
                self._existing(conn, scope, ids)
                conditions.append(machines.c.id.in_(ids))
            query = select(machines).where(*self._in_scope(scope), *conditions)
            rows, token = _fetch_page(conn, query, INSTANCE_ORDER, page)
            tags = self._tags_of(conn, [r.id for r in rows])
        out: Output = {"Reservations": _reservations(scope, rows, tags)}
        if token:
            out["NextToken"] = token
        return out

    # -- Terminate / Stop / Start -----------------------------------------------------------------

    @staticmethod
    def _ids(params: Params) -> list[str]:
        ids = _unique(params.get("InstanceIds") or [])
        if not ids:
            raise _missing("InstanceId")
        _check_instance_ids(ids)
        return ids

    def _change(
        self,
        scope: Scope,
        params: Params,
        check: Callable[[Row[Any]], None],
        sources: Sequence[str],
        target: str,
        seconds: float,
        then: Callable[[Connection, list[Row[Any]]], None] | None = None,
    ) -> list[Output]:
        """Validate every instance, then move them together in one transaction."""
        ids = self._ids(params)
        with self.db.write() as conn:
            before = self._existing(conn, scope, ids)
            for instance_id in ids:
                check(before[instance_id])
            _dry_run(params)
            self.compute.transition(conn, scope, ids, sources, target, seconds)
            if then is not None:
                then(conn, [r for r in before.values() if r.state in sources])
            after = self._rows(conn, scope, ids)
        return _changes(
            ids, {i: r.state for i, r in before.items()}, {i: r.state for i, r in after.items()}
        )

    @_operation
    def terminate_instances(self, scope: Scope, params: Params) -> Output:
        """Terminating an instance that is already going or gone succeeds and changes nothing."""
        changes = self._change(
            scope,
            params,
            _may_terminate,
            ("pending", "running", "stopping", "stopped"),
            "shutting-down",
            self.timing.shutdown,
        )
        return {"TerminatingInstances": changes}

    @_operation
    def stop_instances(self, scope: Scope, params: Params) -> Output:
        """Stopping a stopping or stopped instance succeeds and changes nothing."""
        changes = self._change(
            scope, params, _may_stop, ("pending", "running"), "stopping", self.timing.stop
        )
        return {"StoppingInstances": changes}

    @_operation
    def start_instances(self, scope: Scope, params: Params) -> Output:
        """Starting a pending or running instance succeeds and changes nothing."""
        changes = self._change(
            scope, params, _may_start, ("stopped",), "pending", self.timing.boot, _mark_started
        )
        return {"StartingInstances": changes}

    # -- tags -----------------------------------------------------------------------------------

    def _resources(self, conn: Connection, scope: Scope, params: Params) -> list[str]:
        resources = _unique(params.get("Resources") or [])
        if not resources:
            raise _missing("ResourceId")
        for resource in resources:
            if not resource.startswith("i-"):
                raise _invalid_id(resource)
        _check_instance_ids(resources)
        self._existing(conn, scope, resources)
        return resources

    @_operation
    def create_tags(self, scope: Scope, params: Params) -> None:
        """Tags only instances: the sim keeps no other taggable resources."""
        tags = _tag_dict(params.get("Tags") or [])
        if not tags:
            raise _missing("Tag")
        with self.db.write() as conn:
            ids = self._resources(conn, scope, params)
            _dry_run(params)
            self.compute.put_tags(conn, ids, tags)

    @_operation
    def delete_tags(self, scope: Scope, params: Params) -> None:
        """A tag given with a value (even empty) is deleted only where the value matches."""
        tags = params.get("Tags")
        with self.db.write() as conn:
            ids = self._resources(conn, scope, params)
            _dry_run(params)
            query = delete(machine_tags).where(machine_tags.c.machine_id.in_(ids))
            if tags:
                query = query.where(or_(false(), *(_tag_condition(t) for t in tags)))
            conn.execute(query)

    @_operation
    def describe_tags(self, scope: Scope, params: Params) -> Output:
        """Only instances carry tags in the sim, so every row is an instance's."""
        page = _sql_page(params, "tags", TAG_ORDER, 5, 1000)
        conditions = [self._tag_filter(name, values) for name, values in _filters(params)]
        _dry_run(params)
        query = (
            select(machine_tags)
            .join(machines, machines.c.id == machine_tags.c.machine_id)
            .where(*self._in_scope(scope), *conditions)
        )
        with self.db.read() as conn:
            rows, token = _fetch_page(conn, query, TAG_ORDER, page)
        out: Output = {
            "Tags": [
                {
                    "Key": r.key,
                    "ResourceId": r.machine_id,
                    "ResourceType": "instance",
                    "Value": r.value,
                }
                for r in rows
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def _tag_filter(self, name: str, values: Sequence[str]) -> ColumnElement[bool]:
        columns = {
            "resource-id": machine_tags.c.machine_id,
            "key": machine_tags.c.key,
            "value": machine_tags.c.value,
        }
        if name in columns:
            return self._match(columns[name], values)
        if name == "resource-type":
            return true() if _py_match("instance", values) else false()
        raise _invalid_filter(name)

    # -- launch templates -----------------------------------------------------------------------

    def _template(
        self,
        conn: Connection,
        scope: Scope,
        template_id: str | None,
        name: str | None,
        *,
        lock: bool = False,
    ) -> Row[Any]:
        query = select(launch_templates).where(
            launch_templates.c.account == scope.account, launch_templates.c.region == scope.region
        )
        if template_id:
            if not TEMPLATE_ID.fullmatch(template_id):
                raise _malformed_template_id(template_id)
            query = query.where(launch_templates.c.id == template_id)
        elif name:
            query = query.where(launch_templates.c.name == name)
        else:
            raise _missing("launch template ID or launch template name")
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is not None:
            return row
        if template_id:
            raise _template_not_found(template_id)
        raise Ec2Fault(
            "InvalidLaunchTemplateName.NotFoundException",
            f"The specified launch template, with template name {name}, does not exist.",
        )

    @staticmethod
    def _version_number(template: Row[Any], version: Any) -> int:
        text = str(version)
        if text == "$Latest":
            return int(template.latest_version)
        if text == "$Default":
            return int(template.default_version)
        if _is_number(text) and 1 <= int(text) <= template.latest_version:
            return int(text)
        raise _version_not_found(text, template.id)

    @staticmethod
    def _version_data(conn: Connection, template: Row[Any], number: int) -> dict[str, Any]:
        data = conn.execute(
            select(launch_template_versions.c.data).where(
                launch_template_versions.c.template_id == template.id,
                launch_template_versions.c.version == number,
            )
        ).scalar()
        if data is None:
            raise _version_not_found(str(number), template.id)
        return dict(data)

    @_operation
    def create_launch_template(self, scope: Scope, params: Params) -> Output:
        name = str(params.get("LaunchTemplateName") or "")
        if not TEMPLATE_NAME.fullmatch(name):
            raise Ec2Fault("InvalidLaunchTemplateName.MalformedException", TEMPLATE_NAME_TEXT)
        data = params.get("LaunchTemplateData")
        if not data:
            raise Ec2Fault(
                "MissingParameter",
                "No launch template data was provided. Launch "
                "template data is required to create a launch template.",
            )
        tags = _instance_tags(params.get("TagSpecifications") or [], ("launch-template",))
        try:
            with self.db.write() as conn:
                return {"LaunchTemplate": self._insert_template(conn, scope, params, name, tags)}
        except IntegrityError:
            raise _name_in_use() from None

    def _insert_template(
        self, conn: Connection, scope: Scope, params: Params, name: str, tags: Mapping[str, str]
    ) -> Output:
        taken = conn.execute(
            select(launch_templates.c.id).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
                launch_templates.c.name == name,
            )
        ).first()
        if taken is not None:
            raise _name_in_use()
        _dry_run(params)
        now = self.clock.now()
        template_id = "lt-" + secrets.token_hex(9)[:17]
        conn.execute(
            insert(launch_templates).values(
                id=template_id,
                account=scope.account,
                region=scope.region,
                name=name,
                default_version=1,
                latest_version=1,
                created_at=now,
                created_by=f"arn:aws:iam::{scope.account}:root",
                tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        )
        conn.execute(
            insert(launch_template_versions).values(
                template_id=template_id,
                version=1,
                description=params.get("VersionDescription"),
                data=dict(params["LaunchTemplateData"]),
                created_at=now,
            )
        )
        row = conn.execute(select(launch_templates).where(launch_templates.c.id == template_id))
        return _template_out(row.one())

    @_operation
    def create_launch_template_version(self, scope: Scope, params: Params) -> Output:
        """SourceVersion's data is the base the new data is laid over."""
        data = params.get("LaunchTemplateData")
        if data is None:
            raise _missing("LaunchTemplateData")
        with self.db.write() as conn:
            template = self._template(
                conn,
                scope,
                params.get("LaunchTemplateId"),
                params.get("LaunchTemplateName"),
                lock=True,
            )
            source = params.get("SourceVersion")
            base = (
                self._version_data(conn, template, self._version_number(template, source))
                if source
                else {}
            )
            _dry_run(params)
            return {
                "LaunchTemplateVersion": self._add_version(
                    conn, template, _merge(base, data), params.get("VersionDescription")
                )
            }

    def _add_version(
        self, conn: Connection, template: Row[Any], data: dict[str, Any], description: str | None
    ) -> Output:
        number = int(template.latest_version) + 1
        now = self.clock.now()
        conn.execute(
            update(launch_templates)
            .where(launch_templates.c.id == template.id)
            .values(latest_version=number)
        )
        conn.execute(
            insert(launch_template_versions).values(
                template_id=template.id,
                version=number,
                description=description,
                data=data,
                created_at=now,
            )
        )
        return _version_out(template, number, description, data, now)

    @_operation
    def describe_launch_templates(self, scope: Scope, params: Params) -> Output:
        ids = _unique(params.get("LaunchTemplateIds") or [])
        names = _unique(params.get("LaunchTemplateNames") or [])
        for template_id in ids:
            if not TEMPLATE_ID.fullmatch(template_id):
                raise _malformed_template_id(template_id)
        page = _sql_page(params, "templates", TEMPLATE_ORDER, 1, 200)
        conditions = [self._template_filter(name, values) for name, values in _filters(params)]
        _dry_run(params)
        with self.db.read() as conn:
            conditions += self._named_templates(conn, scope, ids, names)
            query = select(launch_templates).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
                *conditions,
            )
            rows, token = _fetch_page(conn, query, TEMPLATE_ORDER, page)
        out: Output = {"LaunchTemplates": [_template_out(r) for r in rows]}
        if token:
            out["NextToken"] = token
        return out

    def _named_templates(
        self, conn: Connection, scope: Scope, ids: Sequence[str], names: Sequence[str]
    ) -> list[ColumnElement[bool]]:
        """Every id and name asked for must exist; they then narrow the listing."""
        if not ids and not names:
            return []
        found = conn.execute(
            select(launch_templates.c.id, launch_templates.c.name).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
                or_(launch_templates.c.id.in_(ids), launch_templates.c.name.in_(names)),
            )
        ).all()
        missing_ids = [i for i in ids if i not in {r.id for r in found}]
        if missing_ids:
            raise _template_not_found(missing_ids[0])
        if any(n not in {r.name for r in found} for n in names):
            raise Ec2Fault(
                "InvalidLaunchTemplateName.NotFoundException",
                "At least one of the launch templates specified in the request does not exist.",
            )
        conditions: list[ColumnElement[bool]] = []
        if ids:
            conditions.append(launch_templates.c.id.in_(ids))
        if names:
            conditions.append(launch_templates.c.name.in_(names))
        return conditions

    def _template_filter(self, name: str, values: Sequence[str]) -> ColumnElement[bool]:
        if name == "launch-template-name":
            return self._match(launch_templates.c.name, values)
        raise _invalid_filter(name)

    @_operation
    def describe_launch_template_versions(self, scope: Scope, params: Params) -> Output:
        """Without a template, only $Latest and $Default may be asked for, across all of them."""
        page = _sql_page(params, "versions", VERSION_ORDER, 1, 200)
        versions = [str(v) for v in params.get("Versions") or []]
        conditions = [_version_filter(name, values) for name, values in _filters(params)]
        _dry_run(params)
        with self.db.read() as conn:
            if params.get("LaunchTemplateId") or params.get("LaunchTemplateName"):
                template = self._template(
                    conn, scope, params.get("LaunchTemplateId"), params.get("LaunchTemplateName")
                )
                conditions += self._versions_of(template, versions, params)
            else:
                conditions.append(_aliases(versions))
            query = (
                select(
                    launch_template_versions,
                    launch_templates.c.id,
                    launch_templates.c.name,
                    launch_templates.c.default_version,
                    launch_templates.c.created_by,
                )
                .join(
                    launch_templates,
                    launch_templates.c.id == launch_template_versions.c.template_id,
                )
                .where(
                    launch_templates.c.account == scope.account,
                    launch_templates.c.region == scope.region,
                    *conditions,
                )
            )
            rows, token = _fetch_page(conn, query, VERSION_ORDER, page)
        out: Output = {
            "LaunchTemplateVersions": [
                _version_out(r, r.version, r.description, r.data, r.created_at) for r in rows
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def _versions_of(
        self, template: Row[Any], versions: Sequence[str], params: Params
    ) -> list[ColumnElement[bool]]:
        column = launch_template_versions.c.version
        conditions = [launch_template_versions.c.template_id == template.id]
        if versions:
            conditions.append(column.in_([self._version_number(template, v) for v in versions]))
        for bound, compare in (("MinVersion", column.__ge__), ("MaxVersion", column.__le__)):
            if params.get(bound):
                conditions.append(compare(self._version_number(template, params[bound])))
        return conditions

    @_operation
    def delete_launch_template(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            template = self._template(
                conn,
                scope,
                params.get("LaunchTemplateId"),
                params.get("LaunchTemplateName"),
                lock=True,
            )
            _dry_run(params)
            conn.execute(
                delete(launch_template_versions).where(
                    launch_template_versions.c.template_id == template.id
                )
            )
            conn.execute(delete(launch_templates).where(launch_templates.c.id == template.id))
        return {"LaunchTemplate": _template_out(template)}

    # -- geography and catalogues -----------------------------------------------------------------

    @_operation
    def describe_availability_zones(self, scope: Scope, params: Params) -> Output:
        zones = [_zone_out(scope, z) for z in network.zones(scope.region, scope.cloud)]
        for key, member in (("ZoneNames", "ZoneName"), ("ZoneIds", "ZoneId")):
            zones = self._chosen(
                zones,
                params,
                key,
                member,
                lambda unknown: _invalid(f"Invalid availability zone: [{unknown[0]}]"),
            )
        zones = _static_filter(zones, _filters(params), ZONE_FILTERS)
        _dry_run(params)
        return {"AvailabilityZones": zones}

    @_operation
    def describe_vpcs(self, scope: Scope, params: Params) -> Output:
        vpcs = self._chosen(
            [_vpc_out(scope)],
            params,
            "VpcIds",
            "VpcId",
            lambda ids: _ids_not_found("InvalidVpcID.NotFound", "vpc", ids),
        )
        vpcs = _static_filter(vpcs, _filters(params), VPC_FILTERS)
        _dry_run(params)
        return {"Vpcs": vpcs}

    @_operation
    def describe_subnets(self, scope: Scope, params: Params) -> Output:
        subnets = [_subnet_out(scope, i, s) for i, s in enumerate(network.default_subnets(scope))]
        subnets = self._chosen(
            subnets,
            params,
            "SubnetIds",
            "SubnetId",
            lambda ids: _ids_not_found("InvalidSubnetID.NotFound", "subnet", ids),
        )
        subnets = _static_filter(subnets, _filters(params), SUBNET_FILTERS)
        _dry_run(params)
        return {"Subnets": subnets}

    @_operation
    def describe_security_groups(self, scope: Scope, params: Params) -> Output:
        groups = [_security_group_out(scope)]
        groups = self._chosen(
            groups,
            params,
            "GroupIds",
            "GroupId",
            lambda ids: Ec2Fault(
                "InvalidGroup.NotFound", f"The security group '{ids[0]}' does not exist"
            ),
        )
        vpc = network.default_vpc(scope)
        groups = self._chosen(
            groups,
            params,
            "GroupNames",
            "GroupName",
            lambda names: Ec2Fault(
                "InvalidGroup.NotFound",
                f"The security group '{names[0]}' does not exist in default VPC '{vpc}'",
            ),
        )
        groups = _static_filter(groups, _filters(params), GROUP_FILTERS)
        _dry_run(params)
        return {"SecurityGroups": groups}

    @staticmethod
    def _chosen(
        items: list[Output],
        params: Params,
        key: str,
        member: str,
        fault: Callable[[list[str]], Ec2Fault],
    ) -> list[Output]:
        """Items named in `key`, in the catalogue's order; any unknown name is refused."""
        asked = _unique(params.get(key) or [])
        if not asked:
            return items
        unknown = [a for a in asked if a not in {item[member] for item in items}]
        if unknown:
            raise fault(unknown)
        return [item for item in items if item[member] in asked]

    @_operation
    def describe_key_pairs(self, scope: Scope, params: Params) -> Output:
        """The sim keeps no key pairs, so any one asked for by name or id does not exist."""
        for name, _ in _filters(params):
            if name not in KEY_PAIR_FILTERS and not name.startswith("tag:"):
                raise _invalid_filter(name)
        names = _unique(params.get("KeyNames") or [])
        if names:
            raise Ec2Fault("InvalidKeyPair.NotFound", f"The key pair '{names[0]}' does not exist")
        ids = _unique(params.get("KeyPairIds") or [])
        if ids:
            raise Ec2Fault("InvalidKeyPair.NotFound", f"The key pair ID '{ids[0]}' does not exist")
        _dry_run(params)
        return {"KeyPairs": []}

    @_operation
    def describe_images(self, scope: Scope, params: Params) -> Output:
        ids = _unique(params.get("ImageIds") or [])
        if ids and params.get("MaxResults") is not None:
            raise _combination("imageIdsSet")
        catalogue = IMAGES[scope.cloud]
        _check_image_ids(ids, catalogue)
        owners = _unique(scope.account if o == "self" else o for o in params.get("Owners") or [])
        images = [
            _image_out(i)
            for i in catalogue.values()
            if (not ids or i.id in ids) and (not owners or _owned_by(i, owners))
        ]
        images = _static_filter(images, _filters(params), IMAGE_FILTERS)
        page, token = _static_page(images, params, "images", 5, 1000)
        _dry_run(params)
        return {"Images": page, "NextToken": token} if token else {"Images": page}

    @_operation
    def describe_instance_types(self, scope: Scope, params: Params) -> Output:
        asked = _unique(params.get("InstanceTypes") or [])
        unknown = [t for t in asked if instance_kind(t) is None]
        if unknown:
            raise Ec2Fault(
                "InvalidInstanceType",
                f"The following supplied instance types do not exist: [{', '.join(unknown)}]",
            )
        kinds = [_instance_type_out(k) for k in KINDS if not asked or k.name in asked]
        kinds = _static_filter(kinds, _filters(params), TYPE_FILTERS)
        page, token = _static_page(kinds, params, "types", 5, 100)
        _dry_run(params)
        out: Output = {"InstanceTypes": page}
        if token:
            out["NextToken"] = token
        return out


# -- small rules kept out of the class so they read as data -------------------------------------


def _may_terminate(row: Row[Any]) -> None:
    if row.state not in GONE and (row.attributes or {}).get("disable_api_termination"):
        raise Ec2Fault(
            "OperationNotPermitted",
            f"The instance '{row.id}' may not be terminated. Modify its "
            "'disableApiTermination' instance attribute and try again.",
        )


def _may_stop(row: Row[Any]) -> None:
    if row.state in GONE:
        raise Ec2Fault(
            "IncorrectInstanceState",
            f"This instance '{row.id}' is not in a state from which it can be stopped.",
        )
    if row.state == "pending" and not _has_run(row):
        raise Ec2Fault(
            "IncorrectInstanceState",
            f"Instance '{row.id}' cannot be stopped as it has never reached the 'running' state.",
        )


def _may_start(row: Row[Any]) -> None:
    if row.state in ("stopping", *GONE):
        raise Ec2Fault(
            "IncorrectInstanceState",
            f"The instance '{row.id}' is not in a state from which it can be started.",
        )


def _mark_started(conn: Connection, rows: list[Row[Any]]) -> None:
    """Remembers that these have run, so a stop while they boot again is allowed."""
    for row in rows:
        conn.execute(
            update(machines)
            .where(machines.c.id == row.id)
            .values(attributes={**(row.attributes or {}), "started": True})
        )


def _has_run(row: Row[Any]) -> bool:
    """A pending instance has run before if it was started again, not freshly launched."""
    return bool((row.attributes or {}).get("started")) or row.changed_at > row.launched_at


def _combination(ids: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidParameterCombination",
        f"The parameter {ids} cannot be used with the parameter maxResults",
    )


def _invalid_id(resource: str) -> Ec2Fault:
    return Ec2Fault("InvalidID", f"The ID '{resource}' is not valid")


def _malformed_template_id(template_id: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateId.Malformed",
        f"The specified ID for the launch template, {template_id}, is malformed.",
    )


def _name_in_use() -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use."
    )


def _tag_condition(tag: Mapping[str, Any]) -> ColumnElement[bool]:
    condition = machine_tags.c.key == str(tag.get("Key") or "")
    if tag.get("Value") is not None:
        condition = and_(condition, machine_tags.c.value == str(tag["Value"]))
    return condition


def _version_filter(name: str, values: Sequence[str]) -> ColumnElement[bool]:
    if name == "is-default-version":
        is_default = launch_template_versions.c.version == launch_templates.c.default_version
        wanted = {v.lower() for v in values}
        return or_(
            false(),
            *([is_default] if "true" in wanted else []),
            *([~is_default] if "false" in wanted else []),
        )
    raise _invalid_filter(name)


def _aliases(versions: Sequence[str]) -> ColumnElement[bool]:
    if not versions:
        raise Ec2Fault("MissingParameter", ALL_VERSIONS_TEXT)
    if any(v not in ("$Latest", "$Default") for v in versions):
        raise _invalid(ALL_VERSIONS_TEXT)
    column = launch_template_versions.c.version
    return or_(
        *([column == launch_templates.c.latest_version] if "$Latest" in versions else []),
        *([column == launch_templates.c.default_version] if "$Default" in versions else []),
    )


def _check_image_ids(ids: Sequence[str], catalogue: Mapping[str, Image]) -> None:
    for image_id in ids:
        if not IMAGE_ID.fullmatch(image_id):
            raise _malformed_image_id(str(image_id))
    unknown = [i for i in ids if i not in catalogue]
    if len(unknown) == 1:
        raise Ec2Fault("InvalidAMIID.NotFound", f"The image id '[{unknown[0]}]' does not exist")
    if unknown:
        raise Ec2Fault(
            "InvalidAMIID.NotFound", f"The image ids '[{', '.join(unknown)}]' do not exist"
        )


def _malformed_image_id(image_id: str) -> Ec2Fault:
    return Ec2Fault("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')


def _owned_by(image: Image, owners: Sequence[str]) -> bool:
    return image.owner in owners or _image_alias(image) in owners
