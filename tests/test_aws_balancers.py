"""Instances leave Classic ELBs and target groups first, waiting out connection draining."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ClientFactory, Server
from tests.helpers import alb_forwarding, classic_elb, describe_group, instance_ids, make_group


def test_detach_drains_from_target_group_and_classic_elb(
    client: ClientFactory, server: Server, autoscaling: Any, ec2: Any
) -> None:
    region = autoscaling.meta.region_name
    elb, elbv2 = client("elb"), client("elbv2")
    classic_elb(elb, "classic", [f"{region}a"], draining_seconds=30)
    tg, _ = alb_forwarding(elbv2, ec2)
    elbv2.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "120"}],
    )
    group = make_group(
        autoscaling,
        server,
        min_size=0,
        desired=2,
        LoadBalancerNames=["classic"],
        TargetGroupARNs=[tg],
    )
    assert group["LoadBalancerNames"] == ["classic"] and group["TargetGroupARNs"] == [tg]
    members = instance_ids(group)
    registered = {
        i["InstanceId"]
        for i in elb.describe_load_balancers(LoadBalancerNames=["classic"])[
            "LoadBalancerDescriptions"
        ][0]["Instances"]
    }
    assert registered == set(members)
    health = elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert {h["Target"]["Id"] for h in health} == set(members)
    server.advance(30)
    assert {
        h["TargetHealth"]["State"]
        for h in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    } == {"healthy"}

    victim = members[0]
    [activity] = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[victim], ShouldDecrementDesiredCapacity=True
    )["Activities"]
    server.settle()
    [waiting] = autoscaling.describe_scaling_activities(ActivityIds=[activity["ActivityId"]])[
        "Activities"
    ]
    assert waiting["StatusCode"] == "WaitingForELBConnectionDraining"
    states = {
        i["InstanceId"]: i["LifecycleState"]
        for i in describe_group(autoscaling, "web")["Instances"]
    }
    assert states[victim] == "Detaching"
    draining = {
        h["Target"]["Id"]: h["TargetHealth"]["State"]
        for h in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    }
    assert draining[victim] == "draining"
    assert victim not in {
        i["InstanceId"]
        for i in elb.describe_load_balancers(LoadBalancerNames=["classic"])[
            "LoadBalancerDescriptions"
        ][0]["Instances"]
    }

    server.advance(60)
    [still] = autoscaling.describe_scaling_activities(ActivityIds=[activity["ActivityId"]])[
        "Activities"
    ]
    assert still["StatusCode"] == "WaitingForELBConnectionDraining", "the target group drains on"
    server.advance(61)
    [done] = autoscaling.describe_scaling_activities(ActivityIds=[activity["ActivityId"]])[
        "Activities"
    ]
    assert done["StatusCode"] == "Successful"
    assert victim not in {
        h["Target"]["Id"]
        for h in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    }
    assert victim not in instance_ids(describe_group(autoscaling, "web"))


def test_attach_and_detach_balancers_register_members(
    client: ClientFactory, server: Server, autoscaling: Any, ec2: Any
) -> None:
    region = autoscaling.meta.region_name
    elb, elbv2 = client("elb"), client("elbv2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    classic_elb(elb, "late", [f"{region}a"])
    tg = elbv2.create_target_group(Name="late", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    group = make_group(autoscaling, server, min_size=0, desired=2)
    autoscaling.attach_load_balancers(AutoScalingGroupName="web", LoadBalancerNames=["late"])
    autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName="web", TargetGroupARNs=[tg])
    assert autoscaling.describe_load_balancers(AutoScalingGroupName="web")["LoadBalancers"] == [
        {"LoadBalancerName": "late", "State": "InService"}
    ]
    assert [
        t["LoadBalancerTargetGroupARN"]
        for t in autoscaling.describe_load_balancer_target_groups(AutoScalingGroupName="web")[
            "LoadBalancerTargetGroups"
        ]
    ] == [tg]
    sources = autoscaling.describe_traffic_sources(AutoScalingGroupName="web")["TrafficSources"]
    assert {(s["Identifier"], s["Type"]) for s in sources} == {("late", "elb"), (tg, "elbv2")}
    registered = {
        i["InstanceId"]
        for i in elb.describe_load_balancers(LoadBalancerNames=["late"])[
            "LoadBalancerDescriptions"
        ][0]["Instances"]
    }
    assert registered == set(instance_ids(group))
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    server.settle()
    server.advance(10)
    assert (
        len(
            {
                h["Target"]["Id"]
                for h in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            }
        )
        == 3
    ), "replacements are registered"
    autoscaling.detach_load_balancers(AutoScalingGroupName="web", LoadBalancerNames=["late"])
    assert (
        elb.describe_load_balancers(LoadBalancerNames=["late"])["LoadBalancerDescriptions"][0][
            "Instances"
        ]
        == []
    )


def test_standby_terminate_and_scale_in_leave_the_balancer_first(
    client: ClientFactory, server: Server, autoscaling: Any
) -> None:
    region = autoscaling.meta.region_name
    elb = client("elb")
    classic_elb(elb, "edge", [f"{region}a"], draining_seconds=20)
    group = make_group(
        autoscaling,
        server,
        min_size=0,
        max_size=4,
        desired=3,
        zones=[f"{region}a"],
        LoadBalancerNames=["edge"],
    )
    first, second, third = instance_ids(group)

    def registered() -> set[str]:
        return {
            i["InstanceId"]
            for i in elb.describe_load_balancers(LoadBalancerNames=["edge"])[
                "LoadBalancerDescriptions"
            ][0]["Instances"]
        }

    def status(activity: dict[str, Any]) -> str:
        return str(
            autoscaling.describe_scaling_activities(ActivityIds=[activity["ActivityId"]])[
                "Activities"
            ][0]["StatusCode"]
        )

    [standby] = autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[first], ShouldDecrementDesiredCapacity=True
    )["Activities"]
    ended = autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=second, ShouldDecrementDesiredCapacity=True
    )["Activity"]
    server.settle()
    assert status(standby) == status(ended) == "WaitingForELBConnectionDraining"
    assert registered() == {third}
    server.advance(21)
    server.advance(10)
    assert status(standby) == status(ended) == "Successful"
    autoscaling.exit_standby(AutoScalingGroupName="web", InstanceIds=[first])
    server.settle()
    assert registered() == {first, third}, "an instance back from standby is registered again"
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    server.settle()
    assert len(registered()) == 1, "scale-in deregisters before it terminates"
    server.advance(21)
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 1


def test_every_balancer_action_over_http(client: ClientFactory, server: Server, ec2: Any) -> None:
    from botocore.exceptions import ClientError

    region = ec2.meta.region_name
    elb, elbv2 = client("elb"), client("elbv2")
    [instance] = ec2.run_instances(
        ImageId="ami-0c02fb55956c7d316",
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        Placement={"AvailabilityZone": f"{region}a"},
    )["Instances"]
    server.advance(10)
    target = instance["InstanceId"]
    classic_elb(elb, "lb", [f"{region}a"])
    elb.register_instances_with_load_balancer(
        LoadBalancerName="lb", Instances=[{"InstanceId": target}]
    )
    server.advance(30)
    [health] = elb.describe_instance_health(LoadBalancerName="lb")["InstanceStates"]
    assert (health["InstanceId"], health["State"]) == (target, "InService")
    attributes = elb.describe_load_balancer_attributes(LoadBalancerName="lb")[
        "LoadBalancerAttributes"
    ]
    assert attributes["ConnectionDraining"]["Enabled"] is False
    elb.deregister_instances_from_load_balancer(
        LoadBalancerName="lb", Instances=[{"InstanceId": target}]
    )
    assert elb.describe_instance_health(LoadBalancerName="lb")["InstanceStates"] == []
    elb.delete_load_balancer(LoadBalancerName="lb")
    with pytest.raises(ClientError) as missing:
        elb.describe_load_balancers(LoadBalancerNames=["lb"])
    assert missing.value.response["Error"]["Code"] == "LoadBalancerNotFound"
    assert missing.value.response["Error"]["Message"] == "Cannot find Load Balancer lb"

    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    tg = elbv2.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    assert [g["TargetGroupArn"] for g in elbv2.describe_target_groups()["TargetGroups"]] == [tg]
    attributes = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_target_group_attributes(TargetGroupArn=tg)["Attributes"]
    }
    assert attributes["deregistration_delay.timeout_seconds"] == "300"
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": target}])
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": target}])
    [draining] = elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert draining["TargetHealth"]["State"] == "draining"
    server.advance(301)
    assert elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"] == []
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    arn = elbv2.create_load_balancer(Name="alb", Subnets=subnets)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    assert (
        elbv2.describe_load_balancers(Names=["alb"])["LoadBalancers"][0]["State"]["Code"]
        == "active"
    )
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    elbv2.delete_target_group(TargetGroupArn=tg)
    with pytest.raises(ClientError) as gone:
        elbv2.describe_target_health(TargetGroupArn=tg)
    assert gone.value.response["Error"]["Code"] == "TargetGroupNotFound"


def test_an_instance_terminated_while_booting_leaves_the_balancer_after_it_joins(
    client: ClientFactory, server: Server, autoscaling: Any
) -> None:
    region = autoscaling.meta.region_name
    elb = client("elb")
    classic_elb(elb, "classic", [f"{region}a"])
    group = make_group(
        autoscaling,
        server,
        min_size=0,
        desired=1,
        zones=[f"{region}a"],
        LoadBalancerNames=["classic"],
        boot=False,
    )
    [booting] = [i["InstanceId"] for i in group["Instances"]]
    assert group["Instances"][0]["LifecycleState"] == "Pending"
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=booting, ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    server.advance(10)  # the launch finishes (joining the balancer), then the termination runs
    server.advance(10)
    registered = elb.describe_load_balancers(LoadBalancerNames=["classic"])[
        "LoadBalancerDescriptions"
    ][0]["Instances"]
    assert registered == []
    assert describe_group(autoscaling, "web")["Instances"] == []
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert {a["StatusCode"] for a in activities} == {"Successful"}
