"""Small builders shared by the Auto Scaling tests."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import Server

IMAGE = "ami-0c02fb55956c7d316"


def make_group(
    autoscaling: Any,
    server: Server,
    name: str = "web",
    *,
    min_size: int = 1,
    max_size: int = 5,
    desired: int = 2,
    zones: list[str] | None = None,
    boot: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A launch configuration and a group on it, with its instances InService unless boot=False.

    Zones default to the region's first two; zones=[] leaves placement to VPCZoneIdentifier.
    """
    region = autoscaling.meta.region_name
    if zones is None:
        zones = [f"{region}a", f"{region}b"]
    if zones:
        extra["AvailabilityZones"] = zones
    autoscaling.create_launch_configuration(
        LaunchConfigurationName=f"{name}-lc", ImageId=IMAGE, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchConfigurationName=f"{name}-lc",
        MinSize=min_size,
        MaxSize=max_size,
        DesiredCapacity=desired,
        **extra,
    )
    server.settle()
    if boot:
        server.advance(10)
    return describe_group(autoscaling, name)


def describe_group(autoscaling: Any, name: str) -> dict[str, Any]:
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    assert len(groups["AutoScalingGroups"]) == 1
    return groups["AutoScalingGroups"][0]


def instance_ids(group: dict[str, Any], state: str = "InService") -> list[str]:
    return sorted(i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == state)


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    """The AWS error a call raises (it must raise one)."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return {
        "Code": response["Error"]["Code"],
        "Message": response["Error"]["Message"],
        "Status": response["ResponseMetadata"]["HTTPStatusCode"],
        "Type": response["Error"].get("Type"),
    }


def aws_client(
    server: Server, service: str, *, region: str = "us-east-1", config: Config | None = None
) -> Any:
    """boto3 aimed at the server with the test keys, so no test module repeats the settings."""
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=server.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=config,
    )


def tea_config(server: Server, region: str, *, signature_algorithm: str | None = None) -> Any:
    """What every tea SDK client (ESS, VPC, ECS) needs to reach the server with the test keys."""
    from alibabacloud_tea_openapi import models as open_api_models

    return open_api_models.Config(
        access_key_id="test",
        access_key_secret="test",
        region_id=region,
        endpoint=server.url.removeprefix("http://"),
        protocol="http",
        signature_algorithm=signature_algorithm,
    )


def ess_client(server: Server, region: str, *, signature_algorithm: str | None = None) -> Any:
    """The tea ESS SDK aimed at the server with the test keys (ACS3 unless told), built once."""
    from alibabacloud_ess20220222.client import Client

    return Client(tea_config(server, region, signature_algorithm=signature_algorithm))


def aliyun_call(
    client: Any, server: Server, region: str, product_version: str, action: str, **params: Any
) -> Any:
    """Any Alibaba product through the legacy core's CommonRequest, as scripts without the
    product's SDK call it."""
    import json

    from aliyunsdkcore.request import CommonRequest

    request = CommonRequest(
        domain=server.url.removeprefix("http://"), version=product_version, action_name=action
    )
    request.set_protocol_type("http")
    request.add_query_param("RegionId", region)
    for key, value in params.items():
        request.add_query_param(key, value)
    return json.loads(client.do_action_with_exception(request))


def ecs_call(client: Any, server: Server, region: str, action: str, **params: Any) -> Any:
    """ECS 2014-05-26 through the legacy core's CommonRequest, as scripts without the ECS SDK do."""
    return aliyun_call(client, server, region, "2014-05-26", action, **params)


def ecs_instance(client: Any, server: Server, region: str, image: str, **params: Any) -> str:
    """One ECS instance of our own, made by RunInstances, outside any scaling group."""
    [made] = ecs_call(
        client,
        server,
        region,
        "RunInstances",
        ImageId=image,
        InstanceType="ecs.g6.large",
        Amount=1,
        **params,
    )["InstanceIdSets"]["InstanceIdSet"]
    return str(made)


def classic_elb(elb: Any, name: str, zones: list[str], draining_seconds: int | None = None) -> None:
    """A Classic ELB on port 80, draining if asked: what detaches and standbys must wait out."""
    elb.create_load_balancer(
        LoadBalancerName=name,
        AvailabilityZones=zones,
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
    )
    if draining_seconds is not None:
        elb.modify_load_balancer_attributes(
            LoadBalancerName=name,
            LoadBalancerAttributes={
                "ConnectionDraining": {"Enabled": True, "Timeout": draining_seconds}
            },
        )


def alb_forwarding(elbv2: Any, ec2: Any, name: str = "web") -> tuple[str, dict[str, Any]]:
    """A target group and an ALB whose HTTP listener forwards to it: (target group ARN, ALB)."""
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    made = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)
    tg = str(made["TargetGroups"][0]["TargetGroupArn"])
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    alb = elbv2.create_load_balancer(Name="alb", Subnets=subnets)["LoadBalancers"][0]
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    return tg, alb


def run_check(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    """`tidewater check` on a database, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "tidewater", "check", "--database-url", url, *options],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "500"},  # one violation a line, however long
    )


def ess_cpu_task(
    ess: Any, region: str, group: str, name: str, operator: str, threshold: float, ari: str
) -> str:
    """An event-triggered task on the group's average CpuUtilization, two minutes in a row,
    running the rule `ari`."""
    from alibabacloud_ess20220222 import models as m

    made = ess.create_alarm(
        m.CreateAlarmRequest(
            region_id=region,
            scaling_group_id=group,
            name=name,
            metric_name="CpuUtilization",
            period=60,
            statistics="Average",
            threshold=threshold,
            comparison_operator=operator,
            evaluation_count=2,
            alarm_actions=[ari],
        )
    )
    return str(made.body.alarm_task_id)


def aliyun_get(server: Server, params: dict[str, str]) -> Any:
    """One RPC-signed GET of any parameters (HMAC-SHA1 by the legacy core), however malformed,
    answered as the raw `requests` response."""
    import requests
    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    query, _ = get_signed_url(params, "test", "test", "JSON", "GET", {})
    return requests.get(f"{server.url}{query}", timeout=30)


ESS_IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"


def ess_group(
    ess: Any,
    region: str,
    name: str,
    *,
    min_size: int = 0,
    max_size: int = 3,
    desired: int | None = None,
) -> str:
    """An enabled ESS group on one scaling configuration; its ScalingGroupId."""
    from alibabacloud_ess20220222 import models

    group: str = ess.create_scaling_group(
        models.CreateScalingGroupRequest(
            region_id=region,
            scaling_group_name=name,
            min_size=min_size,
            max_size=max_size,
            desired_capacity=desired,
        )
    ).body.scaling_group_id
    ess.create_scaling_configuration(
        models.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=ESS_IMAGE, instance_type="ecs.g6.large"
        )
    )
    ess.enable_scaling_group(
        models.EnableScalingGroupRequest(region_id=region, scaling_group_id=group)
    )
    return group
