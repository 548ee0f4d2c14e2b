"""Parameters of the instance refresh actions (alibabacloud-ess20220222 request models)."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    flag,
    integer,
    records,
    repeated,
    struct,
    text,
)

# The task-naming actions: CancelInstanceRefresh, SuspendInstanceRefresh, ResumeInstanceRefresh,
# RollbackInstanceRefresh take the same three parameters.
_TASK: Final = (
    text("InstanceRefreshTaskId", req=True),
    text("RegionId"),
    text("ScalingGroupId", req=True),
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "StartInstanceRefresh": (
        integer("CheckpointPauseTime", lo=1, hi=2880),
        records("Checkpoints", fields=(integer("Percentage", lo=1, hi=100),)),
        text("ClientToken"),
        struct(
            "DesiredConfiguration",
            fields=(
                records(
                    "Containers",
                    fields=(
                        repeated("Args", item=text("")),
                        repeated("Commands", item=text("")),
                        records(
                            "EnvironmentVars",
                            fields=(text("FieldRefFieldPath"), text("Key"), text("Value")),
                        ),
                        text("Image"),
                        text("Name"),
                    ),
                ),
                text("ImageId"),
                text("LaunchTemplateId"),
                records("LaunchTemplateOverrides", fields=(text("InstanceType"),)),
                text("LaunchTemplateVersion"),
                text("ScalingConfigurationId"),
            ),
        ),
        integer("MaxHealthyPercentage", lo=100, hi=200),
        integer("MinHealthyPercentage", lo=0, hi=100),
        text("RegionId"),
        text("ScalingGroupId", req=True),
        flag("SkipMatching"),
        text("Strategy"),
    ),
    "DescribeInstanceRefreshes": (
        repeated("InstanceRefreshTaskIds", old="InstanceRefreshTaskId", item=text("")),
        integer("MaxResults", lo=1, hi=50),
        text("NextToken"),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "CancelInstanceRefresh": _TASK,
    "SuspendInstanceRefresh": _TASK,
    "ResumeInstanceRefresh": _TASK,
    "RollbackInstanceRefresh": _TASK,
}
