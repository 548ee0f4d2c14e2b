"""A mixed instances policy with WeightedCapacity: the group's sizes are in units, each instance
counts its type's weight, launches may overshoot by less than one weight and scale-in never goes
below the desired capacity; weights are described on each instance and checked as AWS does."""

from __future__ import annotations

import json
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import IMAGE, error_of

from .test_aws_template_launches import described, template
from .test_aws_template_launches import group as make_group
from .test_load_publication import group_metric


def weighted(lt: str, **weights: str) -> dict[str, Any]:
    overrides = [
        {"InstanceType": t.replace("_", "."), "WeightedCapacity": w} for t, w in weights.items()
    ]
    return {
        "LaunchTemplate": {
            "LaunchTemplateSpecification": {"LaunchTemplateId": lt},
            "Overrides": overrides,
        }
    }


def members(autoscaling: Any, name: str) -> list[dict[str, Any]]:
    [found] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ]
    return sorted(found["Instances"], key=lambda m: m["InstanceId"])


def sized(autoscaling: Any, server: Server, name: str, **sizes: int) -> None:
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, **sizes)
    server.settle()
    server.advance(10)
    server.settle()


def test_desired_eight_with_weight_four_launches_two(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    lt = template(ec2, "weights")
    make_group(
        autoscaling,
        server,
        "weights",
        MixedInstancesPolicy=weighted(lt, c5_xlarge="4", c5_large="2"),
    )
    sized(autoscaling, server, "weights", MaxSize=16, DesiredCapacity=8)
    found = members(autoscaling, "weights")
    assert [(m["InstanceType"], m["WeightedCapacity"]) for m in found] == [("c5.xlarge", "4")] * 2
    assert all(m["LifecycleState"] == "InService" for m in found)
    assert all(described(ec2, m["InstanceId"])["InstanceType"] == "c5.xlarge" for m in found)
    listed = autoscaling.describe_auto_scaling_instances(
        InstanceIds=[m["InstanceId"] for m in found]
    )["AutoScalingInstances"]
    assert {m["WeightedCapacity"] for m in listed} == {"4"}
    [policy] = [
        g["MixedInstancesPolicy"]
        for g in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["weights"])[
            "AutoScalingGroups"
        ]
    ]
    assert policy["LaunchTemplate"]["Overrides"] == [
        {"InstanceType": "c5.xlarge", "WeightedCapacity": "4"},
        {"InstanceType": "c5.large", "WeightedCapacity": "2"},
    ]


def test_the_last_launch_overshoots_and_scale_in_never_undershoots(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    lt = template(ec2, "overshoot")
    make_group(autoscaling, server, "overshoot", MixedInstancesPolicy=weighted(lt, c5_xlarge="4"))
    sized(autoscaling, server, "overshoot", MaxSize=16, DesiredCapacity=6)
    assert len(members(autoscaling, "overshoot")) == 2, "6 units: two of 4, two units over"
    sized(autoscaling, server, "overshoot", DesiredCapacity=5)
    assert len(members(autoscaling, "overshoot")) == 2, "ending one would leave 4 < 5"
    sized(autoscaling, server, "overshoot", DesiredCapacity=4)
    assert len(members(autoscaling, "overshoot")) == 1
    sized(autoscaling, server, "overshoot", DesiredCapacity=3)
    assert len(members(autoscaling, "overshoot")) == 1


def test_detach_and_attach_move_the_desired_capacity_by_weight(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    lt = template(ec2, "moves")
    make_group(autoscaling, server, "moves", MixedInstancesPolicy=weighted(lt, c5_xlarge="4"))
    sized(autoscaling, server, "moves", MaxSize=16, DesiredCapacity=8)
    first = members(autoscaling, "moves")[0]["InstanceId"]
    autoscaling.detach_instances(
        AutoScalingGroupName="moves", InstanceIds=[first], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    [found] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["moves"])[
        "AutoScalingGroups"
    ]
    assert found["DesiredCapacity"] == 4
    autoscaling.attach_instances(AutoScalingGroupName="moves", InstanceIds=[first])
    server.settle()
    [found] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["moves"])[
        "AutoScalingGroups"
    ]
    assert found["DesiredCapacity"] == 8
    assert {m["WeightedCapacity"] for m in found["Instances"]} == {"4"}
    # a type the weights leave out counts one (inferred)
    [other] = ec2.run_instances(
        ImageId=IMAGE,
        InstanceType="t3.nano",
        MinCount=1,
        MaxCount=1,
        Placement={"AvailabilityZone": f"{autoscaling.meta.region_name}a"},
    )["Instances"]
    server.advance(10)
    autoscaling.attach_instances(AutoScalingGroupName="moves", InstanceIds=[other["InstanceId"]])
    server.settle()
    [found] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["moves"])[
        "AutoScalingGroups"
    ]
    assert found["DesiredCapacity"] == 9
    weights = {m["InstanceId"]: m["WeightedCapacity"] for m in found["Instances"]}
    assert weights[other["InstanceId"]] == "1"


def test_new_weights_apply_to_running_instances(autoscaling: Any, ec2: Any, server: Server) -> None:
    lt = template(ec2, "reweigh")
    make_group(autoscaling, server, "reweigh", MixedInstancesPolicy=weighted(lt, c5_xlarge="4"))
    sized(autoscaling, server, "reweigh", MaxSize=16, DesiredCapacity=8)
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="reweigh", MixedInstancesPolicy=weighted(lt, c5_xlarge="2")
    )
    server.settle()
    server.advance(10)
    server.settle()
    found = members(autoscaling, "reweigh")
    assert [m["WeightedCapacity"] for m in found] == ["2"] * 4, "two more launched for 8 units"
    # a launch template with no weights: every instance counts one again, and none is shown
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="reweigh", LaunchTemplate={"LaunchTemplateId": lt}, DesiredCapacity=4
    )
    server.settle()
    found = members(autoscaling, "reweigh")
    assert len(found) == 4 and not any("WeightedCapacity" in m for m in found)


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        (
            [{"InstanceType": "c5.large", "WeightedCapacity": "2"}, {"InstanceType": "c5.xlarge"}],
            "If you specify a value for WeightedCapacity for one instance type, you must specify "
            "a value for WeightedCapacity for all of them.",
        ),
        (
            [{"InstanceType": "c5.large", "WeightedCapacity": "1000"}],
            "Invalid WeightedCapacity 1000: it must be a whole number from 1 to 999.",
        ),
        (
            [{"InstanceType": "c5.large", "WeightedCapacity": "0"}],
            "Invalid WeightedCapacity 0: it must be a whole number from 1 to 999.",
        ),
        (
            [{"InstanceType": "c5.large", "WeightedCapacity": "1.5"}],
            "Invalid WeightedCapacity 1.5: it must be a whole number from 1 to 999.",
        ),
    ],
)
def test_weights_are_checked(
    autoscaling: Any, ec2: Any, overrides: list[dict[str, str]], text: str
) -> None:
    lt = template(ec2, "checked")
    error = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="checked",
        MinSize=0,
        MaxSize=4,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": lt},
                "Overrides": overrides,
            }
        },
    )
    assert error == {
        "Code": "ValidationError",
        "Message": text,
        **{k: error[k] for k in error if k not in ("Code", "Message")},
    }
    assert autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []


def test_the_cli_reads_weights(aws_cli: Callable[..., CompletedProcess[str]], ec2: Any) -> None:
    lt = template(ec2, "cli-weights")
    region = ec2.meta.region_name
    policy = json.dumps(
        {
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": lt},
                "Overrides": [{"InstanceType": "c5.xlarge", "WeightedCapacity": "4"}],
            }
        }
    )
    made = aws_cli(
        "autoscaling",
        "create-auto-scaling-group",
        "--auto-scaling-group-name",
        "cli-weights",
        "--min-size",
        "0",
        "--max-size",
        "8",
        "--availability-zones",
        f"{region}a",
        "--mixed-instances-policy",
        policy,
    )
    assert made.returncode == 0, made.stderr
    shown = aws_cli(
        "autoscaling",
        "describe-auto-scaling-groups",
        "--auto-scaling-group-names",
        "cli-weights",
        "--query",
        "AutoScalingGroups[0].MixedInstancesPolicy.LaunchTemplate.Overrides[0].WeightedCapacity",
    )
    assert json.loads(shown.stdout) == "4"


def test_capacity_metrics_count_weights(
    autoscaling: Any, ec2: Any, client: Any, server: Server
) -> None:
    lt = template(ec2, "measured")
    make_group(autoscaling, server, "measured", MixedInstancesPolicy=weighted(lt, c5_xlarge="4"))
    sized(autoscaling, server, "measured", MaxSize=16, DesiredCapacity=8)
    cw = client("cloudwatch")
    autoscaling.enable_metrics_collection(AutoScalingGroupName="measured", Granularity="1Minute")
    server.advance(60)
    assert group_metric(cw, server, "GroupInServiceInstances", "measured") == [2.0]
    assert group_metric(cw, server, "GroupInServiceCapacity", "measured") == [8.0]
    assert group_metric(cw, server, "GroupTotalCapacity", "measured") == [8.0]
