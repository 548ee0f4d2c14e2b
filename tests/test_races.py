"""Fifty clients of both clouds change the same groups at once; every invariant still holds."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from botocore.config import Config
from botocore.exceptions import ClientError
from Tea.exceptions import TeaException

from tests.conftest import Server, start_server
from tests.helpers import aws_client, ess_client, instance_ids, make_group
from tests.test_check import run_check
from tests.test_ess import ready_group

CLIENTS = 50
ROUNDS = 10


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Any:
    # the runner works while the clients do, in real time a hundred times faster: the clients'
    # writes race its steps as well as each other
    service = start_server(
        tmp_path / "data",
        "--runner",
        "auto",
        "--no-frozen-clock",
        "--sim-time-scale",
        "0.01",
        database_url=own_database_url,
    )
    yield service
    if service.process.poll() is None:
        service.stop()


ESS_REGION = "cn-hangzhou"


def test_fifty_clients_on_the_same_groups(own_server: Server, own_database_url: str) -> None:
    def client() -> Any:
        config = Config(
            retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=CLIENTS
        )
        return aws_client(own_server, "autoscaling", config=config)

    assert own_server.get("/_tidewater/health")["runner"] == "auto"
    setup = client()
    for name in ("a", "b"):
        make_group(setup, own_server, name, min_size=0, max_size=12, desired=6)
    ess_group = ready_group(
        ess_client(own_server, ESS_REGION), own_server, ESS_REGION, max_size=12, desired=6
    )
    outcomes: list[str] = []
    succeeded: list[str] = []
    detached: list[str] = []  # instances let go by one group, free for any group to attach

    def aws_round(rng: random.Random, autoscaling: Any) -> str:
        name = rng.choice(["a", "b"])
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ][0]
        serving = instance_ids(group)
        standby = instance_ids(group, "Standby")
        action = rng.choice(
            ["detach", "attach", "attach", "desired", "standby", "exit", "protect", "terminate"]
        )
        if action == "detach" and serving:
            victim = rng.choice(serving)
            autoscaling.detach_instances(
                AutoScalingGroupName=name,
                InstanceIds=[victim],
                ShouldDecrementDesiredCapacity=rng.random() < 0.5,
            )
            detached.append(victim)
        elif action == "attach" and detached:
            autoscaling.attach_instances(
                AutoScalingGroupName=name, InstanceIds=[rng.choice(detached)]
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
            autoscaling.exit_standby(AutoScalingGroupName=name, InstanceIds=[rng.choice(standby)])
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
        else:
            return "nothing to do"
        return action

    def ess_round(rng: random.Random, ess: Any) -> str:
        members = ess.describe_scaling_instances(
            m.DescribeScalingInstancesRequest(region_id=ESS_REGION, scaling_group_id=ess_group)
        ).body.scaling_instances
        serving = [i.instance_id for i in members if i.lifecycle_state == "InService"]
        standby = [i.instance_id for i in members if i.lifecycle_state == "Standby"]
        action = rng.choice(["remove"] * 4 + ["desired", "standby", "standby", "exit"])
        if action == "remove" and serving:
            ess.remove_instances(
                m.RemoveInstancesRequest(
                    region_id=ESS_REGION,
                    scaling_group_id=ess_group,
                    instance_ids=[rng.choice(serving)],
                    decrease_desired_capacity=rng.random() < 0.5,
                )
            )
        elif action == "desired":
            ess.modify_scaling_group(
                m.ModifyScalingGroupRequest(
                    scaling_group_id=ess_group, desired_capacity=rng.randint(2, 12)
                )
            )
        elif action == "standby" and serving:
            ess.enter_standby(
                m.EnterStandbyRequest(
                    scaling_group_id=ess_group, instance_ids=[rng.choice(serving)]
                )
            )
        elif action == "exit" and standby:
            ess.exit_standby(
                m.ExitStandbyRequest(scaling_group_id=ess_group, instance_ids=[rng.choice(standby)])
            )
        else:
            return "nothing to do"
        return f"ess {action}"

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        autoscaling, ess = client(), ess_client(own_server, ESS_REGION)
        for _ in range(ROUNDS):
            try:
                if rng.random() < 0.7:
                    done = aws_round(rng, autoscaling)
                else:
                    done = ess_round(rng, ess)
                outcomes.append("ok")
                succeeded.append(done)
            except ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                assert status < 500, error.response
                outcomes.append(error.response["Error"]["Code"])
            except TeaException as error:
                assert error.data and error.data["statusCode"] < 500, error
                outcomes.append(str(error.code))

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(worker, range(CLIENTS)))
    assert len(outcomes) == CLIENTS * ROUNDS
    assert outcomes.count("ok") > CLIENTS
    # AWS changes go through side by side; which of the rarer ones (attach needs an instance
    # whose detach has finished) win a given run is up to the scheduler
    for action in ("detach", "desired", "standby"):
        assert action in succeeded, (action, sorted(set(succeeded)))
    assert {"attach", "exit", "terminate"} & set(succeeded), sorted(set(succeeded))
    # ESS runs one activity at a time per group: some of its changes win, the racers are refused
    assert any(done.startswith("ess ") for done in succeeded), sorted(set(succeeded))
    assert "ScalingActivityInProgress" in outcomes
    for _ in range(6):
        own_server.settle()
        own_server.advance(30)
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stderr
