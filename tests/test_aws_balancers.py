"""Instances leave Classic ELBs and target groups first, waiting out connection draining."""

from __future__ import annotations

from typing import Any

from tests.conftest import ClientFactory, Server
from tests.helpers import describe_group, instance_ids, make_group


def test_detach_drains_from_target_group_and_classic_elb(
    client: ClientFactory, server: Server, autoscaling: Any, ec2: Any
) -> None:
    region = autoscaling.meta.region_name
    elb, elbv2 = client("elb"), client("elbv2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    elb.create_load_balancer(
        LoadBalancerName="classic",
        AvailabilityZones=[f"{region}a"],
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
    )
    elb.modify_load_balancer_attributes(
        LoadBalancerName="classic",
        LoadBalancerAttributes={"ConnectionDraining": {"Enabled": True, "Timeout": 30}},
    )
    tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "120"}],
    )
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    alb = elbv2.create_load_balancer(Name="alb", Subnets=subnets)["LoadBalancers"][0]
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
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
    elb.create_load_balancer(
        LoadBalancerName="late",
        AvailabilityZones=[f"{region}a"],
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
    )
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
