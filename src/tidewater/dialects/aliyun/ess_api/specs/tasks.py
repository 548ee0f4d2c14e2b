"""Parameters of the scheduled task actions (aliyunsdkess v20140828 *ScheduledTask* requests,
alibabacloud_ess20220222 1.13.3 request models)."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import Param, flag, integer, repeated, text

RECURRENCE_TYPES = ("Daily", "Weekly", "Monthly", "Cron")

# Create and Modify take the same task fields; Modify names the task it changes
_TASK: Final = (
    text("Description"),
    integer("DesiredCapacity", lo=0),
    # 0 to 21600 in the 2014 reference and the 2022 response docs; the 2022 request docs say
    # 0 to 1800 (the wider range is kept)
    integer("LaunchExpirationTime", lo=0, hi=21600),
    text("LaunchTime"),
    integer("MaxValue", lo=0),
    integer("MinValue", lo=0),
    text("RecurrenceEndTime"),
    text("RecurrenceType", choices=RECURRENCE_TYPES),
    text("RecurrenceValue"),
    text("RegionId"),
    text("ScalingGroupId"),
    text("ScheduledAction"),
    text("ScheduledTaskName"),
    flag("TaskEnabled"),
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "CreateScheduledTask": _TASK,
    "ModifyScheduledTask": (*_TASK, text("ScheduledTaskId", req=True)),
    "DeleteScheduledTask": (text("RegionId"), text("ScheduledTaskId", req=True)),
    "DescribeScheduledTasks": (
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RecurrenceType", choices=RECURRENCE_TYPES),
        text("RecurrenceValue"),
        text("RegionId"),
        text("ScalingGroupId"),
        repeated("ScheduledActions", old="ScheduledAction", max_items=20, item=text("")),
        repeated("ScheduledTaskIds", old="ScheduledTaskId", max_items=20, item=text("")),
        repeated("ScheduledTaskNames", old="ScheduledTaskName", max_items=20, item=text("")),
        flag("TaskEnabled"),
        text("TaskName"),
    ),
}
