"""ESS (Auto Scaling) request specs for API 2014-08-28 and 2022-02-22, and response shaping.

``parse(action, version, params)`` turns the flat wire parameters of either API version into
one dict keyed by the **2022-02-22 names**, so that each handler is written once:

* repeated parameters become lists, ordered by their index: 2014 ``InstanceId.N`` and 2022
  ``InstanceIds.N`` both give ``"InstanceIds"``; 2014 ``Tag.N.Key`` / 2022 ``Tags.N.Key`` give
  ``"Tags": [{"Key": ...}]``; nested lists nest (``VServerGroups[].VServerGroupAttributes[]``);
* dotted structs become dicts (``CapacityOptions.OnDemandBaseCapacity``, ``SystemDisk.Category``);
* booleans (``True``/``False``/``true``/``false``, any case) become ``bool``; integers ``int``;
  floats ``float``;
* JSON-string parameters are parsed: ``LifecycleHookContext``, ``Overrides``,
  ``SchedulerOptions`` and CreateScalingConfiguration ``Tags`` (objects), CreateScalingGroup
  ``LoadBalancerIds`` / ``DBInstanceIds`` (arrays of IDs);
* unknown parameters are ignored.

The tables were derived from the SDKs (``aliyunsdkess.request.v20140828`` setters for the 2014
wire names, ``alibabacloud_ess20220222`` request models and ``Client.*_with_options`` for the
2022 names, types and JSON "shrink" parameters); ranges, enumerations and list limits come from
the 2014 API reference and the 2022 model docstrings.

Errors (texts from shared/reference/aliyun-error-codes.md Part A/B):

* a required parameter absent (or empty) -> 400 ``MissingParameter``
  ``The input parameter "<Name>" that is mandatory for processing this request is not
  supplied.`` (the documented form, with the quoted name ESS's own
  ``TemplateMissingParameter.*`` messages use);
* malformed number/boolean/JSON, a value outside its enumeration or range, or a list longer
  than its documented N -> 400 ``InvalidParameter``
  ``The specified value of parameter "<Name>" is not valid.`` (the quoted ESS form);
* CreateScalingGroup/ModifyScalingGroup size conflicts -> 400 ``InvalidParameter.Conflict``
  ``The value of parameter MinSize and parameter MaxSize are conflict.`` (ModifyScalingGroup's
  documented text says ``confilict``); DesiredCapacity outside the request's own bounds gives
  ``The value of parameter DesiredCapacity and parameter MinSize|MaxSize are conflict.``
  (inferred: the docs keep the ``<parameter name>`` placeholders);
* CreateScalingRule: AdjustmentType is required for Simple/Step rules, AdjustmentValue for
  Simple rules, TargetValue (> 0) for TargetTracking/Predictive rules; AdjustmentValue is bounded
  by AdjustmentType (-1000..1000, -100..10000, 0..2000) there and in ScaleWithAdjustment;
* an action without a spec -> 404 ``InvalidAction.NotFound`` ``Specified api is not found,
  please check your url and method.``; a version other than the two -> 400 ``NoSuchVersion``
  ``The specified version does not exist.``

``<Name>`` is the parameter's name on the wire of the request's version, with ``.N`` standing
for a list index (``InstanceId.N`` for 2014, ``InstanceIds.N`` for 2022,
``LifecycleHook.N.LifecycleTransition``), as the ESS docs write repeated parameters.

``aliyun-python-sdk-core`` sends a Python ``None`` as the text ``None`` (its RepeatList and
Struct setters emit every sub-key, e.g. ``Tag.1.Propagate=None``): for 2014-08-28 the value
``None`` is treated as absent inside structs and lists and for non-string parameters. An empty
value is kept for an optional free-text string and means "not supplied" everywhere else.
CreateScalingGroup ``LoadBalancerIds``/``DBInstanceIds`` not starting with ``[`` are read as a
comma-separated list (older docs describe them that way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

import orjson

from tidewater.dialects.aliyun.errors import AliyunError

__all__ = [
    "ACTIONS",
    "LIST_WRAPPERS",
    "V2014",
    "V2022",
    "VERSIONS",
    "Kind",
    "Param",
    "conflict",
    "invalid_parameter",
    "known",
    "missing_parameter",
    "param_label",
    "parse",
    "shape",
    "spec",
]

V2014: Final = "2014-08-28"
V2022: Final = "2022-02-22"
VERSIONS: Final = (V2014, V2022)


# --------------------------------------------------------------------------------------------
# Error texts


def missing_parameter(name: str) -> AliyunError:
    """400 MissingParameter in the documented form (quoted name)."""
    return AliyunError(
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        "supplied.",
        400,
    )


def invalid_parameter(name: str) -> AliyunError:
    """400 InvalidParameter in ESS's quoted form (CreateScalingGroup ScalingPolicy row)."""
    return AliyunError(
        "InvalidParameter", f'The specified value of parameter "{name}" is not valid.', 400
    )


def conflict(action: str, first: str, second: str) -> AliyunError:
    """400 InvalidParameter.Conflict; ModifyScalingGroup's documented text spells confilict."""
    word = "confilict" if action == "ModifyScalingGroup" else "conflict"
    return AliyunError(
        "InvalidParameter.Conflict",
        f"The value of parameter {first} and parameter {second} are {word}.",
        400,
    )


def _unknown_action() -> AliyunError:
    return AliyunError(
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
        404,
    )


def _no_such_version() -> AliyunError:
    return AliyunError("NoSuchVersion", "The specified version does not exist.", 400)


# --------------------------------------------------------------------------------------------
# Declarative parameter specs


class Kind(Enum):
    STR = "str"
    INT = "int"  # Java Integer (32-bit)
    LONG = "long"  # Java Long (64-bit)
    FLOAT = "float"
    BOOL = "bool"
    JSON = "json"  # a JSON document in a string parameter
    LIST = "list"  # Name.N...
    STRUCT = "struct"  # Name.Field...


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter under its 2022-02-22 name; ``old`` is its 2014 wire name."""

    name: str
    kind: Kind
    old: str | None = None
    required: bool = False
    choices: frozenset[str] | None = None
    lo: float | None = None
    hi: float | None = None
    max_items: int | None = None
    item: Param | None = None
    fields: tuple[Param, ...] = ()
    json: str | None = None  # "array" (of strings) or "object"


def _s(
    name: str, *, choices: tuple[str, ...] | None = None, old: str | None = None, req: bool = False
) -> Param:
    return Param(name, Kind.STR, old, req, frozenset(choices) if choices is not None else None)


def _i(
    name: str,
    *,
    lo: int | None = None,
    hi: int | None = None,
    old: str | None = None,
    req: bool = False,
) -> Param:
    return Param(name, Kind.INT, old, req, lo=lo, hi=hi)


def _l(
    name: str,
    *,
    lo: int | None = None,
    hi: int | None = None,
    old: str | None = None,
    req: bool = False,
) -> Param:
    return Param(name, Kind.LONG, old, req, lo=lo, hi=hi)


def _f(
    name: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    old: str | None = None,
    req: bool = False,
) -> Param:
    return Param(name, Kind.FLOAT, old, req, lo=lo, hi=hi)


def _b(name: str, *, old: str | None = None, req: bool = False) -> Param:
    return Param(name, Kind.BOOL, old, req)


def _j(name: str, json: str, *, old: str | None = None, req: bool = False) -> Param:
    return Param(name, Kind.JSON, old, req, json=json)


def _ls(
    name: str,
    *,
    item: Param,
    old: str | None = None,
    req: bool = False,
    max_items: int | None = None,
) -> Param:
    return Param(name, Kind.LIST, old, req, max_items=max_items, item=item)


def _lt(
    name: str,
    *,
    fields: tuple[Param, ...],
    old: str | None = None,
    req: bool = False,
    max_items: int | None = None,
) -> Param:
    return Param(
        name, Kind.LIST, old, req, max_items=max_items, item=Param("", Kind.STRUCT, fields=fields)
    )


def _t(name: str, *, fields: tuple[Param, ...], old: str | None = None) -> Param:
    return Param(name, Kind.STRUCT, old, fields=fields)


# Generated from the SDKs (see the module docstring), then reviewed; every action lists its
# parameters alphabetically under their 2022-02-22 names. OwnerId, OwnerAccount,
# ResourceOwnerId and ResourceOwnerAccount (RAM plumbing) are left out.
_SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "CreateScalingGroup": (
        _lt(
            "AlbServerGroups",
            old="AlbServerGroup",
            fields=(
                _s("AlbServerGroupId"),
                _i("Port", lo=1, hi=65535),
                _i("Weight", lo=0, hi=100),
            ),
        ),
        _s("AllocationStrategy", choices=("priority", "lowestPrice")),
        _b("AutoRebalance"),
        _b("AzBalance"),
        _s("BalanceMode", choices=("BalancedBestEffort", "BalancedOnly")),
        _t(
            "CapacityOptions",
            fields=(
                _b("CompensateWithOnDemand"),
                _i("OnDemandBaseCapacity", lo=0, hi=1000),
                _i("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
                _s("PriceComparisonMode"),
                _b("SpotAutoReplaceOnDemand"),
            ),
        ),
        _s("ClientToken"),
        _b("CompensateWithOnDemand"),
        _s("ContainerGroupId"),
        _s("CustomPolicyARN"),
        _j("DBInstanceIds", "array"),
        _lt(
            "DBInstances",
            old="DBInstance",
            fields=(
                _s("AttachMode"),
                _s("DBInstanceId"),
                _s("Type"),
            ),
        ),
        _i("DefaultCooldown", lo=0, hi=86400),
        _i("DesiredCapacity", lo=0),
        _b("GroupDeletionProtection"),
        _s("GroupType", choices=("ECS", "ECI")),
        _s("HealthCheckType", choices=("NONE", "ECS", "LOAD_BALANCER")),
        _ls("HealthCheckTypes", item=_s("", choices=("NONE", "ECS", "LOAD_BALANCER"))),
        _s("InstanceId"),
        _s("LaunchTemplateId"),
        _lt(
            "LaunchTemplateOverrides",
            old="LaunchTemplateOverride",
            fields=(
                _s("InstanceType"),
                _f("SpotPriceLimit"),
                _i("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        _s("LaunchTemplateVersion"),
        _lt(
            "LifecycleHooks",
            old="LifecycleHook",
            fields=(
                _s("DefaultResult", choices=("CONTINUE", "ABANDON")),
                _i("HeartbeatTimeout", lo=30, hi=21600),
                _s("LifecycleHookName"),
                _s("LifecycleTransition", choices=("SCALE_OUT", "SCALE_IN"), req=True),
                _s("NotificationArn"),
                _s("NotificationMetadata"),
            ),
        ),
        _lt(
            "LoadBalancerConfigs",
            old="LoadBalancerConfig",
            fields=(
                _s("LoadBalancerId"),
                _i("Weight", lo=0, hi=100),
            ),
        ),
        _j("LoadBalancerIds", "array"),
        _i("MaxInstanceLifetime"),
        _i("MaxSize", lo=0, req=True),
        _i("MinSize", lo=0, req=True),
        _s("MultiAZPolicy", choices=("PRIORITY", "COST_OPTIMIZED", "BALANCE", "COMPOSABLE")),
        _i("OnDemandBaseCapacity", lo=0, hi=1000),
        _i("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
        _s("RegionId"),
        _ls(
            "RemovalPolicies",
            old="RemovalPolicy",
            max_items=3,
            item=_s(
                "",
                choices=(
                    "OldestInstance",
                    "NewestInstance",
                    "OldestScalingConfiguration",
                    "CustomPolicy",
                ),
            ),
        ),
        _s("ResourceGroupId"),
        _s("ScalingGroupName"),
        _s("ScalingPolicy", choices=("release", "recycle", "forcerelease", "forcerecycle")),
        _lt(
            "ServerGroups",
            old="ServerGroup",
            fields=(
                _i("Port", lo=1, hi=65535),
                _s("ServerGroupId"),
                _s("Type"),
                _i("Weight", lo=0, hi=100),
            ),
        ),
        _s("SpotAllocationStrategy", choices=("priority", "lowestPrice")),
        _i("SpotInstancePools", lo=1, hi=10),
        _b("SpotInstanceRemedy"),
        _i("StopInstanceTimeout", lo=30, hi=240),
        _b("SyncAlarmRuleToCms"),
        _lt(
            "Tags",
            old="Tag",
            fields=(
                _s("Key"),
                _b("Propagate"),
                _s("Value"),
            ),
        ),
        _lt(
            "VServerGroups",
            old="VServerGroup",
            fields=(
                _s("LoadBalancerId"),
                _lt(
                    "VServerGroupAttributes",
                    old="VServerGroupAttribute",
                    fields=(
                        _i("Port", lo=1, hi=65535),
                        _s("VServerGroupId"),
                        _i("Weight", lo=0, hi=100),
                    ),
                ),
            ),
        ),
        _s("VSwitchId"),
        _ls("VSwitchIds", item=_s("")),
    ),
    "ModifyScalingGroup": (
        _s("ActiveScalingConfigurationId"),
        _s("AllocationStrategy", choices=("priority", "lowestPrice")),
        _b("AutoRebalance"),
        _b("AzBalance"),
        _s("BalanceMode", choices=("BalancedBestEffort", "BalancedOnly")),
        _t(
            "CapacityOptions",
            fields=(
                _b("CompensateWithOnDemand"),
                _i("OnDemandBaseCapacity", lo=0, hi=1000),
                _i("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
                _s("PriceComparisonMode"),
                _b("SpotAutoReplaceOnDemand"),
            ),
        ),
        _b("CompensateWithOnDemand"),
        _s("CustomPolicyARN"),
        _i("DefaultCooldown", lo=0, hi=86400),
        _i("DesiredCapacity", lo=0),
        _b("DisableDesiredCapacity"),
        _b("GroupDeletionProtection"),
        _s("HealthCheckType", choices=("NONE", "ECS", "LOAD_BALANCER")),
        _ls("HealthCheckTypes", item=_s("", choices=("NONE", "ECS", "LOAD_BALANCER"))),
        _s("LaunchTemplateId"),
        _lt(
            "LaunchTemplateOverrides",
            old="LaunchTemplateOverride",
            fields=(
                _s("InstanceType"),
                _f("SpotPriceLimit"),
                _i("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        _s("LaunchTemplateVersion"),
        _i("MaxInstanceLifetime"),
        _i("MaxSize", lo=0),
        _i("MinSize", lo=0),
        _s("MultiAZPolicy", choices=("PRIORITY", "COST_OPTIMIZED", "BALANCE", "COMPOSABLE")),
        _i("OnDemandBaseCapacity", lo=0, hi=1000),
        _i("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
        _s("RegionId"),
        _ls(
            "RemovalPolicies",
            old="RemovalPolicy",
            max_items=3,
            item=_s(
                "",
                choices=(
                    "OldestInstance",
                    "NewestInstance",
                    "OldestScalingConfiguration",
                    "CustomPolicy",
                ),
            ),
        ),
        _s("ScalingGroupId", req=True),
        _s("ScalingGroupName"),
        _s("ScalingPolicy", choices=("release", "recycle", "forcerelease", "forcerecycle")),
        _s("SpotAllocationStrategy", choices=("priority", "lowestPrice")),
        _i("SpotInstancePools", lo=0, hi=10),
        _b("SpotInstanceRemedy"),
        _i("StopInstanceTimeout", lo=30, hi=240),
        _ls("VSwitchIds", item=_s("")),
    ),
    "DescribeScalingGroups": (
        _s("GroupType"),
        _i("PageNumber", lo=1),
        _i("PageSize", lo=1, hi=50),
        _s("RegionId"),
        _s("ResourceGroupId"),
        _ls("ScalingGroupIds", old="ScalingGroupId", max_items=20, item=_s("")),
        _s("ScalingGroupName"),
        _ls("ScalingGroupNames", old="ScalingGroupName", max_items=20, item=_s("")),
        _lt(
            "Tags",
            old="Tag",
            fields=(
                _s("Key"),
                _s("Value"),
            ),
        ),
    ),
    "DeleteScalingGroup": (
        _b("ForceDelete"),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "EnableScalingGroup": (
        _s("ActiveScalingConfigurationId"),
        _ls("InstanceIds", old="InstanceId", max_items=20, item=_s("")),
        _s("LaunchTemplateId"),
        _lt(
            "LaunchTemplateOverrides",
            old="LaunchTemplateOverride",
            fields=(
                _s("InstanceType"),
                _i("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        _s("LaunchTemplateVersion"),
        _ls(
            "LoadBalancerWeights", old="LoadBalancerWeight", max_items=20, item=_i("", lo=1, hi=100)
        ),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "DisableScalingGroup": (
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "SetGroupDeletionProtection": (
        _b("GroupDeletionProtection", req=True),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "CreateScalingConfiguration": (
        _s("Affinity"),
        _s("ClientToken"),
        _i("Cpu"),
        _s("CreditSpecification"),
        _lt(
            "CustomPriorities",
            fields=(
                _s("InstanceType"),
                _s("VswitchId"),
            ),
        ),
        _lt(
            "DataDisks",
            old="DataDisk",
            fields=(
                _s("AutoSnapshotPolicyId"),
                _b("BurstingEnabled"),
                _ls("Categories", item=_s("")),
                _s("Category"),
                _b("DeleteWithInstance"),
                _s("Description"),
                _s("Device"),
                _s("DiskName"),
                _s("Encrypted"),
                _s("KMSKeyId"),
                _s("PerformanceLevel"),
                _i("ProvisionedIops"),
                _i("Size"),
                _s("SnapshotId"),
            ),
        ),
        _s("DedicatedHostClusterId"),
        _s("DedicatedHostId"),
        _b("DeletionProtection"),
        _s("DeploymentSetId"),
        _s("HostName"),
        _s("HpcClusterId"),
        _s("HttpEndpoint"),
        _s("HttpTokens"),
        _s("ImageFamily"),
        _s("ImageId"),
        _s("ImageName"),
        _t("ImageOptions", fields=(_b("LoginAsNonRoot"),)),
        _s("InstanceDescription"),
        _s("InstanceName"),
        _lt(
            "InstancePatternInfos",
            old="InstancePatternInfo",
            fields=(
                _ls("Architectures", old="Architecture", item=_s("")),
                _s("BurstablePerformance"),
                _i("Cores"),
                _ls("CpuArchitectures", item=_s("")),
                _ls("ExcludedInstanceTypes", old="ExcludedInstanceType", item=_s("")),
                _ls("GpuSpecs", item=_s("")),
                _ls("InstanceCategories", item=_s("")),
                _s("InstanceFamilyLevel"),
                _ls("InstanceTypeFamilies", item=_s("")),
                _f("MaxPrice"),
                _i("MaximumCpuCoreCount"),
                _i("MaximumGpuAmount"),
                _f("MaximumMemorySize"),
                _f("Memory"),
                _i("MinimumBaselineCredit"),
                _i("MinimumCpuCoreCount"),
                _i("MinimumEniIpv6AddressQuantity"),
                _i("MinimumEniPrivateIpAddressQuantity"),
                _i("MinimumEniQuantity"),
                _i("MinimumGpuAmount"),
                _i("MinimumInitialCredit"),
                _f("MinimumMemorySize"),
                _ls("PhysicalProcessorModels", item=_s("")),
            ),
        ),
        _s("InstanceType"),
        _t(
            "InstanceTypeCandidateOptions",
            fields=(
                _ls("AllowCidrBlocks", item=_s("")),
                _b("AllowCrossAz"),
                _b("AllowDifferentGeneration"),
                _b("Enabled"),
                _f("MaxPrice"),
            ),
        ),
        _lt(
            "InstanceTypeOverrides",
            old="InstanceTypeOverride",
            fields=(
                _s("InstanceType"),
                _i("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        _ls("InstanceTypes", item=_s("")),
        _s("InternetChargeType"),
        _i("InternetMaxBandwidthIn"),
        _i("InternetMaxBandwidthOut"),
        _s("IoOptimized"),
        _i("Ipv6AddressCount"),
        _s("KeyPairName"),
        _i("LoadBalancerWeight", lo=1, hi=100),
        _i("Memory"),
        _lt(
            "NetworkInterfaces",
            fields=(
                _s("InstanceType"),
                _i("Ipv6AddressCount"),
                _s("NetworkInterfaceTrafficMode"),
                _i("SecondaryPrivateIpAddressCount"),
                _ls("SecurityGroupIds", item=_s("")),
            ),
        ),
        _s("Password"),
        _b("PasswordInherit"),
        _t(
            "PrivatePoolOptions",
            fields=(
                _s("Id"),
                _s("MatchCriteria"),
            ),
        ),
        _s("RamRoleName"),
        _s("RegionId"),
        _s("ResourceGroupId"),
        _t(
            "ResourcePoolOptions",
            fields=(
                _ls("PrivatePoolIds", item=_s("")),
                _lt(
                    "PrivatePoolTags",
                    fields=(
                        _s("Key"),
                        _s("Value"),
                    ),
                ),
                _s("Strategy"),
            ),
        ),
        _s("ScalingConfigurationName"),
        _s("ScalingGroupId", req=True),
        _j("SchedulerOptions", "object"),
        _s("SecurityEnhancementStrategy"),
        _s("SecurityGroupId"),
        _ls("SecurityGroupIds", item=_s("")),
        _t("SecurityOptions", fields=(_s("ConfidentialComputingMode"),)),
        _i("SpotDuration", lo=0, hi=6),
        _s("SpotInterruptionBehavior"),
        _lt(
            "SpotPriceLimits",
            old="SpotPriceLimit",
            fields=(
                _s("InstanceType"),
                _f("PriceLimit"),
            ),
        ),
        _s("SpotStrategy"),
        _s("StorageSetId"),
        _i("StorageSetPartitionNumber"),
        _t(
            "SystemDisk",
            fields=(
                _s("AutoSnapshotPolicyId"),
                _b("BurstingEnabled"),
                _s("Category"),
                _s("Description"),
                _s("DiskName"),
                _s("EncryptAlgorithm"),
                _b("Encrypted"),
                _s("KMSKeyId"),
                _s("PerformanceLevel"),
                _l("ProvisionedIops"),
                _i("Size"),
            ),
        ),
        _ls("SystemDiskCategories", item=_s("")),
        _j("Tags", "object"),
        _s("Tenancy"),
        _s("UserData"),
        _s("ZoneId"),
    ),
    "DescribeScalingConfigurations": (
        _i("PageNumber", lo=1),
        _i("PageSize", lo=1, hi=50),
        _s("RegionId"),
        _ls("ScalingConfigurationIds", old="ScalingConfigurationId", max_items=10, item=_s("")),
        _ls("ScalingConfigurationNames", old="ScalingConfigurationName", max_items=10, item=_s("")),
        _s("ScalingGroupId"),
    ),
    "DeleteScalingConfiguration": (
        _s("RegionId"),
        _s("ScalingConfigurationId", req=True),
    ),
    "AttachInstances": (
        _s("ClientToken"),
        _b("Entrusted"),
        _b("IgnoreInvalidInstance"),
        _ls("InstanceIds", old="InstanceId", max_items=20, item=_s("")),
        _b("LifecycleHook"),
        _ls(
            "LoadBalancerWeights", old="LoadBalancerWeight", max_items=20, item=_i("", lo=1, hi=100)
        ),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "DetachInstances": (
        _s("ClientToken"),
        _b("DecreaseDesiredCapacity"),
        _s("DetachOption"),
        _b("IgnoreInvalidInstance"),
        _ls("InstanceIds", old="InstanceId", req=True, max_items=20, item=_s("")),
        _b("LifecycleHook"),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "RemoveInstances": (
        _s("ClientToken"),
        _b("DecreaseDesiredCapacity"),
        _b("IgnoreInvalidInstance"),
        _ls("InstanceIds", old="InstanceId", req=True, max_items=20, item=_s("")),
        _j("LifecycleHookContext", "object"),
        _s("RegionId"),
        _s("RemovePolicy", choices=("release", "recycle")),
        _s("ScalingGroupId", req=True),
        _i("StopInstanceTimeout", lo=30, hi=240),
    ),
    "DescribeScalingInstances": (
        _s("CreationType"),
        _ls("CreationTypes", item=_s("")),
        _s("HealthStatus"),
        _ls("InstanceIds", old="InstanceId", max_items=20, item=_s("")),
        _s("LifecycleState"),
        _ls("LifecycleStates", item=_s("")),
        _i("PageNumber", lo=1),
        _i("PageSize", lo=1, hi=50),
        _s("RegionId"),
        _s("ScalingActivityId"),
        _s("ScalingConfigurationId"),
        _s("ScalingGroupId"),
    ),
    "DescribeScalingActivities": (
        _s("InstanceRefreshTaskId"),
        _i("PageNumber", lo=1),
        _i("PageSize", lo=1, hi=50),
        _s("RegionId"),
        _ls("ScalingActivityIds", old="ScalingActivityId", max_items=20, item=_s("")),
        _s("ScalingGroupId"),
        _s("StatusCode"),
    ),
    "DescribeScalingActivityDetail": (
        _s("RegionId"),
        _s("ScalingActivityId", req=True),
    ),
    "SetInstancesProtection": (
        _ls("InstanceIds", old="InstanceId", req=True, max_items=20, item=_s("")),
        _b("ProtectedFromScaleIn", req=True),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "EnterStandby": (
        _b("Async"),
        _s("ClientToken"),
        _ls("InstanceIds", old="InstanceId", req=True, max_items=20, item=_s("")),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "ExitStandby": (
        _b("Async"),
        _s("ClientToken"),
        _ls("InstanceIds", old="InstanceId", req=True, max_items=20, item=_s("")),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "CreateScalingRule": (
        _s(
            "AdjustmentType",
            choices=("QuantityChangeInCapacity", "PercentChangeInCapacity", "TotalCapacity"),
        ),
        _i("AdjustmentValue"),
        _lt(
            "AlarmDimensions",
            old="AlarmDimension",
            fields=(
                _s("DimensionKey"),
                _s("DimensionValue"),
            ),
        ),
        _t("AlarmOptions", fields=(_i("Period"),)),
        _i("Cooldown", lo=0, hi=86400),
        _b("DisableScaleIn"),
        _i("EstimatedInstanceWarmup", lo=0, hi=86400),
        _lt(
            "HybridMetrics",
            fields=(
                _lt(
                    "Dimensions",
                    fields=(
                        _s("DimensionKey"),
                        _s("DimensionValue"),
                    ),
                ),
                _s("Expression"),
                _s("Id"),
                _s("MetricName"),
                _s("Statistic"),
            ),
        ),
        _s("HybridMonitorNamespace"),
        _i("InitialMaxSize"),
        _s("MetricName"),
        _s("MetricType"),
        _i("MinAdjustmentMagnitude"),
        _s("PredictiveScalingMode"),
        _i("PredictiveTaskBufferTime", lo=0, hi=60),
        _s("PredictiveValueBehavior"),
        _i("PredictiveValueBuffer", lo=0, hi=100),
        _s("RegionId"),
        _i("ScaleInEvaluationCount"),
        _i("ScaleOutEvaluationCount"),
        _s("ScalingGroupId", req=True),
        _s("ScalingRuleName"),
        _s(
            "ScalingRuleType",
            choices=(
                "SimpleScalingRule",
                "TargetTrackingScalingRule",
                "StepScalingRule",
                "PredictiveScalingRule",
            ),
        ),
        _lt(
            "StepAdjustments",
            old="StepAdjustment",
            fields=(
                _f("MetricIntervalLowerBound"),
                _f("MetricIntervalUpperBound"),
                _i("ScalingAdjustment"),
            ),
        ),
        _f("TargetValue"),
    ),
    "DescribeScalingRules": (
        _i("PageNumber", lo=1),
        _i("PageSize", lo=1, hi=50),
        _s("RegionId"),
        _s("ScalingGroupId"),
        _ls("ScalingRuleAris", old="ScalingRuleAri", max_items=10, item=_s("")),
        _ls("ScalingRuleIds", old="ScalingRuleId", max_items=10, item=_s("")),
        _ls("ScalingRuleNames", old="ScalingRuleName", max_items=10, item=_s("")),
        _s("ScalingRuleType"),
        _b("ShowAlarmRules"),
    ),
    "ExecuteScalingRule": (
        _f("BreachThreshold"),
        _s("ClientToken"),
        _f("MetricValue"),
        _s("RegionId"),
        _s("ScalingRuleAri", req=True),
    ),
    "ScaleWithAdjustment": (
        _s("ActivityMetadata"),
        _s(
            "AdjustmentType",
            choices=("QuantityChangeInCapacity", "PercentChangeInCapacity", "TotalCapacity"),
            req=True,
        ),
        _i("AdjustmentValue", req=True),
        _s("ClientToken"),
        _s("ExecutionMode", choices=("None", "PlanOnly")),
        _j("LifecycleHookContext", "object"),
        _i("MinAdjustmentMagnitude"),
        _j("Overrides", "object"),
        _b("ParallelTask"),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
        _b("SyncActivity"),
    ),
    "DescribeRegions": (
        _s("AcceptLanguage"),
        _s("RegionId"),
    ),
    "DescribeLimitation": (_s("RegionId"),),
    "AttachLoadBalancers": (
        _b("Async"),
        _s("ClientToken"),
        _b("ForceAttach"),
        _lt(
            "LoadBalancerConfigs",
            old="LoadBalancerConfig",
            fields=(
                _s("LoadBalancerId"),
                _i("Weight", lo=0, hi=100),
            ),
        ),
        _ls("LoadBalancers", old="LoadBalancer", max_items=5, item=_s("")),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "DetachLoadBalancers": (
        _b("Async"),
        _s("ClientToken"),
        _b("ForceDetach"),
        _ls("LoadBalancers", old="LoadBalancer", req=True, max_items=5, item=_s("")),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
    ),
    "AttachDBInstances": (
        _s("AttachMode"),
        _s("ClientToken"),
        _ls("DBInstances", old="DBInstance", req=True, max_items=5, item=_s("")),
        _b("ForceAttach"),
        _s("RegionId"),
        _s("ScalingGroupId", req=True),
        _s("Type"),
    ),
    "DetachDBInstances": (
        _s("ClientToken"),
        _ls("DBInstances", old="DBInstance", req=True, max_items=5, item=_s("")),
        _b("ForceDetach"),
        _s("RegionId"),
        _b("RemoveSecurityGroup"),
        _s("ScalingGroupId", req=True),
    ),
}

ACTIONS: Final = frozenset(_SPECS)


def known(action: str) -> bool:
    """Whether ``parse`` has a spec for this ESS action."""
    return action in _SPECS


def spec(action: str) -> tuple[Param, ...]:
    """The declarative parameter list of an action (2022-02-22 names)."""
    return _SPECS[action]


# --------------------------------------------------------------------------------------------
# Compiled per-version tables


class _Node:
    """A Param compiled for one API version: its wire name, message label and child tables."""

    __slots__ = (
        "alt",
        "choices",
        "fields",
        "hi",
        "item",
        "json",
        "kind",
        "label",
        "lo",
        "max_items",
        "name",
        "required",
        "table",
        "wire",
    )

    def __init__(self, p: Param, version: str, label_prefix: str) -> None:
        self.name = p.name
        self.kind = p.kind
        self.wire = p.old if (version == V2014 and p.old) else p.name
        self.required = p.required
        self.choices = p.choices
        self.lo = p.lo
        self.hi = p.hi
        self.max_items = p.max_items
        self.json = p.json
        # An unnamed node is a list item: it shares its list's label.
        self.label = label_prefix + self.wire if self.wire else label_prefix.rstrip(".")
        if self.kind is Kind.LIST:
            self.label += ".N"
        self.alt: _Node | None = None
        self.item: _Node | None = None
        self.fields: tuple[_Node, ...] = ()
        self.table: dict[str, _Node] = {}
        if p.item is not None:
            self.item = _Node(p.item, version, self.label + ".")
        if p.fields:
            prefix = self.label + "." if self.label else ""
            self.fields = tuple(_Node(f, version, prefix) for f in p.fields)
            for f in self.fields:
                other = self.table.get(f.wire)
                if other is None:
                    self.table[f.wire] = f
                else:
                    # 2014 DescribeScalingGroups: ScalingGroupName and ScalingGroupName.N share a
                    # wire name; the path decides which one a key belongs to.
                    other.alt = f


def _compile(action: str, version: str) -> _Node:
    return _Node(Param("", Kind.STRUCT, fields=_SPECS[action]), version, "")


_TABLES: Final[dict[tuple[str, str], _Node]] = {
    (a, v): _compile(a, v) for a in _SPECS for v in VERSIONS
}


# --------------------------------------------------------------------------------------------
# Parsing

_ABSENT: Final = object()
_INT_RE: Final = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_RE: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_INT_BOUNDS: Final = {Kind.INT: (-(2**31), 2**31 - 1), Kind.LONG: (-(2**63), 2**63 - 1)}


def _place(
    node: _Node, segs: list[str], j: int, value: str, slot: dict[Any, Any], key: Any
) -> bool:
    """Store one wire value under ``slot[key]`` following ``segs[j:]``; False if it doesn't fit."""
    kind = node.kind
    if kind is Kind.LIST:
        if j >= len(segs):
            return False
        s = segs[j]
        if not (s.isascii() and s.isdigit()):
            return False
        items: dict[Any, Any] | None = slot.get(key)
        fresh = items is None
        if items is None:
            items = {}
        assert node.item is not None
        if not _place(node.item, segs, j + 1, value, items, int(s)):
            return False
        if fresh:
            slot[key] = items
        return True
    if kind is Kind.STRUCT:
        if j >= len(segs):
            return False
        sub: dict[Any, Any] | None = slot.get(key)
        fresh = sub is None
        if sub is None:
            sub = {}
        child = node.table.get(segs[j])
        while child is not None:
            if _place(child, segs, j + 1, value, sub, child):
                break
            child = child.alt
        else:
            return False
        if fresh:
            slot[key] = sub
        return True
    if j != len(segs):
        return False
    slot[key] = value
    return True


def _trivially_absent(node: _Node, raw: Any, v2014: bool, nested: bool) -> bool:
    """Empty values (and the 2014 SDK's ``None``) count as not supplied, except plain strings."""
    if type(raw) is not str:
        return False
    if raw == "":
        return node.kind is not Kind.STR or node.choices is not None
    return v2014 and raw == "None" and (nested or node.kind is not Kind.STR)


def _convert(node: _Node, raw: Any, v2014: bool, nested: bool) -> Any:
    kind = node.kind
    if kind is Kind.STRUCT:
        out: dict[str, Any] = {}
        for f in node.fields:
            r = raw.get(f, _ABSENT)
            v = _ABSENT if r is _ABSENT else _convert(f, r, v2014, True)
            if v is _ABSENT:
                if f.required:
                    raise missing_parameter(f.label)
                continue
            out[f.name] = v
        return out if out else _ABSENT
    if kind is Kind.LIST:
        n = node.max_items
        if n is not None and (len(raw) > n or max(raw) > n):
            raise invalid_parameter(node.label)
        item = node.item
        assert item is not None
        values: list[Any] = []
        for _, r in sorted(raw.items()):
            v = _convert(item, r, v2014, True)
            if v is not _ABSENT:
                values.append(v)
        return values if values else _ABSENT
    if _trivially_absent(node, raw, v2014, nested):
        return _ABSENT
    if kind is Kind.STR:
        if node.choices is not None and raw not in node.choices:
            raise invalid_parameter(node.label)
        return raw
    if kind is Kind.BOOL:
        low = raw.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        raise invalid_parameter(node.label)
    if kind is Kind.INT or kind is Kind.LONG:
        if _INT_RE.match(raw) is None:
            raise invalid_parameter(node.label)
        iv = int(raw)
        lo, hi = _INT_BOUNDS[kind]
        if (
            not lo <= iv <= hi
            or (node.lo is not None and iv < node.lo)
            or (node.hi is not None and iv > node.hi)
        ):
            raise invalid_parameter(node.label)
        return iv
    if kind is Kind.FLOAT:
        if _FLOAT_RE.match(raw) is None:
            raise invalid_parameter(node.label)
        fv = float(raw)
        if (
            fv in (float("inf"), float("-inf"))
            or (node.lo is not None and fv < node.lo)
            or (node.hi is not None and fv > node.hi)
        ):
            raise invalid_parameter(node.label)
        return fv
    # Kind.JSON
    return _json_value(node, raw)


def _json_value(node: _Node, raw: str) -> Any:
    if node.json == "array" and not raw.lstrip().startswith("["):
        # Tolerated: a bare comma-separated list of IDs (older docs describe it that way).
        ids = [p.strip() for p in raw.split(",")]
        return [p for p in ids if p]
    try:
        v = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid_parameter(node.label) from None
    if node.json == "array":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise invalid_parameter(node.label)
    elif node.json == "object" and not isinstance(v, dict):
        raise invalid_parameter(node.label)
    return v


def parse(action: str, version: str, params: Mapping[str, str]) -> dict[str, Any]:
    """Validate one call's flat parameters and return them under their 2022-02-22 names.

    Raises AliyunError: ``InvalidAction.NotFound`` (404) for an action without a spec,
    ``NoSuchVersion`` for a version other than 2014-08-28/2022-02-22, ``MissingParameter``,
    ``InvalidParameter`` and ``InvalidParameter.Conflict`` as described in the module docstring.
    """
    root = _TABLES.get((action, version))
    if root is None:
        raise _unknown_action() if action not in _SPECS else _no_such_version()
    raw: dict[Any, Any] = {}
    table = root.table
    for key, value in params.items():
        segs = key.split(".")
        node = table.get(segs[0])
        while node is not None:
            if _place(node, segs, 1, value, raw, node):
                break
            node = node.alt
    v2014 = version == V2014
    # Missing parameters are reported before malformed ones.
    for f in root.fields:
        if f.required:
            r = raw.get(f, _ABSENT)
            if r is _ABSENT or r == "" or _trivially_absent(f, r, v2014, False):
                raise missing_parameter(f.label)
    out: dict[str, Any] = {}
    for f in root.fields:
        r = raw.get(f, _ABSENT)
        if r is _ABSENT:
            continue
        v = _convert(f, r, v2014, False)
        if v is _ABSENT:
            if f.required:
                raise missing_parameter(f.label)
            continue
        out[f.name] = v
    check = _CHECKS.get(action)
    if check is not None:
        check(out, root)
    return out


def param_label(action: str, version: str, name: str) -> str:
    """How the docs of ``version`` name a top-level parameter (``InstanceId.N`` for 2014)."""
    root = _TABLES[(action, version)]
    for f in root.fields:
        if f.name == name:
            return f.label
    return name


# --------------------------------------------------------------------------------------------
# Cross-parameter checks


def _label(root: _Node, name: str) -> str:
    for f in root.fields:
        if f.name == name:
            return f.label
    return name


def _check_sizes(action: str, out: dict[str, Any]) -> None:
    lo, hi, want = out.get("MinSize"), out.get("MaxSize"), out.get("DesiredCapacity")
    if lo is not None and hi is not None and lo > hi:
        raise conflict(action, "MinSize", "MaxSize")
    if want is not None:
        if lo is not None and want < lo:
            raise conflict(action, "DesiredCapacity", "MinSize")
        if hi is not None and want > hi:
            raise conflict(action, "DesiredCapacity", "MaxSize")


# AdjustmentValue ranges by AdjustmentType (2022 docstrings of CreateScalingRule and
# ScaleWithAdjustment).
_ADJUSTMENT_RANGES: Final = {
    "QuantityChangeInCapacity": (-1000, 1000),
    "PercentChangeInCapacity": (-100, 10000),
    "TotalCapacity": (0, 2000),
}


def _check_adjustment(out: dict[str, Any], root: _Node) -> None:
    kind, value = out.get("AdjustmentType"), out.get("AdjustmentValue")
    if kind is not None and value is not None:
        lo, hi = _ADJUSTMENT_RANGES[kind]
        if not lo <= value <= hi:
            raise invalid_parameter(_label(root, "AdjustmentValue"))


def _check_create_rule(out: dict[str, Any], root: _Node) -> None:
    rule_type = out.get("ScalingRuleType", "SimpleScalingRule")
    if rule_type in ("SimpleScalingRule", "StepScalingRule") and "AdjustmentType" not in out:
        raise missing_parameter(_label(root, "AdjustmentType"))
    if rule_type == "SimpleScalingRule" and "AdjustmentValue" not in out:
        raise missing_parameter(_label(root, "AdjustmentValue"))
    if rule_type in ("TargetTrackingScalingRule", "PredictiveScalingRule"):
        target = out.get("TargetValue")
        if target is None:
            raise missing_parameter(_label(root, "TargetValue"))
        if target <= 0:
            raise invalid_parameter(_label(root, "TargetValue"))
    _check_adjustment(out, root)


_CHECKS: Final[dict[str, Callable[[dict[str, Any], _Node], None]]] = {
    "CreateScalingGroup": lambda out, root: _check_sizes("CreateScalingGroup", out),
    "ModifyScalingGroup": lambda out, root: _check_sizes("ModifyScalingGroup", out),
    "CreateScalingRule": _check_create_rule,
    "ScaleWithAdjustment": _check_adjustment,
}


# --------------------------------------------------------------------------------------------
# Response shapes

# 2014-08-28 wraps every list in an object named after its items:
# ``"ScalingGroups": {"ScalingGroup": [...]}``, ``"VSwitchIds": {"VSwitchId": [...]}``. Taken from
# the 2014-08-28 response structs of aliyun/alibaba-cloud-sdk-go (services/ess), which match the
# 2014 API reference examples; the entries marked "inferred" are 2022-only lists given the same
# singular convention. The map is per action and applies at any depth.
LIST_WRAPPERS: Final[dict[str, dict[str, str]]] = {
    "DescribeScalingGroups": {
        "ScalingGroups": "ScalingGroup",
        "RemovalPolicies": "RemovalPolicy",
        "DBInstanceIds": "DBInstanceId",
        "LoadBalancerIds": "LoadBalancerId",
        "VSwitchIds": "VSwitchId",
        "SuspendedProcesses": "SuspendedProcess",
        "HealthCheckTypes": "HealthCheckType",
        "VServerGroups": "VServerGroup",
        "VServerGroupAttributes": "VServerGroupAttribute",
        "LaunchTemplateOverrides": "LaunchTemplateOverride",
        "AlbServerGroups": "AlbServerGroup",
        "ServerGroups": "ServerGroup",
        "LoadBalancerConfigs": "LoadBalancerConfig",
        "Tags": "Tag",
        "DBInstances": "DBInstance",
        "SecurityGroupIds": "SecurityGroupId",
    },
    "DescribeScalingConfigurations": {
        "ScalingConfigurations": "ScalingConfiguration",
        "SystemDiskCategories": "SystemDiskCategory",
        "WeightedCapacities": "WeightedCapacity",
        "InstanceTypes": "InstanceType",
        "SecurityGroupIds": "SecurityGroupId",
        "PrivatePoolIds": "PrivatePoolId",
        "DataDisks": "DataDisk",
        "Categories": "Category",
        "Tags": "Tag",
        "SpotPriceLimit": "SpotPriceModel",
        "InstancePatternInfos": "InstancePatternInfo",
        "Architectures": "Architecture",
        "ExcludedInstanceTypes": "ExcludedInstanceType",
        "InstanceTypeFamilies": "InstanceTypeFamily",
        "GpuSpecs": "GpuSpec",
        "InstanceCategories": "InstanceCategory",
        "CpuArchitectures": "CpuArchitecture",
        "PhysicalProcessorModels": "PhysicalProcessorModel",
        "CustomPriorities": "CustomPriority",
        "NetworkInterfaces": "NetworkInterface",
        "AllowCidrBlocks": "AllowCidrBlock",  # inferred
        "PrivatePoolTags": "PrivatePoolTag",  # inferred
    },
    "RemoveInstances": {
        "IgnoredInstances": "IgnoredInstance",  # inferred
    },
    "DescribeScalingInstances": {
        "ScalingInstances": "ScalingInstance",
    },
    "DescribeScalingActivities": {
        "ScalingActivities": "ScalingActivity",
        "CreatedInstances": "CreatedInstance",
        "DestroyedInstances": "DestroyedInstance",
        "StartedInstances": "StartedInstance",
        "StoppedInstances": "StoppedInstance",
        "IgnoredLifecycleHookIds": "IgnoredLifecycleHookId",
        "ErrorMessages": "ErrorMessages",
        "FailedInstanceIds": "FailedInstanceIds",
    },
    "DescribeScalingRules": {
        "ScalingRules": "ScalingRule",
        "Alarms": "Alarm",
        "AlarmActions": "AlarmAction",
        "HybridMetrics": "HybridMetric",
        "Dimensions": "Dimension",
        "Expressions": "Expression",
        "StepAdjustments": "StepAdjustment",
        "AlarmDimensions": "AlarmDimension",
    },
    "ScaleWithAdjustment": {
        "ResourceAllocations": "ResourceAllocation",  # inferred
    },
    "DescribeRegions": {
        "Regions": "Region",
    },
}

# 2014-08-28 names of response fields the 2022-02-22 API renamed.
_RENAMES_2014: Final[dict[str, dict[str, str]]] = {
    "DescribeScalingConfigurations": {"SpotPriceLimits": "SpotPriceLimit"},
}


def _wrap(v: Any, wrappers: Mapping[str, str], renames: Mapping[str, str]) -> Any:
    """Copy a result, wrapping the lists ``wrappers`` names (plain dicts/lists fast-pathed)."""
    t = type(v)
    if t is list:
        return [_wrap(x, wrappers, renames) if type(x) in _CONTAINERS else x for x in v]
    if t is not dict and not isinstance(v, Mapping):
        return v
    out: dict[str, Any] = {}
    for k, x in v.items():
        if renames:
            k = renames.get(k, k)
        tx = type(x)
        if tx is list:
            x = [_wrap(y, wrappers, renames) if type(y) in _CONTAINERS else y for y in x]
            item = wrappers.get(k)
            if item is not None:
                x = {item: x}
        elif tx is dict or (tx not in _SCALARS and isinstance(x, Mapping)):
            x = _wrap(x, wrappers, renames)
        out[k] = x
    return out


_CONTAINERS: Final = frozenset({dict, list})
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def shape(action: str, version: str, result: dict[str, Any]) -> dict[str, Any]:
    """Give a handler's result (2022-02-22 shape: bare lists) the shape of ``version``.

    2022-02-22: returned unchanged. 2014-08-28: every list named in ``LIST_WRAPPERS[action]``
    is wrapped (``{"ScalingGroups": {"ScalingGroup": [...]}}``), recursively, and the fields
    2022 renamed get their 2014 names back.
    """
    if version != V2014:
        return result
    wrappers = LIST_WRAPPERS.get(action)
    renames = _RENAMES_2014.get(action, {})
    if wrappers is None and not renames:
        return result
    wrapped: dict[str, Any] = _wrap(result, wrappers or {}, renames)
    return wrapped
