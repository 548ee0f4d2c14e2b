"""Hostile sizes and long runs: the simulated clouds forget terminated instances, filters and id
lists have the clouds' own limits, and `tidewater check` stays clean afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkess.request.v20140828.DescribeScalingGroupsRequest import (
    DescribeScalingGroupsRequest,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select
from Tea.exceptions import TeaException

from tests.conftest import Server
from tests.helpers import IMAGE, aws_client, describe_group, error_of, ess_client, make_group
from tests.test_check import run_check
from tests.test_ess import ready_group
from tidewater.store.tables import machines

FILTER_LIMIT = (
    "FilterLimitExceeded",
    "The maximum number of filter values specified on a single call is 200",
)


def listed(ec2: Any, **kwargs: Any) -> dict[str, str]:
    """Every instance DescribeInstances lists, with its state, over all pages."""
    found: dict[str, str] = {}
    for page in ec2.get_paginator("describe_instances").paginate(**kwargs):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                found[instance["InstanceId"]] = instance["State"]["Name"]
    return found


def machine_rows(url: str, ids: list[str]) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(machines).where(machines.c.id.in_(ids))
                ).scalar_one()
            )
    finally:
        engine.dispose()


# -- terminated instances leave the clouds ------------------------------------------------------


def test_terminated_ec2_instances_are_listed_for_about_an_hour_then_gone(
    own_server: Server,
) -> None:
    ec2 = aws_client(own_server, "ec2")
    autoscaling = aws_client(own_server, "autoscaling")
    run = ec2.run_instances(ImageId=IMAGE, MinCount=3, MaxCount=3)
    ran = sorted(i["InstanceId"] for i in run["Instances"])
    make_group(autoscaling, own_server, "web", min_size=0, desired=2)
    grouped = sorted(i["InstanceId"] for i in describe_group(autoscaling, "web")["Instances"])
    own_server.advance(10)
    ec2.terminate_instances(InstanceIds=ran)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", DesiredCapacity=0)
    own_server.settle()
    own_server.advance(30)
    assert not describe_group(autoscaling, "web")["Instances"]
    states = listed(ec2)
    assert {states[i] for i in ran + grouped} == {"terminated"}

    own_server.advance(3400)  # not yet an hour since they ended
    assert {listed(ec2)[i] for i in ran + grouped} == {"terminated"}

    own_server.advance(300)
    assert not set(listed(ec2)) & set(ran + grouped)
    assert error_of(ec2.describe_instances, InstanceIds=[ran[0]])["Code"] == (
        "InvalidInstanceID.NotFound"
    )
    assert not ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": grouped}])["Tags"]
    assert machine_rows(own_server.database_url, ran + grouped) == 0
    # the group's history still reads, and the group still works
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert {a["StatusCode"] for a in activities} == {"Successful"}
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    own_server.settle()
    own_server.advance(10)
    assert len(describe_group(autoscaling, "web")["Instances"]) == 1
    own_server.stop()
    check = run_check(own_server.database_url)
    assert check.returncode == 0, check.stdout + check.stderr


def test_released_ecs_instances_leave_the_cloud_at_once(own_server: Server) -> None:
    region = "cn-hangzhou"
    ess = ess_client(own_server, region)
    group = ready_group(ess, own_server, region, min_size=0, desired=2)
    members = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_instances
    ids = sorted(i.instance_id for i in members)
    ess.remove_instances(
        m.RemoveInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=ids)
    )
    own_server.settle()
    for _ in range(4):
        own_server.advance(10)
    url = own_server.database_url
    assert machine_rows(url, ids) == 0
    own_server.stop()
    check = run_check(url)
    assert check.returncode == 0, check.stdout + check.stderr


# -- filter limits -----------------------------------------------------------------------------


def test_ec2_refuses_more_than_200_filter_values(ec2: Any) -> None:
    values = [f"web-{n}*" for n in range(1200)]
    for call in (ec2.describe_instances, ec2.describe_tags):
        for filters in (
            [{"Name": "tag:Name", "Values": values}],
            [{"Name": "tag-key", "Values": ["a"]}] * 1200,
            [{"Name": "tag-key", "Values": values[:150]}, {"Name": "key", "Values": values[:51]}],
        ):
            error = error_of(call, Filters=filters)
            assert (error["Code"], error["Message"], error["Status"]) == (*FILTER_LIMIT, 400)
    run = ec2.run_instances(
        ImageId=IMAGE,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-199x"}]}
        ],
    )
    instance = run["Instances"][0]["InstanceId"]
    at_limit = [{"Name": "tag:Name", "Values": values[:200]}]
    assert set(listed(ec2, Filters=at_limit)) == {instance}
    tags = ec2.describe_tags(Filters=[{"Name": "value", "Values": values[:200]}])["Tags"]
    assert [t["ResourceId"] for t in tags] == [instance]
    error = error_of(ec2.describe_instances, Filters=[{"Name": "tag:Name", "Values": ["x" * 256]}])
    assert (error["Code"], error["Message"]) == (
        "FilterLimitExceeded",
        "The maximum length for a filter value is 255 characters",
    )


def test_auto_scaling_filters_have_their_limits(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, "web", min_size=0, desired=0, boot=False)
    autoscaling.create_or_update_tags(
        Tags=[
            {
                "ResourceId": "web",
                "ResourceType": "auto-scaling-group",
                "Key": "env",
                "Value": "prod",
                "PropagateAtLaunch": False,
            }
        ]
    )
    six = ["a", "b", "c", "d", "e", "prod"]
    for filters in (
        [{"Name": "tag:env", "Values": six}],
        [{"Name": "tag:env", "Values": six[:3]}, {"Name": "tag:env", "Values": six[3:]}],
        [{"Name": "tag-value", "Values": [str(n) for n in range(1200)]}],
    ):
        error = error_of(autoscaling.describe_auto_scaling_groups, Filters=filters)
        name = filters[0]["Name"]
        assert (error["Code"], error["Status"]) == ("ValidationError", 400)
        assert error["Message"] == (
            f"The request isn't valid. The number of values specified for the {name} filter "
            f"type exceeds the maximum of 5 {name}."
        )
    found = autoscaling.describe_auto_scaling_groups(
        Filters=[{"Name": "tag:env", "Values": six[1:]}]
    )["AutoScalingGroups"]
    assert [g["AutoScalingGroupName"] for g in found] == ["web"]
    many_keys = [{"Name": f"tag:k{n}", "Values": ["x"]} for n in range(1200)]
    assert autoscaling.describe_auto_scaling_groups(Filters=many_keys)["AutoScalingGroups"] == []

    keys = [str(n) for n in range(1000)]
    error = error_of(autoscaling.describe_tags, Filters=[{"Name": "key", "Values": [*keys, "x"]}])
    assert (error["Code"], error["Status"], error["Message"]) == (
        "ValidationError",
        400,
        "The request isn't valid. The number of values specified for the key filter type "
        "exceeds the maximum of 1000 key.",
    )
    error = error_of(autoscaling.describe_tags, Filters=[{"Name": "key", "Values": ["a"]}] * 1200)
    assert error["Code"] == "ValidationError"
    tags = autoscaling.describe_tags(Filters=[{"Name": "key", "Values": [*keys[:999], "env"]}])
    assert [(t["ResourceId"], t["Key"]) for t in tags["Tags"]] == [("web", "env")]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=260), min_size=1, max_size=4),
    wild=st.booleans(),
)
def test_filter_sizes_are_refused_exactly_above_the_limit(
    ec2: Any, autoscaling: Any, sizes: list[int], wild: bool
) -> None:
    """Never a 5xx: EC2 answers FilterLimitExceeded exactly past 200 values in all, Auto
    Scaling ValidationError exactly past 5 values of one tag:<key> (1000 of one DescribeTags
    filter type)."""
    suffix = "*" if wild else ""
    ec2_filters = [
        {"Name": f"tag:k{n}", "Values": [f"v{i}{suffix}" for i in range(size)]}
        for n, size in enumerate(sizes)
    ]
    counted = sum(max(1, size) for size in sizes)
    tag_named = [{**f, "Name": "value"} for f in ec2_filters]
    for call, filters in ((ec2.describe_instances, ec2_filters), (ec2.describe_tags, tag_named)):
        if counted > 200:
            assert error_of(call, Filters=filters)["Code"] == "FilterLimitExceeded"
        else:
            call(Filters=filters)
    group_filters = [
        {"Name": "tag:env", "Values": [f"v{i}" for i in range(size % 8)]} for size in sizes
    ]
    if sum(size % 8 for size in sizes) > 5:
        error = error_of(autoscaling.describe_auto_scaling_groups, Filters=group_filters)
        assert (error["Code"], error["Status"]) == ("ValidationError", 400)
    else:
        autoscaling.describe_auto_scaling_groups(Filters=group_filters)
    tag_filters = [
        {"Name": "value", "Values": [f"v{i}" for i in range(size * 5)]} for size in sizes
    ]
    if sum(size * 5 for size in sizes) > 1000:
        error = error_of(autoscaling.describe_tags, Filters=tag_filters)
        assert (error["Code"], error["Status"]) == ("ValidationError", 400)
    else:
        autoscaling.describe_tags(Filters=tag_filters)


# -- ESS id lists ------------------------------------------------------------------------------


def test_ess_scaling_group_ids_are_at_most_20_with_both_sdks(
    ess: Any, ess_legacy: Any, region: str
) -> None:
    twenty = [f"asg-{n:020d}" for n in range(20)]
    answer = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=twenty)
    )
    assert answer.body.total_count == 0
    with pytest.raises(TeaException) as caught:
        ess.describe_scaling_groups(
            m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[*twenty, "asg-x"])
        )
    assert (caught.value.code, caught.value.status_code, caught.value.data["Message"]) == (
        "InvalidParameter",
        400,
        'The specified value of parameter "ScalingGroupIds.N" is not valid.',
    )

    legacy = DescribeScalingGroupsRequest()
    legacy.set_ScalingGroupIds(twenty)
    assert json.loads(ess_legacy.do_action_with_exception(legacy))["TotalCount"] == 0
    for count in (21, 100_000):
        legacy = DescribeScalingGroupsRequest()
        legacy.set_method("POST")  # so many ids only fit in a form body
        for n in range(count):
            legacy.add_body_params(f"ScalingGroupId.{n + 1}", f"asg-{n}")
        with pytest.raises(ServerException) as refused:
            ess_legacy.do_action_with_exception(legacy)
        assert (refused.value.get_error_code(), refused.value.get_http_status()) == (
            "InvalidParameter",
            400,
        )
        assert refused.value.get_error_msg() == (
            'The specified value of parameter "ScalingGroupId.N" is not valid.'
        )


# -- a launch whose activity may still run keeps its machine ------------------------------------


def test_a_launch_repeated_after_forgetting_never_launches_twice(tmp_path: Path) -> None:
    """The sim forgets a terminated machine only once its launch activity has ended: a launch
    step that runs again (say after a crash) must still find the machine its token made."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, update

    from tidewater.clock import Clock
    from tidewater.cloud.ports import LaunchSpec
    from tidewater.cloud.sim.compute import SimCompute
    from tidewater.cloud.sim.network import default_subnets
    from tidewater.cloud.sim.timing import Timing
    from tidewater.domain.scope import Cloud, Scope
    from tidewater.store.database import Database
    from tidewater.store.tables import activities, metadata

    db = Database("sqlite:///" + str(tmp_path / "sim.db"))
    metadata.create_all(db.engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = Clock(frozen_at=start)
    compute = SimCompute(db, clock, Timing())
    scope = Scope("000000000000", "us-east-1", Cloud.AWS)
    token = "launch-activity-1"
    with db.write() as conn:
        conn.execute(
            insert(activities).values(
                id=token,
                account=scope.account,
                region=scope.region,
                cloud=scope.cloud.value,
                group_id="g",
                group_name="web",
                group_arn="arn",
                kind="launch",
                status="InProgress",
                progress=0,
                step="boot",
                facts={},
                started_at=start,
            )
        )
    spec = LaunchSpec(image_id=IMAGE, instance_type="t3.micro")
    subnet = default_subnets(scope)[0]
    machine = compute.launch(scope, spec, subnet, token)
    compute.terminate(scope, [machine.id])
    for _ in range(3):  # three hours, each change taken note of as the engine does
        changed = compute.advance(clock.advance(3600))
        with db.write() as conn:
            compute.observed(changed, within=conn)
    assert compute.machines(scope, [machine.id])[machine.id].state == "terminated"
    assert compute.launched(scope, token) == compute.machines(scope, [machine.id])[machine.id]
    assert compute.launch(scope, spec, subnet, token).id == machine.id  # replayed, not relaunched

    with db.write() as conn:
        conn.execute(update(activities).values(status="Successful", due_at=None))
    compute.advance(clock.advance(3600))
    assert compute.launched(scope, token) is None
    assert compute.machines(scope, [machine.id]) == {}
    db.dispose()
