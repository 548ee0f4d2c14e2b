"""Parameters of the actions on a group's instances: attach, detach, remove, protect, standby."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    document,
    flag,
    integer,
    repeated,
    text,
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "AttachInstances": (
        text("ClientToken"),
        flag("Entrusted"),
        flag("IgnoreInvalidInstance"),
        repeated("InstanceIds", old="InstanceId", max_items=20, item=text("")),
        flag("LifecycleHook"),
        repeated(
            "LoadBalancerWeights",
            old="LoadBalancerWeight",
            max_items=20,
            item=integer("", lo=1, hi=100),
        ),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "DetachInstances": (
        text("ClientToken"),
        flag("DecreaseDesiredCapacity"),
        text("DetachOption"),
        flag("IgnoreInvalidInstance"),
        repeated("InstanceIds", old="InstanceId", req=True, max_items=20, item=text("")),
        flag("LifecycleHook"),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "RemoveInstances": (
        text("ClientToken"),
        flag("DecreaseDesiredCapacity"),
        flag("IgnoreInvalidInstance"),
        repeated("InstanceIds", old="InstanceId", req=True, max_items=20, item=text("")),
        document("LifecycleHookContext", "object"),
        text("RegionId"),
        text("RemovePolicy", choices=("release", "recycle")),
        text("ScalingGroupId", req=True),
        integer("StopInstanceTimeout", lo=30, hi=240),
    ),
    "DescribeScalingInstances": (
        text("CreationType"),
        repeated("CreationTypes", item=text("")),
        text("HealthStatus"),
        repeated("InstanceIds", old="InstanceId", max_items=20, item=text("")),
        text("LifecycleState"),
        repeated("LifecycleStates", item=text("")),
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RegionId"),
        text("ScalingActivityId"),
        text("ScalingConfigurationId"),
        text("ScalingGroupId"),
    ),
    "SetInstancesProtection": (
        repeated("InstanceIds", old="InstanceId", req=True, max_items=20, item=text("")),
        flag("ProtectedFromScaleIn", req=True),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "EnterStandby": (
        flag("Async"),
        text("ClientToken"),
        repeated("InstanceIds", old="InstanceId", req=True, max_items=20, item=text("")),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "ExitStandby": (
        flag("Async"),
        text("ClientToken"),
        repeated("InstanceIds", old="InstanceId", req=True, max_items=20, item=text("")),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
}
