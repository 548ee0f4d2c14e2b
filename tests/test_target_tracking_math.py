"""A target tracking policy whose CustomizedMetricSpecification is metric math: its owned
alarms evaluate the expression each minute on the service clock and the group scales out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.conftest import Server
from tests.helpers import describe_group, make_group

NS = "App/TrackingMath"


def query(qid: str, name: str) -> dict[str, Any]:
    return {
        "Id": qid,
        "MetricStat": {"Metric": {"Namespace": NS, "MetricName": name}, "Stat": "Sum"},
        "ReturnData": False,
    }


def test_tracking_an_expression_scales_out(autoscaling: Any, client: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=1, max_size=10, desired=2)
    cw = client("cloudwatch")
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="backlog",
        PolicyType="TargetTrackingScaling",
        EstimatedInstanceWarmup=0,
        TargetTrackingConfiguration={
            "CustomizedMetricSpecification": {
                "Metrics": [
                    query("backlog", "Backlog"),
                    query("workers", "Workers"),
                    {
                        "Id": "per_worker",
                        "Expression": "backlog / workers",
                        "Label": "Backlog per worker",
                        "ReturnData": True,
                    },
                ]
            },
            "TargetValue": 50.0,
        },
    )
    seen = []
    for _ in range(5):  # each minute: 300 jobs waiting, shared by the group's workers
        at = datetime.fromisoformat(server.get("/_tidewater/health")["now"])
        at = at.replace(second=0, microsecond=0)
        workers = int(describe_group(autoscaling, "web")["DesiredCapacity"])
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[
                {"MetricName": "Backlog", "Value": 300.0, "Timestamp": at},
                {"MetricName": "Workers", "Value": float(workers), "Timestamp": at},
            ],
        )
        server.advance(60)
        server.settle()
        seen.append(int(describe_group(autoscaling, "web")["DesiredCapacity"]))
    # three minutes of 150 a worker against 50: 2 × 150 / 50 = 6, then it sits at the target
    assert seen == [2, 2, 6, 6, 6]
    (high,) = cw.describe_alarms(AlarmNamePrefix="TargetTracking-web-AlarmHigh")["MetricAlarms"]
    assert high["Metrics"][2]["Expression"] == "backlog / workers"
    assert high["StateValue"] == "OK"
