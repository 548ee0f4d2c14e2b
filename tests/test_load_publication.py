"""A load model published as metrics on the service clock, read back through boto3, and driving
a target tracking policy on ASGAverageCPUUtilization end to end: the clock moved, never slept."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from alibabacloud_ess20220222 import models as m
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import alb_forwarding, describe_group, make_group
from tests.test_ess import ready_group
from tidewater.domain.load import Demand
from tidewater.domain.scope import Cloud
from tidewater.engine.telemetry import points


def set_load(server: Server, region: str, body: dict[str, Any], where: str = "group=web") -> None:
    request = urllib.request.Request(
        f"{server.url}/_tidewater/load?region={region}&{where}",
        data=json.dumps(body).encode(),
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def now(server: Server) -> datetime:
    return datetime.fromisoformat(server.get("/_tidewater/health")["now"])


def series(
    cw: Any, server: Server, namespace: str, name: str, statistic: str, **dimension: str
) -> list[float]:
    """The last five minutes of one metric under one dimension, oldest first; the window ends a
    minute past now so a clock sitting on a whole minute still shows the minute it just put."""
    end = now(server)
    found = cw.get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimension.items()],
        StartTime=end - timedelta(minutes=5),
        EndTime=end + timedelta(minutes=1),
        Period=60,
        Statistics=[statistic],
    )["Datapoints"]
    return [p[statistic] for p in sorted(found, key=lambda p: p["Timestamp"])]


def cpu(cw: Any, server: Server, **dimension: str) -> list[float]:
    """The last five minutes' average CPUUtilization under one dimension, oldest first."""
    return series(cw, server, "AWS/EC2", "CPUUtilization", "Average", **dimension)


def test_each_minute_is_published_per_instance_and_for_the_group(
    autoscaling: Any, client: Any, server: Server, region: str
) -> None:
    group = make_group(autoscaling, server, min_size=1, max_size=10, desired=2)
    cw = client("cloudwatch")
    set_load(server, region, {"cpu": {"constant": 170}})  # 85% on each of two
    for _ in range(3):
        server.advance(60)
    assert cpu(cw, server, AutoScalingGroupName="web")[-3:] == [85.0, 85.0, 85.0]
    first = sorted(i["InstanceId"] for i in group["Instances"])[0]
    assert cpu(cw, server, InstanceId=first)[-1] == 85.0
    listed = cw.list_metrics(Namespace="AWS/EC2", MetricName="CPUUtilization")["Metrics"]
    assert len(listed) == 3, "one per instance and one for the group"
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
    server.advance(60)
    server.advance(60)
    assert cpu(cw, server, AutoScalingGroupName="web")[-1] == 42.5, "the same demand, shared"


def test_target_tracking_on_cpu_grows_the_group_to_the_target_and_stays(
    autoscaling: Any, client: Any, server: Server, region: str
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=10, desired=2)
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="cpu50",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0,
        },
    )
    set_load(server, region, {"cpu": {"constant": 170}})  # 85% on two: 3.4 instances at 50%
    seen = []
    for _ in range(12):
        server.advance(60)
        seen.append(describe_group(autoscaling, "web")["DesiredCapacity"])
    assert seen[-1] == 4 and max(seen) == 4, seen
    assert seen[-6:] == [4] * 6, "settled at 42.5% under the target: no flapping"
    causes = [
        a["Cause"]
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ]
    assert any(
        "a monitor alarm TargetTracking-web-AlarmHigh-" in c and "triggered policy cpu50" in c
        for c in causes
    )
    set_load(server, region, {"cpu": {"constant": 60}})  # 15% on four
    for _ in range(20):
        server.advance(60)
    assert describe_group(autoscaling, "web")["DesiredCapacity"] < 4, "the low alarm scaled in"


def test_an_ess_task_runs_its_rule_under_load(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=1, max_size=5, desired=2)
    rule = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            scaling_group_id=group, adjustment_type="QuantityChangeInCapacity", adjustment_value=1
        )
    ).body.scaling_rule_ari
    ess.create_alarm(
        m.CreateAlarmRequest(
            region_id=region,
            scaling_group_id=group,
            name="cpu-high",
            metric_name="CpuUtilization",
            period=60,
            statistics="Average",
            threshold=70.0,
            comparison_operator=">=",
            evaluation_count=2,
            alarm_actions=[rule],
        )
    )
    set_load(server, region, {"cpu": {"constant": 170}}, f"cloud=aliyun&group={group}")

    def capacity() -> int:
        [row] = ess.describe_scaling_groups(
            m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
        ).body.scaling_groups
        return int(row.desired_capacity)

    seen = []
    for _ in range(10):
        server.advance(60)
        seen.append(capacity())
    # 85% on two for two periods runs the rule once; then 56.7% on three is below 70
    assert seen[0] == 2 and max(seen) == 3, seen
    assert seen[-4:] == [3, 3, 3, 3], "the task went back to OK and stopped running the rule"


@given(
    st.sampled_from(list(Cloud)),
    st.lists(st.text(min_size=1, max_size=4), max_size=5, unique=True),
    st.floats(0, 1e6),
)
def test_a_minute_makes_one_datum_per_series_and_instance(
    cloud: Cloud, serving: list[str], demand: float
) -> None:
    made = points(cloud, "g", serving, Demand(cpu=demand), ["cpu"])
    per_instance = 2 if cloud is Cloud.AWS else 0
    expected = 0 if not serving else (per_instance * len(serving) or 1)
    assert len(made) == expected
    assert all(0 <= value <= 100 for _, value, _ in made), "CPU is a share, capped at 100%"


def group_metric(cw: Any, server: Server, name: str, group: str = "web") -> list[float]:
    """The last five minutes of one AWS/AutoScaling metric, oldest first."""
    return series(cw, server, "AWS/AutoScaling", name, "Maximum", AutoScalingGroupName=group)


def test_collected_group_metrics_are_sampled_each_minute_while_enabled(
    autoscaling: Any, client: Any, server: Server, region: str
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=6, desired=2)
    cw = client("cloudwatch")
    autoscaling.enable_metrics_collection(AutoScalingGroupName="web", Granularity="1Minute")
    server.advance(60)
    assert group_metric(cw, server, "GroupInServiceInstances") == [2.0]
    assert group_metric(cw, server, "GroupMaxSize") == [6.0]
    assert group_metric(cw, server, "GroupTotalCapacity") == [2.0]
    listed = cw.list_metrics(Namespace="AWS/AutoScaling")["Metrics"]
    assert len(listed) == 15, "every group metric but the warm pool's five"
    assert listed[0]["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "web"}]
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
    server.advance(60)
    assert group_metric(cw, server, "GroupDesiredCapacity") == [2.0, 4.0]
    server.advance(60)
    assert group_metric(cw, server, "GroupInServiceInstances")[-1] == 4.0
    autoscaling.disable_metrics_collection(AutoScalingGroupName="web")
    server.advance(60)
    server.advance(60)
    assert len(group_metric(cw, server, "GroupDesiredCapacity")) == 3, "nothing once disabled"


def test_a_subset_is_collected_beside_a_load_model_and_each_outlives_the_other(
    autoscaling: Any, client: Any, server: Server, region: str
) -> None:
    make_group(autoscaling, server, min_size=1, max_size=6, desired=2)
    cw = client("cloudwatch")
    autoscaling.enable_metrics_collection(
        AutoScalingGroupName="web", Granularity="1Minute", Metrics=["GroupPendingInstances"]
    )
    set_load(server, region, {"cpu": {"constant": 100}})
    server.advance(60)
    assert [m["MetricName"] for m in cw.list_metrics(Namespace="AWS/AutoScaling")["Metrics"]] == [
        "GroupPendingInstances"
    ]
    assert group_metric(cw, server, "GroupPendingInstances") == [0.0]
    clear = urllib.request.Request(
        f"{server.url}/_tidewater/load?region={region}&group=web", method="DELETE"
    )
    with urllib.request.urlopen(clear, timeout=30) as response:
        assert response.status in (200, 204)
    server.advance(60)
    assert len(group_metric(cw, server, "GroupPendingInstances")) == 2, "collection goes on"
    assert len(cpu(cw, server, AutoScalingGroupName="web")) == 1, "the load model is gone"
    set_load(server, region, {"cpu": {"constant": 100}})
    autoscaling.disable_metrics_collection(AutoScalingGroupName="web")
    server.advance(60)
    assert len(group_metric(cw, server, "GroupPendingInstances")) == 2
    assert cpu(cw, server, AutoScalingGroupName="web")[-1] == 50.0, "the load model goes on"


def test_alb_requests_per_target_drive_target_tracking(
    autoscaling: Any, client: Any, ec2: Any, server: Server, region: str
) -> None:
    elbv2, cw = client("elbv2"), client("cloudwatch")
    tg, alb = alb_forwarding(elbv2, ec2)
    make_group(autoscaling, server, min_size=1, max_size=10, desired=2, TargetGroupARNs=[tg])
    set_load(server, region, {"requests": {"constant": 600}})
    server.advance(60)
    dimension = tg[tg.find("targetgroup/") :]

    def per_target() -> float:
        end = now(server)
        found = cw.get_metric_statistics(
            Namespace="AWS/ApplicationELB",
            MetricName="RequestCountPerTarget",
            Dimensions=[{"Name": "TargetGroup", "Value": dimension}],
            StartTime=end - timedelta(minutes=2),
            EndTime=end + timedelta(minutes=1),  # a clock on a whole minute has just put it
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return float(max(found, key=lambda p: p["Timestamp"])["Sum"])

    assert per_target() == 300.0
    label = alb["LoadBalancerArn"].split(":loadbalancer/")[1] + "/" + dimension
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="rps",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": label,
            },
            "TargetValue": 100.0,
        },
    )
    seen = []
    for _ in range(10):
        server.advance(60)
        seen.append(describe_group(autoscaling, "web")["DesiredCapacity"])
    assert seen[-1] == 6 and seen[-4:] == [6] * 4, seen
    assert per_target() == 100.0, "600 requests a minute over six targets"


@given(
    st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=5, unique=True),
    st.lists(st.text(min_size=1, max_size=8), max_size=4, unique=True),
    st.floats(0, 1e9),
)
def test_requests_are_split_over_target_groups_then_targets(
    serving: list[str], target_groups: list[str], requests: float
) -> None:
    made = points(Cloud.AWS, "g", serving, Demand(requests=requests), ["requests"], target_groups)
    totals = [v for metric, v, _ in made if metric.name == "RequestCount"]
    shares = [v for metric, v, _ in made if metric.name == "RequestCountPerTarget"]
    assert len(totals) == len(shares) == len(target_groups)
    assert abs(sum(totals) - (requests if target_groups else 0)) <= 1e-6 * max(1.0, requests)
    for share, total in zip(shares, totals, strict=True):
        assert abs(share * len(serving) - total) <= 1e-6 * max(1.0, total)
