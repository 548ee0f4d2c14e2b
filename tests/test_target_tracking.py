"""Target tracking and alarm-driven policies end to end through boto3 and the aws CLI: the two
CloudWatch alarms a target tracking policy owns (created, updated, deleted with it and with its
group), a custom metric put each minute driving the group out and in on the service clock, step
boundaries, a simple policy's cooldown under a standing alarm, and warm-up."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import describe_group, make_group
from tidewater.domain import tracking

NS = "App/Tracking"
DIMS = [{"Name": "Service", "Value": "web"}]


def custom(target: float, **extra: Any) -> dict[str, Any]:
    return {
        "CustomizedMetricSpecification": {
            "Namespace": NS,
            "MetricName": "Load",
            "Dimensions": DIMS,
            "Statistic": "Average",
        },
        "TargetValue": target,
        **extra,
    }


def now(server: Server) -> datetime:
    return datetime.fromisoformat(server.get("/_tidewater/health")["now"])


def owned(cw: Any, group: str = "web") -> dict[str, dict[str, Any]]:
    """The group's owned alarms by role (High, Low)."""
    found = cw.describe_alarms(AlarmNamePrefix=f"TargetTracking-{group}-Alarm")["MetricAlarms"]
    return {a["AlarmName"].split("-Alarm")[1].split("-")[0]: a for a in found}


def desired(autoscaling: Any) -> int:
    return int(describe_group(autoscaling, "web")["DesiredCapacity"])


def minutes(autoscaling: Any, cw: Any, server: Server, count: int, value: Any) -> list[int]:
    """Each minute: put the metric (a number, or a function of the desired capacity) in the
    current minute, move the clock a minute on; the desired capacity after each minute."""
    seen = []
    for _ in range(count):
        at = now(server).replace(second=0, microsecond=0)
        current = desired(autoscaling)
        metric = value(current) if callable(value) else value
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[
                {"MetricName": "Load", "Dimensions": DIMS, "Value": metric, "Timestamp": at}
            ],
        )
        server.advance(60)
        server.settle()
        seen.append(desired(autoscaling))
    return seen


def tt(autoscaling: Any, target: float = 50.0, warmup: int = 0, **extra: Any) -> dict[str, Any]:
    return dict(
        autoscaling.put_scaling_policy(
            AutoScalingGroupName="web",
            PolicyName="track",
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration=custom(target, **extra),
            EstimatedInstanceWarmup=warmup,
        )
    )


def user_alarm(cw: Any, name: str, operator: str, arn: str) -> None:
    """A user's one-minute alarm over the custom metric at 50, acting with the policy `arn`."""
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace=NS,
        MetricName="Load",
        Dimensions=DIMS,
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=50.0,
        ComparisonOperator=operator,
        AlarmActions=[arn],
    )


def test_the_policy_owns_its_two_alarms(
    autoscaling: Any, client: Any, server: Server, aws_cli: Any
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=10, desired=2, boot=False)
    cw = client("cloudwatch")
    put = tt(autoscaling)
    arn = put["PolicyARN"]
    alarms = owned(cw)
    assert sorted(alarms) == ["High", "Low"]
    high, low = alarms["High"], alarms["Low"]
    assert sorted(put["Alarms"], key=lambda a: a["AlarmName"]) == [
        {"AlarmARN": high["AlarmArn"], "AlarmName": high["AlarmName"]},
        {"AlarmARN": low["AlarmArn"], "AlarmName": low["AlarmName"]},
    ]
    uuids = [a["AlarmName"].rsplit("Alarm", 1)[1].split("-", 1)[1] for a in (high, low)]
    assert all(len(u) == 36 for u in uuids) and uuids[0] != uuids[1]
    for alarm in (high, low):
        assert alarm["AlarmDescription"] == (
            f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {arn}."
        )
        assert alarm["AlarmActions"] == [arn] and alarm["ActionsEnabled"] is True
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
            NS,
            "Load",
            "Average",
        )
        assert alarm["Dimensions"] == DIMS and alarm["Period"] == 60
    assert (high["ComparisonOperator"], high["Threshold"], high["EvaluationPeriods"]) == (
        "GreaterThanThreshold",
        50.0,
        3,
    )
    assert high["DatapointsToAlarm"] == 3
    assert (low["ComparisonOperator"], low["Threshold"], low["EvaluationPeriods"]) == (
        "LessThanThreshold",
        45.0,
        15,
    )
    # DescribePolicies lists them, and so does the aws CLI
    listed = aws_cli("autoscaling", "describe-policies", "--auto-scaling-group-name", "web")
    assert listed.returncode == 0, listed.stderr
    [policy] = json.loads(listed.stdout)["ScalingPolicies"]
    assert {a["AlarmName"] for a in policy["Alarms"]} == {high["AlarmName"], low["AlarmName"]}
    # an update keeps the names and moves the thresholds
    again = tt(autoscaling, target=60.0)
    assert again["PolicyARN"] == arn
    moved = owned(cw)
    assert {r: a["AlarmName"] for r, a in moved.items()} == {
        "High": high["AlarmName"],
        "Low": low["AlarmName"],
    }
    assert (moved["High"]["Threshold"], moved["Low"]["Threshold"]) == (60.0, 54.0)
    # scale-in disabled: the low alarm goes; enabled again: a new one comes
    tt(autoscaling, target=60.0, DisableScaleIn=True)
    assert sorted(owned(cw)) == ["High"]
    tt(autoscaling, target=60.0)
    assert (
        sorted(owned(cw)) == ["High", "Low"] and owned(cw)["Low"]["AlarmName"] != low["AlarmName"]
    )
    # no longer target tracking: no alarms
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="track",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
    )
    assert owned(cw) == {}
    assert (
        autoscaling.describe_policies(AutoScalingGroupName="web")["ScalingPolicies"][0]["Alarms"]
        == []
    )
    # DeletePolicy deletes them, with a ConfigurationUpdate in their history
    tt(autoscaling)
    names = [a["AlarmName"] for a in owned(cw).values()]
    autoscaling.delete_policy(AutoScalingGroupName="web", PolicyName="track")
    assert owned(cw) == {}
    items = cw.describe_alarm_history(AlarmName=names[0])["AlarmHistoryItems"]
    assert items[0]["HistorySummary"] == f'Alarm "{names[0]}" deleted'
    # a predefined metric: AWS/EC2 over the group; deleting the group deletes the alarms
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 40.0,
        },
    )
    cpu = owned(cw)
    assert (cpu["High"]["Namespace"], cpu["High"]["MetricName"]) == ("AWS/EC2", "CPUUtilization")
    assert cpu["High"]["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "web"}]
    assert cpu["Low"]["Threshold"] == 36.0
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    for _ in range(10):  # its instances terminate, then it goes
        server.advance(60)
        server.settle()
        if not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])[
            "AutoScalingGroups"
        ]:
            break
    assert owned(cw) == {}


def test_tracking_a_custom_metric_scales_out_settles_and_scales_in(
    autoscaling: Any, client: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=10, desired=2)
    cw = client("cloudwatch")
    tt(autoscaling, warmup=0)
    load = 200.0  # the whole load, spread over the group: 100 each at 2 instances
    seen = minutes(autoscaling, cw, server, 6, lambda n: load / n)
    # three minutes above the target: 2 × 100 / 50 = 4, then at the target it stays
    assert seen[:2] == [2, 2] and seen[2] == 4 and seen[3:] == [4, 4, 4]
    cause = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"][0][
        "Cause"
    ]
    high = owned(cw)["High"]["AlarmName"]
    assert (
        f" a monitor alarm {high} in state ALARM triggered policy track changing the desired "
        "capacity from 2 to 4.  At " in cause
    )
    assert cause.startswith("At ")
    # half the load: 25 each, below 45 for fifteen minutes, then 4 × 25 / 50 = 2
    load = 100.0
    seen = minutes(autoscaling, cw, server, 20, lambda n: load / n)
    assert seen[:14] == [4] * 14 and seen[14] == 2 and seen[15:] == [2] * 5
    low = owned(cw)["Low"]["AlarmName"]
    causes = [
        a["Cause"]
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ]
    assert any(
        f" a monitor alarm {low} in state ALARM triggered policy track changing the desired "
        "capacity from 4 to 2.  At " in c
        for c in causes
    )


def test_disable_scale_in_never_scales_in(autoscaling: Any, client: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=1, max_size=10, desired=3)
    cw = client("cloudwatch")
    tt(autoscaling, DisableScaleIn=True)
    seen = minutes(autoscaling, cw, server, 20, 5.0)
    assert seen == [3] * 20


def test_warming_instances_are_not_counted_twice(
    autoscaling: Any, client: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=20, desired=2)
    server.advance(610)  # the first two have warmed up
    server.settle()
    cw = client("cloudwatch")
    tt(autoscaling, warmup=600)
    # the new instances carry nothing while they warm up: the metric stays at 100 for minutes,
    # and the alarm, in ALARM, asks every minute; the group still goes to 4 only
    seen = minutes(autoscaling, cw, server, 8, 100.0)
    assert seen[2:] == [4] * 6
    # a bigger breach while they warm: computed from the 2 warmed, 2 × 150 / 50 = 6
    seen = minutes(autoscaling, cw, server, 2, 150.0)
    assert seen[-1] == 6


def test_step_boundaries_from_a_user_alarm(autoscaling: Any, client: Any, server: Server) -> None:
    """Lower bounds are inclusive above the threshold: 60 falls in [10, 20), 70 in [20, ∞)."""
    make_group(autoscaling, server, min_size=1, max_size=20, desired=2)
    cw = client("cloudwatch")
    arn = autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="steps",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        EstimatedInstanceWarmup=0,
        StepAdjustments=[
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {
                "MetricIntervalLowerBound": 10,
                "MetricIntervalUpperBound": 20,
                "ScalingAdjustment": 2,
            },
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 4},
        ],
    )["PolicyARN"]
    user_alarm(cw, "busy", "GreaterThanOrEqualToThreshold", arn)
    # each minute one value; the alarm in ALARM runs the policy once a minute
    assert minutes(autoscaling, cw, server, 1, 50.5) == [3]  # 0.5 above: [0, 10) → +1
    assert minutes(autoscaling, cw, server, 1, 59.5) == [4]  # 9.5 above: still +1
    assert minutes(autoscaling, cw, server, 1, 60.0) == [6]  # 10 above: [10, 20) → +2
    assert minutes(autoscaling, cw, server, 1, 69.5) == [8]  # 19.5 above: still +2
    assert minutes(autoscaling, cw, server, 1, 70.0) == [12]  # 20 above: [20, ∞) → +4
    cause = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"][0][
        "Cause"
    ]
    assert (
        "a monitor alarm busy in state ALARM triggered policy steps changing the desired "
        "capacity from 8 to 12." in cause
    )


def test_a_standing_alarm_and_a_simple_policys_cooldown(
    autoscaling: Any, client: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=20, desired=1)
    server.advance(310)  # past the first launch's default cooldown
    server.settle()
    cw = client("cloudwatch")
    arn = autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
        Cooldown=300,
    )["PolicyARN"]
    user_alarm(cw, "hot", "GreaterThanThreshold", arn)
    seen = minutes(autoscaling, cw, server, 12, 90.0)
    # once, then nothing for the 300 s cooldown, then once more
    assert seen[0] == 2 and seen[1:5] == [2] * 4
    assert seen[5:7] in ([3, 3], [2, 3]) and seen[-1] >= 3
    first = seen.index(3)
    assert seen[first : first + 5] == [3] * 5
    actions = cw.describe_alarm_history(AlarmName="hot", HistoryItemType="Action")
    assert len(actions["AlarmHistoryItems"]) >= 12  # invoked every minute in ALARM
    assert all(
        i["HistorySummary"] == f"Successfully executed action {arn}"
        for i in actions["AlarmHistoryItems"]
    )


@given(target=st.floats(min_value=0.001, max_value=1e9, allow_nan=False))
def test_the_low_alarm_sits_below_the_target(target: float) -> None:
    alarms = tracking.owned_alarms("g", "arn", custom(target))
    assert alarms["High"]["Threshold"] == target
    assert alarms["Low"]["Threshold"] < target
    assert abs(alarms["Low"]["Threshold"] - 0.9 * target) <= 1e-6 * target
    assert "Low" not in tracking.owned_alarms("g", "arn", custom(target, DisableScaleIn=True))


def test_each_predefined_metric_names_its_alarm_metric() -> None:
    def spec(kind: str, **extra: str) -> dict[str, Any]:
        predefined = {"PredefinedMetricType": kind, **extra}
        return {"PredefinedMetricSpecification": predefined, "TargetValue": 10.0}

    net = tracking.owned_alarms("g", "arn", spec("ASGAverageNetworkOut"))["High"]
    assert (net["Namespace"], net["MetricName"], net["Statistic"]) == (
        "AWS/EC2",
        "NetworkOut",
        "Average",
    )
    label = "app/my-alb/778d41231b141a0f/targetgroup/my-tg/943f017f100becff"
    alb = tracking.owned_alarms("g", "arn", spec("ALBRequestCountPerTarget", ResourceLabel=label))
    assert alb["Low"]["Dimensions"] == [
        {"Name": "TargetGroup", "Value": "targetgroup/my-tg/943f017f100becff"}
    ]
    assert (alb["Low"]["MetricName"], alb["Low"]["Statistic"]) == ("RequestCountPerTarget", "Sum")
    metrics = {
        "CustomizedMetricSpecification": {
            "Metrics": [
                {
                    "Id": "m",
                    "MetricStat": {
                        "Metric": {"Namespace": NS, "MetricName": "Load"},
                        "Stat": "Sum",
                    },
                    "ReturnData": True,
                }
            ]
        },
        "TargetValue": 5.0,
    }
    [query] = tracking.owned_alarms("g", "arn", metrics)["High"]["Metrics"]
    assert query["MetricStat"]["Period"] == 60 and query["MetricStat"]["Stat"] == "Sum"


def test_the_single_metric_stat_form_drives_the_group(
    autoscaling: Any, client: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=10, desired=2)
    cw = client("cloudwatch")
    stat = {
        "Metric": {"Namespace": NS, "MetricName": "Load", "Dimensions": DIMS},
        "Stat": "Average",
    }
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="track",
        PolicyType="TargetTrackingScaling",
        EstimatedInstanceWarmup=0,
        TargetTrackingConfiguration={
            "CustomizedMetricSpecification": {
                "Metrics": [{"Id": "load", "MetricStat": stat, "ReturnData": True}]
            },
            "TargetValue": 50.0,
        },
    )
    assert owned(cw)["High"]["Metrics"][0]["MetricStat"]["Period"] == 60
    assert minutes(autoscaling, cw, server, 5, lambda n: 150.0 / n) == [2, 2, 3, 3, 3]
