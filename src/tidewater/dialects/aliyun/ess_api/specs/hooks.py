"""Parameters of the lifecycle hook actions (SDK14 request classes, SDK22 `client.py`).

RecordLifecycleActionHeartbeat's parameters start with a lower-case letter in both SDKs; the
2018 API page spells them with capitals, and both spellings are taken (docs/facts
ess-lifecycle-hooks.md §1): the handler asks for one of each pair.
"""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import Param, integer, repeated, text

RESULTS = ("CONTINUE", "ABANDON")
TRANSITIONS = ("SCALE_OUT", "SCALE_IN")

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "CreateLifecycleHook": (
        text("DefaultResult", choices=RESULTS),
        integer("HeartbeatTimeout", lo=30, hi=21600),
        text("LifecycleHookName"),
        text("LifecycleTransition", choices=TRANSITIONS, req=True),
        text("NotificationArn"),
        text("NotificationMetadata"),
        text("RegionId"),
        text("ScalingGroupId", req=True),
    ),
    "DescribeLifecycleHooks": (
        repeated("LifecycleHookIds", old="LifecycleHookId", max_items=20, item=text("")),
        text("LifecycleHookName"),
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RegionId"),
        text("ScalingGroupId"),
    ),
    "ModifyLifecycleHook": (
        text("DefaultResult", choices=RESULTS),
        integer("HeartbeatTimeout", lo=30, hi=21600),
        text("LifecycleHookId"),
        text("LifecycleHookName"),
        text("LifecycleHookStatus", choices=("Active", "InActive")),
        text("LifecycleTransition", choices=TRANSITIONS),
        text("NotificationArn"),
        text("NotificationMetadata"),
        text("RegionId"),
        text("ScalingGroupId"),
    ),
    "DeleteLifecycleHook": (
        text("LifecycleHookId"),
        text("LifecycleHookName"),
        text("RegionId"),
        text("ScalingGroupId"),
    ),
    "CompleteLifecycleAction": (
        text("ClientToken"),
        text("LifecycleActionResult", choices=(*RESULTS, "ROLLBACK")),
        text("LifecycleActionToken", req=True),
        text("LifecycleHookId", req=True),
        text("RegionId"),
    ),
    "RecordLifecycleActionHeartbeat": (
        integer("HeartbeatTimeout", lo=30, hi=21600),
        integer("heartbeatTimeout", lo=30, hi=21600),
        text("LifecycleActionToken"),
        text("lifecycleActionToken"),
        text("LifecycleHookId"),
        text("lifecycleHookId"),
        text("RegionId"),
    ),
    "DescribeLifecycleActions": (
        text("LifecycleActionStatus", choices=("Pending", "Timeout", "Completed")),
        integer("MaxResults", lo=1, hi=50),
        text("NextToken"),
        text("RegionId"),
        text("ScalingActivityId", req=True),
    ),
}
