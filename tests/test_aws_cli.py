"""The real aws CLI, pointed at the server only through AWS_ENDPOINT_URL_* variables."""

from __future__ import annotations

import json
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

from tests.conftest import Server
from tests.helpers import IMAGE

Cli = Callable[..., CompletedProcess[str]]


def ok(result: CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_cli_group_lifecycle_and_detach(aws_cli: Cli, server: Server, region: str) -> None:
    ok(
        aws_cli(
            "autoscaling",
            "create-launch-configuration",
            "--launch-configuration-name",
            "lc",
            "--image-id",
            IMAGE,
            "--instance-type",
            "t3.micro",
        )
    )
    ok(
        aws_cli(
            "autoscaling",
            "create-auto-scaling-group",
            "--auto-scaling-group-name",
            "cli",
            "--launch-configuration-name",
            "lc",
            "--min-size",
            "0",
            "--max-size",
            "3",
            "--desired-capacity",
            "2",
            "--availability-zones",
            f"{region}a",
            f"{region}b",
        )
    )
    server.settle()
    server.advance(10)
    groups = ok(
        aws_cli("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "cli")
    )["AutoScalingGroups"]
    ids = sorted(i["InstanceId"] for i in groups[0]["Instances"])
    assert len(ids) == 2

    detached = ok(
        aws_cli(
            "autoscaling",
            "detach-instances",
            "--auto-scaling-group-name",
            "cli",
            "--instance-ids",
            ids[0],
            "--should-decrement-desired-capacity",
        )
    )
    [activity] = detached["Activities"]
    assert activity["StatusCode"] == "InProgress" and activity["Progress"] == 50
    assert activity["Cause"].endswith("shrinking the capacity from 2 to 1.")
    server.settle()
    described = ok(
        aws_cli(
            "autoscaling", "describe-scaling-activities", "--activity-ids", activity["ActivityId"]
        )
    )
    assert described["Activities"][0]["StatusCode"] == "Successful"

    failed = aws_cli(
        "autoscaling",
        "detach-instances",
        "--auto-scaling-group-name",
        "cli",
        "--instance-ids",
        ids[0],
        "--no-should-decrement-desired-capacity",
    )
    assert failed.returncode == 255
    assert (
        f"An error occurred (ValidationError) when calling the DetachInstances operation: "
        f"The instance {ids[0]} is not part of Auto Scaling group cli."
    ) in failed.stderr

    everything = ok(
        aws_cli(
            "autoscaling",
            "describe-scaling-activities",
            "--auto-scaling-group-name",
            "cli",
            "--page-size",
            "1",
        )
    )
    assert len(everything["Activities"]) == 3

    ok(
        aws_cli(
            "autoscaling",
            "delete-auto-scaling-group",
            "--auto-scaling-group-name",
            "cli",
            "--force-delete",
        )
    )


def test_cli_ec2_sees_the_detached_instance(aws_cli: Cli, server: Server, region: str) -> None:
    ok(
        aws_cli(
            "autoscaling",
            "create-launch-configuration",
            "--launch-configuration-name",
            "lc",
            "--image-id",
            IMAGE,
            "--instance-type",
            "t3.micro",
        )
    )
    ok(
        aws_cli(
            "autoscaling",
            "create-auto-scaling-group",
            "--auto-scaling-group-name",
            "cli",
            "--launch-configuration-name",
            "lc",
            "--min-size",
            "0",
            "--max-size",
            "1",
            "--desired-capacity",
            "1",
            "--availability-zones",
            f"{region}a",
        )
    )
    server.settle()
    server.advance(10)
    instance = ok(aws_cli("autoscaling", "describe-auto-scaling-instances"))[
        "AutoScalingInstances"
    ][0]["InstanceId"]
    ok(
        aws_cli(
            "autoscaling",
            "detach-instances",
            "--auto-scaling-group-name",
            "cli",
            "--instance-ids",
            instance,
            "--should-decrement-desired-capacity",
        )
    )
    server.settle()
    reservations = ok(aws_cli("ec2", "describe-instances", "--instance-ids", instance))[
        "Reservations"
    ]
    described = reservations[0]["Instances"][0]
    assert described["State"]["Name"] == "running"
    assert all(t["Key"] != "aws:autoscaling:groupName" for t in described.get("Tags", []))
    ok(aws_cli("ec2", "terminate-instances", "--instance-ids", instance))
