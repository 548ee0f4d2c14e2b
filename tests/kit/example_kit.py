"""A user's suite, run by tests/test_testing.py in a pytest of its own: nothing configured but
the installed package's `tidewater` fixture."""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
from alibabacloud_ess20220222 import models
from alibabacloud_ess20220222.client import Client
from alibabacloud_tea_openapi.models import Config


def test_boto3_and_the_aws_cli_find_it_through_the_environment(tidewater):
    autoscaling = boto3.client("autoscaling")  # no endpoint, no keys: the environment's
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId="ami-0c02fb55956c7d316", InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=1,
        AvailabilityZones=["us-east-1a"],
    )
    tidewater.settle()
    tidewater.clock.advance(10)
    [instance] = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0]["Instances"]
    assert instance["LifecycleState"] == "InService"
    aws = Path(sys.executable).with_name("aws")
    listed = subprocess.run(
        [str(aws), "autoscaling", "describe-auto-scaling-groups", "--output", "json"],
        env={**os.environ, "AWS_CONFIG_FILE": "/nonexistent", "AWS_PAGER": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert [g["AutoScalingGroupName"] for g in json.loads(listed.stdout)["AutoScalingGroups"]] == [
        "web"
    ]


def test_each_test_starts_from_an_empty_service(tidewater):
    assert boto3.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []


def test_the_alibaba_sdk_takes_the_endpoint_and_the_keys_from_the_environment(tidewater):
    ess = Client(
        Config(
            access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            region_id=os.environ["ALIBABA_CLOUD_REGION_ID"],
            endpoint=tidewater.endpoint,
            protocol="http",
        )
    )
    made = ess.create_scaling_group(
        models.CreateScalingGroupRequest(
            region_id="cn-hangzhou", scaling_group_name="web", min_size=0, max_size=1
        )
    )
    assert made.body.scaling_group_id
    assert tidewater.reset(cloud="aliyun")["groups"] == 1
