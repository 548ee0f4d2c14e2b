"""ESS through both real Alibaba SDKs: the scaling-group workflow and RemoveInstances exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from Tea.exceptions import TeaException

from tests.conftest import Server

IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"


def ready_group(ess: Any, server: Server, region: str, *, min_size: int = 1, max_size: int = 5,
                desired: int | None = 2, policy: str | None = None) -> str:
    group = ess.create_scaling_group(m.CreateScalingGroupRequest(
        region_id=region, scaling_group_name="web", min_size=min_size, max_size=max_size,
        desired_capacity=desired, scaling_policy=policy,
    )).body.scaling_group_id
    ess.create_scaling_configuration(m.CreateScalingConfigurationRequest(
        scaling_group_id=group, image_id=IMAGE, instance_type="ecs.g6.large",
        security_group_id="sg-test",
    ))
    ess.enable_scaling_group(m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group))
    server.settle()
    server.advance(10)
    return str(group)


def instances(ess: Any, region: str, group: str) -> list[Any]:
    return list(ess.describe_scaling_instances(m.DescribeScalingInstancesRequest(
        region_id=region, scaling_group_id=group)).body.scaling_instances)


def error_of(call: Any, request: Any) -> tuple[str, int, str]:
    with pytest.raises(TeaException) as caught:
        call(request)
    return caught.value.code, caught.value.status_code, caught.value.data["Message"]


def test_group_workflow_and_remove_release(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region)
    [described] = ess.describe_scaling_groups(m.DescribeScalingGroupsRequest(
        region_id=region, scaling_group_ids=[group])).body.scaling_groups
    assert described.lifecycle_state == "Active"
    assert (described.min_size, described.max_size, described.desired_capacity) == (1, 5, 2)
    assert described.total_capacity == 2 and described.active_capacity == 2
    members = instances(ess, region, group)
    assert {i.lifecycle_state for i in members} == {"InService"}
    assert {i.creation_type for i in members} == {"AutoCreated"}
    victim = members[0].instance_id

    answer = ess.remove_instances(m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=[victim]))
    activity_id = answer.body.scaling_activity_id
    assert activity_id.startswith("asa-")
    [activity] = ess.describe_scaling_activities(m.DescribeScalingActivitiesRequest(
        region_id=region, scaling_group_id=group,
        scaling_activity_ids=[activity_id])).body.scaling_activities
    assert activity.status_code == "InProgress"
    assert activity.description == 'Remove "1" ECS instance'
    removing = {i.instance_id: i.lifecycle_state for i in instances(ess, region, group)}
    assert removing[victim] == "Removing"

    busy = error_of(ess.remove_instances, m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=[members[1].instance_id]))
    assert busy[:2] == ("ScalingActivityInProgress", 400)

    server.settle()
    server.advance(10)
    server.advance(10)
    [activity] = ess.describe_scaling_activities(m.DescribeScalingActivitiesRequest(
        region_id=region, scaling_activity_ids=[activity_id])).body.scaling_activities
    assert activity.status_code == "Successful" and activity.progress == 100
    assert activity.auto_created_capacity == "1" and activity.attached_capacity == "0"
    assert victim not in {i.instance_id for i in instances(ess, region, group)}
    [after] = ess.describe_scaling_groups(m.DescribeScalingGroupsRequest(
        region_id=region, scaling_group_ids=[group])).body.scaling_groups
    assert after.desired_capacity == 1 and after.total_capacity == 1


def test_remove_refusals_change_nothing(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=2, desired=2)
    members = [i.instance_id for i in instances(ess, region, group)]
    assert error_of(ess.remove_instances, m.RemoveInstancesRequest(
        region_id=region, scaling_group_id="asg-doesnotexist0000000",
        instance_ids=members[:1])) == (
        "InvalidScalingGroupId.NotFound", 404, "The specified scaling group does not exist.")
    assert error_of(ess.remove_instances, m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=["i-notamember000000000"])) == (
        "InvalidInstanceId.NotFound", 404, 'Instance "i-notamember000000000" does not exist.')
    assert error_of(ess.remove_instances, m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=members[:1])) == (
        "IncorrectCapacity.MinSize", 400,
        "To remove the instances, the total capacity will be lesser than the MinSize.")
    assert error_of(ess.remove_instances, m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=members[:1],
        remove_policy="recycle")) == (
        "InvalidParameter", 400, "The specified group does not support the specified RemovePolicy.")
    ess.disable_scaling_group(m.DisableScalingGroupRequest(scaling_group_id=group))
    assert error_of(ess.remove_instances, m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=members[:1]))[:2] == (
        "IncorrectScalingGroupStatus", 400)
    assert sorted(i.instance_id for i in instances(ess, region, group)) == sorted(members)
    assert ess.describe_scaling_activities(m.DescribeScalingActivitiesRequest(
        region_id=region, scaling_group_id=group)).body.total_count == 1


def test_ignore_invalid_instance_gives_a_warning(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    [member] = [i.instance_id for i in instances(ess, region, group)]
    answer = ess.remove_instances(m.RemoveInstancesRequest(
        region_id=region, scaling_group_id=group, instance_ids=[member, "i-stranger0000000000"],
        ignore_invalid_instance=True)).body
    assert [i.instance_id for i in answer.ignored_instances] == ["i-stranger0000000000"]
    server.settle()
    server.advance(10)
    server.advance(10)
    [activity] = ess.describe_scaling_activities(m.DescribeScalingActivitiesRequest(
        region_id=region, scaling_activity_ids=[answer.scaling_activity_id])).body.scaling_activities
    assert activity.status_code == "Warning"


def test_recycle_keeps_the_instance_stopped_and_client_token(ess: Any, server: Server,
                                                              region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1, policy="recycle")
    [member] = [i.instance_id for i in instances(ess, region, group)]
    request = m.RemoveInstancesRequest(region_id=region, scaling_group_id=group,
                                       instance_ids=[member], remove_policy="recycle",
                                       client_token="once-only")
    first = ess.remove_instances(request).body.scaling_activity_id
    again = ess.remove_instances(request).body.scaling_activity_id
    assert first == again
    server.settle()
    server.advance(10)
    server.advance(10)
    assert instances(ess, region, group) == []
    [activity] = ess.describe_scaling_activities(m.DescribeScalingActivitiesRequest(
        region_id=region, scaling_activity_ids=[first])).body.scaling_activities
    assert activity.status_code == "Successful"


def test_legacy_sdk_2014_wraps_lists_and_removes(ess: Any, ess_legacy: Any, server: Server,
                                                 region: str) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkess.request.v20140828.DescribeScalingGroupsRequest import (
        DescribeScalingGroupsRequest,
    )
    from aliyunsdkess.request.v20140828.DescribeScalingInstancesRequest import (
        DescribeScalingInstancesRequest,
    )
    from aliyunsdkess.request.v20140828.RemoveInstancesRequest import RemoveInstancesRequest

    group = ready_group(ess, server, region, min_size=0, desired=2)
    describe = DescribeScalingGroupsRequest()
    describe.set_ScalingGroupIds([group])
    body = json.loads(ess_legacy.do_action_with_exception(describe))
    [described] = body["ScalingGroups"]["ScalingGroup"]
    assert described["ScalingGroupId"] == group and described["TotalCapacity"] == 2
    listing = DescribeScalingInstancesRequest()
    listing.set_ScalingGroupId(group)
    members = json.loads(ess_legacy.do_action_with_exception(listing))[
        "ScalingInstances"]["ScalingInstance"]
    remove = RemoveInstancesRequest()
    remove.set_ScalingGroupId(group)
    remove.set_InstanceIds([members[0]["InstanceId"]])
    answer = json.loads(ess_legacy.do_action_with_exception(remove))
    assert answer["ScalingActivityId"].startswith("asa-") and answer["RequestId"]
    wrong = RemoveInstancesRequest()
    wrong.set_ScalingGroupId(group)
    wrong.set_InstanceIds(["i-notamember000000000"])
    with pytest.raises(ServerException) as caught:
        ess_legacy.do_action_with_exception(wrong)
    assert caught.value.get_error_code() in ("InvalidInstanceId.NotFound",
                                             "ScalingActivityInProgress")
