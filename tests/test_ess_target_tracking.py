"""An ESS target tracking rule's event-triggered tasks through the 2022 SDK: created with the
rule, listed by DescribeAlarms and by DescribeScalingRules with ShowAlarmRules, changed with
ModifyScalingRule (the low task only while scale-in is enabled) and deleted with the rule.

Driving them by load needs the group's system metrics, which the load publisher puts: that
end-to-end run belongs with the publisher's tests."""

from __future__ import annotations

from typing import Any

from alibabacloud_ess20220222 import models as m
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server
from tests.test_ess_rules import create, ready_group
from tidewater.domain import tracking

# a target tracking rule on the group's CPU at 60 %, four minutes above to scale out
CPU_AT_60 = {
    "scaling_rule_type": "TargetTrackingScalingRule",
    "metric_name": "CpuUtilization",
    "target_value": 60,
    "scale_out_evaluation_count": 4,
}


def tasks(ess: Any, region: str, group: str) -> dict[str, dict[str, Any]]:
    """The group's target tracking tasks by role (High, Low)."""
    found = ess.describe_alarms(
        m.DescribeAlarmsRequest(region_id=region, scaling_group_id=group, page_size=50)
    ).body.alarm_list
    return {
        a.name.split("-Alarm")[1].split("-")[0]: a.to_map()
        for a in found
        if a.name.startswith("TargetTracking-")
    }


def shown(ess: Any, region: str, group: str, show: bool) -> list[dict[str, Any]]:
    [rule] = ess.describe_scaling_rules(
        m.DescribeScalingRulesRequest(
            region_id=region, scaling_group_id=group, show_alarm_rules=show
        )
    ).body.scaling_rules
    return [a.to_map() for a in rule.alarms or []]


def test_a_target_tracking_rule_owns_its_tasks(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=10, desired=0)
    made = create(ess, region, group, "cpu", **CPU_AT_60)
    rule_id, ari = made.scaling_rule_id, made.scaling_rule_ari
    found = tasks(ess, region, group)
    assert sorted(found) == ["High", "Low"]
    high, low = found["High"], found["Low"]
    for task, role in ((high, "High"), (low, "Low")):
        assert task["Name"].startswith(f"TargetTracking-{rule_id}-Alarm{role}-")
        assert len(task["Name"].rsplit(f"Alarm{role}-", 1)[1]) == 36
        assert task["AlarmTaskId"].startswith(f"{group}_")
        assert task["Description"] == (
            f"DO NOT EDIT OR DELETE.For TargetTrackingScalingRule scalingRuleAri:{ari}, "
            "scalingRuleName:cpu"
        )
        assert task["AlarmActions"] == [ari] and task["Enable"] is True
        assert (task["MetricType"], task["MetricName"], task["Period"], task["Statistics"]) == (
            "system",
            "CpuUtilization",
            60,
            "Average",
        )
        assert {d["DimensionKey"] for d in task["Dimensions"]} == {"scaling_group", "userId"}
    assert (high["ComparisonOperator"], high["Threshold"], high["EvaluationCount"]) == (">", 60, 4)
    assert (low["ComparisonOperator"], low["Threshold"], low["EvaluationCount"]) == ("<", 54, 15)
    # listed with the rule only when asked
    assert shown(ess, region, group, False) == []
    listed = {a["AlarmTaskId"]: a for a in shown(ess, region, group, True)}
    assert set(listed) == {high["AlarmTaskId"], low["AlarmTaskId"]}
    assert listed[high["AlarmTaskId"]]["AlarmTaskName"] == high["Name"]
    assert listed[low["AlarmTaskId"]]["ComparisonOperator"] == "<"
    # ModifyScalingRule: the same tasks with the new target; no scale-in, no low task
    ess.modify_scaling_rule(m.ModifyScalingRuleRequest(scaling_rule_id=rule_id, target_value=80))
    moved = tasks(ess, region, group)
    assert {r: t["AlarmTaskId"] for r, t in moved.items()} == {
        "High": high["AlarmTaskId"],
        "Low": low["AlarmTaskId"],
    }
    assert (moved["High"]["Threshold"], moved["Low"]["Threshold"]) == (80, 72)
    ess.modify_scaling_rule(
        m.ModifyScalingRuleRequest(scaling_rule_id=rule_id, disable_scale_in=True)
    )
    assert sorted(tasks(ess, region, group)) == ["High"]
    # a task deleted by hand is written afresh by the rule's next change
    gone = tasks(ess, region, group)["High"]["AlarmTaskId"]
    ess.delete_alarm(m.DeleteAlarmRequest(region_id=region, alarm_task_id=gone))
    assert tasks(ess, region, group) == {}
    ess.modify_scaling_rule(m.ModifyScalingRuleRequest(scaling_rule_id=rule_id, target_value=70))
    again = tasks(ess, region, group)
    assert sorted(again) == ["High"] and again["High"]["AlarmTaskId"] != gone
    assert again["High"]["Threshold"] == 70
    assert [a["AlarmTaskId"] for a in shown(ess, region, group, True)] == [
        again["High"]["AlarmTaskId"]
    ]
    # DeleteScalingRule deletes them
    ess.delete_scaling_rule(m.DeleteScalingRuleRequest(scaling_rule_id=rule_id))
    assert tasks(ess, region, group) == {}


@given(
    target=st.floats(min_value=0.001, max_value=1e9, allow_nan=False),
    out=st.integers(min_value=1, max_value=100),
    inn=st.integers(min_value=1, max_value=100),
    disabled=st.booleans(),
)
def test_the_tasks_follow_the_rule(target: float, out: int, inn: int, disabled: bool) -> None:
    settings = {
        "TargetValue": target,
        "ScaleOutEvaluationCount": out,
        "ScaleInEvaluationCount": inn,
        "DisableScaleIn": disabled,
    }
    found = tracking.ess_tasks("ari", "r", settings)
    assert (found["High"]["Threshold"], found["High"]["EvaluationCount"]) == (target, out)
    assert ("Low" in found) is not disabled
    if not disabled:
        assert found["Low"]["Threshold"] < target and found["Low"]["EvaluationCount"] == inn
