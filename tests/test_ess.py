"""ESS through both real Alibaba SDKs: the scaling-group workflow and RemoveInstances exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from Tea.exceptions import TeaException

from tests.conftest import Server
from tests.helpers import aliyun_call, ecs_call, ecs_instance, ess_client

IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"


def ready_group(
    ess: Any,
    server: Server,
    region: str,
    *,
    min_size: int = 1,
    max_size: int = 5,
    desired: int | None = 2,
    policy: str | None = None,
) -> str:
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region,
            scaling_group_name="web",
            min_size=min_size,
            max_size=max_size,
            desired_capacity=desired,
            scaling_policy=policy,
        )
    ).body.scaling_group_id
    ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group,
            image_id=IMAGE,
            instance_type="ecs.g6.large",
        )
    )
    ess.enable_scaling_group(m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group))
    server.settle()
    server.advance(10)
    return str(group)


def instances(ess: Any, region: str, group: str) -> list[Any]:
    return list(
        ess.describe_scaling_instances(
            m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
        ).body.scaling_instances
    )


def error_of(call: Any, request: Any) -> tuple[str, int, str]:
    with pytest.raises(TeaException) as caught:
        call(request)
    return caught.value.code, caught.value.status_code, caught.value.data["Message"]


def test_group_workflow_and_remove_release(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region)
    [described] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    assert described.lifecycle_state == "Active"
    assert (described.min_size, described.max_size, described.desired_capacity) == (1, 5, 2)
    assert described.total_capacity == 2 and described.active_capacity == 2
    members = instances(ess, region, group)
    assert {i.lifecycle_state for i in members} == {"InService"}
    assert {i.creation_type for i in members} == {"AutoCreated"}
    victim = members[0].instance_id

    answer = ess.remove_instances(
        m.RemoveInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=[victim])
    )
    activity_id = answer.body.scaling_activity_id
    assert activity_id.startswith("asa-")
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(
            region_id=region, scaling_group_id=group, scaling_activity_ids=[activity_id]
        )
    ).body.scaling_activities
    assert activity.status_code == "InProgress"
    assert activity.description == 'Remove "1" ECS instance'
    removing = {i.instance_id: i.lifecycle_state for i in instances(ess, region, group)}
    assert removing[victim] == "Removing"

    busy = error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=[members[1].instance_id]
        ),
    )
    assert busy[:2] == ("ScalingActivityInProgress", 400)

    server.settle()
    server.advance(10)
    server.advance(10)
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_activity_ids=[activity_id])
    ).body.scaling_activities
    assert activity.status_code == "Successful" and activity.progress == 100
    assert activity.auto_created_capacity == "1" and activity.attached_capacity == "0"
    assert victim not in {i.instance_id for i in instances(ess, region, group)}
    [after] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    assert after.desired_capacity == 1 and after.total_capacity == 1


def test_remove_refusals_change_nothing(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=2, desired=2)
    members = [i.instance_id for i in instances(ess, region, group)]
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id="asg-doesnotexist0000000", instance_ids=members[:1]
        ),
    ) == ("InvalidScalingGroupId.NotFound", 404, "The specified scaling group does not exist.")
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=["i-notamember000000000"]
        ),
    ) == ("InvalidInstanceId.NotFound", 404, 'Instance "i-notamember000000000" does not exist.')
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=members[:1]
        ),
    ) == (
        "IncorrectCapacity.MinSize",
        400,
        "To remove the instances, the total capacity will be lesser than the MinSize.",
    )
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region,
            scaling_group_id=group,
            instance_ids=members[:1],
            remove_policy="recycle",
        ),
    ) == (
        "InvalidParameter",
        400,
        "The specified group does not support the specified RemovePolicy.",
    )
    ess.disable_scaling_group(m.DisableScalingGroupRequest(scaling_group_id=group))
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=members[:1]
        ),
    )[:2] == ("IncorrectScalingGroupStatus", 400)
    assert sorted(i.instance_id for i in instances(ess, region, group)) == sorted(members)
    assert (
        ess.describe_scaling_activities(
            m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group)
        ).body.total_count
        == 1
    )


def test_ignore_invalid_instance_gives_a_warning(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    [member] = [i.instance_id for i in instances(ess, region, group)]
    answer = ess.remove_instances(
        m.RemoveInstancesRequest(
            region_id=region,
            scaling_group_id=group,
            instance_ids=[member, "i-stranger0000000000"],
            ignore_invalid_instance=True,
        )
    ).body
    assert [i.instance_id for i in answer.ignored_instances] == ["i-stranger0000000000"]
    server.settle()
    server.advance(10)
    server.advance(10)
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(
            region_id=region, scaling_activity_ids=[answer.scaling_activity_id]
        )
    ).body.scaling_activities
    assert activity.status_code == "Warning"


def test_recycle_keeps_the_instance_stopped_and_client_token(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1, policy="recycle")
    [member] = [i.instance_id for i in instances(ess, region, group)]
    request = m.RemoveInstancesRequest(
        region_id=region,
        scaling_group_id=group,
        instance_ids=[member],
        remove_policy="recycle",
        client_token="once-only",
    )
    first = ess.remove_instances(request).body.scaling_activity_id
    again = ess.remove_instances(request).body.scaling_activity_id
    assert first == again
    server.settle()
    server.advance(10)
    server.advance(10)
    assert instances(ess, region, group) == []
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_activity_ids=[first])
    ).body.scaling_activities
    assert activity.status_code == "Successful"


def test_legacy_sdk_2014_wraps_lists_and_removes(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
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
    members = json.loads(ess_legacy.do_action_with_exception(listing))["ScalingInstances"][
        "ScalingInstance"
    ]
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
    assert caught.value.get_error_code() in (
        "InvalidInstanceId.NotFound",
        "ScalingActivityInProgress",
    )


def test_attach_entrusted_detach_and_standby(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=4, desired=2)
    first, second = [i.instance_id for i in instances(ess, region, group)]
    detached = ess.detach_instances(
        m.DetachInstancesRequest(scaling_group_id=group, instance_ids=[first])
    ).body.scaling_activity_id
    server.settle()
    assert first not in {i.instance_id for i in instances(ess, region, group)}
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_activity_ids=[detached])
    ).body.scaling_activities
    assert activity.status_code == "Successful"
    attached = ess.attach_instances(
        m.AttachInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=[first], entrusted=True
        )
    ).body.scaling_activity_id
    server.settle()
    row = next(i for i in instances(ess, region, group) if i.instance_id == first)
    assert (row.creation_type, row.entrusted, row.lifecycle_state) == (
        "Attached",
        True,
        "InService",
    )
    assert attached.startswith("asa-")
    ess.enter_standby(m.EnterStandbyRequest(scaling_group_id=group, instance_ids=[second]))
    server.settle()
    standby = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(
            region_id=region, scaling_group_id=group, lifecycle_state="Standby"
        )
    ).body
    assert [i.instance_id for i in standby.scaling_instances] == [second]
    ess.exit_standby(m.ExitStandbyRequest(scaling_group_id=group, instance_ids=[second]))
    server.settle()
    ess.set_instances_protection(
        m.SetInstancesProtectionRequest(
            scaling_group_id=group, instance_ids=[second], protected_from_scale_in=True
        )
    )
    protected = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(
            region_id=region, scaling_group_id=group, lifecycle_state="Protected"
        )
    ).body
    assert [i.instance_id for i in protected.scaling_instances] == [second]
    assert protected.total_count == 1  # counted before paging, as the page is cut
    serving = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(
            region_id=region, scaling_group_id=group, lifecycle_state="InService"
        )
    ).body
    assert second not in [i.instance_id for i in serving.scaling_instances]
    assert serving.total_count == len(serving.scaling_instances)
    assert {i.lifecycle_state for i in serving.scaling_instances} == {"InService"}
    attached_only = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(
            region_id=region, scaling_group_id=group, creation_type="Attached"
        )
    ).body
    assert [i.instance_id for i in attached_only.scaling_instances] == [first]


def test_rules_adjustments_and_no_change(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=1, max_size=3, desired=1)
    rule = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_rule_name="up",
            adjustment_type="QuantityChangeInCapacity",
            adjustment_value=5,
        )
    ).body
    assert rule.scaling_rule_ari.startswith(f"ari:acs:ess:{region}:")
    [listed] = ess.describe_scaling_rules(
        m.DescribeScalingRulesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_rules
    assert listed.scaling_rule_name == "up" and listed.adjustment_value == 5
    activity = ess.execute_scaling_rule(
        m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=rule.scaling_rule_ari)
    ).body.scaling_activity_id
    server.settle()
    server.advance(10)
    assert len(instances(ess, region, group)) == 3, "clipped at MaxSize"
    [done] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_activity_ids=[activity])
    ).body.scaling_activities
    assert done.status_code == "Successful"
    assert done.description == 'Add "2" ECS instances'
    assert done.cause.startswith(
        f'A user requests to execute scaling rule "{rule.scaling_rule_id}"'
    )
    assert error_of(
        ess.execute_scaling_rule,
        m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=rule.scaling_rule_ari),
    ) == (
        "IncorrectCapacity.NoChange",
        400,
        "To execute the specified scaling rule, the total capacity will not change.",
    )
    assert error_of(
        ess.execute_scaling_rule,
        m.ExecuteScalingRuleRequest(
            region_id=region, scaling_rule_ari="ari:acs:ess:x:y:scalingrule/none"
        ),
    )[:2] == ("InvalidScalingRuleAri.NotFound", 404)
    ess.scale_with_adjustment(
        m.ScaleWithAdjustmentRequest(
            scaling_group_id=group, adjustment_type="TotalCapacity", adjustment_value=1
        )
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    assert len(instances(ess, region, group)) == 1


def test_rules_of_each_kind_are_described_and_only_simple_ones_executed(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=1, max_size=9, desired=2)
    percent = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_rule_name="half-again",
            adjustment_type="PercentChangeInCapacity",
            adjustment_value=10,
            min_adjustment_magnitude=2,
            cooldown=120,
        )
    ).body
    tracking = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            region_id=region,
            scaling_group_id=group,
            scaling_rule_name="cpu",
            scaling_rule_type="TargetTrackingScalingRule",
            metric_name="CpuUtilization",
            target_value=80.5,
        )
    ).body
    listed = {
        r.scaling_rule_name: r
        for r in ess.describe_scaling_rules(
            m.DescribeScalingRulesRequest(region_id=region, scaling_group_id=group)
        ).body.scaling_rules
    }
    assert (
        listed["half-again"].scaling_rule_type,
        listed["half-again"].adjustment_type,
        listed["half-again"].adjustment_value,
        listed["half-again"].min_adjustment_magnitude,
        listed["half-again"].cooldown,
    ) == ("SimpleScalingRule", "PercentChangeInCapacity", 10, 2, 120)
    assert (
        listed["cpu"].scaling_rule_type,
        listed["cpu"].adjustment_type,
        listed["cpu"].metric_name,
        listed["cpu"].target_value,
    ) == ("TargetTrackingScalingRule", None, "CpuUtilization", 80.5)
    assert error_of(
        ess.execute_scaling_rule,
        m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=tracking.scaling_rule_ari),
    ) == (
        "ScalingRule.InvalidScalingRuleType",
        400,
        "Specific scaling rule type: TargetTrackingScalingRule can not be executed.",
    )
    ess.execute_scaling_rule(
        m.ExecuteScalingRuleRequest(region_id=region, scaling_rule_ari=percent.scaling_rule_ari)
    )
    server.settle()
    server.advance(10)
    assert len(instances(ess, region, group)) == 4, "10% of 2 is 0, raised to the minimum step"


def test_group_management(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    ess.modify_scaling_group(
        m.ModifyScalingGroupRequest(
            scaling_group_id=group, max_size=7, scaling_group_name="renamed"
        )
    )
    [described] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_name="renamed")
    ).body.scaling_groups
    assert described.max_size == 7
    configs = ess.describe_scaling_configurations(
        m.DescribeScalingConfigurationsRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_configurations
    assert [c.lifecycle_state for c in configs] == ["Active"]
    assert error_of(
        ess.delete_scaling_configuration,
        m.DeleteScalingConfigurationRequest(
            scaling_configuration_id=configs[0].scaling_configuration_id
        ),
    )[:2] == ("IncorrectScalingConfigurationLifecycleState", 400)
    ess.set_group_deletion_protection(
        m.SetGroupDeletionProtectionRequest(
            region_id=region, scaling_group_id=group, group_deletion_protection=True
        )
    )
    assert error_of(
        ess.delete_scaling_group,
        m.DeleteScalingGroupRequest(region_id=region, scaling_group_id=group, force_delete=True),
    )[0] == ("IncorrectScalingGroupStatus")
    ess.set_group_deletion_protection(
        m.SetGroupDeletionProtectionRequest(
            region_id=region, scaling_group_id=group, group_deletion_protection=False
        )
    )
    assert error_of(
        ess.delete_scaling_group,
        m.DeleteScalingGroupRequest(region_id=region, scaling_group_id=group),
    )[:2] == ("InstanceInUse", 400)
    ess.delete_scaling_group(
        m.DeleteScalingGroupRequest(region_id=region, scaling_group_id=group, force_delete=True)
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    assert (
        ess.describe_scaling_groups(
            m.DescribeScalingGroupsRequest(region_id=region)
        ).body.total_count
        == 0
    )
    regions = ess.describe_regions(m.DescribeRegionsRequest()).body.regions
    assert "cn-hangzhou" in {r.region_id for r in regions}


def test_paging_and_group_name_duplicates(ess: Any, server: Server, region: str) -> None:
    for n in range(5):
        ess.create_scaling_group(
            m.CreateScalingGroupRequest(
                region_id=region, scaling_group_name=f"g{n}", min_size=0, max_size=1
            )
        )
    page = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, page_size=2, page_number=3)
    ).body
    assert (page.total_count, page.page_number, page.page_size) == (5, 3, 2)
    assert [g.scaling_group_name for g in page.scaling_groups] == ["g4"]
    assert {g.lifecycle_state for g in page.scaling_groups} == {"Inactive"}
    ess.modify_scaling_group(
        m.ModifyScalingGroupRequest(
            scaling_group_id=page.scaling_groups[0].scaling_group_id, max_size=3
        )
    )
    assert error_of(
        ess.create_scaling_group,
        m.CreateScalingGroupRequest(
            region_id=region, scaling_group_name="g0", min_size=0, max_size=1
        ),
    )[:2] == ("InvalidScalingGroupName.Duplicate", 400)


def test_every_numbered_page_reports_the_exact_total(ess: Any, server: Server, region: str) -> None:
    """The total is exact whether the page is short, full, the last, or past the end (a page
    that tells the total by itself skips the COUNT)."""
    names = [f"t{n}" for n in range(5)]
    for name in names:
        ess.create_scaling_group(
            m.CreateScalingGroupRequest(
                region_id=region, scaling_group_name=name, min_size=0, max_size=1
            )
        )
    for size in (1, 2, 4, 5, 6):
        for number in range(1, 8):
            page = ess.describe_scaling_groups(
                m.DescribeScalingGroupsRequest(region_id=region, page_size=size, page_number=number)
            ).body
            listed = [g.scaling_group_name for g in page.scaling_groups or []]
            assert (page.total_count, listed) == (5, names[(number - 1) * size : number * size])
    named = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(
            region_id=region, scaling_group_names=["t1", "t3", "nope"], page_size=1, page_number=2
        )
    ).body
    assert (named.total_count, [g.scaling_group_name for g in named.scaling_groups]) == (
        2,
        ["t3"],
    )


def test_concurrent_removals_exactly_one_wins(ess: Any, server: Server, region: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    group = ready_group(ess, server, region, min_size=0, max_size=8, desired=8)
    members = [i.instance_id for i in instances(ess, region, group)]

    def remove(instance_id: str) -> str:
        try:
            ess.remove_instances(
                m.RemoveInstancesRequest(
                    region_id=region, scaling_group_id=group, instance_ids=[instance_id]
                )
            )
            return "won"
        except TeaException as error:
            return str(error.code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(remove, members))
    assert outcomes.count("won") == 1
    assert set(outcomes) == {"won", "ScalingActivityInProgress"}
    server.settle()
    server.advance(10)
    server.advance(10)
    assert len(instances(ess, region, group)) == 7


def test_xml_format_unknown_action_and_bad_signature(
    ess_legacy: Any, server: Server, region: str
) -> None:
    from xml.etree import ElementTree

    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    def common(action: str, fmt: str = "JSON") -> CommonRequest:
        request = CommonRequest(
            domain=server.url.removeprefix("http://"), version="2014-08-28", action_name=action
        )
        request.set_accept_format(fmt)
        request.set_protocol_type("http")
        request.add_query_param("RegionId", region)
        return request

    # do_action_with_exception always asks for JSON; sign a raw XML request the same way
    import urllib.request

    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    query, _ = get_signed_url(
        {"Action": "DescribeRegions", "Version": "2014-08-28", "RegionId": region},
        "test",
        "test",
        "XML",
        "GET",
        {},
    )
    with urllib.request.urlopen(f"{server.url}{query}", timeout=30) as response:
        assert response.headers["Content-Type"] == "text/xml;charset=utf-8"
        xml = response.read()
    root = ElementTree.fromstring(xml)
    assert root.tag == "DescribeRegionsResponse" and root.findtext("RequestId")
    assert root.find("Regions/Region/RegionId") is not None
    with pytest.raises(ServerException) as unknown:
        ess_legacy.do_action_with_exception(common("LaunchRockets"))
    assert (unknown.value.get_http_status(), unknown.value.get_error_code()) == (
        404,
        "InvalidAction.NotFound",
    )
    assert unknown.value.get_error_msg() == (
        "Specified api is not found, please check your url and method."
    )
    wrong = AcsClient("test", "not-the-secret", region)
    with pytest.raises(ServerException) as refused:
        wrong.do_action_with_exception(common("DescribeRegions"))
    assert refused.value.get_error_code() in ("SignatureDoesNotMatch", "InvalidAccessKeySecret")
    stranger = AcsClient("nobody", "test", region)
    with pytest.raises(ServerException) as unknown_key:
        stranger.do_action_with_exception(common("DescribeRegions"))
    assert (unknown_key.value.get_http_status(), unknown_key.value.get_error_code()) == (
        404,
        "InvalidAccessKeyId.NotFound",
    )


ACTIONS = [
    "CreateScalingGroup",
    "ModifyScalingGroup",
    "DescribeScalingGroups",
    "DeleteScalingGroup",
    "RemoveInstances",
    "DetachInstances",
    "AttachInstances",
    "DescribeScalingInstances",
    "DescribeScalingActivities",
    "EnterStandby",
    "CreateScalingConfiguration",
    "CreateScalingRule",
    "ExecuteScalingRule",
    "ScaleWithAdjustment",
    "SetInstancesProtection",
    "EnableScalingGroup",
]
KEYS = [
    "ScalingGroupId",
    "InstanceId.1",
    "InstanceId.21",
    "InstanceIds.1",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "RemovePolicy",
    "DecreaseDesiredCapacity",
    "PageSize",
    "PageNumber",
    "ScalingGroupName",
    "ImageId",
    "InstanceType",
    "AdjustmentType",
    "AdjustmentValue",
    "ScalingRuleAri",
    "IgnoreInvalidInstance",
    "ClientToken",
    "LifecycleHookContext",
    "VSwitchIds.1",
    "Junk",
]


@pytest.mark.parametrize("version", ["2014-08-28", "2022-02-22"])
def test_fuzzed_requests_never_fail_with_a_500(server: Server, version: str) -> None:
    import urllib.error
    import urllib.request

    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    values = st.one_of(
        st.text(max_size=30),
        st.integers(-(2**40), 2**40).map(str),
        st.sampled_from(
            [
                "True",
                "False",
                "",
                "recycle",
                "release",
                "[1,2]",
                '{"a":1}',
                "asg-x",
                "TotalCapacity",
            ]
        ),
    )

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        action=st.sampled_from(ACTIONS),
        params=st.dictionaries(st.sampled_from(KEYS), values, max_size=8),
    )
    def fire(action: str, params: dict[str, str]) -> None:
        query, _ = get_signed_url(
            {"Action": action, "Version": version, "RegionId": "cn-fuzz", **params},
            "test",
            "test",
            "JSON",
            "GET",
            {},
        )
        try:
            with urllib.request.urlopen(f"{server.url}{query}", timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status < 500, body
        assert "RequestId" in json.loads(body)

    fire()


@pytest.mark.parametrize(
    ("action", "name"),
    [
        ("ModifyScalingGroup", "ScalingGroupId"),
        ("DescribeScalingGroups", "ScalingGroupName"),
        ("RemoveInstances", "ScalingGroupId"),
    ],
)
def test_text_no_store_can_keep_is_an_invalid_parameter(
    server: Server, region: str, action: str, name: str
) -> None:
    """PostgreSQL text cannot hold NUL: such a value is refused before any query sees it."""
    import urllib.error
    import urllib.request

    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    params = {"Action": action, "Version": "2014-08-28", "RegionId": region, name: "asg-\x00x"}
    if action == "RemoveInstances":
        params["InstanceId.1"] = "i-x"
    query, _ = get_signed_url(params, "test", "test", "JSON", "GET", {})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{server.url}{query}", timeout=30)
    body = json.loads(caught.value.read())
    assert (caught.value.code, body["Code"], body["Message"]) == (
        400,
        "InvalidParameter",
        f'The specified value of parameter "{name}" is not valid.',
    )


def statuses(client: Any, server: Server, region: str, ids: list[str]) -> dict[str, str]:
    found = ecs_call(
        client, server, region, "DescribeInstances", InstanceIds=json.dumps(ids), PageSize=100
    )["Instances"]["Instance"]
    return {i["InstanceId"]: i["Status"] for i in found}


def test_ecs_shows_what_removal_did_to_each_instance(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=4, desired=2, policy="recycle")
    auto_release, auto_recycle = [i.instance_id for i in instances(ess, region, group)]
    zones = ecs_call(ess_legacy, server, region, "DescribeZones")["Zones"]["Zone"]
    own = ecs_instance(ess_legacy, server, region, IMAGE, ZoneId=zones[0]["ZoneId"])
    server.advance(10)
    ess.attach_instances(
        m.AttachInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=[own])
    )
    server.settle()
    assert set(
        statuses(ess_legacy, server, region, [auto_release, auto_recycle, own]).values()
    ) == {"Running"}

    ess.remove_instances(
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=[auto_release, own]
        )
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    ess.remove_instances(
        m.RemoveInstancesRequest(
            region_id=region,
            scaling_group_id=group,
            instance_ids=[auto_recycle],
            remove_policy="recycle",
        )
    )
    server.settle()
    server.advance(10)
    server.advance(10)

    assert instances(ess, region, group) == []
    seen = statuses(ess_legacy, server, region, [auto_release, auto_recycle, own])
    assert seen == {auto_recycle: "Stopped", own: "Running"}, "released, kept stopped, handed back"
    activities = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_activities
    mixed = next(a for a in activities if a.description == 'Remove "2" ECS instances')
    assert (mixed.attached_capacity, mixed.auto_created_capacity) == ("1", "1")


def test_replayed_nonce_and_stale_timestamp_over_http(server: Server, region: str) -> None:
    import urllib.error
    import urllib.request
    from unittest.mock import patch

    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    def fetch(query: str) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{server.url}{query}", timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    params = {"Action": "DescribeRegions", "Version": "2022-02-22", "RegionId": region}
    query, _ = get_signed_url(dict(params), "test", "test", "JSON", "GET", {})
    assert fetch(query)[0] == 200
    status, body = fetch(query)
    assert (status, body["Code"], body["Message"]) == (
        400,
        "SignatureNonceUsed",
        "Specified signature nonce was used already.",
    )
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    with patch(
        "aliyunsdkcore.utils.parameter_helper.get_iso_8061_date",
        return_value="2020-01-01T00:00:00Z",
    ):
        stale, _ = get_signed_url(dict(params), "test", "test", "JSON", "GET", {})
    status, body = fetch(stale)
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")


def test_tea_sdk_v2_signatures(server: Server, region: str) -> None:
    v2 = ess_client(server, region, signature_algorithm="v2")
    group = v2.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region, scaling_group_name="v2", min_size=0, max_size=1
        )
    ).body.scaling_group_id
    assert group.startswith("asg-")


def test_every_ecs_action_over_http(ess_legacy: Any, server: Server, region: str) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    zone = ecs_call(ess_legacy, server, region, "DescribeZones")["Zones"]["Zone"][0]["ZoneId"]
    assert ecs_call(ess_legacy, server, region, "DescribeRegions")["Regions"]["Region"]
    images = ecs_call(ess_legacy, server, region, "DescribeImages")["Images"]["Image"]
    assert IMAGE in {i["ImageId"] for i in images}
    types = ecs_call(ess_legacy, server, region, "DescribeInstanceTypes")["InstanceTypes"][
        "InstanceType"
    ]
    assert "ecs.g6.large" in {t["InstanceTypeId"] for t in types}
    created = ecs_call(
        ess_legacy,
        server,
        region,
        "CreateInstance",
        ImageId=IMAGE,
        InstanceType="ecs.g6.large",
        ZoneId=zone,
    )["InstanceId"]
    assert statuses(ess_legacy, server, region, [created]) == {created: "Stopped"}
    ecs_call(ess_legacy, server, region, "StartInstance", InstanceId=created)
    server.advance(10)
    ran = ecs_instance(ess_legacy, server, region, IMAGE, ZoneId=zone)
    server.advance(10)
    status = ecs_call(ess_legacy, server, region, "DescribeInstanceStatus")["InstanceStatuses"][
        "InstanceStatus"
    ]
    assert {s["InstanceId"]: s["Status"] for s in status} == {created: "Running", ran: "Running"}
    ecs_call(ess_legacy, server, region, "StopInstance", InstanceId=created)
    ecs_call(ess_legacy, server, region, "StopInstances", **{"InstanceId.1": ran})
    server.advance(10)
    assert set(statuses(ess_legacy, server, region, [created, ran]).values()) == {"Stopped"}
    ecs_call(ess_legacy, server, region, "StartInstances", **{"InstanceId.1": ran})
    server.advance(10)
    with pytest.raises(ServerException) as running:
        ecs_call(ess_legacy, server, region, "DeleteInstance", InstanceId=ran)
    assert running.value.get_error_code() == "IncorrectInstanceStatus"
    ecs_call(ess_legacy, server, region, "DeleteInstance", InstanceId=created)
    ecs_call(
        ess_legacy, server, region, "DeleteInstances", **{"InstanceId.1": ran, "Force": "true"}
    )
    server.advance(10)
    assert statuses(ess_legacy, server, region, [created, ran]) == {}


def test_activity_detail_health_filter_and_configuration_delete(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    [member] = [i.instance_id for i in instances(ess, region, group)]
    healthy = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(
            region_id=region, scaling_group_id=group, health_status="Healthy"
        )
    ).body
    assert [i.instance_id for i in healthy.scaling_instances] == [member]
    spare = ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group,
            image_id=IMAGE,
            instance_type="ecs.g6.large",
            scaling_configuration_name="spare",
        )
    ).body.scaling_configuration_id
    ess.delete_scaling_configuration(
        m.DeleteScalingConfigurationRequest(scaling_configuration_id=spare)
    )
    activity = ess.remove_instances(
        m.RemoveInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=[member])
    ).body.scaling_activity_id
    server.settle()
    server.advance(10)
    server.advance(10)
    detail = ess.describe_scaling_activity_detail(
        m.DescribeScalingActivityDetailRequest(scaling_activity_id=activity)
    ).body
    assert detail.scaling_activity_id == activity and member in detail.detail


def test_instances_join_and_leave_slb_backends_and_rds_whitelists(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    lb = aliyun_call(
        ess_legacy, server, region, "2014-05-15", "CreateLoadBalancer", AddressType="intranet"
    )["LoadBalancerId"]
    db = aliyun_call(
        ess_legacy,
        server,
        region,
        "2014-08-15",
        "CreateDBInstance",
        Engine="MySQL",
        EngineVersion="8.0",
        DBInstanceClass="rds.mysql.s1.small",
        DBInstanceStorage=20,
        DBInstanceNetType="Intranet",
        SecurityIPList="127.0.0.1",
        PayType="Postpaid",
    )["DBInstanceId"]
    server.advance(120)

    def backends() -> dict[str, int]:
        found = aliyun_call(
            ess_legacy,
            server,
            region,
            "2014-05-15",
            "DescribeLoadBalancerAttribute",
            LoadBalancerId=lb,
        )
        return {b["ServerId"]: int(b["Weight"]) for b in found["BackendServers"]["BackendServer"]}

    def whitelist() -> str:
        items = aliyun_call(
            ess_legacy,
            server,
            region,
            "2014-08-15",
            "DescribeDBInstanceIPArrayList",
            DBInstanceId=db,
        )["Items"]["DBInstanceIPArray"]
        return ",".join(i["SecurityIPList"] for i in items)

    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region,
            scaling_group_name="web",
            min_size=0,
            max_size=4,
            desired_capacity=2,
            load_balancer_ids=json.dumps([lb]),
            dbinstance_ids=json.dumps([db]),
        )
    ).body.scaling_group_id
    ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group,
            image_id=IMAGE,
            instance_type="ecs.g6.large",
            load_balancer_weight=70,
        )
    )
    ess.enable_scaling_group(m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group))
    server.settle()
    server.advance(10)
    members = sorted(i.instance_id for i in instances(ess, region, group))
    assert sorted(backends()) == members and set(backends().values()) == {70}
    ips = {
        i["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
        for i in ecs_call(
            ess_legacy, server, region, "DescribeInstances", InstanceIds=json.dumps(members)
        )["Instances"]["Instance"]
    }
    assert ips <= set(whitelist().split(","))
    [described] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    assert described.load_balancer_ids == [lb] and described.dbinstance_ids == [db]

    ess.enter_standby(m.EnterStandbyRequest(scaling_group_id=group, instance_ids=members[:1]))
    server.settle()
    assert backends()[members[0]] == 0, "a standby instance stays a backend with weight 0"
    ess.exit_standby(m.ExitStandbyRequest(scaling_group_id=group, instance_ids=members[:1]))
    server.settle()
    assert backends()[members[0]] == 70

    aliyun_call(
        ess_legacy,
        server,
        region,
        "2014-05-15",
        "SetLoadBalancerStatus",
        LoadBalancerId=lb,
        LoadBalancerStatus="inactive",
    )
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=members[:1]
        ),
    ) == (
        "IncorrectLoadBalancerStatus",
        400,
        "The current status of the specified load balancer does not support this action.",
    )
    aliyun_call(
        ess_legacy,
        server,
        region,
        "2014-05-15",
        "SetLoadBalancerStatus",
        LoadBalancerId=lb,
        LoadBalancerStatus="active",
    )
    aliyun_call(ess_legacy, server, region, "2014-08-15", "RestartDBInstance", DBInstanceId=db)
    assert error_of(
        ess.remove_instances,
        m.RemoveInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=members[:1]
        ),
    ) == (
        "IncorrectDBInstanceStatus",
        400,
        f'The current status of DB instance "{db}" does not support this action.',
    )
    assert sorted(backends()) == members, "a refused removal changes nothing"
    server.advance(60)

    ess.remove_instances(
        m.RemoveInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=members[:1])
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    assert sorted(backends()) == members[1:]
    gone_ip = next(
        iter(
            ips
            - {
                i["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
                for i in ecs_call(
                    ess_legacy,
                    server,
                    region,
                    "DescribeInstances",
                    InstanceIds=json.dumps(members[1:]),
                )["Instances"]["Instance"]
            }
        )
    )
    assert gone_ip not in whitelist().split(",")


def test_every_slb_and_rds_action_over_http(ess_legacy: Any, server: Server, region: str) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    zone = ecs_call(ess_legacy, server, region, "DescribeZones")["Zones"]["Zone"][0]["ZoneId"]
    vm = ecs_instance(ess_legacy, server, region, IMAGE, ZoneId=zone)
    server.advance(10)

    def slb(action: str, **params: Any) -> Any:
        return aliyun_call(ess_legacy, server, region, "2014-05-15", action, **params)

    def rds(action: str, **params: Any) -> Any:
        return aliyun_call(ess_legacy, server, region, "2014-08-15", action, **params)

    lb = slb("CreateLoadBalancer", LoadBalancerName="front")["LoadBalancerId"]
    assert [
        b["LoadBalancerId"] for b in slb("DescribeLoadBalancers")["LoadBalancers"]["LoadBalancer"]
    ] == [lb]
    slb(
        "AddBackendServers",
        LoadBalancerId=lb,
        BackendServers=json.dumps([{"ServerId": vm, "Weight": "30"}]),
    )
    slb(
        "SetBackendServers",
        LoadBalancerId=lb,
        BackendServers=json.dumps([{"ServerId": vm, "Weight": "60"}]),
    )
    [backend] = slb("DescribeLoadBalancerAttribute", LoadBalancerId=lb)["BackendServers"][
        "BackendServer"
    ]
    assert (backend["ServerId"], int(backend["Weight"])) == (vm, 60)
    [status] = slb("DescribeHealthStatus", LoadBalancerId=lb)["BackendServers"]["BackendServer"]
    assert status["ServerHealthStatus"] == "normal"
    slb(
        "RemoveBackendServers",
        LoadBalancerId=lb,
        BackendServers=json.dumps([{"ServerId": vm, "Weight": "60"}]),
    )
    assert (
        slb("DescribeLoadBalancerAttribute", LoadBalancerId=lb)["BackendServers"]["BackendServer"]
        == []
    )
    slb("DeleteLoadBalancer", LoadBalancerId=lb)
    assert slb("DescribeLoadBalancers")["LoadBalancers"]["LoadBalancer"] == []

    db = rds(
        "CreateDBInstance",
        Engine="MySQL",
        EngineVersion="8.0",
        DBInstanceClass="rds.mysql.s1.small",
        DBInstanceStorage=20,
        DBInstanceNetType="Intranet",
        SecurityIPList="127.0.0.1",
        PayType="Postpaid",
    )["DBInstanceId"]
    [creating] = rds("DescribeDBInstances")["Items"]["DBInstance"]
    assert (creating["DBInstanceId"], creating["DBInstanceStatus"]) == (db, "Creating")
    server.advance(61)
    assert rds("DescribeDBInstances")["Items"]["DBInstance"][0]["DBInstanceStatus"] == "Running"
    rds("ModifySecurityIps", DBInstanceId=db, SecurityIps="10.0.0.1,10.0.0.2")
    lists = rds("DescribeDBInstanceIPArrayList", DBInstanceId=db)["Items"]["DBInstanceIPArray"]
    assert "10.0.0.2" in ",".join(i["SecurityIPList"] for i in lists)
    rds("RestartDBInstance", DBInstanceId=db)
    assert rds("DescribeDBInstances")["Items"]["DBInstance"][0]["DBInstanceStatus"] == "Rebooting"
    server.advance(11)
    rds("DeleteDBInstance", DBInstanceId=db)
    with pytest.raises(ServerException) as gone:
        rds("DescribeDBInstanceIPArrayList", DBInstanceId=db)
    assert gone.value.get_error_code() == "InvalidDBInstanceId.NotFound"
