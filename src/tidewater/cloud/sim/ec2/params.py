"""EC2 request members in, checked plain values out: counts, ids, tags, tokens, pages."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tidewater.cloud.ports import LaunchSpec, Subnet
from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    image_name_malformed,
    image_not_found,
    invalid,
    malformed_image_id,
    missing,
)
from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.filters import Filters, parse
from tidewater.cloud.sim.kit.guards import guarded, refuse_nul
from tidewater.cloud.sim.kit.tags import aws_tags

Params = Mapping[str, Any]

DEFAULT_INSTANCE_TYPE = "m1.small"  # what EC2 launches when RunInstances names no type
LAUNCH_LIMIT = 100  # instances one RunInstances may start in the simulated account

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


def _nul() -> Exception:
    return invalid("Parameter values may not contain the NUL character.")


# Marks an EC2 action and holds its whole input to what the store can keep.
action = guarded(lambda params: refuse_nul(params, _nul))


def is_number(text: str) -> bool:
    """Plain ASCII digits short enough that int() neither refuses nor overflows the database."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def unique(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v is not None))


def check_instance_ids(ids: Sequence[str]) -> None:
    for instance_id in ids:
        if not INSTANCE_ID.fullmatch(instance_id):
            raise Ec2Fault("InvalidInstanceID.Malformed", f'Invalid id: "{instance_id}"')


def _bad_token() -> Exception:
    return invalid("Unable to parse pagination token")


def page(params: Params, kind: str, types: Sequence[type], low: int, high: int) -> paging.Page:
    """MaxResults within EC2's bounds for the action, and where NextToken says to go on."""
    limit = params.get("MaxResults")
    if limit is not None and limit < low:
        raise invalid(
            f"Value ( {limit} ) for parameter maxResults is invalid. "
            f"Expecting a value greater than {low}."
        )
    if limit is not None and limit > high:
        raise invalid(
            f"Value ( {limit} ) for parameter maxResults is invalid. "
            f"Expecting a value less than or equal to {high}."
        )
    token = params.get("NextToken")
    after = paging.decode(kind, token, types, _bad_token) if token else None
    return paging.Page(kind, limit, after)


def sql_page(params: Params, kind: str, order: paging.Order, low: int, high: int) -> paging.Page:
    return page(params, kind, paging.column_types(order), low, high)


def static_page(
    items: list[Any], params: Params, kind: str, low: int, high: int
) -> tuple[list[Any], str | None]:
    return paging.by_offset(items, page(params, kind, [int], low, high), _bad_token)


@dataclass(frozen=True, slots=True)
class Launch:
    spec: LaunchSpec
    subnet: Subnet
    count: int
    token: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


def counts(params: Params) -> tuple[int, int]:
    minimum, maximum = params.get("MinCount"), params.get("MaxCount")
    if minimum is None:
        raise missing("MinCount")
    if maximum is None:
        raise missing("MaxCount")
    if minimum < 1:
        raise invalid(
            f"Value ({minimum}) for parameter minCount is invalid. Expected a positive integer."
        )
    if maximum < minimum:
        raise invalid(
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


def merge(base: Mapping[str, Any], override: Params) -> dict[str, Any]:
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


def instance_tags(specs: Iterable[Mapping[str, Any]], allowed: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for spec in specs:
        kind = spec.get("ResourceType")
        if kind not in allowed:
            raise invalid(f"'{kind}' is not a valid taggable resource type for this operation.")
        if kind in ("instance", "launch-template"):
            tags.update(aws_tags(spec.get("Tags") or []))
    return tags


def client_token(params: Params) -> str | None:
    token = params.get("ClientToken") or None
    if token is not None and len(token) > 64:
        raise invalid(
            f"Value ({token}) for parameter clientToken is invalid. "
            "Length exceeds maximum of 64 characters."
        )
    return token


def key_name(data: Mapping[str, Any]) -> str | None:
    """The key name asked for, if any; whether that key pair exists is the launch's check."""
    name = data.get("KeyName")
    if name is not None and len(name) > 255:
        raise Ec2Fault("InvalidKeyPair.NotFound", f"The key pair '{name}' does not exist")
    return name


def check_image_ids(ids: Sequence[str], known: Container[str]) -> None:
    for image_id in ids:
        if not IMAGE_ID.fullmatch(image_id):
            raise malformed_image_id(str(image_id))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise image_not_found(unknown)


AMI_NAME = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")  # CreateImage's documented constraints


def image_name(params: Params) -> str:
    name = params.get("Name")
    if not name:
        raise missing("Name")
    if not AMI_NAME.fullmatch(str(name)):
        raise image_name_malformed()
    return str(name)


def parse_filters(params: Params) -> Filters:
    """The request's Filters as (name, values), within EC2's limits."""
    return parse(params.get("Filters"))
