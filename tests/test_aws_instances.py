"""Attach, standby, terminate, protection and health through boto3."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.helpers import IMAGE, describe_group, error_of, instance_ids, make_group


def run_instance(ec2: Any, server: Server, zone: str | None = None) -> str:
    placement = {"Placement": {"AvailabilityZone": zone}} if zone else {}
    [instance] = ec2.run_instances(
        ImageId=IMAGE, InstanceType="t3.micro", MinCount=1, MaxCount=1, **placement
    )["Instances"]
    server.advance(10)
    return str(instance["InstanceId"])


def test_attach_instances(autoscaling: Any, ec2: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    make_group(autoscaling, server, min_size=0, max_size=2, desired=1)
    loose = run_instance(ec2, server, f"{region}a")
    autoscaling.attach_instances(AutoScalingGroupName="web", InstanceIds=[loose])
    group = describe_group(autoscaling, "web")
    assert group["DesiredCapacity"] == 2
    assert {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}[loose] == "Pending"
    server.settle()
    assert loose in instance_ids(describe_group(autoscaling, "web"))
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [loose]}])["Tags"]
    assert {
        "Key": "aws:autoscaling:groupName",
        "Value": "web",
        "ResourceId": loose,
        "ResourceType": "instance",
    } in tags
    [attached] = [
        a
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
        if a["Description"] == f"Attaching an existing EC2 instance: {loose}"
    ]
    assert attached["StatusCode"] == "Successful"
    assert attached["Cause"].endswith("increasing the capacity from 1 to 2.")

    extra = run_instance(ec2, server, f"{region}a")
    over = error_of(autoscaling.attach_instances, AutoScalingGroupName="web", InstanceIds=[extra])
    assert over["Message"] == (
        "AutoScalingGroup web has min-size=0, max-size=2, and "
        "desired-size=2. To attach 1 instance, please update the "
        "AutoScalingGroup sizes appropriately."
    )
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc2", ImageId=IMAGE, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="other",
        LaunchConfigurationName="lc2",
        MinSize=0,
        MaxSize=3,
        AvailabilityZones=[f"{region}a"],
    )
    taken = error_of(
        autoscaling.attach_instances, AutoScalingGroupName="other", InstanceIds=[loose]
    )
    assert taken["Message"] == f"The Instance: {loose} is already part of AutoScalingGroup:web"
    ec2.stop_instances(InstanceIds=[extra])
    server.advance(10)
    stopped = error_of(
        autoscaling.attach_instances, AutoScalingGroupName="other", InstanceIds=[extra]
    )
    assert stopped["Code"] == "ValidationError"
    unknown = error_of(
        autoscaling.attach_instances,
        AutoScalingGroupName="other",
        InstanceIds=["i-0000000000000dead"],
    )
    assert unknown["Code"] == "ValidationError"
    elsewhere = run_instance(ec2, server, f"{region}c")
    wrong_zone = error_of(
        autoscaling.attach_instances, AutoScalingGroupName="other", InstanceIds=[elsewhere]
    )
    assert wrong_zone["Code"] == "ValidationError"
    autoscaling.suspend_processes(AutoScalingGroupName="other", ScalingProcesses=["Launch"])
    fresh = run_instance(ec2, server, f"{region}a")
    suspended = error_of(
        autoscaling.attach_instances, AutoScalingGroupName="other", InstanceIds=[fresh]
    )
    assert suspended["Code"] == "ValidationError"
    assert describe_group(autoscaling, "other")["Instances"] == []


def test_standby_round_trip(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=1, max_size=3, desired=3)
    rest = instance_ids(group)[0]
    [enter] = autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[rest], ShouldDecrementDesiredCapacity=True
    )["Activities"]
    assert enter["Description"] == f"Moving EC2 instance to Standby: {rest}"
    assert enter["StatusCode"] == "InProgress" and enter["Progress"] == 50
    assert enter["Cause"].endswith(
        f"instance {rest} was moved to standby in response to a user "
        "request, shrinking the capacity from 3 to 2."
    )
    server.settle()
    group = describe_group(autoscaling, "web")
    assert group["DesiredCapacity"] == 2
    assert instance_ids(group, "Standby") == [rest]
    again = error_of(
        autoscaling.enter_standby,
        AutoScalingGroupName="web",
        InstanceIds=[rest],
        ShouldDecrementDesiredCapacity=True,
    )
    assert again["Message"] == f"The instance {rest} is not in InService."
    others = [i for i in instance_ids(group) if i != rest]
    floor = error_of(
        autoscaling.enter_standby,
        AutoScalingGroupName="web",
        InstanceIds=others,
        ShouldDecrementDesiredCapacity=True,
    )
    assert floor["Message"] == (
        "AutoScalingGroup web has min-size=1, max-size=3, and "
        "desired-size=2. To place into standby 2 instances, please update "
        "the AutoScalingGroup sizes appropriately."
    )
    [leave] = autoscaling.exit_standby(AutoScalingGroupName="web", InstanceIds=[rest])["Activities"]
    assert leave["Description"] == f"Moving EC2 instance out of Standby: {rest}"
    assert leave["StatusCode"] == "PreInService" and leave["Progress"] == 30
    assert leave["Cause"].endswith("increasing the capacity from 2 to 3.")
    server.settle()
    assert rest in instance_ids(describe_group(autoscaling, "web"))
    not_standby = error_of(autoscaling.exit_standby, AutoScalingGroupName="web", InstanceIds=[rest])
    assert not_standby["Message"] == f"The instance {rest} is not in Standby."


def test_standby_without_decrement_launches_replacement(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, max_size=2, desired=2)
    rest = instance_ids(group)[0]
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[rest], ShouldDecrementDesiredCapacity=False
    )
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "web")
    assert len(instance_ids(group)) == 2 and instance_ids(group, "Standby") == [rest]
    over = error_of(autoscaling.exit_standby, AutoScalingGroupName="web", InstanceIds=[rest])
    assert over["Code"] == "ValidationError"
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MaxSize=3)
    autoscaling.exit_standby(AutoScalingGroupName="web", InstanceIds=[rest])
    server.settle()
    assert describe_group(autoscaling, "web")["DesiredCapacity"] == 3


def test_terminate_instance_in_group(autoscaling: Any, ec2: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=2, max_size=3, desired=2)
    first, second = instance_ids(group)
    answer = autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=first, ShouldDecrementDesiredCapacity=False
    )
    activity = answer["Activity"]
    assert activity["Description"] == f"Terminating EC2 instance: {first}"
    assert activity["StatusCode"] == "InProgress" and activity["Progress"] == 0
    assert activity["Cause"].endswith(
        f"instance {first} was taken out of service in response to a user request."
    )
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "web")
    assert first not in {i["InstanceId"] for i in group["Instances"]}
    assert len(instance_ids(group)) == 2
    state = ec2.describe_instances(InstanceIds=[first])["Reservations"][0]["Instances"][0]["State"]
    assert state["Name"] == "terminated"
    at_min = error_of(
        autoscaling.terminate_instance_in_auto_scaling_group,
        InstanceId=second,
        ShouldDecrementDesiredCapacity=True,
    )
    assert at_min["Message"] == (
        "Currently, desiredSize equals minSize (2). Terminating instance "
        "without replacement will violate group's min size constraint. "
        "Either set shouldDecrementDesiredCapacity flag to false or "
        "lower group's min size."
    )
    gone = error_of(
        autoscaling.terminate_instance_in_auto_scaling_group,
        InstanceId=first,
        ShouldDecrementDesiredCapacity=False,
    )
    assert (
        gone["Message"]
        == f"Instance Id not found - No managed instance found for instance ID {first}"
    )
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MinSize=0)
    answer = autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceIds=instance_ids(describe_group(autoscaling, "web")),
        AutoScalingGroupName="web",
        ShouldDecrementDesiredCapacity=True,
    )
    assert len(answer["Activities"]) == 2
    assert answer["Activities"][0]["Cause"].endswith("shrinking the capacity from 2 to 0.")
    server.settle()
    server.advance(10)
    assert describe_group(autoscaling, "web")["Instances"] == []


def test_instance_protection(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, desired=1)
    [member] = instance_ids(group)
    assert autoscaling.set_instance_protection(
        AutoScalingGroupName="web", InstanceIds=[member], ProtectedFromScaleIn=True
    )["ResponseMetadata"]
    assert describe_group(autoscaling, "web")["Instances"][0]["ProtectedFromScaleIn"] is True
    [row] = autoscaling.describe_auto_scaling_instances(InstanceIds=[member])[
        "AutoScalingInstances"
    ]
    assert row["ProtectedFromScaleIn"] is True and row["HealthStatus"] == "HEALTHY"
    assert row["AutoScalingGroupName"] == "web" and row["LaunchConfigurationName"] == "web-lc"
    stranger = error_of(
        autoscaling.set_instance_protection,
        AutoScalingGroupName="web",
        InstanceIds=["i-0000000000000beef"],
        ProtectedFromScaleIn=True,
    )
    assert stranger["Message"] == (
        "The instance i-0000000000000beef is not part of Auto Scaling group web."
    )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=member, ShouldDecrementDesiredCapacity=False
    )
    terminating = error_of(
        autoscaling.set_instance_protection,
        AutoScalingGroupName="web",
        InstanceIds=[member],
        ProtectedFromScaleIn=False,
    )
    assert terminating["Message"] == (
        f"The instance {member} is not in InService or EnteringStandby or Standby."
    )


def test_unhealthy_instances_are_replaced(autoscaling: Any, ec2: Any, server: Server) -> None:
    group = make_group(autoscaling, server, desired=2)
    sick, well = instance_ids(group)
    ec2.stop_instances(InstanceIds=[sick])
    server.settle()
    server.advance(10)
    server.advance(10)
    group = describe_group(autoscaling, "web")
    members = instance_ids(group)
    assert sick not in members and well in members and len(members) == 2
    causes = [
        a["Cause"]
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ]
    assert any("EC2 health check" in c for c in causes)
    autoscaling.set_instance_health(InstanceId=well, HealthStatus="Unhealthy")
    server.settle()
    server.advance(10)
    server.advance(10)
    assert well not in instance_ids(describe_group(autoscaling, "web"))


def test_describe_auto_scaling_instances_pages(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, desired=5)
    pages = list(
        autoscaling.get_paginator("describe_auto_scaling_instances").paginate(
            PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["AutoScalingInstances"]) for p in pages] == [2, 2, 1]
    too_many = error_of(autoscaling.describe_auto_scaling_instances, MaxRecords=51)
    assert too_many["Code"] == "ValidationError"


def test_launch_template_group(autoscaling: Any, ec2: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    template = ec2.create_launch_template(
        LaunchTemplateName="tpl", LaunchTemplateData={"ImageId": IMAGE, "InstanceType": "t3.micro"}
    )["LaunchTemplate"]
    ec2.create_launch_template_version(
        LaunchTemplateName="tpl", SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"}
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="lt",
        MinSize=1,
        MaxSize=2,
        LaunchTemplate={"LaunchTemplateName": "tpl", "Version": "$Latest"},
        AvailabilityZones=[f"{region}a"],
    )
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "lt")
    assert group["LaunchTemplate"] == {
        "LaunchTemplateId": template["LaunchTemplateId"],
        "LaunchTemplateName": "tpl",
        "Version": "$Latest",
    }
    [member] = group["Instances"]
    assert member["InstanceType"] == "t3.small"
    assert member["LaunchTemplate"]["Version"] == "2"
    missing = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="x",
        MinSize=0,
        MaxSize=1,
        LaunchTemplate={"LaunchTemplateId": "lt-0123456789abcdef0"},
        AvailabilityZones=[f"{region}a"],
    )
    assert missing["Message"] == (
        "You must use a valid fully-formed launch template. The "
        "specified launch template, with template ID "
        "lt-0123456789abcdef0, does not exist."
    )
    unknown = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="x",
        MinSize=0,
        MaxSize=1,
        LaunchTemplate={"LaunchTemplateName": "tpl", "Version": "3"},
        AvailabilityZones=[f"{region}a"],
    )
    assert unknown["Message"] == (
        "You must use a valid fully-formed launch template. Could not find the specified "
        f"version 3 for the launch template with ID {template['LaunchTemplateId']}."
    )
    for version in ("1_0", " 1"):  # only digits name a version: Python's int() is looser
        unreadable = error_of(
            autoscaling.create_auto_scaling_group,
            AutoScalingGroupName="x",
            MinSize=0,
            MaxSize=1,
            LaunchTemplate={"LaunchTemplateName": "tpl", "Version": version},
            AvailabilityZones=[f"{region}a"],
        )
        assert unreadable["Message"] == (
            "Invalid launch template version: either '$Default', '$Latest', or a numeric "
            "version are allowed."
        )
    no_ref = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="x",
        MinSize=0,
        MaxSize=1,
        LaunchTemplate={"Version": "1"},
        AvailabilityZones=[f"{region}a"],
    )
    assert no_ref["Message"] == (
        "Valid requests must contain either launchTemplateId or LaunchTemplateName"
    )


def test_az_rebalance_after_decrementing_detach(autoscaling: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    group = make_group(autoscaling, server, min_size=0, max_size=6, desired=4)
    in_a = [i["InstanceId"] for i in group["Instances"] if i["AvailabilityZone"] == f"{region}a"]
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=in_a, ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    group = describe_group(autoscaling, "web")
    zones = sorted(i["AvailabilityZone"] for i in group["Instances"])
    assert zones == [f"{region}a", f"{region}b"]
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["AZRebalance"])
    in_b = [i["InstanceId"] for i in group["Instances"] if i["AvailabilityZone"] == f"{region}b"]
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "web")
    assert len(group["Instances"]) == 4 and in_b[0] in instance_ids(group)


def test_replace_unhealthy_can_be_suspended(autoscaling: Any, ec2: Any, server: Server) -> None:
    group = make_group(autoscaling, server, desired=1)
    [sick] = instance_ids(group)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["ReplaceUnhealthy"])
    ec2.stop_instances(InstanceIds=[sick])
    server.settle()
    server.advance(10)
    [member] = describe_group(autoscaling, "web")["Instances"]
    assert (member["InstanceId"], member["HealthStatus"]) == (sick, "Unhealthy")
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["ReplaceUnhealthy"])
    server.settle()
    server.advance(10)
    server.advance(10)
    assert sick not in {i["InstanceId"] for i in describe_group(autoscaling, "web")["Instances"]}


def test_a_machine_stopped_in_standby_is_found_out_when_it_returns(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    group = make_group(autoscaling, server, min_size=1, max_size=4, desired=2)
    resting, _ = instance_ids(group)
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[resting], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    ec2.stop_instances(InstanceIds=[resting])
    server.advance(10)  # stopped; standby instances are not health-checked
    member = next(
        i for i in describe_group(autoscaling, "web")["Instances"] if i["InstanceId"] == resting
    )
    assert (member["LifecycleState"], member["HealthStatus"]) == ("Standby", "Healthy")
    autoscaling.exit_standby(AutoScalingGroupName="web", InstanceIds=[resting])
    server.settle()
    server.advance(10)
    after = describe_group(autoscaling, "web")
    assert resting not in [i["InstanceId"] for i in after["Instances"]], "replaced, not kept"
    assert len(instance_ids(after)) == 2


def test_a_stopped_machine_called_healthy_is_found_out_again(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    autoscaling_group = make_group(autoscaling, server, min_size=1, max_size=4, desired=1)
    [sick] = instance_ids(autoscaling_group)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["ReplaceUnhealthy"])
    ec2.stop_instances(InstanceIds=[sick])
    server.advance(10)
    autoscaling.set_instance_health(InstanceId=sick, HealthStatus="Healthy")
    server.settle()
    [member] = describe_group(autoscaling, "web")["Instances"]
    assert (member["InstanceId"], member["HealthStatus"]) == (sick, "Unhealthy")
