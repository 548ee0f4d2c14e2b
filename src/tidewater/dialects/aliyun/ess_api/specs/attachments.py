"""Parameters of attaching and detaching load balancers and DB instances."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    flag,
    integer,
    records,
    repeated,
    text,
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "AttachLoadBalancers": (
        flag("Async"),
        text("ClientToken"),
        flag("ForceAttach"),
        records(
            "LoadBalancerConfigs",
            old="LoadBalancerConfig",
            fields=(
                text("LoadBalancerId"),
                integer("Weight", lo=0, hi=100),
            ),
        ),
        repeated("LoadBalancers", old="LoadBalancer", max_items=5, item=text("")),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "DetachLoadBalancers": (
        flag("Async"),
        text("ClientToken"),
        flag("ForceDetach"),
        repeated("LoadBalancers", old="LoadBalancer", req=True, max_items=5, item=text("")),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "AttachDBInstances": (
        text("AttachMode"),
        text("ClientToken"),
        repeated("DBInstances", old="DBInstance", req=True, max_items=5, item=text("")),
        flag("ForceAttach"),
        text("RegionId"),
        text("ScalingGroupId", req=True),
        text("Type"),
    ),
    "DetachDBInstances": (
        text("ClientToken"),
        repeated("DBInstances", old="DBInstance", req=True, max_items=5, item=text("")),
        flag("ForceDetach"),
        text("RegionId"),
        flag("RemoveSecurityGroup"),
        text("ScalingGroupId", req=True),
    ),
}
