"""ESS event-triggered tasks through both Alibaba SDKs, evaluated on the service clock against
the metrics the group publishes (namespace acs_ess_dashboard, dimension groupId)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkess.request.v20140828 import (
    CreateAlarmRequest,
    DeleteAlarmRequest,
    DescribeAlarmsRequest,
    ModifyAlarmRequest,
)
from Tea.exceptions import TeaException

from tests.conftest import Server


def group_with_rule(ess: Any, region: str) -> tuple[str, str]:
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region, scaling_group_name="web", min_size=0, max_size=3
        )
    ).body.scaling_group_id
    rule = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_rule_name="up",
            adjustment_type="QuantityChangeInCapacity",
            adjustment_value=1,
        )
    ).body.scaling_rule_ari
    return str(group), str(rule)


def create(ess: Any, region: str, group: str, ari: str, **extra: Any) -> str:
    return str(
        ess.create_alarm(
            m.CreateAlarmRequest(
                **{
                    "region_id": region,
                    "scaling_group_id": group,
                    "name": "cpu-high",
                    "metric_name": "CpuUtilization",
                    "period": 60,
                    "statistics": "Average",
                    "threshold": 70.0,
                    "comparison_operator": ">=",
                    "evaluation_count": 2,
                    "alarm_actions": [ari],
                    **extra,
                }
            )
        ).body.alarm_task_id
    )


def legacy(client: Any, request: Any, region: str, **params: Any) -> dict[str, Any]:
    request.set_accept_format("json")
    request.add_query_param("RegionId", region)
    for key, value in params.items():
        getattr(request, f"set_{key}")(value)
    return dict(json.loads(client.do_action_with_exception(request)))


def test_tasks_with_both_sdks(ess: Any, ess_legacy: Any, server: Server, region: str) -> None:
    group, ari = group_with_rule(ess, region)
    task = create(ess, region, group, ari, description="scale out")
    assert task.startswith(f"{group}_")
    [found] = ess.describe_alarms(
        m.DescribeAlarmsRequest(region_id=region, scaling_group_id=group)
    ).body.alarm_list
    assert (found.alarm_task_id, found.name, found.description) == (task, "cpu-high", "scale out")
    assert (found.metric_name, found.metric_type, found.period) == ("CpuUtilization", "system", 60)
    assert (found.threshold, found.comparison_operator, found.evaluation_count) == (70.0, ">=", 2)
    assert found.alarm_actions == [ari] and found.enable is True
    assert found.state == "INSUFFICIENT_DATA"
    # 2014-08-28: AlarmList.Alarm, AlarmActions.AlarmAction
    old = legacy(
        ess_legacy, DescribeAlarmsRequest.DescribeAlarmsRequest(), region, ScalingGroupId=group
    )
    assert old["TotalCount"] == 1
    [listed] = old["AlarmList"]["Alarm"]
    assert listed["AlarmActions"]["AlarmAction"] == [ari]
    changed = legacy(
        ess_legacy,
        ModifyAlarmRequest.ModifyAlarmRequest(),
        region,
        AlarmTaskId=task,
        Name="cpu-higher",
        Threshold=90.0,
    )
    assert changed["AlarmTaskId"] == task
    [found] = ess.describe_alarms(
        m.DescribeAlarmsRequest(region_id=region, alarm_task_id=task)
    ).body.alarm_list
    assert (found.name, found.threshold, found.evaluation_count) == ("cpu-higher", 90.0, 2)
    ess.disable_alarm(m.DisableAlarmRequest(region_id=region, alarm_task_id=task))
    assert (
        ess.describe_alarms(
            m.DescribeAlarmsRequest(region_id=region, is_enable=True, scaling_group_id=group)
        ).body.alarm_list
        == []
    )
    ess.enable_alarm(m.EnableAlarmRequest(region_id=region, alarm_task_id=task))
    made = legacy(
        ess_legacy,
        CreateAlarmRequest.CreateAlarmRequest(),
        region,
        ScalingGroupId=group,
        MetricName="MemoryUtilization",
        Threshold=50.0,
        ComparisonOperator="<",
        AlarmActions=[ari],
        Dimensions=[{"DimensionKey": "device", "DimensionValue": "eth0"}],
    )
    [old_made] = ess.describe_alarms(
        m.DescribeAlarmsRequest(region_id=region, alarm_task_id=made["AlarmTaskId"])
    ).body.alarm_list
    assert (old_made.metric_name, old_made.comparison_operator) == ("MemoryUtilization", "<")
    assert (old_made.period, old_made.statistics, old_made.evaluation_count) == (300, "Average", 3)
    assert old_made.alarm_actions == [ari]
    assert [(d.dimension_key, d.dimension_value) for d in old_made.dimensions] == [
        ("device", "eth0")
    ]
    gone = legacy(ess_legacy, DeleteAlarmRequest.DeleteAlarmRequest(), region, AlarmTaskId=task)
    assert gone["AlarmTaskId"] == task
    with pytest.raises(ServerException) as missing:
        legacy(ess_legacy, DeleteAlarmRequest.DeleteAlarmRequest(), region, AlarmTaskId=task)
    assert missing.value.get_error_code() == "InvalidAlarmTaskId.NotFound"
    assert missing.value.get_error_msg() == "The specified alarm task does not exist."


def test_refusals(ess: Any, region: str) -> None:
    group, ari = group_with_rule(ess, region)

    def refused(**extra: Any) -> tuple[str, str]:
        with pytest.raises(TeaException) as caught:
            create(ess, region, **{"group": group, "ari": ari, **extra})
        return caught.value.code, caught.value.data["Message"]

    code, message = refused(ari=f"{ari}-nope")
    assert (code, message) == (
        "InvalidScalingRuleAri.NotFound",
        "The specified scaling rule Ari does not exist.",
    )
    code, message = refused(group="asg-nope")
    assert (code, message) == (
        "InvalidScalingGroupId.NotFound",
        "The specified scaling group does not exist.",
    )
    assert refused(period=45) == (
        "InvalidParameter",
        'The specified value of parameter "Period" is not valid.',
    )
    assert refused(threshold=None) == (
        "MissingParameter",
        'The input parameter "Threshold" that is mandatory for processing this request is not '
        "supplied.",
    )
    with pytest.raises(TeaException) as unknown:
        ess.enable_alarm(m.EnableAlarmRequest(region_id=region, alarm_task_id=f"{group}_nope"))
    assert (unknown.value.code, unknown.value.data["Message"]) == (
        "InvalidAlarmTaskId.NotFound",
        "The specified alarm task does not exist.",
    )


def test_a_task_follows_the_group_metric_on_the_clock(
    ess: Any, client: Any, server: Server, region: str
) -> None:
    group, ari = group_with_rule(ess, region)
    at = datetime.fromisoformat(server.get("/_tidewater/health")["now"])
    t = at.replace(second=0, microsecond=0)
    client("cloudwatch").put_metric_data(
        Namespace="acs_ess_dashboard",
        MetricData=[
            {
                "MetricName": "CpuUtilization",
                "Dimensions": [{"Name": "groupId", "Value": group}],
                "Value": v,
                "Timestamp": t - timedelta(minutes=n),
            }
            for n, v in ((1, 88.0), (2, 91.0))
        ],
    )
    task = create(ess, region, group, ari)
    server.settle()

    def state() -> str:
        [found] = ess.describe_alarms(
            m.DescribeAlarmsRequest(region_id=region, alarm_task_id=task)
        ).body.alarm_list
        return str(found.state)

    assert state() == "ALARM"
    assert [
        a.alarm_task_id
        for a in ess.describe_alarms(
            m.DescribeAlarmsRequest(region_id=region, state="ALARM", scaling_group_id=group)
        ).body.alarm_list
    ] == [task]
    server.advance(180)  # no newer data: the two periods are unknown
    assert state() == "INSUFFICIENT_DATA"


@pytest.mark.parametrize(("logic", "state"), [("&&", "OK"), ("||", "ALARM")])
def test_expressions_combine(
    ess: Any, client: Any, server: Server, region: str, logic: str, state: str
) -> None:
    group, ari = group_with_rule(ess, region)
    t = datetime.fromisoformat(server.get("/_tidewater/health")["now"]).replace(
        second=0, microsecond=0
    )
    client("cloudwatch").put_metric_data(
        Namespace="acs_ess_dashboard",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": "groupId", "Value": group}],
                "Value": value,
                "Timestamp": t - timedelta(minutes=1),
            }
            for name, value in (("CpuUtilization", 95.0), ("MemoryUtilization", 20.0))
        ],
    )
    expressions = [
        m.CreateAlarmRequestExpressions(
            metric_name=name,
            period=60,
            statistics="Maximum",
            threshold=limit,
            comparison_operator=">=",
        )
        for name, limit in (("CpuUtilization", 70.0), ("MemoryUtilization", 50.0))
    ]
    task = create(
        ess,
        region,
        group,
        ari,
        evaluation_count=1,
        expressions=expressions,
        expressions_logic_operator=logic,
    )
    server.settle()
    [found] = ess.describe_alarms(
        m.DescribeAlarmsRequest(region_id=region, alarm_task_id=task)
    ).body.alarm_list
    assert found.state == state
    assert [e.metric_name for e in found.expressions] == ["CpuUtilization", "MemoryUtilization"]
    assert found.expressions_logic_operator == logic
