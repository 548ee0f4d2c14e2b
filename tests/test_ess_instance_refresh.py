"""ESS instance refresh through alibabacloud-ess20220222 against a real server, the clock moved
by hand: checkpoints, suspend and resume, cancel, rollback and ESS's refusals."""

from __future__ import annotations

from typing import Any

from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import aliyun_call
from tests.test_ess import IMAGE, error_of, instances, ready_group


def second_configuration(ess: Any, group: str) -> str:
    made = ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=IMAGE, instance_type="ecs.g6.xlarge"
        )
    )
    return str(made.body.scaling_configuration_id)


def configurations(ess: Any, region: str, group: str) -> list[str]:
    return sorted(i.scaling_configuration_id for i in instances(ess, region, group))


def task(ess: Any, region: str, group: str) -> Any:
    found = ess.describe_instance_refreshes(
        m.DescribeInstanceRefreshesRequest(region_id=region, scaling_group_id=group)
    ).body
    return found.instance_refresh_tasks[0]


def active(ess: Any, region: str, group: str) -> str:
    [described] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    return str(described.active_scaling_configuration_id)


def start(ess: Any, region: str, group: str, configuration: str, **more: Any) -> str:
    answer = ess.start_instance_refresh(
        m.StartInstanceRefreshRequest(
            region_id=region,
            scaling_group_id=group,
            desired_configuration=m.StartInstanceRefreshRequestDesiredConfiguration(
                scaling_configuration_id=configuration
            ),
            **more,
        )
    )
    return str(answer.body.instance_refresh_task_id)


def until(server: Server, done: Any, steps: int = 30) -> None:
    for _ in range(steps):
        if done():
            return
        server.advance(10)
    assert done()


def test_a_refresh_pauses_at_a_checkpoint_and_the_group_takes_the_new_configuration(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, max_size=8, desired=4)
    old = active(ess, region, group)
    new = second_configuration(ess, group)
    task_id = start(
        ess,
        region,
        group,
        new,
        min_healthy_percentage=50,
        max_healthy_percentage=100,
        checkpoints=[m.StartInstanceRefreshRequestCheckpoints(percentage=50)],
        checkpoint_pause_time=2,
    )
    assert task_id.startswith("ir-")
    first = task(ess, region, group)
    assert first.instance_refresh_task_id == task_id and first.status == "Pending"
    assert first.total_need_update_capacity == 4 and first.skip_matching is True
    assert first.desired_configuration.scaling_configuration_id == new
    until(server, lambda: task(ess, region, group).status == "CheckpointPause")
    paused = task(ess, region, group)
    assert paused.finished_update_capacity == 2 and paused.checkpoint_pause_time == 2
    assert configurations(ess, region, group) == sorted([old, old, new, new])
    server.advance(110)
    assert task(ess, region, group).status == "CheckpointPause"
    server.advance(10)  # two minutes have passed
    until(server, lambda: task(ess, region, group).status == "Successful")
    done = task(ess, region, group)
    assert done.finished_update_capacity == 4 and done.end_time
    assert configurations(ess, region, group) == [new] * 4
    assert active(ess, region, group) == new
    # skip matching (ESS's default): nothing left to refresh
    start(ess, region, group, new)
    until(server, lambda: task(ess, region, group).status == "Successful")
    assert task(ess, region, group).total_need_update_capacity == 0


def test_suspend_resume_cancel_and_refusals(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, max_size=8, desired=2)
    new = second_configuration(ess, group)
    task_id = start(ess, region, group, new, min_healthy_percentage=50)
    defaults = task(ess, region, group)
    assert (defaults.min_healthy_percentage, defaults.max_healthy_percentage) == (50, 120)
    refused = error_of(
        ess.start_instance_refresh,
        m.StartInstanceRefreshRequest(region_id=region, scaling_group_id=group),
    )
    assert refused[:2] == ("IncorrectScalingGroupStatus", 400)
    named = {"region_id": region, "scaling_group_id": group, "instance_refresh_task_id": task_id}
    server.settle()
    ess.suspend_instance_refresh(m.SuspendInstanceRefreshRequest(**named))
    server.settle()
    assert task(ess, region, group).status == "Paused"
    for _ in range(10):
        server.advance(30)
    assert task(ess, region, group).status == "Paused"
    before = configurations(ess, region, group)
    server.advance(60)
    assert configurations(ess, region, group) == before  # nothing new while paused
    again = error_of(ess.suspend_instance_refresh, m.SuspendInstanceRefreshRequest(**named))
    assert again[:2] == ("IncorrectInstanceRefreshTaskStatus", 400)
    ess.resume_instance_refresh(m.ResumeInstanceRefreshRequest(**named))
    server.settle()
    assert task(ess, region, group).status == "InProgress"
    ess.cancel_instance_refresh(m.CancelInstanceRefreshRequest(**named))
    until(server, lambda: task(ess, region, group).status == "Cancelled")
    missing = error_of(ess.cancel_instance_refresh, m.CancelInstanceRefreshRequest(**named))
    assert missing[:2] == ("InvalidInstanceRefreshTaskId.NotFound", 404)
    unknown = error_of(
        ess.describe_instance_refreshes,
        m.DescribeInstanceRefreshesRequest(region_id=region, scaling_group_id="asg-nothing"),
    )
    assert unknown[:2] == ("InvalidScalingGroupId.NotFound", 404)


def test_rollback_returns_to_the_previous_configuration(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, max_size=8, desired=2)
    old = active(ess, region, group)
    new = second_configuration(ess, group)
    task_id = start(ess, region, group, new, min_healthy_percentage=50, max_healthy_percentage=100)
    until(server, lambda: new in configurations(ess, region, group))
    ess.rollback_instance_refresh(
        m.RollbackInstanceRefreshRequest(
            region_id=region, scaling_group_id=group, instance_refresh_task_id=task_id
        )
    )
    server.settle()
    assert task(ess, region, group).status == "RollbackInProgress"
    until(server, lambda: task(ess, region, group).status == "RollbackSuccessful")
    until(server, lambda: configurations(ess, region, group) == [old, old])
    assert active(ess, region, group) == old


def test_the_2014_api_serves_instance_refresh_too(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, max_size=4, desired=1)
    new = second_configuration(ess, group)
    started = aliyun_call(
        ess_legacy,
        server,
        region,
        "2014-08-28",
        "StartInstanceRefresh",
        ScalingGroupId=group,
        **{"DesiredConfiguration.ScalingConfigurationId": new},
    )
    until(server, lambda: task(ess, region, group).status == "Successful")
    body = aliyun_call(
        ess_legacy,
        server,
        region,
        "2014-08-28",
        "DescribeInstanceRefreshes",
        ScalingGroupId=group,
    )
    # the 2014 reference wraps the list: InstanceRefreshTasks.InstanceRefreshTask
    [listed] = body["InstanceRefreshTasks"]["InstanceRefreshTask"]
    assert listed["InstanceRefreshTaskId"] == started["InstanceRefreshTaskId"]
    assert listed["Status"] == "Successful" and body["TotalCount"] == 1
    assert configurations(ess, region, group) == [new]


def test_activities_a_refresh_started_carry_its_task_id(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, max_size=8, desired=2)
    before = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_activities
    task_id = start(ess, region, group, second_configuration(ess, group))
    until(server, lambda: task(ess, region, group).status == "Successful")

    def listed(**by: Any) -> list[Any]:
        return list(
            ess.describe_scaling_activities(
                m.DescribeScalingActivitiesRequest(region_id=region, page_size=50, **by)
            ).body.scaling_activities
        )

    every = listed(scaling_group_id=group)
    started = [a for a in every if a.instance_refresh_task_id == task_id]
    # each old instance ended and each new one launched, in an activity of its own
    assert len(started) == 4
    assert {a.scaling_activity_id for a in before} == {
        a.scaling_activity_id for a in every if a.instance_refresh_task_id is None
    }
    by_task = listed(instance_refresh_task_id=task_id)
    assert sorted(a.scaling_activity_id for a in by_task) == sorted(
        a.scaling_activity_id for a in started
    )
    assert listed(scaling_group_id=group, instance_refresh_task_id="ir-nothere") == []
