"""EC2's rows and catalogue entries out as model dicts, in botocore's member names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from tidewater.cloud.ports import Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.ec2.state import GONE, STATE_CODES
from tidewater.cloud.sim.images import CATALOGUE as IMAGES
from tidewater.cloud.sim.images import Image
from tidewater.cloud.sim.instance_types import InstanceKind, instance_kind
from tidewater.domain.scope import Scope

Output = dict[str, Any]

AMAZON_OWNERS = ("137112412989", "801119661308")


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
    platform = image.platform if image else attributes.get("platform", "Linux/UNIX")
    windows = platform == "Windows"
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
        "Architecture": image.architecture if image else attributes.get("architecture", "x86_64"),
        "ClientToken": attributes.get("client_token", row.client_token or ""),
        "EbsOptimized": bool(attributes.get("ebs_optimized")),
        "EnaSupport": True,
        "Hypervisor": "xen",
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "SourceDestCheck": bool(attributes.get("source_dest_check", True)),
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


def reservations(
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


def changes(
    ids: Sequence[str], before: Mapping[str, str], after: Mapping[str, str]
) -> list[Output]:
    return [
        {"InstanceId": i, "CurrentState": _state(after[i]), "PreviousState": _state(before[i])}
        for i in ids
    ]


def template_out(row: Row[Any]) -> Output:
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


def version_out(
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


def zone_out(scope: Scope, zone: str) -> Output:
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


def vpc_out(scope: Scope) -> Output:
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


def subnet_out(scope: Scope, index: int, subnet: Subnet) -> Output:
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


def default_group_out(scope: Scope, vpc_id: str) -> Output:
    """A VPC's default group as computed: its members reach each other, anything goes out."""
    group = network.default_group_id(scope, vpc_id)
    return {
        "Description": "default VPC security group",
        "GroupName": "default",
        "GroupId": group,
        "OwnerId": scope.account,
        "VpcId": vpc_id,
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


def stored_group_out(scope: Scope, row: Row[Any]) -> Output:
    out: Output = {
        "Description": row.description,
        "GroupName": row.name,
        "GroupId": row.id,
        "OwnerId": scope.account,
        "VpcId": row.vpc_id,
        "SecurityGroupArn": f"arn:aws:ec2:{scope.region}:{scope.account}:security-group/{row.id}",
        "IpPermissions": _permissions(scope, row.ingress or []),
        "IpPermissionsEgress": _permissions(scope, row.egress or []),
    }
    return {**out, "Tags": list(row.tags)} if row.tags else out


def _permissions(scope: Scope, rules: Sequence[Mapping[str, Any]]) -> list[Output]:
    """Rules of one protocol and port range gathered into one permission, as EC2 shows them."""
    grouped: dict[tuple[Any, Any, Any], Output] = {}
    for rule in rules:
        key = (rule["protocol"], rule.get("from"), rule.get("to"))
        if key not in grouped:
            grouped[key] = {
                "IpProtocol": rule["protocol"],
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
            if rule.get("from") is not None:
                grouped[key].update(FromPort=rule["from"], ToPort=rule["to"])
        permission = grouped[key]
        text = {"Description": rule["description"]} if rule.get("description") else {}
        if rule.get("cidr"):
            permission["IpRanges"].append({"CidrIp": rule["cidr"], **text})
        if rule.get("cidr6"):
            permission["Ipv6Ranges"].append({"CidrIpv6": rule["cidr6"], **text})
        if rule.get("group"):
            pair = {"GroupId": rule["group"], "UserId": scope.account, **text}
            permission["UserIdGroupPairs"].append(pair)
        if rule.get("prefix"):
            permission["PrefixListIds"].append({"PrefixListId": rule["prefix"], **text})
    return list(grouped.values())


def group_rule_out(scope: Scope, group_id: str, rule: Mapping[str, Any], egress: bool) -> Output:
    out: Output = {
        "SecurityGroupRuleId": rule["id"],
        "GroupId": group_id,
        "GroupOwnerId": scope.account,
        "IsEgress": egress,
        "IpProtocol": rule["protocol"],
        "FromPort": -1 if rule.get("from") is None else rule["from"],
        "ToPort": -1 if rule.get("to") is None else rule["to"],
        "SecurityGroupRuleArn": (
            f"arn:aws:ec2:{scope.region}:{scope.account}:security-group-rule/{rule['id']}"
        ),
        "Tags": [],
    }
    if rule.get("cidr"):
        out["CidrIpv4"] = rule["cidr"]
    if rule.get("cidr6"):
        out["CidrIpv6"] = rule["cidr6"]
    if rule.get("group"):
        out["ReferencedGroupInfo"] = {"GroupId": rule["group"], "UserId": scope.account}
    if rule.get("prefix"):
        out["PrefixListId"] = rule["prefix"]
    if rule.get("description"):
        out["Description"] = rule["description"]
    return out


def image_alias(image: Image) -> str | None:
    return "amazon" if image.owner in AMAZON_OWNERS else None


def image_out(image: Image) -> Output:
    windows = image.platform == "Windows"
    alias = image_alias(image)
    out: Output = {
        "Architecture": image.architecture,
        "CreationDate": image.creation_date,
        "ImageId": image.id,
        "ImageLocation": f"{alias or image.owner}/{image.name}",
        "ImageType": "machine",
        "Public": image.public,
        "OwnerId": image.owner,
        "State": image.state,
        "PlatformDetails": "Windows" if windows else "Linux/UNIX",
        "UsageOperation": "RunInstances:0002" if windows else "RunInstances",
        "BlockDeviceMappings": list(image.block_devices)
        or [root_volume(image.id, image.root_device_name, windows)],
        "Description": image.description,
        "EnaSupport": True,
        "Hypervisor": "xen",
        "Name": image.name,
        "RootDeviceName": image.root_device_name,
        "RootDeviceType": "ebs",
        "SriovNetSupport": "simple",
        "VirtualizationType": image.virtualization_type,
    }
    if alias:
        out["ImageOwnerAlias"] = alias
    if windows:
        out["Platform"] = "windows"
    if image.tags:
        out["Tags"] = [{"Key": k, "Value": v} for k, v in image.tags]
    return out


def root_volume(image_id: str, device: str, windows: bool = False) -> Output:
    """The one EBS volume an image without stated block devices answers with."""
    return {
        "DeviceName": device,
        "Ebs": {
            "DeleteOnTermination": True,
            "SnapshotId": snapshot_id(image_id),
            "VolumeSize": 30 if windows else 8,
            "VolumeType": "gp2",
            "Encrypted": False,
        },
    }


def snapshot_id(image_id: str, device: str = "snap") -> str:
    return "snap-" + network.hex_id(image_id, device)


def instance_type_out(kind: InstanceKind) -> Output:
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


# -- stored networks ------------------------------------------------------------------------------


def stored_vpc_out(scope: Scope, row: Row[Any]) -> Output:
    """A user's VPC in the default VPC's shape; its DHCP options are the region's (inferred)."""
    return {
        **vpc_out(scope),
        "CidrBlock": row.cidr,
        "VpcId": row.id,
        "InstanceTenancy": row.tenancy,
        "IsDefault": False,
        "Tags": list(row.tags or []),
        "CidrBlockAssociationSet": [
            {
                "AssociationId": "vpc-cidr-assoc-" + network.hex_id(row.id, "cidr"),
                "CidrBlock": row.cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
    }


def stored_subnet_out(scope: Scope, row: Row[Any]) -> Output:
    size = 2 ** (32 - int(row.cidr.split("/")[1]))
    attributes = row.attributes or {}
    return {
        **subnet_out(scope, 0, Subnet(row.id, row.zone, row.vpc_id)),
        "AvailableIpAddressCount": size - 5,  # EC2 keeps five addresses of every subnet
        "CidrBlock": row.cidr,
        "DefaultForAz": False,
        "MapPublicIpOnLaunch": bool(attributes.get("MapPublicIpOnLaunch", False)),
        "Tags": list(row.tags or []),
    }


def vpc_attribute_value(row: Row[Any] | None, name: str) -> bool:
    """The default VPC resolves names and gives hostnames; a new VPC only resolves (EC2's
    defaults)."""
    if row is None:
        return True
    defaults = {"EnableDnsSupport": True, "EnableDnsHostnames": False}
    return bool((row.attributes or {}).get(name, defaults.get(name, False)))


def gateway_out(scope: Scope, row: Row[Any]) -> Output:
    attachments = [{"State": "available", "VpcId": row.vpc_id}] if row.vpc_id else []
    return {
        "Attachments": attachments,
        "InternetGatewayId": row.id,
        "OwnerId": scope.account,
        "Tags": list(row.tags or []),
    }


def main_route_table_out(scope: Scope, vpc_id: str, cidr: str) -> Output:
    """A VPC's main route table, computed: only the local route, since the sim offers no
    CreateRoute to add another."""
    table_id = "rtb-" + network.hex_id(vpc_id, "rtb")
    routes: list[Output] = [
        {
            "DestinationCidrBlock": cidr,
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
    ]
    return {
        "Associations": [
            {
                "Main": True,
                "RouteTableAssociationId": "rtbassoc-" + network.hex_id(vpc_id, "rtbassoc"),
                "RouteTableId": table_id,
                "AssociationState": {"State": "associated"},
            }
        ],
        "PropagatingVgws": [],
        "RouteTableId": table_id,
        "Routes": routes,
        "Tags": [],
        "VpcId": vpc_id,
        "OwnerId": scope.account,
    }


def key_pair_out(row: Row[Any]) -> Output:
    out: Output = {
        "KeyPairId": row.id,
        "KeyFingerprint": row.fingerprint,
        "KeyName": row.name,
        "KeyType": row.key_type,
        "CreateTime": row.created_at,
    }
    return {**out, "Tags": list(row.tags)} if row.tags else out
