"""The AWS flow test code actually runs, written as users write it, unmodified against Tidewater:
a VPC and two subnets, the latest Amazon Linux image through SSM, a launch template and a group in
those subnets, an instance attached and detached both ways, then everything taken down again.
Through boto3, the aws CLI and the JS SDK v3 (node, tests/js/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import ROOT, Server, start_server

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
FAST = {"Delay": 1, "MaxAttempts": 30}  # a waiter's poll; the first one already succeeds here


def done(activities: list[dict[str, Any]]) -> bool:
    return all(a["StatusCode"] in ("Successful", "Failed", "Cancelled") for a in activities)


def until(check: Callable[[], bool], server: Server) -> bool:
    """A user's polling loop: where it would sleep, the service clock moves on instead."""
    for _ in range(6):
        if check():
            return True
        server.advance(10)
    return check()


def in_service(autoscaling: Any, name: str) -> bool:
    """What users poll for, botocore having no Auto Scaling waiters: every instance InService
    and as many as desired."""
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    group = groups["AutoScalingGroups"][0]
    states = [i["LifecycleState"] for i in group["Instances"]]
    return len(states) == group["DesiredCapacity"] and set(states) <= {"InService"}


def test_the_flow_through_boto3(client: Any, region: str, server: Server) -> None:
    ec2, ssm, autoscaling = client("ec2"), client("ssm"), client("autoscaling")

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.get_waiter("vpc_available").wait(VpcIds=[vpc], WaiterConfig=FAST)
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.1.0/24", f"{region}a"), ("10.0.2.0/24", f"{region}b"))
    ]
    ec2.get_waiter("subnet_available").wait(SubnetIds=subnets, WaiterConfig=FAST)
    group_id = ec2.create_security_group(GroupName="web", Description="web servers", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )

    image = ssm.get_parameter(Name=AL2023)["Parameter"]["Value"]
    assert image.startswith("ami-")
    template = ec2.create_launch_template(
        LaunchTemplateName="web",
        LaunchTemplateData={
            "ImageId": image,
            "InstanceType": "t3.micro",
            "SecurityGroupIds": [group_id],
        },
    )["LaunchTemplate"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
        MinSize=1,
        MaxSize=4,
        DesiredCapacity=2,
        VPCZoneIdentifier=",".join(subnets),
    )
    assert until(lambda: in_service(autoscaling, "web"), server)
    [group] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])[
        "AutoScalingGroups"
    ]
    members = [i["InstanceId"] for i in group["Instances"]]
    assert len(members) == 2 and {i["LifecycleState"] for i in group["Instances"]} == {"InService"}
    reservations = ec2.describe_instances(InstanceIds=members)["Reservations"]
    launched = [i for r in reservations for i in r["Instances"]]
    assert {i["SubnetId"] for i in launched} == set(subnets)
    assert {i["ImageId"] for i in launched} == {image}
    assert {g["GroupId"] for i in launched for g in i["SecurityGroups"]} == {group_id}

    extra = ec2.run_instances(
        ImageId=image,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnets[0],
        SecurityGroupIds=[group_id],
    )["Instances"][0]["InstanceId"]
    server.settle()
    server.advance(10)
    ec2.get_waiter("instance_running").wait(InstanceIds=[extra], WaiterConfig=FAST)

    autoscaling.attach_instances(AutoScalingGroupName="web", InstanceIds=[extra])
    server.settle()
    assert in_service(autoscaling, "web")
    [group] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])[
        "AutoScalingGroups"
    ]
    assert group["DesiredCapacity"] == 3 and extra in {i["InstanceId"] for i in group["Instances"]}

    # Detaching with the decrement shrinks the group; without it, a replacement is launched.
    kept = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[extra], ShouldDecrementDesiredCapacity=True
    )["Activities"]
    replaced = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[members[0]], ShouldDecrementDesiredCapacity=False
    )["Activities"]
    ids = [a["ActivityId"] for a in kept + replaced]
    server.advance(10)
    activities = autoscaling.describe_scaling_activities(ActivityIds=ids)["Activities"]
    assert done(activities) and {a["StatusCode"] for a in activities} == {"Successful"}

    # The replacement's launch goes on after the detaches: users poll until every one is done.
    def finished() -> bool:
        return done(
            autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
        )

    assert until(finished, server)
    assert in_service(autoscaling, "web")
    [group] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])[
        "AutoScalingGroups"
    ]
    now = {i["InstanceId"] for i in group["Instances"]}
    assert group["DesiredCapacity"] == 2 and len(now) == 2
    assert extra not in now and members[0] not in now and members[1] in now
    detached = ec2.describe_instances(InstanceIds=[extra, members[0]])["Reservations"]
    assert {i["State"]["Name"] for r in detached for i in r["Instances"]} == {"running"}

    # Taking it down: a subnet with instances in it stays until they are gone.
    with pytest.raises(ClientError) as refused:
        ec2.delete_subnet(SubnetId=subnets[0])
    assert refused.value.response["Error"] == {
        "Code": "DependencyViolation",
        "Message": f"The subnet '{subnets[0]}' has dependencies and cannot be deleted.",
    }
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    ec2.terminate_instances(InstanceIds=[extra, members[0]])
    server.advance(10)

    def gone() -> bool:
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])
        return groups["AutoScalingGroups"] == []

    assert until(gone, server)
    everyone = [extra, *members, *now]
    ec2.get_waiter("instance_terminated").wait(InstanceIds=everyone, WaiterConfig=FAST)
    ec2.delete_launch_template(LaunchTemplateId=template["LaunchTemplateId"])
    ec2.delete_security_group(GroupId=group_id)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"] == []


def test_the_flow_through_the_aws_cli(aws_cli: Any, region: str, server: Server) -> None:
    def aws(*args: str) -> Any:
        ran = aws_cli(*args)
        assert ran.returncode == 0, (args, ran.stderr)
        return json.loads(ran.stdout) if ran.stdout.strip() else None

    def refused(*args: str) -> str:
        ran = aws_cli(*args)
        assert ran.returncode != 0, args
        return ran.stderr

    vpc = aws("ec2", "create-vpc", "--cidr-block", "10.1.0.0/16", "--query", "Vpc.VpcId")
    aws("ec2", "wait", "vpc-available", "--vpc-ids", vpc)
    subnets = []
    for cidr, zone in (("10.1.1.0/24", f"{region}a"), ("10.1.2.0/24", f"{region}b")):
        made = aws(
            "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", cidr,
            "--availability-zone", zone, "--query", "Subnet.SubnetId",
        )  # fmt: skip
        subnets.append(made)
    aws("ec2", "wait", "subnet-available", "--subnet-ids", *subnets)
    group_id = aws(
        "ec2", "create-security-group", "--group-name", "web", "--description", "web servers",
        "--vpc-id", vpc, "--query", "GroupId",
    )  # fmt: skip
    aws(
        "ec2", "authorize-security-group-ingress", "--group-id", group_id,
        "--protocol", "tcp", "--port", "22", "--cidr", "10.0.0.0/8",
    )  # fmt: skip
    image = aws("ssm", "get-parameters", "--names", AL2023, "--query", "Parameters[0].Value")
    template = aws(
        "ec2", "create-launch-template", "--launch-template-name", "web",
        "--launch-template-data",
        json.dumps({"ImageId": image, "InstanceType": "t3.micro", "SecurityGroupIds": [group_id]}),
        "--query", "LaunchTemplate.LaunchTemplateId",
    )  # fmt: skip
    aws(
        "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "web",
        "--launch-template", f"LaunchTemplateId={template},Version=$Latest",
        "--min-size", "1", "--max-size", "4", "--desired-capacity", "2",
        "--vpc-zone-identifier", ",".join(subnets),
    )  # fmt: skip

    def group() -> dict[str, Any]:
        found = aws(
            "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "web",
            "--query", "AutoScalingGroups[0]",
        )  # fmt: skip
        return found or {}

    def settled() -> bool:
        now = group()
        states = [i["LifecycleState"] for i in now["Instances"]]
        return len(states) == now["DesiredCapacity"] and set(states) == {"InService"}

    assert until(settled, server)
    members = [i["InstanceId"] for i in group()["Instances"]]
    extra = aws(
        "ec2", "run-instances", "--image-id", image, "--instance-type", "t3.micro",
        "--count", "1", "--subnet-id", subnets[1], "--security-group-ids", group_id,
        "--query", "Instances[0].InstanceId",
    )  # fmt: skip
    server.settle()
    server.advance(10)
    aws("ec2", "wait", "instance-running", "--instance-ids", extra)
    aws(
        "autoscaling", "attach-instances", "--auto-scaling-group-name", "web",
        "--instance-ids", extra,
    )  # fmt: skip
    assert until(settled, server) and group()["DesiredCapacity"] == 3
    aws(
        "autoscaling", "detach-instances", "--auto-scaling-group-name", "web",
        "--instance-ids", extra, "--should-decrement-desired-capacity",
    )  # fmt: skip
    aws(
        "autoscaling", "detach-instances", "--auto-scaling-group-name", "web",
        "--instance-ids", members[0], "--no-should-decrement-desired-capacity",
    )  # fmt: skip

    def finished() -> bool:
        codes = aws(
            "autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "web",
            "--query", "Activities[].StatusCode",
        )  # fmt: skip
        return set(codes) <= {"Successful", "Failed", "Cancelled"}

    assert until(finished, server) and until(settled, server)
    left = {i["InstanceId"] for i in group()["Instances"]}
    assert group()["DesiredCapacity"] == 2 and len(left) == 2 and {extra, members[0]} - left

    in_use = refused("ec2", "delete-subnet", "--subnet-id", subnets[0])
    assert "(DependencyViolation)" in in_use
    assert f"The subnet '{subnets[0]}' has dependencies and cannot be deleted." in in_use
    aws(
        "autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "web",
        "--force-delete",
    )  # fmt: skip
    aws("ec2", "terminate-instances", "--instance-ids", extra, members[0])
    assert until(lambda: group() == {}, server)
    aws("ec2", "wait", "instance-terminated", "--instance-ids", extra, *members, *left)
    aws("ec2", "delete-launch-template", "--launch-template-id", template)
    aws("ec2", "delete-security-group", "--group-id", group_id)
    for subnet in subnets:
        aws("ec2", "delete-subnet", "--subnet-id", subnet)
    aws("ec2", "delete-vpc", "--vpc-id", vpc)
    gone = refused("ec2", "describe-vpcs", "--vpc-ids", vpc)
    assert "(InvalidVpcID.NotFound)" in gone


JS = ROOT / "tests" / "js"


def node_or_skip() -> str:
    """node with the SDK installed (`make test` runs `npm ci` in tests/js); outside CI its
    absence skips, in CI (CI=true) it fails, so the JS flow can never silently disappear."""
    node = shutil.which("node")
    problem = (
        "node is not on PATH"
        if node is None
        else "tests/js/node_modules is missing: run `npm ci --prefix tests/js`"
        if not (JS / "node_modules" / "@aws-sdk" / "client-ec2").is_dir()
        else None
    )
    if problem is None:
        assert node is not None
        return node
    if os.environ.get("CI"):
        pytest.fail(f"the JS SDK flow is required in CI: {problem}")
    pytest.skip(problem)


@pytest.mark.parametrize(
    "endpoints",
    [
        ("AWS_ENDPOINT_URL",),
        ("AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_AUTO_SCALING", "AWS_ENDPOINT_URL_SSM"),
    ],
    ids=["one-endpoint", "per-service"],
)
def test_the_flow_through_the_js_sdk(
    tmp_path: Path, own_database_url: str, endpoints: tuple[str, ...]
) -> None:
    """A server as users run it (its own clock and runner, delays shortened), so the SDK's
    waiters and the script's polls see time pass as they would against a cloud. The SDK reads
    its endpoint from the environment, one for every service or one per service."""
    node = node_or_skip()
    live = start_server(
        tmp_path / "live",
        "--runner", "auto", "--no-frozen-clock", "--sim-time-scale", "0.02",
        database_url=own_database_url,
    )  # fmt: skip
    try:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            **dict.fromkeys(endpoints, live.url),
            "AWS_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        ran = subprocess.run(
            [node, str(JS / "flow.mjs")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        live.stop()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    steps = {line["step"]: line for line in map(json.loads, ran.stdout.splitlines())}
    network = steps["network"]
    assert network["vpc"].startswith("vpc-") and len(network["subnets"]) == 2
    assert steps["template"]["image"] == "ami-0230bd60aa48260c6"
    assert steps["group"]["subnets"] == sorted(network["subnets"])
    assert steps["attached"]["desired"] == 3
    detached = steps["detached"]
    assert detached["desired"] == 2 and len(detached["members"]) == 2
    assert steps["attached"]["extra"] not in detached["members"]
    assert set(detached["activities"]) == {"Successful"}
    assert steps["subnet in use"]["refusal"] == {
        "code": "DependencyViolation",
        "message": f"The subnet '{network['subnets'][0]}' has dependencies and cannot be deleted.",
    }
    assert steps["done"] == {"step": "done", "done": True, "vpcsLeft": 0}
