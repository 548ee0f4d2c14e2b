"""Warm pools through boto3 and the aws CLI: the pool is kept at its size beside the group,
stopped or running; scale-out draws on it first, scale-in returns instances to it when asked;
deleting it ends what it holds; and its requests are checked."""

from __future__ import annotations

import json
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import aws_client, error_of, make_group, run_check

from .test_aws_template_launches import template
from .test_aws_weighted_capacity import weighted
from .test_load_publication import group_metric


def settle(server: Server) -> None:
    """Let every activity under way finish: launches boot, stopped machines stop."""
    for _ in range(3):
        server.settle()
        server.advance(30)
    server.settle()


def pool(autoscaling: Any, name: str = "web") -> dict[str, Any]:
    return dict(autoscaling.describe_warm_pool(AutoScalingGroupName=name))


def group(autoscaling: Any, name: str = "web") -> dict[str, Any]:
    [found] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ]
    return dict(found)


def states(ec2: Any, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    found = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    return {i["State"]["Name"] for r in found for i in r["Instances"]}


def ids(instances: list[dict[str, Any]]) -> list[str]:
    return sorted(i["InstanceId"] for i in instances)


def test_a_pool_fills_to_max_minus_desired_and_rests_stopped(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=0, max_size=4, desired=1)
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    settle(server)
    found = pool(autoscaling)
    assert found["WarmPoolConfiguration"] == {
        "MinSize": 0,
        "PoolState": "Stopped",
        "InstanceReusePolicy": {"ReuseOnScaleIn": False},
    }
    assert [i["LifecycleState"] for i in found["Instances"]] == ["Warmed:Stopped"] * 3
    assert states(ec2, ids(found["Instances"])) == {"stopped"}
    described = group(autoscaling)
    assert described["WarmPoolSize"] == 3
    assert described["WarmPoolConfiguration"] == found["WarmPoolConfiguration"]
    assert [i["LifecycleState"] for i in described["Instances"]] == ["InService"], (
        "the pool's instances are not the group's"
    )
    words = [a["Description"] for a in autoscaling.describe_scaling_activities()["Activities"]]
    assert sum(w.startswith("Launching a new EC2 instance into warm pool: i-") for w in words) == 3


def test_scale_out_draws_on_the_pool_first(autoscaling: Any, ec2: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=4, desired=1)
    autoscaling.put_warm_pool(AutoScalingGroupName="web", MaxGroupPreparedCapacity=3)
    settle(server)
    warm = ids(pool(autoscaling)["Instances"])
    assert len(warm) == 2
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    settle(server)
    serving = ids(group(autoscaling)["Instances"])
    assert set(warm) < set(serving), "both prepared instances now serve"
    assert states(ec2, serving) == {"running"}
    assert pool(autoscaling)["Instances"] == [], "3 prepared, 3 desired: nothing left to keep"
    words = [a["Description"] for a in autoscaling.describe_scaling_activities()["Activities"]]
    assert f"Launching a new EC2 instance from warm pool: {warm[0]}" in words


def test_scale_in_returns_instances_when_asked(autoscaling: Any, ec2: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=3, desired=3)
    autoscaling.put_warm_pool(
        AutoScalingGroupName="web", InstanceReusePolicy={"ReuseOnScaleIn": True}
    )
    settle(server)
    before = ids(group(autoscaling)["Instances"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    settle(server)
    kept = ids(pool(autoscaling)["Instances"])
    assert len(kept) == 2 and set(kept) < set(before), "the two scaled in wait in the pool"
    assert states(ec2, kept) == {"stopped"}
    words = [a["Description"] for a in autoscaling.describe_scaling_activities()["Activities"]]
    assert sum(w.startswith("Returning EC2 instance to warm pool: i-") for w in words) == 2
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    settle(server)
    assert ids(group(autoscaling)["Instances"]) == before, "and come back on the next scale-out"


def test_without_reuse_scale_in_terminates(autoscaling: Any, ec2: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=3, desired=3)
    autoscaling.put_warm_pool(AutoScalingGroupName="web", MaxGroupPreparedCapacity=3)
    settle(server)
    before = ids(group(autoscaling)["Instances"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=2)
    settle(server)
    gone = set(before) - set(ids(group(autoscaling)["Instances"]))
    assert len(gone) == 1 and states(ec2, list(gone)) == {"terminated"}
    [fresh] = pool(autoscaling)["Instances"]
    assert fresh["InstanceId"] not in before, "the pool launched its own"


def test_a_running_pool_and_its_sizes(autoscaling: Any, ec2: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=6, desired=2)
    autoscaling.put_warm_pool(
        AutoScalingGroupName="web", PoolState="Running", MaxGroupPreparedCapacity=3
    )
    settle(server)
    found = pool(autoscaling)
    assert [i["LifecycleState"] for i in found["Instances"]] == ["Warmed:Running"]
    assert states(ec2, ids(found["Instances"])) == {"running"}
    assert found["WarmPoolConfiguration"]["MaxGroupPreparedCapacity"] == 3
    autoscaling.put_warm_pool(
        AutoScalingGroupName="web", PoolState="Running", MaxGroupPreparedCapacity=3, MinSize=2
    )
    settle(server)
    assert len(pool(autoscaling)["Instances"]) == 2, "MinSize holds above max minus desired"
    autoscaling.put_warm_pool(AutoScalingGroupName="web", MaxGroupPreparedCapacity=-1)
    settle(server)
    found = pool(autoscaling)
    assert "MaxGroupPreparedCapacity" not in found["WarmPoolConfiguration"], "-1 takes it away"
    assert len(found["Instances"]) == 4, "MaxSize 6 less desired 2"
    page = autoscaling.describe_warm_pool(AutoScalingGroupName="web", MaxRecords=3)
    rest = autoscaling.describe_warm_pool(
        AutoScalingGroupName="web", MaxRecords=3, NextToken=page["NextToken"]
    )
    assert ids(page["Instances"] + rest["Instances"]) == ids(found["Instances"])
    assert "NextToken" not in rest


def test_deleting_a_pool_ends_what_it_holds(autoscaling: Any, ec2: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=3, desired=1)
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    settle(server)
    warm = ids(pool(autoscaling)["Instances"])
    autoscaling.delete_warm_pool(AutoScalingGroupName="web")
    assert pool(autoscaling)["WarmPoolConfiguration"]["Status"] == "PendingDelete"
    error = error_of(autoscaling.put_warm_pool, AutoScalingGroupName="web")
    assert error["Message"] == "The warm pool of Auto Scaling group web is being deleted."
    settle(server)
    emptied = pool(autoscaling)
    assert emptied["Instances"] == [] and "WarmPoolConfiguration" not in emptied
    assert states(ec2, warm) == {"terminated"}
    assert "WarmPoolConfiguration" not in group(autoscaling)
    # forced: the pool is gone at once, its instances end all the same
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    settle(server)
    warm = ids(pool(autoscaling)["Instances"])
    autoscaling.delete_warm_pool(AutoScalingGroupName="web", ForceDelete=True)
    assert "WarmPoolConfiguration" not in pool(autoscaling)
    settle(server)
    assert states(ec2, warm) == {"terminated"}
    # forced while its launches are under way: what they make is ended once they are done
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    server.settle()
    autoscaling.delete_warm_pool(AutoScalingGroupName="web", ForceDelete=True)
    settle(server)
    assert pool(autoscaling)["Instances"] == []
    assert len(group(autoscaling)["Instances"]) == 1


def test_a_group_with_a_pool_is_deleted_whole(autoscaling: Any, ec2: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=3, desired=1)
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    settle(server)
    everything = ids(group(autoscaling)["Instances"]) + ids(pool(autoscaling)["Instances"])
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    settle(server)
    assert autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []
    assert states(ec2, everything) == {"terminated"}


def test_warm_pool_requests_are_checked(autoscaling: Any, ec2: Any, server: Server) -> None:
    missing = error_of(autoscaling.put_warm_pool, AutoScalingGroupName="nope")
    assert (missing["Code"], missing["Message"]) == (
        "ValidationError",
        "AutoScalingGroup name not found - null",
    )
    make_group(autoscaling, server, min_size=0, max_size=3, desired=1)
    bounds = error_of(
        autoscaling.put_warm_pool, AutoScalingGroupName="web", MinSize=3, MaxGroupPreparedCapacity=2
    )
    assert bounds["Message"] == "MinSize must be less than or equal to MaxGroupPreparedCapacity."
    none = error_of(autoscaling.delete_warm_pool, AutoScalingGroupName="web")
    assert none["Message"] == "Auto Scaling group web has no warm pool."
    lt = template(ec2, "mixed-pool")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="mixed",
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": lt}}
        },
    )
    mixed = error_of(autoscaling.put_warm_pool, AutoScalingGroupName="mixed")
    assert mixed["Message"].startswith("A warm pool cannot be added to an Auto Scaling group")


@pytest.mark.parametrize("state", ["Frozen", "stopped"])
def test_an_unknown_pool_state_is_refused_before_anything_changes(
    autoscaling: Any, server: Server, state: str
) -> None:
    make_group(autoscaling, server, min_size=0, max_size=3, desired=1)
    error = error_of(autoscaling.put_warm_pool, AutoScalingGroupName="web", PoolState=state)
    assert error["Code"] == "ValidationError"
    assert "WarmPoolConfiguration" not in pool(autoscaling)


def test_the_cli_puts_and_reads_a_pool(
    aws_cli: Callable[..., CompletedProcess[str]], autoscaling: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=0, max_size=2, desired=1)
    put = aws_cli(
        "autoscaling",
        "put-warm-pool",
        "--auto-scaling-group-name",
        "web",
        "--pool-state",
        "Running",
        "--instance-reuse-policy",
        "ReuseOnScaleIn=true",
    )
    assert put.returncode == 0, put.stderr
    settle(server)
    shown = json.loads(
        aws_cli("autoscaling", "describe-warm-pool", "--auto-scaling-group-name", "web").stdout
    )
    assert shown["WarmPoolConfiguration"]["InstanceReusePolicy"] == {"ReuseOnScaleIn": True}
    assert [i["LifecycleState"] for i in shown["Instances"]] == ["Warmed:Running"]


def test_a_pool_publishes_its_metrics(autoscaling: Any, client: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=4, desired=1)
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    settle(server)
    cw = client("cloudwatch")
    autoscaling.enable_metrics_collection(AutoScalingGroupName="web", Granularity="1Minute")
    server.advance(60)
    assert group_metric(cw, server, "WarmPoolWarmedCapacity") == [3.0]
    assert group_metric(cw, server, "WarmPoolDesiredCapacity") == [3.0]
    assert group_metric(cw, server, "GroupAndWarmPoolTotalCapacity") == [4.0]
    assert group_metric(cw, server, "GroupTotalInstances") == [1.0]


def test_tidewater_check_holds_with_a_pool_and_weights(own_server: Server) -> None:
    """The database's invariants hold for a group with a warm pool and for a weighted group
    that stands above its desired capacity by less than one weight."""
    autoscaling = aws_client(own_server, "autoscaling")
    ec2 = aws_client(own_server, "ec2")
    make_group(autoscaling, own_server, min_size=0, max_size=4, desired=2)
    autoscaling.put_warm_pool(
        AutoScalingGroupName="web", InstanceReusePolicy={"ReuseOnScaleIn": True}
    )
    lt = template(ec2, "weighted-check")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="weighted",
        MinSize=0,
        MaxSize=12,
        DesiredCapacity=6,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        MixedInstancesPolicy=weighted(lt, c5_xlarge="4"),
    )
    settle(own_server)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    settle(own_server)
    assert len(pool(autoscaling)["Instances"]) == 3
    checked = run_check(str(own_server.database_url))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def states_in_pool(autoscaling: Any) -> list[str]:
    return [i["LifecycleState"] for i in pool(autoscaling)["Instances"]]


def complete(autoscaling: Any, hook: str, instance: str) -> None:
    autoscaling.complete_lifecycle_action(
        AutoScalingGroupName="web",
        LifecycleHookName=hook,
        InstanceId=instance,
        LifecycleActionResult="CONTINUE",
    )


def test_lifecycle_hooks_hold_instances_entering_leaving_and_drawn_from_the_pool(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    """A launch hook holds an instance on its way into the pool (Warmed:Pending:Wait) and again
    when scale-out draws it (Pending:Wait); a termination hook holds one the pool ends."""
    make_group(autoscaling, server, min_size=0, max_size=3, desired=1)
    for name, transition in (("in", "LAUNCHING"), ("out", "TERMINATING")):
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName="web",
            LifecycleHookName=name,
            LifecycleTransition=f"autoscaling:EC2_INSTANCE_{transition}",
            HeartbeatTimeout=3600,
            DefaultResult="ABANDON",
        )
    autoscaling.put_warm_pool(AutoScalingGroupName="web")
    settle(server)
    assert states_in_pool(autoscaling) == ["Warmed:Pending:Wait"] * 2
    warm = ids(pool(autoscaling)["Instances"])
    for instance in warm:
        complete(autoscaling, "in", instance)
    settle(server)
    assert states_in_pool(autoscaling) == ["Warmed:Stopped"] * 2
    assert states(ec2, warm) == {"stopped"}
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=2)
    settle(server)
    drawn = [i for i in group(autoscaling)["Instances"] if i["InstanceId"] in warm]
    assert [i["LifecycleState"] for i in drawn] == ["Pending:Wait"]
    zones = [i["AvailabilityZone"] for i in group(autoscaling)["Instances"]]
    assert len(set(zones)) == 2, "the draw takes the pool's instance in the zone the group lacks"
    complete(autoscaling, "in", drawn[0]["InstanceId"])
    settle(server)
    assert {i["LifecycleState"] for i in group(autoscaling)["Instances"]} == {"InService"}
    [left] = ids(pool(autoscaling)["Instances"])
    autoscaling.put_warm_pool(AutoScalingGroupName="web", MaxGroupPreparedCapacity=2)
    settle(server)
    assert states_in_pool(autoscaling) == ["Warmed:Terminating:Wait"]
    complete(autoscaling, "out", left)
    settle(server)
    assert pool(autoscaling)["Instances"] == []
    assert states(ec2, [left]) == {"terminated"}
