"""AWS scaling policies through boto3 against a real server: PutScalingPolicy of every type,
DescribePolicies (filters, paging), DeletePolicy, ExecutePolicy (steps, cooldown, warm-up, the
activity's cause) and every refusal with its code and text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import describe_group, error_of, make_group

STEPS = [
    {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
    {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3},
]
TRACKING = {
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
    "TargetValue": 50.0,
    "DisableScaleIn": True,
}
CUSTOM = {
    "CustomizedMetricSpecification": {
        "Metrics": [
            {
                "Id": "load",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "App",
                        "MetricName": "Queue",
                        "Dimensions": [{"Name": "Q", "Value": "jobs"}],
                    },
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {"Id": "per", "Expression": "load / 2", "Label": "per instance", "ReturnData": True},
        ]
    },
    "TargetValue": 10.0,
}
PREDICTIVE = {
    "MetricSpecifications": [
        {
            "TargetValue": 40.0,
            "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ASGCPUUtilization"},
        }
    ],
    "Mode": "ForecastOnly",
    "SchedulingBufferTime": 300,
    "MaxCapacityBreachBehavior": "HonorMaxCapacity",
}


def policies(autoscaling: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return list(
        autoscaling.describe_policies(AutoScalingGroupName="web", **kwargs)["ScalingPolicies"]
    )


def desired(autoscaling: Any) -> int:
    return int(describe_group(autoscaling, "web")["DesiredCapacity"])


def test_every_policy_type_is_stored_and_reported(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    put = autoscaling.put_scaling_policy
    simple = put(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=2,
        Cooldown=120,
    )
    region = autoscaling.meta.region_name
    assert simple["PolicyARN"].startswith(f"arn:aws:autoscaling:{region}:")
    assert ":scalingPolicy:" in simple["PolicyARN"]
    assert simple["PolicyARN"].endswith(":autoScalingGroupName/web:policyName/up")
    assert "Alarms" not in simple
    put(
        AutoScalingGroupName="web",
        PolicyName="steps",
        PolicyType="StepScaling",
        AdjustmentType="PercentChangeInCapacity",
        MinAdjustmentMagnitude=2,
        StepAdjustments=STEPS,
        EstimatedInstanceWarmup=60,
        Enabled=False,
    )
    tracking = put(
        AutoScalingGroupName="web",
        PolicyName="cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=TRACKING,
        EstimatedInstanceWarmup=90,
    )
    # DisableScaleIn: only the high alarm is created (docs/facts/scaling-policies.md)
    [high] = tracking["Alarms"]
    assert high["AlarmName"].startswith("TargetTracking-web-AlarmHigh-")
    assert high["AlarmARN"].endswith(f":alarm:{high['AlarmName']}")
    put(
        AutoScalingGroupName="web",
        PolicyName="math",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=CUSTOM,
    )
    put(
        AutoScalingGroupName="web",
        PolicyName="ahead",
        PolicyType="PredictiveScaling",
        PredictiveScalingConfiguration=PREDICTIVE,
    )
    found = {p["PolicyName"]: p for p in policies(autoscaling)}
    assert list(found) == ["up", "steps", "cpu", "math", "ahead"]
    for policy in found.values():
        policy.pop("PolicyARN")
        assert policy.pop("AutoScalingGroupName") == "web"
    assert found["up"] == {
        "PolicyName": "up",
        "PolicyType": "SimpleScaling",
        "AdjustmentType": "ChangeInCapacity",
        "ScalingAdjustment": 2,
        "Cooldown": 120,
        "StepAdjustments": [],
        "Alarms": [],
        "Enabled": True,
    }
    assert found["steps"] == {
        "PolicyName": "steps",
        "PolicyType": "StepScaling",
        "AdjustmentType": "PercentChangeInCapacity",
        "MinAdjustmentStep": 2,
        "MinAdjustmentMagnitude": 2,
        "StepAdjustments": [
            {
                "MetricIntervalLowerBound": 0.0,
                "MetricIntervalUpperBound": 10.0,
                "ScalingAdjustment": 1,
            },
            {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 3},
        ],
        "MetricAggregationType": "Average",
        "EstimatedInstanceWarmup": 60,
        "Alarms": [],
        "Enabled": False,
    }
    assert found["cpu"] == {
        "PolicyName": "cpu",
        "PolicyType": "TargetTrackingScaling",
        "StepAdjustments": [],
        "EstimatedInstanceWarmup": 90,
        "Alarms": [high],
        "TargetTrackingConfiguration": TRACKING,
        "Enabled": True,
    }
    assert found["math"]["TargetTrackingConfiguration"] == CUSTOM
    assert found["ahead"]["PredictiveScalingConfiguration"] == PREDICTIVE
    assert found["ahead"]["PolicyType"] == "PredictiveScaling"
    # create-or-update by name: the same ARN, the new fields
    again = put(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ExactCapacity",
        ScalingAdjustment=4,
    )
    assert again["PolicyARN"] == simple["PolicyARN"]
    [up] = policies(autoscaling, PolicyNames=["up"])
    assert (up["AdjustmentType"], up["ScalingAdjustment"], "Cooldown" in up) == (
        "ExactCapacity",
        4,
        False,
    )


def test_describe_filters_and_pages(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    for n in range(5):
        autoscaling.put_scaling_policy(
            AutoScalingGroupName="web",
            PolicyName=f"p{n}",
            AdjustmentType="ChangeInCapacity",
            ScalingAdjustment=1,
        )
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=TRACKING,
    )
    first = autoscaling.describe_policies(AutoScalingGroupName="web", MaxRecords=4)
    assert [p["PolicyName"] for p in first["ScalingPolicies"]] == ["p0", "p1", "p2", "p3"]
    rest = autoscaling.describe_policies(
        AutoScalingGroupName="web", MaxRecords=4, NextToken=first["NextToken"]
    )
    assert [p["PolicyName"] for p in rest["ScalingPolicies"]] == ["p4", "cpu"]
    assert "NextToken" not in rest
    kinds = policies(autoscaling, PolicyTypes=["TargetTrackingScaling"])
    assert [p["PolicyName"] for p in kinds] == ["cpu"]
    arn = kinds[0]["PolicyARN"]
    named = autoscaling.describe_policies(PolicyNames=[arn, "p1"])["ScalingPolicies"]
    assert [p["PolicyName"] for p in named] == ["p1", "cpu"]
    assert policies(autoscaling, PolicyTypes=["Nope"]) == []
    error = error_of(autoscaling.describe_policies, AutoScalingGroupName="web", MaxRecords=101)
    assert error["Code"] == "ValidationError"


def steps(*bounds: tuple[float | None, float | None]) -> dict[str, Any]:
    """A StepScaling policy's fields with steps of +1 between the given bounds (None: open)."""
    made = []
    for lower, upper in bounds:
        step: dict[str, Any] = {"ScalingAdjustment": 1}
        if lower is not None:
            step["MetricIntervalLowerBound"] = lower
        if upper is not None:
            step["MetricIntervalUpperBound"] = upper
        made.append(step)
    return {
        "PolicyType": "StepScaling",
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": made,
    }


REFUSED = [
    (
        {"AdjustmentType": "ChangeInCapacity"},
        "Scaling increment must be specified for a SimpleScaling policy",
    ),
    ({"ScalingAdjustment": 1}, "Adjustment type must be specified for a SimpleScaling policy"),
    (
        {"PolicyType": "StepScaling", "AdjustmentType": "ChangeInCapacity"},
        "Step adjustments must be specified for a StepScaling policy",
    ),
    (
        {"PolicyType": "TargetTrackingScaling"},
        "TargetTrackingConfiguration must be specified for a TargetTrackingScaling policy",
    ),
    (
        {"PolicyType": "PredictiveScaling"},
        "PredictiveScalingConfiguration must be specified for a PredictiveScaling policy",
    ),
    ({"PolicyType": "Sometimes"}, "Unsupported policy type: Sometimes"),
    (
        {"PolicyType": "TargetTrackingScaling", "TargetTrackingConfiguration": {"TargetValue": 5}},
        "You should provide either a CustomizedMetricSpecification or a "
        "PredefinedMetricSpecification",
    ),
    (
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                **TRACKING,
                "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n"},
            },
        },
        "You should provide either a CustomizedMetricSpecification or a "
        "PredefinedMetricSpecification",
    ),
    (
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "TargetValue": 5,
                "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n"},
            },
        },
        "Statistic must be specified in a CustomizedMetricSpecification without Metrics",
    ),
    (
        {"AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1, "StepAdjustments": STEPS},
        "StepAdjustments is not supported for policy type SimpleScaling.",
    ),
    (
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": TRACKING,
            "Cooldown": 10,
        },
        "Cooldown is not supported for policy type TargetTrackingScaling.",
    ),
    (
        {"AdjustmentType": "Lots", "ScalingAdjustment": 1},
        "Unsupported adjustment type: Lots",
    ),
    (
        {"AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1, "MinAdjustmentMagnitude": 2},
        "MinAdjustmentMagnitude is only supported with PercentChangeInCapacity adjustment type",
    ),
    (
        {"AdjustmentType": "ExactCapacity", "ScalingAdjustment": -1},
        "Scaling adjustment must be non-negative for ExactCapacity adjustment type",
    ),
    (steps((None, None)), "A StepAdjustment must specify a lower bound, an upper bound, or both"),
    (steps((0, 10), (20, None)), "StepAdjustment ranges can't have a gap between them"),
    (steps((0, 10), (5, None)), "StepAdjustment ranges can't overlap"),
    (steps((0, None), (5, None)), "At most one StepAdjustment may have an unspecified upper bound"),
    (steps((None, 0), (None, 5)), "At most one StepAdjustment may have an unspecified lower bound"),
    (
        steps((5, 5), (None, 5), (5, None)),
        "The upper bound of a StepAdjustment must be greater than its lower bound",
    ),
    (
        steps((1.0, 2.0)),
        "There must be a StepAdjustment with an unspecified upper bound (i.e., upper bound is "
        "null) when one StepAdjustment has a positive upper bound",
    ),
    (
        steps((-2.0, -1.0)),
        "There must be a StepAdjustment with an unspecified lower bound (i.e., lower bound is "
        "null) when one StepAdjustment has a negative lower bound",
    ),
]


def test_put_refusals(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    for fields, message in REFUSED:
        error = error_of(
            autoscaling.put_scaling_policy, AutoScalingGroupName="web", PolicyName="p", **fields
        )
        assert (error["Code"], error["Message"], error["Status"]) == (
            "ValidationError",
            message,
            400,
        ), fields
    assert policies(autoscaling) == []
    error = error_of(
        autoscaling.put_scaling_policy,
        AutoScalingGroupName="nope",
        PolicyName="p",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
    )
    assert (error["Code"], error["Message"]) == (
        "ValidationError",
        "AutoScalingGroup name not found - AutoScalingGroup nope not found",
    )


def test_delete_by_name_or_arn(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    arns = [
        autoscaling.put_scaling_policy(
            AutoScalingGroupName="web",
            PolicyName=name,
            AdjustmentType="ChangeInCapacity",
            ScalingAdjustment=1,
        )["PolicyARN"]
        for name in ("a", "b")
    ]
    error = error_of(autoscaling.delete_policy, PolicyName="a")
    assert (error["Code"], error["Message"]) == (
        "ValidationError",
        "The AutoScaling Group name is required when specifying a policy by its name",
    )
    autoscaling.delete_policy(AutoScalingGroupName="web", PolicyName="a")
    autoscaling.delete_policy(PolicyName=arns[1])
    assert policies(autoscaling) == []
    error = error_of(autoscaling.delete_policy, AutoScalingGroupName="web", PolicyName="a")
    assert (error["Code"], error["Message"]) == ("ValidationError", "Policy a not found")


def cause_of_last_launch(autoscaling: Any) -> str:
    found = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    return str(found[0]["Cause"])


def test_execute_simple_honours_its_cooldown(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=1)
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
        Cooldown=600,
    )
    # the first launch started the group's default cooldown (300 s)
    error = error_of(
        autoscaling.execute_policy,
        AutoScalingGroupName="web",
        PolicyName="up",
        HonorCooldown=True,
    )
    assert error["Code"] == "ScalingActivityInProgress"
    server.advance(310)
    server.settle()
    autoscaling.execute_policy(AutoScalingGroupName="web", PolicyName="up", HonorCooldown=True)
    assert desired(autoscaling) == 2
    server.settle()
    cause = cause_of_last_launch(autoscaling)
    assert "a user request executed policy up changing the desired capacity from 1 to 2." in cause
    assert cause.startswith("At ") and cause.index("executed policy") < cause.index("started")
    error = error_of(
        autoscaling.execute_policy,
        AutoScalingGroupName="web",
        PolicyName="up",
        HonorCooldown=True,
    )
    assert (error["Code"], error["Message"]) == (
        "ScalingActivityInProgress",
        "Scaling activity is in progress or the cooldown period has not yet expired for "
        "AutoScalingGroup web.",
    )
    autoscaling.execute_policy(AutoScalingGroupName="web", PolicyName="up")  # not honoured
    assert desired(autoscaling) == 3
    server.settle()
    server.advance(10)  # the new instance boots; its launch ends and restarts the cooldown
    server.advance(700)
    server.settle()
    autoscaling.execute_policy(AutoScalingGroupName="web", PolicyName="up", HonorCooldown=True)
    assert desired(autoscaling) == 4
    # at the maximum nothing changes and nothing is refused
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="all",
        AdjustmentType="ExactCapacity",
        ScalingAdjustment=9,
    )
    autoscaling.execute_policy(AutoScalingGroupName="web", PolicyName="all")
    assert desired(autoscaling) == 5
    autoscaling.execute_policy(AutoScalingGroupName="web", PolicyName="all")
    assert desired(autoscaling) == 5


def step_group(autoscaling: Any, server: Server, desired: int, warmup: int) -> None:
    """A group of `desired` (up to 10) with the step policy "steps" (STEPS, by count)."""
    make_group(autoscaling, server, min_size=0, max_size=10, desired=desired)
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="steps",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        StepAdjustments=STEPS,
        EstimatedInstanceWarmup=warmup,
    )


def test_execute_step_selects_its_step(autoscaling: Any, server: Server) -> None:
    step_group(autoscaling, server, desired=2, warmup=0)
    execute = autoscaling.execute_policy
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=55, BreachThreshold=50)
    assert desired(autoscaling) == 3
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=75, BreachThreshold=50)
    assert desired(autoscaling) == 6
    # below the threshold no step holds the breach: nothing changes
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=10, BreachThreshold=50)
    assert desired(autoscaling) == 6
    for fields in ({}, {"MetricValue": 55}, {"BreachThreshold": 50}):
        error = error_of(execute, AutoScalingGroupName="web", PolicyName="steps", **fields)
        assert (error["Code"], error["Message"]) == (
            "ValidationError",
            "MetricValue and BreachThreshold are required for a StepScaling policy",
        )


def test_warming_instances_are_not_counted_again(autoscaling: Any, server: Server) -> None:
    step_group(autoscaling, server, desired=1, warmup=300)
    server.advance(310)  # the first instance has warmed up
    server.settle()
    execute = autoscaling.execute_policy
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=55, BreachThreshold=50)
    assert desired(autoscaling) == 2
    server.settle()
    # the same breach again while the new instance warms up: already answered
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=55, BreachThreshold=50)
    assert desired(autoscaling) == 2
    # a bigger step adds only what goes beyond the warming instance: 1 + 3 = 4
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=80, BreachThreshold=50)
    assert desired(autoscaling) == 4
    # a scale-in waits while instances warm up
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="down",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        EstimatedInstanceWarmup=300,
        StepAdjustments=[{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}],
    )
    execute(AutoScalingGroupName="web", PolicyName="down", MetricValue=10, BreachThreshold=20)
    assert desired(autoscaling) == 4
    server.advance(10)  # the instances boot, then warm up
    server.advance(400)
    server.settle()
    execute(AutoScalingGroupName="web", PolicyName="steps", MetricValue=55, BreachThreshold=50)
    assert desired(autoscaling) == 5
    server.advance(10)
    server.advance(400)
    server.settle()
    execute(AutoScalingGroupName="web", PolicyName="down", MetricValue=10, BreachThreshold=20)
    assert desired(autoscaling) == 4


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("TargetTrackingScaling", {"TargetTrackingConfiguration": TRACKING}),
        ("PredictiveScaling", {"PredictiveScalingConfiguration": PREDICTIVE}),
    ],
)
def test_execute_refuses_what_is_not_executable(
    autoscaling: Any, server: Server, kind: str, fields: dict[str, Any]
) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web", PolicyName="p", PolicyType=kind, **fields
    )
    error = error_of(autoscaling.execute_policy, AutoScalingGroupName="web", PolicyName="p")
    assert (error["Code"], error["Message"]) == (
        "ValidationError",
        f"ExecutePolicy is not supported for a {kind} policy",
    )


def test_execute_refusals(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
        Enabled=False,
    )
    execute = autoscaling.execute_policy
    cases = [
        (
            {"PolicyName": "up"},
            "The AutoScaling Group name is required when specifying a policy by its name",
        ),
        ({"AutoScalingGroupName": "web", "PolicyName": "nope"}, "Policy nope not found"),
        ({"AutoScalingGroupName": "web", "PolicyName": "up"}, "Policy up is disabled"),
        (
            {
                "AutoScalingGroupName": "web",
                "PolicyName": "up",
                "MetricValue": 1,
                "BreachThreshold": 0,
            },
            "MetricValue and BreachThreshold are not supported for a SimpleScaling policy",
        ),
    ]
    for fields, message in cases:
        error = error_of(execute, **fields)
        assert (error["Code"], error["Message"]) == ("ValidationError", message), fields
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
    )
    arn = policies(autoscaling)[0]["PolicyARN"]
    execute(PolicyName=arn)
    assert desired(autoscaling) == 1


def test_fifty_policies_per_group(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    simple = {"AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1}
    for n in range(50):
        autoscaling.put_scaling_policy(AutoScalingGroupName="web", PolicyName=f"p{n}", **simple)
    # updating one that exists is not a new one
    autoscaling.put_scaling_policy(AutoScalingGroupName="web", PolicyName="p0", **simple)
    error = error_of(
        autoscaling.put_scaling_policy, AutoScalingGroupName="web", PolicyName="p50", **simple
    )
    assert (error["Code"], error["Message"]) == (
        "LimitExceeded",
        "You have reached the maximum number of 50 scaling policies for AutoScalingGroup web.",
    )
