"""ECS's rows and catalogues out in ECS's JSON wire shapes, without the RequestId."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Row

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ecs.faults import EcsFault
from tidewater.cloud.sim.ecs_types import TYPES, EcsType, ecs_type, family_of
from tidewater.cloud.sim.images import CATALOGUE as IMAGES
from tidewater.cloud.sim.images import Image
from tidewater.cloud.sim.kit import times
from tidewater.cloud.sim.kit.ids import resource_group
from tidewater.domain.scope import Scope

Output = dict[str, Any]

POSTPAID_EXPIRY = "2099-12-31T15:59Z"  # what ECS reports as a pay-as-you-go instance's expiry

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


def tag_list(tags: Mapping[str, str]) -> Output:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}


def serial(instance_id: str) -> str:
    return str(uuid.UUID(hex=network.hex_id(instance_id, "serial", length=32)))


def mac(instance_id: str) -> str:
    digest = network.hex_id(instance_id, "mac", length=6)
    return "00:16:3e:" + ":".join(digest[i : i + 2] for i in (0, 2, 4))


def image_of(image_id: str, scope: Scope) -> Image | None:
    return IMAGES[scope.cloud].get(image_id)


def image_size(image: Image) -> int:
    match = re.search(r"_([0-9]+)G_", image.id)
    return int(match.group(1)) if match else 20


def instance_out(scope: Scope, row: Row[Any], tags: Mapping[str, str], status: str) -> Output:
    """One instance in DescribeInstances' shape; engine-made machines get ECS's defaults."""
    attributes = row.attributes or {}
    kind: EcsType | None = ecs_type(row.instance_type)
    image = image_of(row.image_id, scope)
    charge = attributes.get("charge_type", "PostPaid")
    public_ip = attributes.get("public_ip")
    started = attributes.get("started_at")
    if started is None:
        started = "" if attributes.get("created_stopped") else times.minute(row.launched_at)
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
        "CreationTime": times.minute(row.launched_at),
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
        "SerialNumber": serial(row.id),
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
                    "MacAddress": mac(row.id),
                    "PrimaryIpAddress": row.private_ip,
                    "PrivateIpSets": {
                        "PrivateIpSet": [{"PrivateIpAddress": row.private_ip, "Primary": True}]
                    },
                }
            ]
        },
        "OperationLocks": {"LockReason": []},
        "Tags": tag_list(tags),
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


def responses(results: Iterable[tuple[str, str, EcsFault | None]], current: str) -> Output:
    answers = []
    for instance_id, before, fault in results:
        if fault is None:
            code, message, now = "200", "success", current
        else:
            code, message, now = fault.code, fault.message, before
        answers.append(
            {
                "Code": code,
                "Message": message,
                "InstanceId": instance_id,
                "PreviousStatus": before,
                "CurrentStatus": now,
            }
        )
    return {"InstanceResponses": {"InstanceResponse": answers}}


def region_names(region: str) -> tuple[str, str]:
    for region_id, chinese, english in REGIONS:
        if region_id == region:
            return chinese, english
    return region, region


def region_out(region: tuple[str, str, str], language: str) -> Output:
    region_id, chinese, english = region
    return {
        "RegionId": region_id,
        "LocalName": chinese if language == "zh-CN" else english,
        "RegionEndpoint": f"ecs.{region_id}.aliyuncs.com",
        "Status": "available",
    }


def zone_out(scope: Scope, zone: str, language: str, verbose: bool) -> Output:
    chinese, english = region_names(scope.region)
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


def image_out(image: Image, in_use: bool) -> Output:
    size = image_size(image)
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


def type_out(kind: EcsType) -> Output:
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


def group_out(scope: Scope, group: Any, instances: int) -> Output:
    """One security group in DescribeSecurityGroups' shape."""
    return {
        "SecurityGroupId": group.id,
        "SecurityGroupName": group.name,
        "Description": group.description,
        "VpcId": group.vpc_id,
        "SecurityGroupType": "normal",
        "CreationTime": times.second(group.created_at),
        "EcsCount": instances,
        "AvailableInstanceAmount": 2000 - instances,
        "ResourceGroupId": resource_group(scope),
        "ServiceManaged": False,
        "Tags": {"Tag": []},
    }


def permission_out(rule: Mapping[str, Any]) -> Output:
    return {
        "Direction": "ingress",
        "IpProtocol": rule["protocol"],
        "PortRange": rule["ports"],
        "SourceCidrIp": rule.get("source") or "",
        "SourceGroupId": rule.get("source_group") or "",
        "Policy": rule.get("policy", "Accept"),
        "Priority": rule.get("priority", "1"),
        "NicType": rule.get("nic_type", "intranet"),
        "Description": rule.get("description", ""),
    }
