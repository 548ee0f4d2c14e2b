"""Parameters of the event-triggered task (alarm) actions."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    decimal,
    flag,
    integer,
    records,
    repeated,
    text,
)

OPERATORS: Final = (">=", "<=", ">", "<")
STATISTICS: Final = ("Average", "Minimum", "Maximum")
PERIODS: Final = (15, 60, 120, 300, 900)


def _settings(*, required: bool) -> tuple[Param, ...]:
    """What CreateAlarm and ModifyAlarm share; CreateAlarm requires the metric and threshold."""
    return (
        repeated("AlarmActions", old="AlarmAction", max_items=5, item=text(""), req=required),
        text("ComparisonOperator", choices=OPERATORS),
        text("Description"),
        records(
            "Dimensions",
            old="Dimension",
            fields=(text("DimensionKey"), text("DimensionValue")),
        ),
        text("Effective"),
        integer("EvaluationCount", lo=1),
        records(
            "Expressions",
            old="Expression",
            fields=(
                text("ComparisonOperator", choices=OPERATORS),
                text("MetricName"),
                integer("Period"),
                text("Statistics", choices=STATISTICS),
                decimal("Threshold"),
            ),
        ),
        text("ExpressionsLogicOperator", choices=("&&", "||")),
        integer("GroupId"),
        text("MetricName", req=required),
        text("MetricType", choices=("system", "custom")),
        text("Name"),
        integer("Period"),
        text("RegionId"),
        text("Statistics", choices=STATISTICS),
        decimal("Threshold", req=required),
    )


SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "CreateAlarm": (*_settings(required=True), text("ScalingGroupId", req=True)),
    "ModifyAlarm": (*_settings(required=False), text("AlarmTaskId", req=True)),
    "DescribeAlarms": (
        text("AlarmTaskId"),
        flag("IsEnable"),
        text("MetricName"),
        text("MetricType", choices=("system", "custom")),
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RegionId"),
        text("ScalingGroupId"),
        text("State", choices=("ALARM", "OK", "INSUFFICIENT_DATA")),
    ),
    "DeleteAlarm": (text("AlarmTaskId", req=True), text("RegionId")),
    "EnableAlarm": (text("AlarmTaskId", req=True), text("RegionId")),
    "DisableAlarm": (text("AlarmTaskId", req=True), text("RegionId")),
}
