"""Stop the service mid-activity: after a restart its activities resume and finish, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Server, start_server
from tests.helpers import aws_client, describe_group, instance_ids, make_group
from tests.test_aws_lifecycle_hooks import LAUNCHING, states
from tests.test_check import run_check
from tidewater.store.tables import lifecycle_actions


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(tmp_path / "data", database_url=own_database_url)
    yield service
    if service.process.poll() is None:
        service.stop()


def clients(service: Server) -> tuple[Any, Any]:
    return aws_client(service, "autoscaling"), aws_client(service, "ec2")


@pytest.mark.parametrize("stop", ["terminate", "kill"])
def test_activities_resume_after_restart(
    own_server: Server, stop: str, own_database_url: str
) -> None:
    autoscaling, ec2 = clients(own_server)
    group = make_group(autoscaling, own_server, min_size=0, max_size=6, desired=3)
    first, second, third = instance_ids(group)
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[first], ShouldDecrementDesiredCapacity=False
    )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=second, ShouldDecrementDesiredCapacity=True
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
    own_server.settle()  # launches are under way, the terminate waits for shutdown

    if stop == "kill":
        own_server.kill()
    else:
        own_server.stop()
    own_server.start()
    autoscaling, ec2 = clients(own_server)

    own_server.settle()
    own_server.advance(10)
    own_server.advance(10)
    group = describe_group(autoscaling, "web")
    members = instance_ids(group)
    assert len(members) == 4 and group["DesiredCapacity"] == 4
    assert first not in members and second not in members and third in members
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert {a["StatusCode"] for a in activities} == {"Successful"}
    launched = [a for a in activities if a["Description"].startswith("Launching")]
    assert len(launched) == 3 + 3, "three at creation, three more to refill the group to four"
    running = [
        i["InstanceId"]
        for r in ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}]
        )["Reservations"]
        for i in r["Instances"]
    ]
    assert sorted(running) == sorted([*members, first]), "no instance lost, none launched twice"
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stderr


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
    own_server.advance(95)  # 115 s since the wait began: the restart kept the clock
    assert states(autoscaling) == {first: "InService", second: "Pending:Wait"}
    own_server.advance(10)  # the other one's heartbeat timeout (120 s) passes
    own_server.advance(10)
    assert states(autoscaling) == {first: "InService", second: "InService"}
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
