"""ESS removal policies through both Alibaba SDKs: which instances a scale-in takes.

Every group here holds instances of two scaling configurations. `a` is created first and is
active again at the end, so it is both the oldest configuration and the current one: ESS
removes by configuration age, never by "not the active one".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import aliyun_call, ecs_instance

IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"
ARN = "acs:fc:cn-hangzhou:1:services/s/functions/f"

Call = Callable[..., dict[str, Any]]


def _snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


@pytest.fixture(params=["tea", "legacy"])
def call(request: Any, ess: Any, ess_legacy: Any, server: Server, region: str) -> Call:
    """One ESS action by its API name and parameters, through the SDK under test."""

    def tea(action: str, **params: Any) -> dict[str, Any]:
        model = getattr(m, f"{action}Request")().from_map({"RegionId": region, **params})
        return dict(getattr(ess, _snake(action))(model).body.to_map())

    def legacy(action: str, **params: Any) -> dict[str, Any]:
        flat: dict[str, Any] = {}
        for key, value in params.items():
            if isinstance(value, list):  # 2014-08-28 spells lists Name.N, in the singular
                singular = key[:-3] + "y" if key.endswith("ies") else key[:-1]
                flat.update({f"{singular}.{n}": v for n, v in enumerate(value, 1)})
            else:
                flat[key] = value
        answer = aliyun_call(ess_legacy, server, region, "2014-08-28", action, **flat)
        if action == "DescribeScalingInstances":
            answer["ScalingInstances"] = answer["ScalingInstances"]["ScalingInstance"]
        return dict(answer)

    return tea if request.param == "tea" else legacy


def members(call: Call, group: str) -> dict[str, str]:
    """Instance id to the scaling configuration that launched it ('' when attached)."""
    rows = call("DescribeScalingInstances", ScalingGroupId=group)["ScalingInstances"]
    return {r["InstanceId"]: r.get("ScalingConfigurationId") or "" for r in rows}


def mixed_group(
    call: Call, server: Server, policies: list[str] | None, **extra: Any
) -> tuple[str, dict[str, list[str]]]:
    """A group of four: a1 (config a), then b1 and b2 (config b), then a2 (a, active again)."""
    create: dict[str, Any] = {"ScalingGroupName": "mixed", "MinSize": 0, "MaxSize": 6}
    if policies is not None:
        create["RemovalPolicies"] = policies
    group = call("CreateScalingGroup", DesiredCapacity=1, **create, **extra)["ScalingGroupId"]
    config = {"ScalingGroupId": group, "ImageId": IMAGE, "InstanceType": "ecs.g6.large"}
    a = call("CreateScalingConfiguration", **config)["ScalingConfigurationId"]
    server.advance(5)
    b = call("CreateScalingConfiguration", **config)["ScalingConfigurationId"]
    call("EnableScalingGroup", ScalingGroupId=group, ActiveScalingConfigurationId=a)
    server.settle()
    server.advance(10)
    [a1] = members(call, group)
    call("ModifyScalingGroup", ScalingGroupId=group, ActiveScalingConfigurationId=b)
    call("ModifyScalingGroup", ScalingGroupId=group, DesiredCapacity=3)
    server.settle()
    server.advance(10)
    bs = sorted(i for i in members(call, group) if i != a1)
    call("ModifyScalingGroup", ScalingGroupId=group, ActiveScalingConfigurationId=a)
    call("ModifyScalingGroup", ScalingGroupId=group, DesiredCapacity=4)
    server.settle()
    server.advance(10)
    [a2] = [i for i in members(call, group) if i not in {a1, *bs}]
    held = members(call, group)
    assert (held[a1], held[a2], {held[i] for i in bs}) == (a, a, {b})
    return group, {"a": [a1, a2], "b": bs}


def scale_in(call: Call, server: Server, group: str, desired: int) -> set[str]:
    """Lower the desired capacity and say which instances the scale-in took."""
    before = set(members(call, group))
    call("ModifyScalingGroup", ScalingGroupId=group, DesiredCapacity=desired)
    server.settle()
    server.advance(60)
    after = set(members(call, group))
    assert len(after) == desired
    return before - after


def test_default_removes_the_oldest_configuration_even_when_it_is_active(
    call: Call, server: Server
) -> None:
    """Defaults OldestScalingConfiguration then OldestInstance: both of `a` go, the active one."""
    group, made = mixed_group(call, server, None)
    described = call("DescribeScalingGroups", ScalingGroupIds=[group])["ScalingGroups"]
    wrapped = described["ScalingGroup"] if isinstance(described, dict) else described
    policies = wrapped[0]["RemovalPolicies"]
    policies = policies["RemovalPolicy"] if isinstance(policies, dict) else policies
    assert policies == ["OldestScalingConfiguration", "OldestInstance"]
    assert scale_in(call, server, group, 3) == {made["a"][0]}
    assert scale_in(call, server, group, 2) == {made["a"][1]}


@pytest.mark.parametrize(
    ("policies", "desired", "gone"),
    [
        (["OldestScalingConfiguration", "NewestInstance"], 2, {"a1", "a2"}),
        (["OldestScalingConfiguration", "NewestInstance"], 3, {"a2"}),
        (["OldestScalingConfiguration"], 2, {"a1", "a2"}),
        (["OldestInstance"], 3, {"a1"}),
        (["NewestInstance"], 3, {"a2"}),
        (["NewestInstance", "OldestScalingConfiguration"], 3, {"a2"}),
        (["OldestInstance", "NewestInstance"], 3, {"a1"}),
    ],
)
def test_each_removal_policy_picks_its_victims(
    call: Call, server: Server, policies: list[str], desired: int, gone: set[str]
) -> None:
    group, made = mixed_group(call, server, policies)
    named = {"a1": made["a"][0], "a2": made["a"][1]}
    assert scale_in(call, server, group, desired) == {named[g] for g in gone}


def test_policies_set_by_modify_scaling_group_apply_to_the_next_scale_in(
    call: Call, server: Server
) -> None:
    group, made = mixed_group(call, server, ["OldestInstance"])
    call("ModifyScalingGroup", ScalingGroupId=group, RemovalPolicies=["NewestInstance"])
    assert scale_in(call, server, group, 3) == {made["a"][1]}
    call(
        "ModifyScalingGroup",
        ScalingGroupId=group,
        RemovalPolicies=["OldestScalingConfiguration", "OldestInstance"],
    )
    assert scale_in(call, server, group, 2) == {made["a"][0]}


def test_custom_policy_falls_to_the_policies_after_it(call: Call, server: Server) -> None:
    """No function can be called here: CustomPolicy is taken, and the next policies decide."""
    group, made = mixed_group(
        call, server, ["CustomPolicy", "OldestScalingConfiguration"], CustomPolicyARN=ARN
    )
    assert scale_in(call, server, group, 3) == {made["a"][0]}


def test_attached_instances_go_only_after_every_configured_one(
    call: Call, ess_legacy: Any, server: Server, region: str
) -> None:
    """ESS leaves instances from no configuration for last under OldestScalingConfiguration."""
    group, made = mixed_group(call, server, ["OldestScalingConfiguration", "NewestInstance"])
    own = ecs_instance(ess_legacy, server, region, IMAGE)
    server.advance(60)
    call("AttachInstances", ScalingGroupId=group, InstanceIds=[own])
    server.settle()
    server.advance(10)
    assert members(call, group)[own] == ""
    assert len(members(call, group)) == 5  # attaching raised the desired capacity by one
    assert scale_in(call, server, group, 4) == {made["a"][1]}
    assert scale_in(call, server, group, 1) == {made["a"][0], *made["b"]}
    assert scale_in(call, server, group, 0) == {own}
