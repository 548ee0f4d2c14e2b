"""Parameters of the scaling rule actions."""

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

# the settings a rule is created with and modified by (CreateScalingRule, ModifyScalingRule)
SETTINGS: Final[tuple[Param, ...]] = (
    text(
        "AdjustmentType",
        choices=("QuantityChangeInCapacity", "PercentChangeInCapacity", "TotalCapacity"),
    ),
    integer("AdjustmentValue"),
    records(
        "AlarmDimensions",
        old="AlarmDimension",
        fields=(
            text("DimensionKey"),
            text("DimensionValue"),
        ),
    ),
    struct("AlarmOptions", fields=(integer("Period"),)),
    integer("Cooldown", lo=0, hi=86400),
    flag("DisableScaleIn"),
    integer("EstimatedInstanceWarmup", lo=0, hi=86400),
    records(
        "HybridMetrics",
        fields=(
            records(
                "Dimensions",
                fields=(
                    text("DimensionKey"),
                    text("DimensionValue"),
                ),
            ),
            text("Expression"),
            text("Id"),
            text("MetricName"),
            text("Statistic"),
        ),
    ),
    text("HybridMonitorNamespace"),
    integer("InitialMaxSize"),
    text("MetricName"),
    text("MetricType"),
    integer("MinAdjustmentMagnitude"),
    text("PredictiveScalingMode"),
    integer("PredictiveTaskBufferTime", lo=0, hi=60),
    text("PredictiveValueBehavior"),
    integer("PredictiveValueBuffer", lo=0, hi=100),
    integer("ScaleInEvaluationCount"),
    integer("ScaleOutEvaluationCount"),
    records(
        "StepAdjustments",
        old="StepAdjustment",
        fields=(
            decimal("MetricIntervalLowerBound"),
            decimal("MetricIntervalUpperBound"),
            integer("ScalingAdjustment"),
        ),
    ),
    decimal("TargetValue"),
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "CreateScalingRule": (
        *SETTINGS,
        text("RegionId"),
        text("ScalingGroupId", req=True),
        text("ScalingRuleName"),
        text(
            "ScalingRuleType",
            choices=(
                "SimpleScalingRule",
                "TargetTrackingScalingRule",
                "StepScalingRule",
                "PredictiveScalingRule",
            ),
        ),
    ),
    "ModifyScalingRule": (
        *SETTINGS,
        text("RegionId"),
        text("ScalingRuleId", req=True),
        text("ScalingRuleName"),
    ),
    "DeleteScalingRule": (
        text("RegionId"),
        text("ScalingRuleId", req=True),
    ),
    "DescribeScalingRules": (
        integer("PageNumber", lo=1),
        integer("PageSize", lo=1, hi=50),
        text("RegionId"),
        text("ScalingGroupId"),
        repeated("ScalingRuleAris", old="ScalingRuleAri", max_items=10, item=text("")),
        repeated("ScalingRuleIds", old="ScalingRuleId", max_items=10, item=text("")),
        repeated("ScalingRuleNames", old="ScalingRuleName", max_items=10, item=text("")),
        text("ScalingRuleType"),
        flag("ShowAlarmRules"),
    ),
    "ExecuteScalingRule": (
        decimal("BreachThreshold"),
        text("ClientToken"),
        decimal("MetricValue"),
        text("RegionId"),
        text("ScalingRuleAri", req=True),
    ),
    "ScaleWithAdjustment": (
        text("ActivityMetadata"),
        text(
            "AdjustmentType",
            choices=("QuantityChangeInCapacity", "PercentChangeInCapacity", "TotalCapacity"),
            req=True,
        ),
        integer("AdjustmentValue", req=True),
        text("ClientToken"),
        text("ExecutionMode", choices=("None", "PlanOnly")),
        document("LifecycleHookContext", "object"),
        integer("MinAdjustmentMagnitude"),
        document("Overrides", "object"),
        flag("ParallelTask"),
        text("RegionId"),
        text("ScalingGroupId", req=True),
        flag("SyncActivity"),
    ),
}
