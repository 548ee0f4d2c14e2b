"""Groups, launch configurations, tags, processes and metrics through boto3."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.helpers import IMAGE, describe_group, error_of, instance_ids, make_group


def test_create_group_launches_to_desired_and_describes(autoscaling: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    group = make_group(
        autoscaling,
        server,
        desired=3,
        boot=False,
        Tags=[
            {"Key": "team", "Value": "blue", "PropagateAtLaunch": True},
            {"Key": "cost", "Value": "7", "PropagateAtLaunch": False},
        ],
        DefaultCooldown=120,
        TerminationPolicies=["OldestInstance"],
    )
    assert group["MinSize"] == 1 and group["MaxSize"] == 5 and group["DesiredCapacity"] == 3
    assert group["LaunchConfigurationName"] == "web-lc"
    assert group["DefaultCooldown"] == 120
    assert group["TerminationPolicies"] == ["OldestInstance"]
    assert group["AvailabilityZones"] == [f"{region}a", f"{region}b"]
    assert group["HealthCheckType"] == "EC2"
    assert {t["Key"]: (t["Value"], t["PropagateAtLaunch"]) for t in group["Tags"]} == {
        "team": ("blue", True),
        "cost": ("7", False),
    }
    assert sorted(i["LifecycleState"] for i in group["Instances"]) == ["Pending"] * 3
    assert sorted(i["AvailabilityZone"] for i in group["Instances"]) == [
        f"{region}a",
        f"{region}a",
        f"{region}b",
    ]
    server.advance(10)
    group = describe_group(autoscaling, "web")
    assert [i["LifecycleState"] for i in group["Instances"]] == ["InService"] * 3
    assert {i["HealthStatus"] for i in group["Instances"]} == {"Healthy"}
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert len(activities) == 3
    assert all(a["StatusCode"] == "Successful" for a in activities)
    assert activities[0]["Cause"].startswith("At ")
    assert (
        "a user request created an AutoScalingGroup changing the desired capacity from 0 to 3."
        in activities[0]["Cause"]
    )
    assert "  At " in activities[0]["Cause"]


def test_propagated_tags_reach_instances(autoscaling: Any, ec2: Any, server: Server) -> None:
    group = make_group(
        autoscaling,
        server,
        desired=1,
        Tags=[
            {"Key": "team", "Value": "blue", "PropagateAtLaunch": True},
            {"Key": "cost", "Value": "7", "PropagateAtLaunch": False},
        ],
    )
    [instance_id] = instance_ids(group)
    tags = {
        t["Key"]: t["Value"]
        for t in ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][
            0
        ]["Tags"]
    }
    assert tags == {"team": "blue", "aws:autoscaling:groupName": "web"}


def test_create_group_refusals(autoscaling: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId=IMAGE, InstanceType="t3.micro"
    )
    base = {
        "AutoScalingGroupName": "g",
        "LaunchConfigurationName": "lc",
        "AvailabilityZones": [f"{region}a"],
    }
    assert (
        error_of(autoscaling.create_auto_scaling_group, **base, MinSize=3, MaxSize=2)["Message"]
        == "Max bound, 2, must be greater than or equal to min bound, 3"
    )
    assert error_of(
        autoscaling.create_auto_scaling_group, **base, MinSize=1, MaxSize=2, DesiredCapacity=5
    )["Message"] == ("Desired capacity:5 must be between the specified min size:1 and max size:2")
    assert error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="g",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=1,
    )["Message"] == ("At least one Availability Zone or VPC Subnet is required.")
    assert error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="g",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=1,
        VPCZoneIdentifier="subnet-nope",
    )["Message"] == ("The subnet ID 'subnet-nope' does not exist")
    assert error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="g",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )["Message"] == (
        "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId "
        "or MixedInstancesPolicy parameter."
    )
    assert error_of(
        autoscaling.create_auto_scaling_group,
        **{**base, "LaunchConfigurationName": "missing"},
        MinSize=0,
        MaxSize=1,
    )["Message"] == ("Launch configuration name not found - Launch configuration missing not found")
    autoscaling.create_auto_scaling_group(**base, MinSize=0, MaxSize=1)
    exists = error_of(autoscaling.create_auto_scaling_group, **base, MinSize=0, MaxSize=1)
    assert exists["Code"] == "AlreadyExists"
    assert exists["Message"] == (
        "AutoScalingGroup by this name already exists - A group with the name g already exists"
    )
    long_name = error_of(
        autoscaling.create_auto_scaling_group,
        **{**base, "AutoScalingGroupName": "x" * 256},
        MinSize=0,
        MaxSize=1,
    )
    assert long_name["Message"] == (
        f"1 validation error detected: Value '{'x' * 256}' at 'autoScalingGroupName' failed to "
        "satisfy constraint: Member must have length less than or equal to 255"
    )


def test_vpc_zone_identifier_and_zone_mismatch(autoscaling: Any, ec2: Any, server: Server) -> None:
    subnets = {s["AvailabilityZone"]: s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    zones = sorted(subnets)
    group = make_group(
        autoscaling,
        server,
        desired=2,
        zones=[],
        VPCZoneIdentifier=f"{subnets[zones[1]]}, {subnets[zones[2]]}",
    )
    assert group["VPCZoneIdentifier"] == f"{subnets[zones[1]]},{subnets[zones[2]]}"
    assert sorted(group["AvailabilityZones"]) == zones[1:]
    assert sorted(i["AvailabilityZone"] for i in group["Instances"]) == zones[1:]
    mismatch = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="other",
        LaunchConfigurationName="web-lc",
        MinSize=0,
        MaxSize=1,
        VPCZoneIdentifier=subnets[zones[0]],
        AvailabilityZones=[zones[1]],
    )
    assert mismatch["Message"] == (
        "The availability zones of the specified subnets and the Auto Scaling group do not match"
    )


def test_update_group(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, desired=2)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MinSize=3)
    assert describe_group(autoscaling, "web")["DesiredCapacity"] == 3
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MaxSize=3, MinSize=0)
    server.settle()
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 3
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MaxSize=1)
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "web")
    assert group["DesiredCapacity"] == 1
    assert len(group["Instances"]) == 1
    assert (
        error_of(autoscaling.update_auto_scaling_group, AutoScalingGroupName="nope", MinSize=1)[
            "Message"
        ]
        == "AutoScalingGroup name not found - null"
    )
    assert error_of(
        autoscaling.update_auto_scaling_group, AutoScalingGroupName="web", MinSize=4, MaxSize=2
    )["Message"] == ("Max bound, 2, must be greater than or equal to min bound, 4")
    assert error_of(
        autoscaling.update_auto_scaling_group, AutoScalingGroupName="web", DesiredCapacity=9
    )["Message"] == ("Desired capacity:9 must be between the specified min size:0 and max size:1")


def test_set_desired_capacity_scales_out_and_in(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=1, max_size=4, desired=1)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
    server.settle()
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 4
    causes = [
        a["Cause"]
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web", MaxRecords=3)[
            "Activities"
        ]
    ]
    assert all(
        "a user request explicitly set group desired capacity changing the desired "
        "capacity from 1 to 4." in c
        for c in causes
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=2)
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "web")
    assert len(group["Instances"]) == 2
    zones = sorted(i["AvailabilityZone"] for i in group["Instances"])
    assert zones[0] != zones[1], "scale-in keeps the zones balanced"
    newest = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"][0]
    assert newest["Description"].startswith("Terminating EC2 instance: i-")
    assert "was selected for termination." in newest["Cause"]
    above = error_of(
        autoscaling.set_desired_capacity, AutoScalingGroupName="web", DesiredCapacity=5
    )
    assert above["Message"] == (
        "New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup."
    )
    below = error_of(
        autoscaling.set_desired_capacity, AutoScalingGroupName="web", DesiredCapacity=0
    )
    assert below["Message"] == (
        "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup."
    )
    assert (
        error_of(autoscaling.set_desired_capacity, AutoScalingGroupName="nope", DesiredCapacity=1)[
            "Message"
        ]
        == "AutoScalingGroup name not found - null"
    )


def test_honor_cooldown(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=4, desired=1, DefaultCooldown=300)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=2)
    server.settle()
    server.advance(10)
    refused = error_of(
        autoscaling.set_desired_capacity,
        AutoScalingGroupName="web",
        DesiredCapacity=3,
        HonorCooldown=True,
    )
    assert refused["Code"] == "ScalingActivityInProgress"
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    server.settle()
    server.advance(10)
    server.advance(299)
    assert (
        error_of(
            autoscaling.set_desired_capacity,
            AutoScalingGroupName="web",
            DesiredCapacity=2,
            HonorCooldown=True,
        )["Code"]
        == "ScalingActivityInProgress"
    )
    server.advance(2)
    autoscaling.set_desired_capacity(
        AutoScalingGroupName="web", DesiredCapacity=2, HonorCooldown=True
    )


def test_scale_in_spares_protected_instances(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, max_size=3, desired=3)
    keep = instance_ids(group)[:2]
    autoscaling.set_instance_protection(
        AutoScalingGroupName="web", InstanceIds=keep, ProtectedFromScaleIn=True
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    server.settle()
    server.advance(10)
    assert instance_ids(describe_group(autoscaling, "web")) == sorted(keep)


def test_delete_group(autoscaling: Any, ec2: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=2)
    ids = instance_ids(group)
    in_use = error_of(autoscaling.delete_auto_scaling_group, AutoScalingGroupName="web")
    assert in_use == {
        "Code": "ResourceInUse",
        "Status": 400,
        "Type": "Sender",
        "Message": "You cannot delete an AutoScalingGroup while there are instances or "
        "pending Spot instance request(s) still in the group.",
    }
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    busy = error_of(autoscaling.delete_auto_scaling_group, AutoScalingGroupName="web")
    assert busy["Code"] in ("ResourceInUse", "ScalingActivityInProgress")
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    assert describe_group(autoscaling, "web")["Status"] == "Delete in progress"
    server.settle()
    server.advance(10)
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"]
        == []
    )
    states = {
        i["State"]["Name"]
        for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
        for i in r["Instances"]
    }
    assert states == {"terminated"}
    assert autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"] == []
    history = autoscaling.describe_scaling_activities(
        AutoScalingGroupName="web", IncludeDeletedGroups=True
    )["Activities"]
    assert history and {a["AutoScalingGroupState"] for a in history} == {"Deleted"}
    missing = error_of(autoscaling.delete_auto_scaling_group, AutoScalingGroupName="web")
    assert (
        missing["Message"] == "AutoScalingGroup name not found - AutoScalingGroup 'web' not found"
    )


def test_delete_empty_group_and_scaling_activity_in_progress(
    autoscaling: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    server.settle()
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    busy = error_of(autoscaling.delete_auto_scaling_group, AutoScalingGroupName="web")
    assert busy["Code"] == "ResourceInUse"
    server.advance(10)
    server.advance(10)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web")
    assert autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []


def test_describe_groups_paging_and_filters(autoscaling: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId=IMAGE, InstanceType="t3.micro"
    )
    for n in range(7):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"g{n}",
            LaunchConfigurationName="lc",
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=[f"{region}a"],
            Tags=[{"Key": "parity", "Value": "even" if n % 2 == 0 else "odd"}],
        )
    first = autoscaling.describe_auto_scaling_groups(MaxRecords=3)
    assert [g["AutoScalingGroupName"] for g in first["AutoScalingGroups"]] == ["g0", "g1", "g2"]
    names = [
        g["AutoScalingGroupName"]
        for page in autoscaling.get_paginator("describe_auto_scaling_groups").paginate(
            PaginationConfig={"PageSize": 2}
        )
        for g in page["AutoScalingGroups"]
    ]
    assert names == [f"g{n}" for n in range(7)]
    even = autoscaling.describe_auto_scaling_groups(
        Filters=[{"Name": "tag:parity", "Values": ["even"]}]
    )["AutoScalingGroups"]
    assert [g["AutoScalingGroupName"] for g in even] == ["g0", "g2", "g4", "g6"]
    by_key = autoscaling.describe_auto_scaling_groups(
        Filters=[{"Name": "tag-key", "Values": ["parity"]}]
    )["AutoScalingGroups"]
    assert len(by_key) == 7
    by_value = autoscaling.describe_auto_scaling_groups(
        Filters=[{"Name": "tag-value", "Values": ["odd"]}]
    )["AutoScalingGroups"]
    assert len(by_value) == 3
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["g1", "zz"])[
            "AutoScalingGroups"
        ][0]["AutoScalingGroupName"]
        == "g1"
    )
    bad = error_of(autoscaling.describe_auto_scaling_groups, NextToken="garbage!")
    assert bad == {
        "Code": "InvalidNextToken",
        "Status": 400,
        "Type": "Sender",
        "Message": "The token 'garbage!' was invalid",
    }
    too_many = error_of(autoscaling.describe_auto_scaling_groups, MaxRecords=101)
    assert too_many["Code"] == "ValidationError"


def test_launch_configurations(autoscaling: Any, ec2: Any, server: Server) -> None:
    ec2.create_key_pair(KeyName="k")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="a",
        ImageId=IMAGE,
        InstanceType="t3.micro",
        KeyName="k",
        SecurityGroups=["sg-1"],
    )
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="b", ImageId=IMAGE, InstanceType="t3.small"
    )
    [a] = autoscaling.describe_launch_configurations(LaunchConfigurationNames=["a"])[
        "LaunchConfigurations"
    ]
    assert a["ImageId"] == IMAGE and a["KeyName"] == "k" and a["SecurityGroups"] == ["sg-1"]
    assert a["LaunchConfigurationARN"].startswith("arn:aws:autoscaling:")
    assert ":launchConfiguration:" in a["LaunchConfigurationARN"]
    page = autoscaling.describe_launch_configurations(MaxRecords=1)
    assert len(page["LaunchConfigurations"]) == 1 and page["NextToken"]
    dup = error_of(
        autoscaling.create_launch_configuration,
        LaunchConfigurationName="a",
        ImageId=IMAGE,
        InstanceType="t3.micro",
    )
    assert dup == {
        "Code": "AlreadyExists",
        "Status": 400,
        "Type": "Sender",
        "Message": "Launch Configuration by this name already exists - A launch configuration "
        "already exists with the name a",
    }
    bad_ami = error_of(
        autoscaling.create_launch_configuration,
        LaunchConfigurationName="c",
        ImageId="ami-12345678",
        InstanceType="t3.micro",
    )
    assert bad_ami["Message"] == (
        "AMI ami-12345678 is invalid: The image id '[ami-12345678]' does not exist"
    )
    region = autoscaling.meta.region_name
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="g",
        LaunchConfigurationName="a",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )
    in_use = error_of(autoscaling.delete_launch_configuration, LaunchConfigurationName="a")
    assert in_use["Code"] == "ResourceInUse"
    assert in_use["Message"] == (
        "Cannot delete launch configuration a because it is attached to AutoScalingGroup"
    )
    autoscaling.delete_launch_configuration(LaunchConfigurationName="b")
    missing = error_of(autoscaling.delete_launch_configuration, LaunchConfigurationName="b")
    assert (
        missing["Message"]
        == "Launch configuration name not found - Launch configuration b not found"
    )


def test_tags(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    autoscaling.create_or_update_tags(
        Tags=[
            {
                "ResourceId": "web",
                "ResourceType": "auto-scaling-group",
                "Key": "a",
                "Value": "1",
                "PropagateAtLaunch": True,
            },
            {
                "ResourceId": "web",
                "ResourceType": "auto-scaling-group",
                "Key": "b",
                "Value": "2",
                "PropagateAtLaunch": False,
            },
        ]
    )
    autoscaling.create_or_update_tags(
        Tags=[
            {
                "ResourceId": "web",
                "ResourceType": "auto-scaling-group",
                "Key": "a",
                "Value": "3",
                "PropagateAtLaunch": False,
            }
        ]
    )
    tags = autoscaling.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": ["web"]}])[
        "Tags"
    ]
    assert [(t["Key"], t["Value"], t["PropagateAtLaunch"]) for t in tags] == [
        ("a", "3", False),
        ("b", "2", False),
    ]
    assert len(autoscaling.describe_tags(Filters=[{"Name": "key", "Values": ["b"]}])["Tags"]) == 1
    page = autoscaling.describe_tags(MaxRecords=1)
    assert len(page["Tags"]) == 1 and page["NextToken"]
    autoscaling.delete_tags(
        Tags=[{"ResourceId": "web", "ResourceType": "auto-scaling-group", "Key": "a"}]
    )
    assert [t["Key"] for t in describe_group(autoscaling, "web")["Tags"]] == ["b"]
    missing = error_of(
        autoscaling.create_or_update_tags,
        Tags=[
            {"ResourceId": "nope", "ResourceType": "auto-scaling-group", "Key": "a", "Value": "1"}
        ],
    )
    assert missing["Message"] == "AutoScalingGroup not found - AutoScaling Group nope not found"
    incomplete = error_of(
        autoscaling.create_or_update_tags,
        Tags=[{"Key": "a", "Value": "1", "PropagateAtLaunch": True}],
    )
    assert incomplete["Message"] == (
        "Incomplete tags information for these tags. Tag - 'Key:a,PropagateAtLaunch:true,"
        "ResourceId:null,ResourceType:null' , "
    )


def test_suspend_and_resume_processes(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=3, desired=1)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    [launch] = describe_group(autoscaling, "web")["SuspendedProcesses"]
    assert launch["ProcessName"] == "Launch"
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    server.settle()
    server.advance(10)
    assert len(describe_group(autoscaling, "web")["Instances"]) == 1
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    server.settle()
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 3
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Terminate"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    server.settle()
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 3
    autoscaling.resume_processes(AutoScalingGroupName="web")
    server.settle()
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 1
    autoscaling.suspend_processes(AutoScalingGroupName="web")
    assert len(describe_group(autoscaling, "web")["SuspendedProcesses"]) == 10
    bad = error_of(
        autoscaling.suspend_processes, AutoScalingGroupName="web", ScalingProcesses=["Nope"]
    )
    assert bad["Code"] == "ValidationError"


def test_metrics_collection(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    autoscaling.enable_metrics_collection(
        AutoScalingGroupName="web", Granularity="1Minute", Metrics=["GroupMinSize", "GroupMaxSize"]
    )
    assert sorted(m["Metric"] for m in describe_group(autoscaling, "web")["EnabledMetrics"]) == [
        "GroupMaxSize",
        "GroupMinSize",
    ]
    autoscaling.disable_metrics_collection(AutoScalingGroupName="web", Metrics=["GroupMinSize"])
    assert [m["Metric"] for m in describe_group(autoscaling, "web")["EnabledMetrics"]] == [
        "GroupMaxSize"
    ]
    autoscaling.disable_metrics_collection(AutoScalingGroupName="web")
    assert describe_group(autoscaling, "web")["EnabledMetrics"] == []
    autoscaling.enable_metrics_collection(AutoScalingGroupName="web", Granularity="1Minute")
    assert len(describe_group(autoscaling, "web")["EnabledMetrics"]) == 20


def test_static_and_empty_describes(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    assert len(autoscaling.describe_adjustment_types()["AdjustmentTypes"]) == 3
    assert (
        "autoscaling:EC2_INSTANCE_LAUNCH"
        in autoscaling.describe_auto_scaling_notification_types()["AutoScalingNotificationTypes"]
    )
    assert autoscaling.describe_lifecycle_hook_types()["LifecycleHookTypes"] == [
        "autoscaling:EC2_INSTANCE_LAUNCHING",
        "autoscaling:EC2_INSTANCE_TERMINATING",
    ]
    assert autoscaling.describe_metric_collection_types()["Granularities"] == [
        {"Granularity": "1Minute"}
    ]
    assert len(autoscaling.describe_scaling_process_types()["Processes"]) == 9
    assert "Default" in autoscaling.describe_termination_policy_types()["TerminationPolicyTypes"]
    limits = autoscaling.describe_account_limits()
    assert limits["NumberOfAutoScalingGroups"] == 1
    assert limits["NumberOfLaunchConfigurations"] == 1
    assert limits["MaxNumberOfAutoScalingGroups"] == 500
    assert autoscaling.describe_lifecycle_hooks(AutoScalingGroupName="web")["LifecycleHooks"] == []
    assert autoscaling.describe_policies(AutoScalingGroupName="web")["ScalingPolicies"] == []
    assert (
        autoscaling.describe_scheduled_actions(AutoScalingGroupName="web")[
            "ScheduledUpdateGroupActions"
        ]
        == []
    )
    assert autoscaling.describe_notification_configurations()["NotificationConfigurations"] == []
    assert autoscaling.describe_warm_pool(AutoScalingGroupName="web")["Instances"] == []
    assert (
        autoscaling.describe_instance_refreshes(AutoScalingGroupName="web")["InstanceRefreshes"]
        == []
    )


def test_scaling_activities_page_newest_first(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=6, desired=5)
    pages = list(
        autoscaling.get_paginator("describe_scaling_activities").paginate(
            AutoScalingGroupName="web", PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["Activities"]) for p in pages] == [2, 2, 1]
    starts = [a["StartTime"] for p in pages for a in p["Activities"]]
    assert starts == sorted(starts, reverse=True)
    ids = [a["ActivityId"] for p in pages for a in p["Activities"]]
    picked = autoscaling.describe_scaling_activities(ActivityIds=[ids[1], ids[3], "nope"])
    assert [a["ActivityId"] for a in picked["Activities"]] == [ids[1], ids[3]]
    assert autoscaling.describe_scaling_activities(AutoScalingGroupName="none")["Activities"] == []
    bad = error_of(autoscaling.describe_scaling_activities, NextToken="dHcxOmFiYw==")
    assert bad["Code"] == "InvalidNextToken"
