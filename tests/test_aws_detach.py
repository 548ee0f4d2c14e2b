"""DetachInstances exactly as AWS does it: refusals, activities, effects and replacements."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import Server
from tests.helpers import describe_group, error_of, instance_ids, make_group


def test_detach_with_decrement_returns_in_progress_activity(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    group = make_group(autoscaling, server, desired=2)
    victim = instance_ids(group)[0]

    answer = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=True
    )

    [activity] = answer["Activities"]
    assert activity["StatusCode"] == "InProgress"
    assert activity["Progress"] == 50
    assert activity["Description"] == f"Detaching EC2 instance: {victim}"
    assert re.fullmatch(
        rf"At \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ instance {victim} was detached in response to a "
        r"user request, shrinking the capacity from 2 to 1\.",
        activity["Cause"],
    )
    assert activity["AutoScalingGroupName"] == "web"
    assert activity["AutoScalingGroupARN"] == group["AutoScalingGroupARN"]
    assert ":autoScalingGroup:" in activity["AutoScalingGroupARN"]
    details = json.loads(activity["Details"])
    member = next(i for i in group["Instances"] if i["InstanceId"] == victim)
    assert details["Availability Zone"] == member["AvailabilityZone"]
    assert details["Subnet ID"].startswith("subnet-")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", activity["ActivityId"]
    )

    during = describe_group(autoscaling, "web")
    assert during["DesiredCapacity"] == 1
    states = {i["InstanceId"]: i["LifecycleState"] for i in during["Instances"]}
    assert states[victim] == "Detaching"

    server.settle()

    after = describe_group(autoscaling, "web")
    assert victim not in {i["InstanceId"] for i in after["Instances"]}
    assert len(after["Instances"]) == 1
    done = autoscaling.describe_scaling_activities(ActivityIds=[activity["ActivityId"]])
    [finished] = done["Activities"]
    assert finished["StatusCode"] == "Successful"
    assert finished["Progress"] == 100
    assert finished["EndTime"] >= finished["StartTime"]
    assert (
        autoscaling.describe_auto_scaling_instances(InstanceIds=[victim])["AutoScalingInstances"]
        == []
    )

    [reservation] = ec2.describe_instances(InstanceIds=[victim])["Reservations"]
    [instance] = reservation["Instances"]
    assert instance["State"]["Name"] == "running"
    assert "aws:autoscaling:groupName" not in {t["Key"] for t in instance.get("Tags", [])}


def test_detach_without_decrement_launches_replacement_in_emptiest_zone(
    autoscaling: Any, server: Server
) -> None:
    region = autoscaling.meta.region_name
    group = make_group(autoscaling, server, desired=2)
    zone_of = {i["InstanceId"]: i["AvailabilityZone"] for i in group["Instances"]}
    victim = instance_ids(group)[0]

    [activity] = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=False
    )["Activities"]
    assert re.fullmatch(
        rf"At \S+Z instance {victim} was detached in response to a user "
        r"request\.",
        activity["Cause"],
    )

    server.settle()
    pending = describe_group(autoscaling, "web")
    assert pending["DesiredCapacity"] == 2
    fresh = [i for i in pending["Instances"] if i["InstanceId"] not in zone_of]
    assert len(fresh) == 1
    assert fresh[0]["LifecycleState"] == "Pending"
    assert fresh[0]["AvailabilityZone"] == zone_of[victim]
    assert fresh[0]["AvailabilityZone"] in (f"{region}a", f"{region}b")

    server.advance(10)
    after = describe_group(autoscaling, "web")
    assert sorted(i["LifecycleState"] for i in after["Instances"]) == ["InService", "InService"]
    launches = [
        a
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
        if a["Description"].startswith("Launching a new EC2 instance")
    ]
    newest = launches[0]
    assert newest["Description"] == f"Launching a new EC2 instance: {fresh[0]['InstanceId']}"
    assert newest["StatusCode"] == "Successful"
    assert "increasing the capacity from 1 to 2." in newest["Cause"]


def test_detach_standby_instance(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=2)
    victim = instance_ids(group)[0]
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    assert victim not in instance_ids(describe_group(autoscaling, "web"), "Standby")


def test_detach_refusals_change_nothing(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=1, desired=2)
    good, other = instance_ids(group)
    before = describe_group(autoscaling, "web")

    not_member = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=[good, "i-0123456789abcdef0"],
        ShouldDecrementDesiredCapacity=False,
    )
    assert not_member == {
        "Code": "ValidationError",
        "Status": 400,
        "Type": "Sender",
        "Message": "The instance i-0123456789abcdef0 is not part of Auto Scaling group web.",
    }

    too_many = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=[f"i-{n:017x}" for n in range(21)],
        ShouldDecrementDesiredCapacity=False,
    )
    assert too_many["Message"] == (
        "List exceeds the maximum number of instances to detach. "
        "Please retry your request with fewer instances."
    )

    below_min = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=[good, other],
        ShouldDecrementDesiredCapacity=True,
    )
    assert below_min["Code"] == "ValidationError"
    assert below_min["Message"] == (
        "AutoScalingGroup web has min-size=1, max-size=5, and desired-size=2. To detach 2 "
        "instances, please update the AutoScalingGroup sizes appropriately."
    )

    unknown = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="nope",
        InstanceIds=[good],
        ShouldDecrementDesiredCapacity=False,
    )
    assert unknown["Code"] == "ValidationError"
    assert unknown["Message"] == "AutoScalingGroup name not found - AutoScalingGroup nope not found"

    assert describe_group(autoscaling, "web") == before
    assert all(
        a["Description"].startswith("Launching")
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    )


def test_detach_of_detaching_instance_is_not_in_service(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=2)
    victim = instance_ids(group)[0]
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=True
    )
    again = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=[victim],
        ShouldDecrementDesiredCapacity=True,
    )
    assert again["Message"] == f"The instance {victim} is not in InService or Standby."
    server.settle()
    gone = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=[victim],
        ShouldDecrementDesiredCapacity=True,
    )
    assert gone["Message"] == f"The instance {victim} is not part of Auto Scaling group web."


def test_detach_pending_instance_refused(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, desired=1, boot=False)
    [pending] = instance_ids(group, "Pending")
    refused = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=[pending],
        ShouldDecrementDesiredCapacity=False,
    )
    assert refused["Message"] == f"The instance {pending} is not in InService or Standby."


def test_detach_one_instance_message_is_singular(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=1, desired=1)
    refused = error_of(
        autoscaling.detach_instances,
        AutoScalingGroupName="web",
        InstanceIds=instance_ids(group),
        ShouldDecrementDesiredCapacity=True,
    )
    assert refused["Message"].endswith(
        "To detach 1 instance, please update the AutoScalingGroup sizes appropriately."
    )


def test_detach_twenty_at_once_and_duplicates(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, max_size=20, desired=20)
    ids = instance_ids(group)
    assert len(ids) == 20
    answer = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=ids + ids[:1], ShouldDecrementDesiredCapacity=True
    )
    assert len(answer["Activities"]) == 20
    assert {a["Cause"].split("shrinking the capacity from ")[1] for a in answer["Activities"]} == {
        "20 to 0."
    }
    server.settle()
    assert describe_group(autoscaling, "web")["Instances"] == []


def test_detach_drops_protection(autoscaling: Any, server: Server) -> None:
    group = make_group(
        autoscaling, server, min_size=0, desired=1, NewInstancesProtectedFromScaleIn=True
    )
    [victim] = instance_ids(group)
    assert group["Instances"][0]["ProtectedFromScaleIn"] is True
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="web", NewInstancesProtectedFromScaleIn=False
    )
    autoscaling.attach_instances(AutoScalingGroupName="web", InstanceIds=[victim])
    server.settle()
    [back] = describe_group(autoscaling, "web")["Instances"]
    assert back["InstanceId"] == victim
    assert back["ProtectedFromScaleIn"] is False
