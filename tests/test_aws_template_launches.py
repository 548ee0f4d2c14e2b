"""What a group's launch source gives the instances it launches, and how AWS checks the source:
launch-template tags and EBS optimization reach the instance, a group naming no version shows
none, and a source naming a template twice or a version AWS cannot read is refused."""

from __future__ import annotations

from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import IMAGE, error_of, instance_ids

VERSION_TEXT = (
    "Invalid launch template version: either '$Default', '$Latest', or a numeric version "
    "are allowed."
)


def template(ec2: Any, name: str, **data: Any) -> str:
    created = ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={"ImageId": IMAGE, "InstanceType": "t3.micro", **data},
    )
    return str(created["LaunchTemplate"]["LaunchTemplateId"])


def group(autoscaling: Any, server: Server, name: str, **source: Any) -> list[str]:
    region = autoscaling.meta.region_name
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=1,
        AvailabilityZones=[f"{region}a"],
        **source,
    )
    server.settle()
    server.advance(10)
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    return instance_ids(found["AutoScalingGroups"][0])


def described(ec2: Any, instance: str) -> dict[str, Any]:
    found = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return dict(found)


def test_template_instance_tags_reach_the_groups_instances(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    lt = template(
        ec2,
        "tagged",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "lt"}]},
            {"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "from-template"}]},
            {"ResourceType": "volume", "Tags": [{"Key": "disk", "Value": "only-volumes"}]},
        ],
    )
    [instance] = group(
        autoscaling,
        server,
        "tagged",
        LaunchTemplate={"LaunchTemplateId": lt},
        Tags=[
            {"Key": "env", "Value": "from-group", "PropagateAtLaunch": True},
            {"Key": "quiet", "Value": "group-only", "PropagateAtLaunch": False},
        ],
    )
    tags = {t["Key"]: t["Value"] for t in described(ec2, instance)["Tags"]}
    assert tags == {
        "team": "lt",
        "env": "from-group",  # a key both name takes the group's value
        "aws:ec2launchtemplate:id": lt,
        "aws:ec2launchtemplate:version": "1",
        "aws:autoscaling:groupName": "tagged",
    }


def test_ebs_optimization_and_monitoring_reach_the_instance(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="optimized",
        ImageId=IMAGE,
        InstanceType="m5.large",
        EbsOptimized=True,
    )
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="plain",
        ImageId=IMAGE,
        InstanceType="t3.micro",
        InstanceMonitoring={"Enabled": False},
    )
    [fast] = group(autoscaling, server, "optimized", LaunchConfigurationName="optimized")
    [plain] = group(autoscaling, server, "plain", LaunchConfigurationName="plain")
    assert described(ec2, fast)["EbsOptimized"] is True
    assert described(ec2, fast)["Monitoring"] == {"State": "enabled"}  # an LC's default
    assert described(ec2, plain)["EbsOptimized"] is False
    assert described(ec2, plain)["Monitoring"] == {"State": "disabled"}
    lt = template(ec2, "optimized", EbsOptimized=True)
    [from_template] = group(
        autoscaling, server, "lt-optimized", LaunchTemplate={"LaunchTemplateId": lt}
    )
    assert described(ec2, from_template)["EbsOptimized"] is True
    assert described(ec2, from_template)["Monitoring"] == {"State": "disabled"}


def test_a_group_naming_no_version_shows_none(autoscaling: Any, ec2: Any, server: Server) -> None:
    lt = template(ec2, "unversioned")
    group(autoscaling, server, "unversioned", LaunchTemplate={"LaunchTemplateName": "unversioned"})
    group(
        autoscaling,
        server,
        "latest",
        LaunchTemplate={"LaunchTemplateId": lt, "Version": "$Latest"},
    )
    found = {
        g["AutoScalingGroupName"]: g["LaunchTemplate"]
        for g in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    assert found["unversioned"] == {"LaunchTemplateId": lt, "LaunchTemplateName": "unversioned"}
    assert found["latest"] == {
        "LaunchTemplateId": lt,
        "LaunchTemplateName": "unversioned",
        "Version": "$Latest",
    }


def test_a_template_named_twice_is_refused(autoscaling: Any, ec2: Any, server: Server) -> None:
    lt = template(ec2, "twice")
    error = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="twice",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        LaunchTemplate={"LaunchTemplateId": lt, "LaunchTemplateName": "twice"},
    )
    assert error == {
        "Code": "ValidationError",
        "Message": "Valid requests must contain either launchTemplateId or LaunchTemplateName",
        "Status": 400,
        "Type": "Sender",
    }
    assert autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []


@pytest.mark.parametrize("version", ["abc", "1.5", "$latest", "-1", "$Default "])
def test_a_version_aws_cannot_read_is_refused_in_its_words(
    autoscaling: Any, ec2: Any, server: Server, version: str
) -> None:
    lt = template(ec2, "versions")
    error = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="versions",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        LaunchTemplate={"LaunchTemplateId": lt, "Version": version},
    )
    assert error["Code"] == "ValidationError" and error["Message"] == VERSION_TEXT


def test_the_cli_sees_the_same_version_refusal(
    aws_cli: Callable[..., CompletedProcess[str]], ec2: Any
) -> None:
    lt = template(ec2, "cli-versions")
    ran = aws_cli(
        "autoscaling",
        "create-auto-scaling-group",
        "--auto-scaling-group-name",
        "cli",
        "--min-size",
        "0",
        "--max-size",
        "1",
        "--availability-zones",
        f"{ec2.meta.region_name}a",
        "--launch-template",
        f"LaunchTemplateId={lt},Version=newest",
    )
    assert ran.returncode == 255
    assert (
        f"(ValidationError) when calling the CreateAutoScalingGroup operation: {VERSION_TEXT}"
        in (ran.stderr)
    )


def running_instance(ec2: Any, server: Server, **extra: Any) -> dict[str, Any]:
    [made] = ec2.run_instances(
        ImageId=IMAGE, InstanceType="m5.large", MinCount=1, MaxCount=1, **extra
    )["Instances"]
    server.advance(10)
    return described(ec2, made["InstanceId"])


def test_a_launch_configuration_from_an_instance(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    ec2.create_key_pair(KeyName="ops")
    source = running_instance(ec2, server, KeyName="ops", EbsOptimized=True)
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="copied", InstanceId=source["InstanceId"]
    )
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="overridden",
        InstanceId=source["InstanceId"],
        InstanceType="t3.small",
    )
    found = {
        c["LaunchConfigurationName"]: c
        for c in autoscaling.describe_launch_configurations()["LaunchConfigurations"]
    }
    copied = found["copied"]
    assert (copied["ImageId"], copied["InstanceType"], copied["KeyName"]) == (
        IMAGE,
        "m5.large",
        "ops",
    )
    assert copied["SecurityGroups"] == [g["GroupId"] for g in source["SecurityGroups"]]
    assert copied["EbsOptimized"] is True
    assert copied["InstanceMonitoring"] == {"Enabled": False}  # as the instance was launched
    assert copied["BlockDeviceMappings"] == []  # never taken from the instance
    assert found["overridden"]["InstanceType"] == "t3.small"
    [launched] = group(autoscaling, server, "from-copy", LaunchConfigurationName="copied")
    again = described(ec2, launched)
    assert (again["InstanceType"], again["KeyName"], again["EbsOptimized"]) == (
        "m5.large",
        "ops",
        True,
    )
    unknown = error_of(
        autoscaling.create_launch_configuration,
        LaunchConfigurationName="nothing",
        InstanceId="i-0123456789abcdef0",
    )
    assert unknown["Message"] == "Instance [i-0123456789abcdef0] is invalid."


def test_a_group_from_an_instance(autoscaling: Any, ec2: Any, server: Server) -> None:
    source = running_instance(ec2, server)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="cloned",
        InstanceId=source["InstanceId"],
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=1,
    )
    server.settle()
    server.advance(10)
    [made] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["cloned"])[
        "AutoScalingGroups"
    ]
    assert made["LaunchConfigurationName"] == "cloned"  # named after the group
    assert made["VPCZoneIdentifier"] == source["SubnetId"]  # where the instance runs
    assert made["AvailabilityZones"] == [source["Placement"]["AvailabilityZone"]]
    [member] = made["Instances"]
    assert member["InstanceId"] != source["InstanceId"]  # the instance itself stays out
    assert described(ec2, member["InstanceId"])["InstanceType"] == "m5.large"
    [configuration] = autoscaling.describe_launch_configurations(
        LaunchConfigurationNames=["cloned"]
    )["LaunchConfigurations"]
    assert configuration["ImageId"] == IMAGE

    refused = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="refused",
        InstanceId=source["InstanceId"],
        MinSize=3,
        MaxSize=1,
    )
    assert refused["Code"] == "ValidationError"
    # a refused group leaves no launch configuration behind
    assert (
        autoscaling.describe_launch_configurations(LaunchConfigurationNames=["refused"])[
            "LaunchConfigurations"
        ]
        == []
    )
    both = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="both",
        InstanceId=source["InstanceId"],
        LaunchConfigurationName="cloned",
        MinSize=0,
        MaxSize=1,
    )
    assert both["Message"] == (
        "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, "
        "InstanceId or MixedInstancesPolicy parameter."
    )


def test_a_mixed_instances_policy_is_described_as_aws_normalizes_it(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    lt = template(ec2, "mixed")
    group(
        autoscaling,
        server,
        "mixed",
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "mixed"}}
        },
    )
    group(
        autoscaling,
        server,
        "mixed-given",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": lt, "Version": "1"},
                "Overrides": [{"InstanceType": "t3.micro"}],
            },
            "InstancesDistribution": {"OnDemandBaseCapacity": 1},
        },
    )
    found = {
        g["AutoScalingGroupName"]: g
        for g in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    assert "LaunchTemplate" not in found["mixed"]
    assert found["mixed"]["MixedInstancesPolicy"] == {
        "LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateId": lt, "LaunchTemplateName": "mixed"},
            "Overrides": [],
        },
        "InstancesDistribution": {
            "OnDemandAllocationStrategy": "prioritized",
            "OnDemandBaseCapacity": 0,
            "OnDemandPercentageAboveBaseCapacity": 100,
            "SpotAllocationStrategy": "lowest-price",
            "SpotInstancePools": 2,
        },
    }
    given = found["mixed-given"]["MixedInstancesPolicy"]
    assert given["LaunchTemplate"] == {
        "LaunchTemplateSpecification": {
            "LaunchTemplateId": lt,
            "LaunchTemplateName": "mixed",
            "Version": "1",
        },
        "Overrides": [{"InstanceType": "t3.micro"}],
    }
    assert given["InstancesDistribution"]["OnDemandBaseCapacity"] == 1
    assert given["InstancesDistribution"]["SpotInstancePools"] == 2

    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="mixed", LaunchTemplate={"LaunchTemplateId": lt}
    )
    [updated] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["mixed"])[
        "AutoScalingGroups"
    ]
    assert "MixedInstancesPolicy" not in updated
    assert updated["LaunchTemplate"] == {"LaunchTemplateId": lt, "LaunchTemplateName": "mixed"}


def test_a_mixed_policy_launches_its_first_override(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    lt = template(ec2, "overridden")
    ids = group(
        autoscaling,
        server,
        "overridden",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": lt},
                "Overrides": [{"InstanceType": "m5.large"}, {"InstanceType": "c5.large"}],
            }
        },
    )
    assert [described(ec2, i)["InstanceType"] for i in ids] == ["m5.large"]
    [member] = autoscaling.describe_auto_scaling_instances(InstanceIds=ids)["AutoScalingInstances"]
    assert member["InstanceType"] == "m5.large"
    # without overrides the template's own type launches
    [plain] = group(
        autoscaling,
        server,
        "not-overridden",
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": lt}}
        },
    )
    assert described(ec2, plain)["InstanceType"] == "t3.micro"


def test_an_override_launches_its_own_template(autoscaling: Any, ec2: Any, server: Server) -> None:
    """An override naming a LaunchTemplateSpecification launches its type from that template."""
    base = template(ec2, "base")
    own = template(
        ec2,
        "own",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "from", "Value": "own"}]}],
    )
    [instance] = group(
        autoscaling,
        server,
        "own-template",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": base},
                "Overrides": [
                    {
                        "InstanceType": "m5.large",
                        "LaunchTemplateSpecification": {"LaunchTemplateId": own},
                    },
                    {"InstanceType": "c5.large"},
                ],
            }
        },
    )
    made = described(ec2, instance)
    assert made["InstanceType"] == "m5.large"
    tags = {t["Key"]: t["Value"] for t in made["Tags"]}
    assert tags["from"] == "own" and tags["aws:ec2launchtemplate:id"] == own
    [member] = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance])[
        "AutoScalingInstances"
    ]
    assert member["LaunchTemplate"]["LaunchTemplateName"] == "own"
    error = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="missing-override",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": base},
                "Overrides": [
                    {
                        "InstanceType": "m5.large",
                        "LaunchTemplateSpecification": {"LaunchTemplateName": "nowhere"},
                    }
                ],
            }
        },
    )
    assert error["Code"] == "ValidationError" and "nowhere" in error["Message"]
