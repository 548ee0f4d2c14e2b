"""ESS scaling rules of every type through both Alibaba SDKs against a real server: create,
describe (every field, 2014 lists wrapped), modify, delete, execute a step rule, and the
refusals with their codes and texts."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.test_ess import error_of, ready_group

STEPS = [
    m.CreateScalingRuleRequestStepAdjustments(
        metric_interval_lower_bound=0, metric_interval_upper_bound=10, scaling_adjustment=1
    ),
    m.CreateScalingRuleRequestStepAdjustments(metric_interval_lower_bound=10, scaling_adjustment=3),
]


def create(ess: Any, region: str, group: str, name: str, **fields: Any) -> Any:
    return ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            region_id=region, scaling_group_id=group, scaling_rule_name=name, **fields
        )
    ).body


def step_rule(ess: Any, region: str, group: str, **extra: Any) -> Any:
    """The step rule "steps" (STEPS, by count) on the group."""
    return create(
        ess,
        region,
        group,
        "steps",
        scaling_rule_type="StepScalingRule",
        adjustment_type="QuantityChangeInCapacity",
        step_adjustments=STEPS,
        **extra,
    )


def described(ess: Any, region: str, group: str) -> dict[str, Any]:
    rules = ess.describe_scaling_rules(
        m.DescribeScalingRulesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_rules
    return {r.scaling_rule_name: r.to_map() for r in rules}


def capacity(ess: Any, region: str, group: str) -> int:
    [found] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    return int(found.total_capacity)


def test_every_rule_type_is_stored_and_reported(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=0)
    step_rule(ess, region, group, estimated_instance_warmup=120, metric_type="system")
    create(
        ess,
        region,
        group,
        "cpu",
        scaling_rule_type="TargetTrackingScalingRule",
        metric_name="CpuUtilization",
        target_value=55.5,
        disable_scale_in=True,
        estimated_instance_warmup=60,
        scale_in_evaluation_count=15,
        scale_out_evaluation_count=3,
    )
    create(
        ess,
        region,
        group,
        "ahead",
        scaling_rule_type="PredictiveScalingRule",
        metric_name="CpuUtilization",
        target_value=40,
        predictive_scaling_mode="PredictOnly",
        initial_max_size=8,
        predictive_value_behavior="MaxOverridePredictiveValue",
        predictive_value_buffer=20,
        predictive_task_buffer_time=10,
    )
    found = described(ess, region, group)
    steps = found["steps"]
    assert steps["ScalingRuleType"] == "StepScalingRule"
    assert steps["AdjustmentType"] == "QuantityChangeInCapacity"
    assert steps["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 1},
        {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 3},
    ]
    assert (steps["EstimatedInstanceWarmup"], steps["MetricType"]) == (120, "system")
    cpu = found["cpu"]
    assert {
        k: cpu[k]
        for k in (
            "ScalingRuleType",
            "MetricName",
            "TargetValue",
            "DisableScaleIn",
            "EstimatedInstanceWarmup",
            "ScaleInEvaluationCount",
            "ScaleOutEvaluationCount",
        )
    } == {
        "ScalingRuleType": "TargetTrackingScalingRule",
        "MetricName": "CpuUtilization",
        "TargetValue": 55.5,
        "DisableScaleIn": True,
        "EstimatedInstanceWarmup": 60,
        "ScaleInEvaluationCount": 15,
        "ScaleOutEvaluationCount": 3,
    }
    ahead = found["ahead"]
    assert {
        k: ahead[k]
        for k in (
            "ScalingRuleType",
            "TargetValue",
            "PredictiveScalingMode",
            "InitialMaxSize",
            "PredictiveValueBehavior",
            "PredictiveValueBuffer",
            "PredictiveTaskBufferTime",
        )
    } == {
        "ScalingRuleType": "PredictiveScalingRule",
        "TargetValue": 40.0,
        "PredictiveScalingMode": "PredictOnly",
        "InitialMaxSize": 8,
        "PredictiveValueBehavior": "MaxOverridePredictiveValue",
        "PredictiveValueBuffer": 20,
        "PredictiveTaskBufferTime": 10,
    }


def test_the_2014_sdk_sees_the_same_rules_with_wrapped_lists(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    from aliyunsdkess.request.v20140828.CreateScalingRuleRequest import CreateScalingRuleRequest
    from aliyunsdkess.request.v20140828.DescribeScalingRulesRequest import (
        DescribeScalingRulesRequest,
    )

    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=0)
    made = CreateScalingRuleRequest()
    made.set_ScalingGroupId(group)
    made.set_ScalingRuleName("steps")
    made.set_ScalingRuleType("StepScalingRule")
    made.set_AdjustmentType("QuantityChangeInCapacity")
    made.set_StepAdjustments(
        [
            {"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1},
            {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 2},
        ]
    )
    rule_id = json.loads(ess_legacy.do_action_with_exception(made))["ScalingRuleId"]
    listing = DescribeScalingRulesRequest()
    listing.set_ScalingGroupId(group)
    body = json.loads(ess_legacy.do_action_with_exception(listing))
    [rule] = body["ScalingRules"]["ScalingRule"]
    assert rule["ScalingRuleId"] == rule_id
    assert rule["StepAdjustments"] == {
        "StepAdjustment": [
            {"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1},
            {"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 2},
        ]
    }


def test_modify_and_delete(ess: Any, ess_legacy: Any, server: Server, region: str) -> None:
    from aliyunsdkess.request.v20140828.DeleteScalingRuleRequest import DeleteScalingRuleRequest

    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=0)
    rule = create(
        ess,
        region,
        group,
        "up",
        adjustment_type="QuantityChangeInCapacity",
        adjustment_value=1,
        cooldown=30,
    )
    create(ess, region, group, "other", adjustment_type="TotalCapacity", adjustment_value=2)
    ess.modify_scaling_rule(
        m.ModifyScalingRuleRequest(
            scaling_rule_id=rule.scaling_rule_id,
            scaling_rule_name="more",
            adjustment_type="PercentChangeInCapacity",
            adjustment_value=50,
            min_adjustment_magnitude=2,
        )
    )
    more = described(ess, region, group)["more"]
    assert (
        more["AdjustmentType"],
        more["AdjustmentValue"],
        more["MinAdjustmentMagnitude"],
        more["Cooldown"],
        more["ScalingRuleId"],
    ) == ("PercentChangeInCapacity", 50, 2, 30, rule.scaling_rule_id)
    modify = ess.modify_scaling_rule
    assert error_of(
        modify,
        m.ModifyScalingRuleRequest(
            scaling_rule_id=rule.scaling_rule_id,
            scaling_rule_name="other",
        ),
    ) == (
        "InvalidScalingRuleName.Duplicate",
        400,
        "The specified value of parameter ScalingRuleName is duplicated.",
    )
    assert error_of(
        modify,
        m.ModifyScalingRuleRequest(
            scaling_rule_id=rule.scaling_rule_id,
            adjustment_type="TotalCapacity",
        ),
    ) == (
        "InvalidMinAdjustmentMagnitudeMismatchAdjustmentType",
        400,
        "MinAdjustmentMagnitude is not supported by the specified adjustment type.",
    )
    gone = DeleteScalingRuleRequest()
    gone.set_ScalingRuleId(rule.scaling_rule_id)
    ess_legacy.do_action_with_exception(gone)
    assert list(described(ess, region, group)) == ["other"]
    assert error_of(
        ess.delete_scaling_rule,
        m.DeleteScalingRuleRequest(region_id=region, scaling_rule_id=rule.scaling_rule_id),
    ) == ("InvalidScalingRuleId.NotFound", 404, "The specified scaling rule does not exist.")


def test_execute_a_step_rule(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=1)
    rule = step_rule(ess, region, group, estimated_instance_warmup=0)
    execute = ess.execute_scaling_rule
    made = execute(
        m.ExecuteScalingRuleRequest(
            region_id=region,
            scaling_rule_ari=rule.scaling_rule_ari,
            metric_value=75,
            breach_threshold=50,
        )
    ).body
    assert made.scaling_activity_id.startswith("asa-")
    server.settle()
    server.advance(10)
    assert capacity(ess, region, group) == 4
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_activity_ids=[made.scaling_activity_id],
        )
    ).body.scaling_activities
    assert activity.cause == (
        f'A user requests to execute scaling rule "{rule.scaling_rule_id}", changing the Total '
        'Capacity from "1" to "4".'
    )
    ari = rule.scaling_rule_ari
    cases = [
        (
            {"metric_value": 75},
            (
                "MissingParameter.BreachThreshold",
                400,
                "Breach threshold must be specified for StepScalingRule.",
            ),
        ),
        (
            {"breach_threshold": 50},
            (
                "MissingParameter.MetricValue",
                400,
                "Metric value must be specified for StepScalingRule.",
            ),
        ),
        (
            {"metric_value": 10, "breach_threshold": 50},
            (
                "InvalidStepAdjustments.NoStepFound",
                400,
                "No adjustment step found for a metric value of: 10.0.",
            ),
        ),
    ]
    for fields, expected in cases:
        request = m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=ari, **fields)
        assert error_of(execute, request) == expected, fields
    tracking = create(
        ess,
        region,
        group,
        "cpu",
        scaling_rule_type="TargetTrackingScalingRule",
        metric_name="CpuUtilization",
        target_value=50,
    )
    assert error_of(
        execute,
        m.ExecuteScalingRuleRequest(
            region_id=region,
            scaling_rule_ari=tracking.scaling_rule_ari,
        ),
    ) == (
        "ScalingRule.InvalidScalingRuleType",
        400,
        "Specific scaling rule type: TargetTrackingScalingRule can not be executed.",
    )


def bounded(lower: float | None, upper: float | None) -> Any:
    """A step adjustment of +1 between `lower` and `upper` (None: open)."""
    return m.CreateScalingRuleRequestStepAdjustments(
        metric_interval_lower_bound=lower, metric_interval_upper_bound=upper, scaling_adjustment=1
    )


STEP_REFUSALS = [
    (
        [bounded(None, None)],
        "BothNull",
        "Both lower and upper bounds of a StepAdjustment can not be left unspecified.",
    ),
    (
        [bounded(0, None), bounded(5, None)],
        "MultipleNullUpperBound",
        "At most one StepAdjustment may have an unspecified upper bound.",
    ),
    (
        [bounded(None, 0), bounded(None, 5)],
        "MultipleNullLowerBound",
        "At most one StepAdjustment may have an unspecified lower bound.",
    ),
    (
        [bounded(0, 10), bounded(20, None)],
        "Gap",
        "StepAdjustment intervals can not have gaps between them.",
    ),
    ([bounded(0, 10), bounded(5, None)], "Overlap", "StepAdjustment intervals can not overlap."),
    (
        [bounded(1, 2)],
        "NoNullUpperBound",
        "There must be a StepAdjustment with an unspecified upper bound when one "
        "StepAdjustment has a positive upper bound.",
    ),
    (
        [bounded(-2, -1)],
        "NoNullLowerBound",
        "There must be a StepAdjustment with an unspecified lower bound when one "
        "StepAdjustment has a negative lower bound.",
    ),
    (
        [bounded(5, 5)],
        "LowerGtUpper",
        "LowerBound must be less than the UpperBound for StepAdjustment :5.0-5.0.",
    ),
]


def test_step_refusals(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=0)
    for steps, code, message in STEP_REFUSALS:
        request = m.CreateScalingRuleRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_rule_type="StepScalingRule",
            adjustment_type="QuantityChangeInCapacity",
            step_adjustments=steps,
        )
        expected = (f"InvalidStepAdjustments.{code}", 400, message)
        assert error_of(ess.create_scaling_rule, request) == expected
    assert described(ess, region, group) == {}


def test_filter_by_type_and_the_rule_quota(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=0)
    step_rule(ess, region, group)
    for n in range(19):
        create(ess, region, group, f"r{n}", adjustment_type="TotalCapacity", adjustment_value=1)
    only = ess.describe_scaling_rules(
        m.DescribeScalingRulesRequest(
            region_id=region, scaling_group_id=group, scaling_rule_type="StepScalingRule"
        )
    ).body
    assert [r.scaling_rule_name for r in only.scaling_rules] == ["steps"]
    assert only.total_count == 1
    request = m.CreateScalingRuleRequest(
        region_id=region,
        scaling_group_id=group,
        scaling_rule_name="one-too-many",
        adjustment_type="TotalCapacity",
        adjustment_value=1,
    )
    assert error_of(ess.create_scaling_rule, request) == (
        "QuotaExceeded.ScalingRule",
        400,
        "Scaling rule quota exceeded in the specified scaling group.",
    )
