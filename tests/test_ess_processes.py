"""ESS SuspendProcesses / ResumeProcesses on both API versions, and what each process stops."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import ecs_call, ecs_instance
from tests.test_ess import IMAGE, error_of, instances, ready_group

SUSPENDED = (
    "IncorrectScalingGroupStatus",
    400,
    "The current status of the specified scaling group does not support this action.",
)


def suspend(ess: Any, group: str, *processes: str) -> None:
    ess.suspend_processes(m.SuspendProcessesRequest(scaling_group_id=group, processes=processes))


def resume(ess: Any, group: str, *processes: str) -> None:
    ess.resume_processes(m.ResumeProcessesRequest(scaling_group_id=group, processes=processes))


def suspended(ess: Any, region: str, group: str) -> list[str]:
    [row] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    return list(row.suspended_processes or [])


def activity_of(ess: Any, region: str, activity: str) -> Any:
    [row] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_activity_ids=[activity])
    ).body.scaling_activities
    return row


def group_of_two(ess: Any, server: Server, region: str) -> tuple[str, str, str]:
    group = ready_group(ess, server, region, min_size=0, max_size=4, desired=2)
    first, second = sorted(health(ess, region, group))
    return group, first, second


def settle_twice(server: Server) -> None:
    """Let what is due run, then two passes of ten seconds: an end, then its replacement."""
    server.settle()
    server.advance(10)
    server.advance(10)


def health(ess: Any, region: str, group: str) -> dict[str, str]:
    return {i.instance_id: i.health_status for i in instances(ess, region, group)}


def test_both_versions_suspend_resume_and_describe(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkess.request.v20140828.DescribeScalingGroupsRequest import (
        DescribeScalingGroupsRequest,
    )
    from aliyunsdkess.request.v20140828.ResumeProcessesRequest import ResumeProcessesRequest
    from aliyunsdkess.request.v20140828.SuspendProcessesRequest import SuspendProcessesRequest

    group = ready_group(ess, server, region, min_size=0, desired=0)
    answer = ess.suspend_processes(
        m.SuspendProcessesRequest(
            region_id=region, scaling_group_id=group, processes=["ScaleOut", "HealthCheck"]
        )
    ).body
    assert answer.request_id and answer.to_map() == {"RequestId": answer.request_id}
    assert suspended(ess, region, group) == ["ScaleOut", "HealthCheck"]
    legacy = SuspendProcessesRequest()
    legacy.set_ScalingGroupId(group)
    legacy.set_Processs(["ScaleIn", "ScaleOut", "ScaleIn"])
    body = json.loads(ess_legacy.do_action_with_exception(legacy))
    assert set(body) == {"RequestId"}
    describe = DescribeScalingGroupsRequest()
    describe.set_ScalingGroupIds([group])
    [row] = json.loads(ess_legacy.do_action_with_exception(describe))["ScalingGroups"][
        "ScalingGroup"
    ]
    assert row["SuspendedProcesses"] == {"SuspendedProcess": ["ScaleOut", "HealthCheck", "ScaleIn"]}
    back = ResumeProcessesRequest()
    back.set_ScalingGroupId(group)
    back.set_Processs(["HealthCheck", "ScaleIn"])
    ess_legacy.do_action_with_exception(back)
    assert suspended(ess, region, group) == ["ScaleOut"]
    resume(ess, group, "ScaleOut", "AlarmNotification")
    assert suspended(ess, region, group) == []
    suspend(ess, group, "AlarmNotification", "ScheduledAction")
    assert suspended(ess, region, group) == ["AlarmNotification", "ScheduledAction"]
    code, status, _ = error_of(
        ess.suspend_processes,
        m.SuspendProcessesRequest(scaling_group_id=group, processes=["Launch"]),
    )
    assert (code, status) == ("InvalidParameter", 400)
    missing = SuspendProcessesRequest()
    missing.set_ScalingGroupId(group)
    try:
        ess_legacy.do_action_with_exception(missing)
        raise AssertionError("a request naming no process is refused")
    except ServerException as refused:
        assert refused.get_error_code().startswith("Missing")
    code, status, _ = error_of(
        ess.resume_processes,
        m.ResumeProcessesRequest(scaling_group_id="asg-none", processes=["ScaleIn"]),
    )
    assert (code, status) == ("InvalidScalingGroupId.NotFound", 404)


def test_scale_out_suspended_rejects_rules_and_attach(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=4, desired=None)
    rule = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_rule_name="up",
            adjustment_type="QuantityChangeInCapacity",
            adjustment_value=1,
        )
    ).body.scaling_rule_ari
    suspend(ess, group, "ScaleOut")
    activity = ess.execute_scaling_rule(
        m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=rule)
    ).body.scaling_activity_id
    server.settle()
    server.advance(10)
    rejected = activity_of(ess, region, activity)
    assert rejected.status_code == "Rejected"
    assert rejected.status_message == "The ScaleOut process of the scaling group is suspended."
    assert instances(ess, region, group) == []
    zone = ecs_call(ess_legacy, server, region, "DescribeZones")["Zones"]["Zone"][0]["ZoneId"]
    spare = ecs_instance(ess_legacy, server, region, IMAGE, ZoneId=zone)
    assert (
        error_of(
            ess.attach_instances,
            m.AttachInstancesRequest(scaling_group_id=group, instance_ids=[spare]),
        )
        == SUSPENDED
    )
    resume(ess, group, "ScaleOut")
    server.settle()
    server.advance(10)
    assert instances(ess, region, group) == [], "a rejected rule is not carried out on resume"
    ess.execute_scaling_rule(m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=rule))
    server.settle()
    server.advance(10)
    assert len(instances(ess, region, group)) == 1


def test_scale_in_suspended_keeps_instances_the_health_check_finds_sick(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    group, first, second = group_of_two(ess, server, region)
    suspend(ess, group, "ScaleIn")
    activity = ess.scale_with_adjustment(
        m.ScaleWithAdjustmentRequest(
            scaling_group_id=group, adjustment_type="TotalCapacity", adjustment_value=1
        )
    ).body.scaling_activity_id
    server.settle()
    server.advance(10)
    assert activity_of(ess, region, activity).status_code == "Rejected"
    assert (
        error_of(
            ess.remove_instances,
            m.RemoveInstancesRequest(
                region_id=region, scaling_group_id=group, instance_ids=[first]
            ),
        )
        == SUSPENDED
    )
    ecs_call(ess_legacy, server, region, "StopInstance", InstanceId=second)
    settle_twice(server)
    assert health(ess, region, group) == {first: "Healthy", second: "Unhealthy"}, "kept"
    resume(ess, group, "ScaleIn")
    settle_twice(server)
    assert second not in health(ess, region, group)


def test_health_check_suspended_keeps_a_stopped_instance_until_it_resumes(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    group, first, second = group_of_two(ess, server, region)
    suspend(ess, group, "HealthCheck")
    ecs_call(ess_legacy, server, region, "StopInstance", InstanceId=second)
    settle_twice(server)
    assert health(ess, region, group) == {first: "Healthy", second: "Healthy"}
    resume(ess, group, "HealthCheck")
    settle_twice(server)
    after = health(ess, region, group)
    assert second not in after and first in after and len(after) == 2, "removed and replaced"
