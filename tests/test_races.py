"""Fifty clients change the same groups at once; afterwards every invariant still holds."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import Server, start_server
from tests.helpers import instance_ids, make_group
from tests.test_check import run_check

CLIENTS = 50
ROUNDS = 6


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Any:
    # the runner works while the clients do: their writes race its steps as well as each other
    service = start_server(tmp_path / "data", "--runner", "auto", database_url=own_database_url)
    yield service
    if service.process.poll() is None:
        service.stop()


def test_fifty_clients_on_the_same_groups(own_server: Server, own_database_url: str) -> None:
    def client() -> Any:
        return boto3.client(
            "autoscaling",
            region_name="us-east-1",
            endpoint_url=own_server.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(
                retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=CLIENTS
            ),
        )

    assert own_server.get("/_tidewater/health")["runner"] == "auto"
    setup = client()
    for name in ("a", "b"):
        make_group(setup, own_server, name, min_size=0, max_size=12, desired=6)
    outcomes: list[str] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        autoscaling = client()
        for _ in range(ROUNDS):
            name = rng.choice(["a", "b"])
            group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
                "AutoScalingGroups"
            ][0]
            serving = instance_ids(group)
            standby = instance_ids(group, "Standby")
            action = rng.choice(["detach", "desired", "standby", "exit", "protect", "terminate"])
            try:
                if action == "detach" and serving:
                    autoscaling.detach_instances(
                        AutoScalingGroupName=name,
                        InstanceIds=[rng.choice(serving)],
                        ShouldDecrementDesiredCapacity=rng.random() < 0.5,
                    )
                elif action == "desired":
                    autoscaling.set_desired_capacity(
                        AutoScalingGroupName=name, DesiredCapacity=rng.randint(0, 12)
                    )
                elif action == "standby" and serving:
                    autoscaling.enter_standby(
                        AutoScalingGroupName=name,
                        InstanceIds=[rng.choice(serving)],
                        ShouldDecrementDesiredCapacity=True,
                    )
                elif action == "exit" and standby:
                    autoscaling.exit_standby(
                        AutoScalingGroupName=name, InstanceIds=[rng.choice(standby)]
                    )
                elif action == "protect" and serving:
                    autoscaling.set_instance_protection(
                        AutoScalingGroupName=name,
                        InstanceIds=[rng.choice(serving)],
                        ProtectedFromScaleIn=rng.random() < 0.5,
                    )
                elif action == "terminate" and serving:
                    autoscaling.terminate_instance_in_auto_scaling_group(
                        InstanceId=rng.choice(serving),
                        ShouldDecrementDesiredCapacity=rng.random() < 0.5,
                    )
                outcomes.append("ok")
            except ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                assert status < 500, error.response
                outcomes.append(error.response["Error"]["Code"])

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(worker, range(CLIENTS)))
    assert len(outcomes) == CLIENTS * ROUNDS
    assert outcomes.count("ok") > 0
    for _ in range(6):
        own_server.settle()
        own_server.advance(30)
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stderr
