"""A hook's wait lives in the database: it survives a restart, and `tidewater check` knows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Server, start_server
from tests.helpers import aws_client, describe_group, instance_ids, make_group
from tests.test_check import run_check
from tidewater.store.tables import lifecycle_actions

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(tmp_path / "data", database_url=own_database_url)
    yield service
    if service.process.poll() is None:
        service.stop()


def states(autoscaling: Any) -> dict[str, str]:
    return {
        i["InstanceId"]: i["LifecycleState"]
        for i in describe_group(autoscaling, "web")["Instances"]
    }


def test_a_wait_survives_kill_and_times_out_after_restart(
    own_server: Server, own_database_url: str
) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    make_group(
        autoscaling,
        own_server,
        min_size=0,
        desired=2,
        boot=False,
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "ready",
                "LifecycleTransition": LAUNCHING,
                "HeartbeatTimeout": 120,
                "DefaultResult": "CONTINUE",
            }
        ],
    )
    own_server.advance(10)
    first, second = sorted(states(autoscaling))
    assert set(states(autoscaling).values()) == {"Pending:Wait"}
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    own_server.kill()
    own_server.start()
    autoscaling = aws_client(own_server, "autoscaling")
    own_server.settle()
    assert set(states(autoscaling).values()) == {"Pending:Wait"}
    # no API hands out a token before notifications are sent; read it where it is stored
    engine = sa.create_engine(own_database_url)
    with engine.connect() as conn:
        token = conn.execute(
            sa.select(lifecycle_actions.c.token).where(lifecycle_actions.c.instance_id == first)
        ).scalar_one()
    engine.dispose()
    autoscaling.complete_lifecycle_action(
        AutoScalingGroupName="web",
        LifecycleHookName="ready",
        LifecycleActionToken=token,
        LifecycleActionResult="CONTINUE",
    )
    own_server.settle()
    own_server.advance(10)
    assert states(autoscaling) == {first: "InService", second: "Pending:Wait"}
    # the other one's heartbeat timeout passes (the restarted clock lost the first 10 s)
    own_server.advance(130)
    own_server.advance(10)
    assert states(autoscaling) == {first: "InService", second: "InService"}
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_check_names_a_wait_without_an_action(own_server: Server, own_database_url: str) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    group = make_group(autoscaling, own_server, min_size=0, desired=1)
    (instance,) = instance_ids(group)
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=instance, ShouldDecrementDesiredCapacity=True
    )
    own_server.settle()
    assert states(autoscaling) == {instance: "Terminating:Wait"}
    own_server.stop()
    engine = sa.create_engine(own_database_url)
    with engine.begin() as conn:
        conn.execute(sa.delete(lifecycle_actions))
    engine.dispose()
    checked = run_check(own_database_url)
    assert checked.returncode != 0
    assert f"hook-wait: {instance}: Terminating:Wait with no open action" in checked.stderr
