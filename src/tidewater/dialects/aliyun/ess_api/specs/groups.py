"""Parameters of the scaling group actions."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    decimal,
    document,
    flag,
    integer,
    records,
    repeated,
    struct,
    text,
)
from tidewater.domain.processes import ESS

# Suspend and Resume name the same things: the group and its processes (ESS's five names)
_PROCESSES = (
    text("ClientToken"),
    repeated("Processes", old="Process", req=True, max_items=100, item=text("", choices=ESS.names)),
    text("RegionId"),
    text("ScalingGroupId", req=True),
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "CreateScalingGroup": (
        records(
            "AlbServerGroups",
            old="AlbServerGroup",
            fields=(
                text("AlbServerGroupId"),
                integer("Port", lo=1, hi=65535),
                integer("Weight", lo=0, hi=100),
            ),
        ),
        text("AllocationStrategy", choices=("priority", "lowestPrice")),
        flag("AutoRebalance"),
        flag("AzBalance"),
        text("BalanceMode", choices=("BalancedBestEffort", "BalancedOnly")),
        struct(
            "CapacityOptions",
            fields=(
                flag("CompensateWithOnDemand"),
                integer("OnDemandBaseCapacity", lo=0, hi=1000),
                integer("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
                text("PriceComparisonMode"),
                flag("SpotAutoReplaceOnDemand"),
            ),
        ),
        text("ClientToken"),
        flag("CompensateWithOnDemand"),
        text("ContainerGroupId"),
        text("CustomPolicyARN"),
        document("DBInstanceIds", "array"),
        records(
            "DBInstances",
            old="DBInstance",
            fields=(
                text("AttachMode"),
                text("DBInstanceId"),
                text("Type"),
            ),
        ),
        integer("DefaultCooldown", lo=0, hi=86400),
        integer("DesiredCapacity", lo=0),
        flag("GroupDeletionProtection"),
        text("GroupType", choices=("ECS", "ECI")),
        text("HealthCheckType", choices=("NONE", "ECS", "LOAD_BALANCER")),
        repeated("HealthCheckTypes", item=text("", choices=("NONE", "ECS", "LOAD_BALANCER"))),
        text("InstanceId"),
        text("LaunchTemplateId"),
        records(
            "LaunchTemplateOverrides",
            old="LaunchTemplateOverride",
            fields=(
                text("InstanceType"),
                decimal("SpotPriceLimit"),
                integer("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        text("LaunchTemplateVersion"),
        records(
            "LifecycleHooks",
            old="LifecycleHook",
            fields=(
                text("DefaultResult", choices=("CONTINUE", "ABANDON")),
                integer("HeartbeatTimeout", lo=30, hi=21600),
                text("LifecycleHookName"),
                text("LifecycleTransition", choices=("SCALE_OUT", "SCALE_IN"), req=True),
                text("NotificationArn"),
                text("NotificationMetadata"),
            ),
        ),
        records(
            "LoadBalancerConfigs",
            old="LoadBalancerConfig",
            fields=(
                text("LoadBalancerId"),
                integer("Weight", lo=0, hi=100),
            ),
        ),
        document("LoadBalancerIds", "array"),
        integer("MaxInstanceLifetime"),
        integer("MaxSize", lo=0, req=True),
        integer("MinSize", lo=0, req=True),
        text("MultiAZPolicy", choices=("PRIORITY", "COST_OPTIMIZED", "BALANCE", "COMPOSABLE")),
        integer("OnDemandBaseCapacity", lo=0, hi=1000),
        integer("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
        text("RegionId"),
        repeated(
            "RemovalPolicies",
            old="RemovalPolicy",
            max_items=3,
            item=text(
                "",
                choices=(
                    "OldestInstance",
                    "NewestInstance",
                    "OldestScalingConfiguration",
                    "CustomPolicy",
                ),
            ),
        ),
        text("ResourceGroupId"),
        text("ScalingGroupName"),
        text("ScalingPolicy", choices=("release", "recycle", "forcerelease", "forcerecycle")),
        records(
            "ServerGroups",
            old="ServerGroup",
            fields=(
                integer("Port", lo=1, hi=65535),
                text("ServerGroupId"),
                text("Type"),
                integer("Weight", lo=0, hi=100),
            ),
        ),
        text("SpotAllocationStrategy", choices=("priority", "lowestPrice")),
        integer("SpotInstancePools", lo=1, hi=10),
        flag("SpotInstanceRemedy"),
        integer("StopInstanceTimeout", lo=30, hi=240),
        flag("SyncAlarmRuleToCms"),
        records(
            "Tags",
            old="Tag",
            fields=(
                text("Key"),
                flag("Propagate"),
                text("Value"),
            ),
        ),
        records(
            "VServerGroups",
            old="VServerGroup",
            fields=(
                text("LoadBalancerId"),
                records(
                    "VServerGroupAttributes",
                    old="VServerGroupAttribute",
                    fields=(
                        integer("Port", lo=1, hi=65535),
                        text("VServerGroupId"),
                        integer("Weight", lo=0, hi=100),
                    ),
                ),
            ),
        ),
        text("VSwitchId"),
        repeated("VSwitchIds", item=text("")),
    ),
    "ModifyScalingGroup": (
        text("ActiveScalingConfigurationId"),
        text("AllocationStrategy", choices=("priority", "lowestPrice")),
        flag("AutoRebalance"),
        flag("AzBalance"),
        text("BalanceMode", choices=("BalancedBestEffort", "BalancedOnly")),
        struct(
            "CapacityOptions",
            fields=(
                flag("CompensateWithOnDemand"),
                integer("OnDemandBaseCapacity", lo=0, hi=1000),
                integer("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
                text("PriceComparisonMode"),
                flag("SpotAutoReplaceOnDemand"),
            ),
        ),
        flag("CompensateWithOnDemand"),
        text("CustomPolicyARN"),
        integer("DefaultCooldown", lo=0, hi=86400),
        integer("DesiredCapacity", lo=0),
        flag("DisableDesiredCapacity"),
        flag("GroupDeletionProtection"),
        text("HealthCheckType", choices=("NONE", "ECS", "LOAD_BALANCER")),
        repeated("HealthCheckTypes", item=text("", choices=("NONE", "ECS", "LOAD_BALANCER"))),
        text("LaunchTemplateId"),
        records(
            "LaunchTemplateOverrides",
            old="LaunchTemplateOverride",
            fields=(
                text("InstanceType"),
                decimal("SpotPriceLimit"),
                integer("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        text("LaunchTemplateVersion"),
        integer("MaxInstanceLifetime"),
        integer("MaxSize", lo=0),
        integer("MinSize", lo=0),
        text("MultiAZPolicy", choices=("PRIORITY", "COST_OPTIMIZED", "BALANCE", "COMPOSABLE")),
        integer("OnDemandBaseCapacity", lo=0, hi=1000),
        integer("OnDemandPercentageAboveBaseCapacity", lo=0, hi=100),
        text("RegionId"),
        repeated(
            "RemovalPolicies",
            old="RemovalPolicy",
            max_items=3,
            item=text(
                "",
                choices=(
                    "OldestInstance",
                    "NewestInstance",
                    "OldestScalingConfiguration",
                    "CustomPolicy",
                ),
            ),
        ),
        text("ScalingGroupId", req=True),
        text("ScalingGroupName"),
        text("ScalingPolicy", choices=("release", "recycle", "forcerelease", "forcerecycle")),
        text("SpotAllocationStrategy", choices=("priority", "lowestPrice")),
        integer("SpotInstancePools", lo=0, hi=10),
        flag("SpotInstanceRemedy"),
        integer("StopInstanceTimeout", lo=30, hi=240),
        repeated("VSwitchIds", item=text("")),
    ),
    "DescribeScalingGroups": (
        text("GroupType"),
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RegionId"),
        text("ResourceGroupId"),
        repeated("ScalingGroupIds", old="ScalingGroupId", max_items=20, item=text("")),
        text("ScalingGroupName"),
        repeated("ScalingGroupNames", old="ScalingGroupName", max_items=20, item=text("")),
        records(
            "Tags",
            old="Tag",
            fields=(
                text("Key"),
                text("Value"),
            ),
        ),
    ),
    "DeleteScalingGroup": (
        flag("ForceDelete"),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "EnableScalingGroup": (
        text("ActiveScalingConfigurationId"),
        repeated("InstanceIds", old="InstanceId", max_items=20, item=text("")),
        text("LaunchTemplateId"),
        records(
            "LaunchTemplateOverrides",
            old="LaunchTemplateOverride",
            fields=(
                text("InstanceType"),
                integer("WeightedCapacity", lo=1, hi=500),
            ),
        ),
        text("LaunchTemplateVersion"),
        repeated(
            "LoadBalancerWeights",
            old="LoadBalancerWeight",
            max_items=20,
            item=integer("", lo=1, hi=100),
        ),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "DisableScalingGroup": (
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "SetGroupDeletionProtection": (
        flag("GroupDeletionProtection", req=True),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "SuspendProcesses": _PROCESSES,
    "ResumeProcesses": _PROCESSES,
}
