"""Simple and step policies (AWS) and rules run by event-triggered tasks (ESS), wired to the
user's own alarms on the load model's CPU: out under high load, back in when it drops, the clock
moved a minute at a time, never slept."""

from __future__ import annotations

from typing import Any

from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import describe_group, ess_cpu_task, make_group
from tests.test_ess import ready_group
from tests.test_load_publication import set_load


def cpu_alarm(cw: Any, name: str, action: str, operator: str, threshold: float) -> None:
    """The user's alarm on the group's average CPU, two minutes in a row."""
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": "web"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        DatapointsToAlarm=2,
        Threshold=threshold,
        ComparisonOperator=operator,
        AlarmActions=[action],
    )


def minutes(server: Server, count: int, read: Any) -> list[int]:
    """What `read` shows after each of `count` minutes."""
    seen = []
    for _ in range(count):
        server.advance(60)
        seen.append(read())
    return seen


def causes(autoscaling: Any) -> list[str]:
    found = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    return [a["Cause"] for a in reversed(found)]


def changed(autoscaling: Any, alarm: str, policy: str) -> list[tuple[int, int]]:
    """The (from, to) of each change the alarm's policy made, oldest first (an activity for
    each instance quotes its change)."""
    said = f"a monitor alarm {alarm} in state ALARM triggered policy {policy} changing the "
    found = []
    for cause in causes(autoscaling):
        if said in cause:
            tail = cause.split(said + "desired capacity from ", 1)[1].split(".", 1)[0]
            before, after = tail.split(" to ")
            found.append((int(before), int(after)))
    return list(dict.fromkeys(found))


def policy(autoscaling: Any, name: str, **fields: Any) -> str:
    """A policy on the group "web" adjusting by count, its ARN."""
    made = autoscaling.put_scaling_policy(
        AutoScalingGroupName="web", PolicyName=name, AdjustmentType="ChangeInCapacity", **fields
    )
    return str(made["PolicyARN"])


def test_simple_policies_on_user_alarms_follow_the_load(
    autoscaling: Any, client: Any, server: Server, region: str
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=6, desired=2)
    out = policy(autoscaling, "out", ScalingAdjustment=2, Cooldown=180)
    back = policy(autoscaling, "in", ScalingAdjustment=-1, Cooldown=60)
    cw = client("cloudwatch")
    cpu_alarm(cw, "cpu-high", out, "GreaterThanThreshold", 70.0)
    cpu_alarm(cw, "cpu-low", back, "LessThanThreshold", 30.0)

    def desired() -> int:
        return int(describe_group(autoscaling, "web")["DesiredCapacity"])

    set_load(server, region, {"cpu": {"constant": 340}})  # 100% on two, 85% on four
    seen = minutes(server, 12, desired)
    assert seen[-1] == 6 and seen[-4:] == [6] * 4, seen  # 56.7% on six: the alarm is OK
    assert changed(autoscaling, "cpu-high", "out") == [(2, 4), (4, 6)]
    # each activity's end starts the policy's own cooldown (180 s), not the group's 300 s
    assert seen.index(6) - seen.index(4) == 4, seen
    set_load(server, region, {"cpu": {"constant": 60}})  # 10% on six, 30% on two
    seen = minutes(server, 14, desired)
    assert seen[-1] == 2 and seen[-4:] == [2] * 4, seen  # 30% is not below 30
    assert changed(autoscaling, "cpu-low", "in") == [(6, 5), (5, 4), (4, 3), (3, 2)]
    assert seen[:8] == [6, 6, 5, 5, 4, 4, 3, 3], "one a launch's end plus the 60 s cooldown"
    assert [i["LifecycleState"] for i in describe_group(autoscaling, "web")["Instances"]] == [
        "InService"
    ] * 2
    states = {a["AlarmName"]: a["StateValue"] for a in cw.describe_alarms()["MetricAlarms"]}
    assert states == {"cpu-high": "OK", "cpu-low": "OK"}


def test_step_policies_on_user_alarms_pick_their_step(
    autoscaling: Any, client: Any, server: Server, region: str
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=8, desired=2)
    out = policy(
        autoscaling,
        "steps-out",
        PolicyType="StepScaling",
        EstimatedInstanceWarmup=180,
        StepAdjustments=[
            {
                "MetricIntervalLowerBound": 0.0,
                "MetricIntervalUpperBound": 15.0,
                "ScalingAdjustment": 1,
            },
            {"MetricIntervalLowerBound": 15.0, "ScalingAdjustment": 2},
        ],
    )
    back = policy(
        autoscaling,
        "steps-in",
        PolicyType="StepScaling",
        StepAdjustments=[{"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1}],
    )
    cw = client("cloudwatch")
    cpu_alarm(cw, "cpu-high", out, "GreaterThanOrEqualToThreshold", 70.0)
    cpu_alarm(cw, "cpu-low", back, "LessThanThreshold", 16.0)

    def desired() -> int:
        return int(describe_group(autoscaling, "web")["DesiredCapacity"])

    # 100% on two is 30 over the threshold (+2); 75% on four is 5 over (+1); 60% on five is under
    set_load(server, region, {"cpu": {"constant": 300}})
    seen = minutes(server, 12, desired)
    assert seen[-1] == 5 and seen[-4:] == [5] * 4, seen
    # while the first two warm up (180 s) the alarm's repeats add nothing: they are counted
    assert changed(autoscaling, "cpu-high", "steps-out") == [(2, 4), (4, 5)]
    set_load(server, region, {"cpu": {"constant": 60}})  # 12% on five, 15% on four, 20% on three
    seen = minutes(server, 12, desired)
    assert seen[-1] == 2 and seen[-4:] == [2] * 4, seen
    # Step scale-in has no cooldown and the alarm reads the last whole minute, so it runs once
    # more after three have brought the metric back over the threshold: 30% on two holds
    assert changed(autoscaling, "cpu-low", "steps-in") == [(5, 4), (4, 3), (3, 2)]


def test_ess_rules_run_by_tasks_follow_the_load(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=1, max_size=6, desired=2)

    def rule(name: str, **fields: Any) -> Any:
        return ess.create_scaling_rule(
            m.CreateScalingRuleRequest(
                region_id=region, scaling_group_id=group, scaling_rule_name=name, **fields
            )
        ).body

    out = rule(
        "steps-out",
        scaling_rule_type="StepScalingRule",
        adjustment_type="QuantityChangeInCapacity",
        estimated_instance_warmup=180,
        step_adjustments=[
            m.CreateScalingRuleRequestStepAdjustments(
                metric_interval_lower_bound=0, metric_interval_upper_bound=15, scaling_adjustment=1
            ),
            m.CreateScalingRuleRequestStepAdjustments(
                metric_interval_lower_bound=15, scaling_adjustment=2
            ),
        ],
    )
    back = rule(
        "one-in",
        scaling_rule_type="SimpleScalingRule",
        adjustment_type="QuantityChangeInCapacity",
        adjustment_value=-1,
        cooldown=60,
    )

    ess_cpu_task(ess, region, group, "cpu-high", ">=", 70.0, out.scaling_rule_ari)
    ess_cpu_task(ess, region, group, "cpu-low", "<", 30.0, back.scaling_rule_ari)

    def capacity() -> int:
        [row] = ess.describe_scaling_groups(
            m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
        ).body.scaling_groups
        return int(row.total_capacity)

    where = f"cloud=aliyun&group={group}"
    set_load(server, region, {"cpu": {"constant": 300}}, where)  # as in the AWS step test
    seen = minutes(server, 12, capacity)
    assert seen[-1] == 5 and seen[-4:] == [5] * 4, seen
    set_load(server, region, {"cpu": {"constant": 60}}, where)  # 12% on five, 30% on two
    seen = minutes(server, 12, capacity)
    assert seen[-1] == 2 and seen[-4:] == [2] * 4, seen
    assert seen[:8] == [5, 5, 5, 4, 4, 3, 3, 2], "one a removal's end plus the rule's 60 s cooldown"
    activities = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group, page_size=50)
    ).body.scaling_activities
    runs = [(out.scaling_rule_id, 2, 4), (out.scaling_rule_id, 4, 5)]
    runs += [(back.scaling_rule_id, n, n - 1) for n in (5, 4, 3)]
    assert sorted(a.cause for a in activities if "scaling rule" in a.cause) == sorted(
        f'A user requests to execute scaling rule "{rule_id}", changing the Total Capacity '
        f'from "{before}" to "{after}".'
        for rule_id, before, after in runs
    )
