"""Parameters of the scaling activity actions."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    integer,
    repeated,
    text,
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "DescribeScalingActivities": (
        text("InstanceRefreshTaskId"),
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RegionId"),
        repeated("ScalingActivityIds", old="ScalingActivityId", max_items=20, item=text("")),
        text("ScalingGroupId"),
        text("StatusCode"),
    ),
    "DescribeScalingActivityDetail": (
        text("RegionId"),
        text("ScalingActivityId", req=True),
    ),
}
