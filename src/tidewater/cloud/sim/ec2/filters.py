"""The filter names EC2 accepts, as data: SQL columns for its tables, readers for catalogues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, true

from tidewater.cloud.sim.ec2.faults import invalid_filter
from tidewater.cloud.sim.ec2.params import is_number
from tidewater.cloud.sim.ec2.state import STATE_CODES
from tidewater.cloud.sim.kit.filters import Reader, match, matches, members
from tidewater.store.tables import (
    launch_template_versions,
    launch_templates,
    machine_tags,
    machines,
)

ZONE_FILTERS = members(
    zone_name="ZoneName",
    zone_id="ZoneId",
    region_name="RegionName",
    state="State",
    zone_type="ZoneType",
    group_name="GroupName",
    opt_in_status="OptInStatus",
    network_border_group="NetworkBorderGroup",
)
VPC_FILTERS = members(
    vpc_id="VpcId",
    is_default="IsDefault",
    state="State",
    cidr="CidrBlock",
    owner_id="OwnerId",
    dhcp_options_id="DhcpOptionsId",
)
SUBNET_FILTERS = members(
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
GROUP_FILTERS = members(
    group_id="GroupId",
    group_name="GroupName",
    vpc_id="VpcId",
    owner_id="OwnerId",
    description="Description",
)
IMAGE_FILTERS = members(
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
TYPE_FILTERS: dict[str, Reader] = {
    **members(
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
KEY_PAIR_FILTERS = members(
    key_name="KeyName", key_pair_id="KeyPairId", fingerprint="KeyFingerprint", key_type="KeyType"
)

INSTANCE_COLUMNS: dict[str, Any] = {
    "instance-id": machines.c.id,
    "instance-state-name": machines.c.state,
    "availability-zone": machines.c.zone,
    "subnet-id": machines.c.subnet_id,
    "vpc-id": machines.c.vpc_id,
    "image-id": machines.c.image_id,
    "instance-type": machines.c.instance_type,
}


def _tag_exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(machine_tags.c.machine_id == machines.c.id, *conditions)


def instance_filter(name: str, values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    column = INSTANCE_COLUMNS.get(name)
    if column is not None:
        return match(column, values, dialect)
    if name == "instance-state-code":
        codes = {code: state for state, code in STATE_CODES.items()}
        wanted = [codes.get(int(v) & 255) for v in values if is_number(v)]
        return machines.c.state.in_([w for w in wanted if w])
    if name.startswith("tag:") and len(name) > 4:
        return _tag_exists(
            machine_tags.c.key == name[4:], match(machine_tags.c.value, values, dialect)
        )
    if name == "tag-key":
        return _tag_exists(match(machine_tags.c.key, values, dialect))
    if name == "tag-value":
        return _tag_exists(match(machine_tags.c.value, values, dialect))
    raise invalid_filter(name)


def tag_filter(name: str, values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    columns = {
        "resource-id": machine_tags.c.machine_id,
        "key": machine_tags.c.key,
        "value": machine_tags.c.value,
    }
    if name in columns:
        return match(columns[name], values, dialect)
    if name == "resource-type":
        return true() if matches("instance", values) else false()
    raise invalid_filter(name)


def template_filter(name: str, values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    if name == "launch-template-name":
        return match(launch_templates.c.name, values, dialect)
    raise invalid_filter(name)


def version_filter(name: str, values: Sequence[str]) -> ColumnElement[bool]:
    if name == "is-default-version":
        is_default = launch_template_versions.c.version == launch_templates.c.default_version
        wanted = {v.lower() for v in values}
        return or_(
            false(),
            *([is_default] if "true" in wanted else []),
            *([~is_default] if "false" in wanted else []),
        )
    raise invalid_filter(name)


GATEWAY_FILTERS: dict[str, Reader] = {
    **members(internet_gateway_id="InternetGatewayId", owner_id="OwnerId"),
    "attachment.vpc-id": lambda g: [a["VpcId"] for a in g["Attachments"]],
    "attachment.state": lambda g: [a["State"] for a in g["Attachments"]],
}
ROUTE_TABLE_FILTERS: dict[str, Reader] = {
    **members(route_table_id="RouteTableId", vpc_id="VpcId", owner_id="OwnerId"),
    "association.main": lambda t: ["true" if a["Main"] else "false" for a in t["Associations"]],
    "association.route-table-association-id": lambda t: [
        a["RouteTableAssociationId"] for a in t["Associations"]
    ],
}
RULE_FILTERS: dict[str, Reader] = {
    **members(group_id="GroupId", security_group_rule_id="SecurityGroupRuleId"),
}
