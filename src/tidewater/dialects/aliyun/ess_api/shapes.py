"""Response shaping: a handler's 2022-02-22 result given the shape of the request's version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from tidewater.dialects.aliyun.ess_api.versions import V2014

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
    # DescribeAlarms 2014: AlarmList.Alarm, and each alarm's lists in the singular pattern
    "DescribeAlarms": {
        "AlarmList": "Alarm",
        "AlarmActions": "AlarmAction",
        "Dimensions": "Dimension",
        "Expressions": "Expression",
        "HybridMetrics": "HybridMetric",
    },
    "ScaleWithAdjustment": {
        "ResourceAllocations": "ResourceAllocation",  # inferred
    },
    "DescribeRegions": {
        "Regions": "Region",
    },
    # DescribeLifecycleHooks and DescribeLifecycleActions 2014 examples (DOC14)
    "DescribeLifecycleHooks": {
        "LifecycleHooks": "LifecycleHook",
    },
    "DescribeLifecycleActions": {
        "LifecycleActions": "LifecycleAction",
        "InstanceIds": "InstanceId",
    },
    # DescribeInstanceRefreshes 2014 reference: InstanceRefreshTasks.InstanceRefreshTask; the
    # desired configuration's nested lists follow the singular pattern (inferred)
    "DescribeInstanceRefreshes": {
        "InstanceRefreshTasks": "InstanceRefreshTask",
        "Checkpoints": "Checkpoint",  # inferred
        "Containers": "Container",  # inferred
        "Args": "Arg",  # inferred
        "Commands": "Command",  # inferred
        "EnvironmentVars": "EnvironmentVar",  # inferred
        "LaunchTemplateOverrides": "LaunchTemplateOverride",  # inferred
    },
    # DescribeScheduledTasks 2014 reference: ScheduledTasks.ScheduledTask
    "DescribeScheduledTasks": {
        "ScheduledTasks": "ScheduledTask",
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
    # copied at C speed, then only the containers revisited (a group has ~35 scalar fields)
    out: dict[str, Any] = {renames.get(k, k): x for k, x in v.items()} if renames else dict(v)
    for k, x in out.items():
        tx = type(x)
        if tx in _SCALARS:
            continue
        if tx is list:
            x = [_wrap(y, wrappers, renames) if type(y) in _CONTAINERS else y for y in x]
            item = wrappers.get(k)
            out[k] = x if item is None else {item: x}  # an existing key: no resize mid-loop
        elif tx is dict or isinstance(x, Mapping):
            out[k] = _wrap(x, wrappers, renames)
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
