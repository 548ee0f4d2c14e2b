"""Several nodes on one PostgreSQL: wake-ups cross between them and a survivor finishes the work."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKEND, Server, start_server
from tests.helpers import IMAGE, aws_client, classic_elb
from tests.test_check import run_check

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="several nodes share PostgreSQL; this runs in the PostgreSQL pass of `make test`",
)

LEASE = 2.0
# real time, sped up: a boot takes 0.1 s and connection draining 100 s takes 2 s
REAL_TIME = ("--no-frozen-clock", "--sim-time-scale", "0.02", "--lease-seconds", str(LEASE))


def node(tmp_path: Path, url: str, name: str, *extra: str) -> Server:
    return start_server(tmp_path / name, *REAL_TIME, "--node", name, *extra, database_url=url)


@pytest.fixture
def nodes(tmp_path: Path, own_database_url: str) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.stop()


def eventually(what: Callable[[], Any], seconds: float = 30) -> Any:
    """Poll a real multi-process system until `what` returns something true."""
    deadline = time.monotonic() + seconds
    while True:
        result = what()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def group_of(autoscaling: Any, name: str = "web") -> dict[str, Any]:
    return autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]


def in_service(autoscaling: Any, count: int) -> list[str] | None:
    members = [
        i["InstanceId"]
        for i in group_of(autoscaling)["Instances"]
        if i["LifecycleState"] == "InService"
    ]
    return sorted(members) if len(members) == count else None


def create_group(autoscaling: Any, desired: int, **extra: Any) -> None:
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="web-lc", ImageId=IMAGE, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchConfigurationName="web-lc",
        MinSize=0,
        MaxSize=10,
        DesiredCapacity=desired,
        AvailabilityZones=["us-east-1a"],
        **extra,
    )


def test_a_change_on_one_node_wakes_the_runner_of_another(
    tmp_path: Path, own_database_url: str, nodes: list[Server]
) -> None:
    # a serves the API only; b runs activities and would sweep for work once a minute
    a = node(tmp_path, own_database_url, "a", "--runner", "manual")
    b = node(tmp_path, own_database_url, "b", "--runner", "auto", "--sweep-seconds", "60")
    nodes.extend([a, b])
    create_group(aws_client(a, "autoscaling"), desired=2)
    instances = eventually(lambda: group_of(aws_client(a, "autoscaling"))["Instances"], seconds=10)
    assert len(instances) == 2, "b launched a's instances long before its sweep"


def test_a_survivor_finishes_what_a_killed_node_started(
    tmp_path: Path, own_database_url: str, nodes: list[Server]
) -> None:
    a = node(tmp_path, own_database_url, "a", "--runner", "auto", "--sweep-seconds", "0.2")
    b = node(tmp_path, own_database_url, "b", "--runner", "auto", "--sweep-seconds", "0.2")
    nodes.extend([a, b])
    elb = aws_client(a, "elb")
    classic_elb(elb, "classic", ["us-east-1a"], draining_seconds=100)
    autoscaling = aws_client(a, "autoscaling")
    create_group(autoscaling, desired=3, LoadBalancerNames=["classic"])
    members = eventually(lambda: in_service(autoscaling, 3))
    assert members, "the group filled up"

    detached = autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=members[:2], ShouldDecrementDesiredCapacity=False
    )["Activities"]
    engine = create_engine(own_database_url)
    try:
        with engine.begin() as conn:
            # the detaches drain for two seconds; a dies now, and, as a crash inside a step
            # leaves it, still holds the first one's lease for three more seconds
            a.kill()
            held_until = datetime.now(UTC) + timedelta(seconds=LEASE + 1)
            conn.execute(
                text(
                    "UPDATE activities SET lease_owner = 'a', lease_until = :until "
                    "WHERE id = :id AND status NOT IN ('Successful', 'Failed', 'Cancelled')"
                ),
                {"until": held_until, "id": detached[0]["ActivityId"]},
            )

        def lease_of(activity_id: str) -> Any:
            with engine.connect() as conn:
                return conn.execute(
                    text("SELECT lease_owner, status FROM activities WHERE id = :id"),
                    {"id": activity_id},
                ).one()

        survivor = aws_client(b, "autoscaling")
        while datetime.now(UTC) < held_until - timedelta(seconds=0.5):
            owner, status = lease_of(detached[0]["ActivityId"])
            assert owner == "a", "nobody takes a live lease"
            assert status in ("InProgress", "WaitingForELBConnectionDraining")
            time.sleep(0.1)

        def all_done() -> list[dict[str, Any]] | None:
            activities = survivor.describe_scaling_activities(AutoScalingGroupName="web")[
                "Activities"
            ]
            if all(a["StatusCode"] == "Successful" for a in activities):
                return activities
            return None

        activities = eventually(all_done)
        assert activities, "b finished every activity, the orphaned one included"
        by_id = {a["ActivityId"]: a for a in activities}
        for started in detached:
            assert by_id[started["ActivityId"]]["StatusCode"] == "Successful"
        assert eventually(lambda: in_service(survivor, 3)), "replacements joined the group"
        registered = {
            i["InstanceId"]
            for i in aws_client(b, "elb").describe_load_balancers(LoadBalancerNames=["classic"])[
                "LoadBalancerDescriptions"
            ][0]["Instances"]
        }
        assert not registered & set(members[:2]), "the detached instances left the balancer"
    finally:
        engine.dispose()
    b.stop()
    assert b.process.returncode == 0
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stderr


def test_sigterm_finishes_the_step_in_hand_and_hands_back_every_lease(
    tmp_path: Path, own_database_url: str, nodes: list[Server]
) -> None:
    a = node(tmp_path, own_database_url, "a", "--runner", "auto", "--sweep-seconds", "0.2")
    nodes.append(a)
    autoscaling = aws_client(a, "autoscaling")
    create_group(autoscaling, desired=10)
    a.stop()  # SIGTERM while ten launches are under way
    assert a.process.returncode == 0
    engine = create_engine(own_database_url)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                text("SELECT count(*) FROM activities WHERE lease_owner IS NOT NULL")
            ).scalar_one()
    finally:
        engine.dispose()
    assert held == 0
    a.start()
    assert eventually(lambda: in_service(aws_client(a, "autoscaling"), 10)), (
        "a restart finishes them"
    )
    a.stop()
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stderr


def test_a_database_outage_inside_a_step_loses_and_repeats_nothing(
    own_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL goes away between a launch and the step's record of it, then comes back."""
    from sqlalchemy.engine import make_url

    from tidewater.app import build, check
    from tidewater.clock import Clock
    from tidewater.config import Settings
    from tidewater.domain.launch import Blueprint
    from tidewater.domain.scope import Cloud, Scope
    from tidewater.engine import groups, launch_configurations

    name = make_url(own_database_url).database
    settings = Settings(
        database_url=own_database_url, runner="manual", node="a", lease_seconds=LEASE
    )
    service = build(settings, Clock(frozen_at=Clock().now()))
    scope = Scope("000000000000", "us-east-1", Cloud.AWS)
    launch_configurations.create(
        service.ctx,
        scope,
        "lc",
        Blueprint(IMAGE, "t3.micro"),
        {"ImageId": IMAGE, "InstanceType": "t3.micro"},
    )
    groups.create(
        service.ctx,
        scope,
        groups.GroupSpec(
            name="web",
            min_size=0,
            max_size=5,
            desired=3,
            launch={"kind": "configuration", "name": "lc"},
            zones=["us-east-1a"],
        ),
    )
    service.runner.tick()  # the reconciler records three launches
    admin = create_engine(
        make_url(own_database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    real_launch = service.ctx.compute.launch

    def launch_then_outage(*args: Any, **kwargs: Any) -> Any:
        machine = real_launch(*args, **kwargs)
        monkeypatch.setattr(service.ctx.compute, "launch", real_launch)
        with admin.connect() as conn:  # the database restarts right after the cloud call
            conn.execute(text(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        return machine

    monkeypatch.setattr(service.ctx.compute, "launch", launch_then_outage)
    try:
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver says when it is gone
            service.runner.tick()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        admin.dispose()
    # the heartbeat goes on renewing what the node has in hand, which is nothing now: the
    # leases the failed pass could not hand back run out
    for _ in range(4):
        service.runner.renew()
        time.sleep(LEASE / 3)
    service.clock.advance(10)
    service.runner.drain()
    service.clock.advance(10)
    service.runner.drain()
    engine = create_engine(own_database_url)
    try:
        with engine.connect() as conn:
            launches = conn.execute(
                text("SELECT status FROM activities WHERE kind = 'launch'")
            ).scalars()
            machines = conn.execute(text("SELECT count(*) FROM machines")).scalar_one()
    finally:
        engine.dispose()
    assert list(launches) == ["Successful"] * 3
    assert machines == 3, "the interrupted launch was resumed, not repeated"
    assert check(service.db) == []
    service.db.dispose()


def test_a_hook_wait_outlives_a_killed_node_and_finishes_on_another(
    tmp_path: Path, own_database_url: str, nodes: list[Server]
) -> None:
    """Node a records two termination waits (and their notices) and is killed -9; node b, on
    the same PostgreSQL, serves the drain script: one action is completed by the token from the
    queue, the other times out on b's moved clock, and both instances finish terminating."""
    a = node(tmp_path, own_database_url, "a", "--runner", "auto", "--sweep-seconds", "0.2")
    nodes.append(a)
    autoscaling, sqs = aws_client(a, "autoscaling"), aws_client(a, "sqs")
    url = sqs.create_queue(QueueName="drain")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    create_group(
        autoscaling,
        desired=2,
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "drain",
                "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                "HeartbeatTimeout": 600,
                "DefaultResult": "CONTINUE",
                "NotificationTargetARN": arn,
                "RoleARN": "arn:aws:iam::000000000000:role/hooks",
            }
        ],
    )
    members = eventually(lambda: in_service(autoscaling, 2))
    assert members, "the group filled up"
    (test,) = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=test["ReceiptHandle"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)

    def waiting(client: Any) -> bool:
        states = {i["LifecycleState"] for i in group_of(client)["Instances"]}
        return states == {"Terminating:Wait"} and len(group_of(client)["Instances"]) == 2

    assert eventually(lambda: waiting(autoscaling)), "a recorded both waits"
    a.kill()

    b = node(tmp_path, own_database_url, "b", "--runner", "auto", "--sweep-seconds", "0.2")
    nodes.append(b)
    autoscaling, sqs = aws_client(b, "autoscaling"), aws_client(b, "sqs")
    assert waiting(autoscaling), "the waits are in the database, not in a's memory"
    # the drain script, now against b: the notices a wrote are in the queue
    notes: list[tuple[dict[str, Any], str]] = []
    for _ in range(4):  # a long poll may answer with some of the messages only
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5)
        notes += [(json.loads(m["Body"]), m["ReceiptHandle"]) for m in got.get("Messages", [])]
        if len(notes) >= 2:
            break
    notes.sort(key=lambda n: n[0]["EC2InstanceId"])
    assert [n["EC2InstanceId"] for n, _ in notes] == members
    completed, timing_out = notes
    autoscaling.complete_lifecycle_action(
        AutoScalingGroupName="web",
        LifecycleHookName="drain",
        LifecycleActionToken=completed[0]["LifecycleActionToken"],
        LifecycleActionResult="CONTINUE",
    )
    sqs.delete_message(QueueUrl=url, ReceiptHandle=completed[1])

    def remaining() -> list[str]:
        return sorted(i["InstanceId"] for i in group_of(autoscaling)["Instances"])

    assert eventually(lambda: remaining() == [timing_out[0]["EC2InstanceId"]])
    b.post("/_tidewater/clock?seconds=600")  # the other's heartbeat timeout, on b's clock
    assert eventually(lambda: remaining() == []), "the timed-out one terminated too"
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ended = [a for a in activities if a["Description"].startswith("Terminating")]
    assert [a["StatusCode"] for a in ended] == ["Successful", "Successful"]
    b.stop()
    checked = run_check(own_database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_schedule_fires_once_across_a_killed_node_and_the_moved_clock_goes_on(
    tmp_path: Path, own_database_url: str, nodes: list[Server]
) -> None:
    """Node a fires an hourly action on a moved, frozen clock and is killed -9; node b takes up
    the clock a moved (it is in the database), does not fire that hour again, fires the next."""
    frozen = ("--frozen-clock", "--runner", "auto", "--sweep-seconds", "0.2")
    a = start_server(tmp_path / "a", *frozen, "--node", "a", database_url=own_database_url)
    nodes.append(a)
    autoscaling = aws_client(a, "autoscaling")
    create_group(autoscaling, desired=0)
    now = datetime.fromisoformat(a.post("/_tidewater/clock?seconds=0")["now"])
    start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledActionName="hourly",
        StartTime=start,
        Recurrence="0 * * * *",
        DesiredCapacity=2,
    )
    a.post(f"/_tidewater/clock?seconds={(start - now).total_seconds()}")
    assert eventually(lambda: group_of(autoscaling)["DesiredCapacity"] == 2), "a fired"
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    moved = datetime.fromisoformat(a.post("/_tidewater/clock?seconds=0")["now"])
    a.kill()

    b = start_server(tmp_path / "b", *frozen, "--node", "b", database_url=own_database_url)
    nodes.append(b)
    autoscaling = aws_client(b, "autoscaling")
    assert datetime.fromisoformat(b.post("/_tidewater/clock?seconds=0")["now"]) == moved
    b.settle()
    assert group_of(autoscaling)["DesiredCapacity"] == 1, "b did not fire a's hour again"
    (action,) = autoscaling.describe_scheduled_actions(AutoScalingGroupName="web")[
        "ScheduledUpdateGroupActions"
    ]
    assert action["StartTime"] == start + timedelta(hours=1)
    b.post("/_tidewater/clock?seconds=3600")
    assert eventually(lambda: group_of(autoscaling)["DesiredCapacity"] == 2), "b fired the next"


def test_a_clock_moved_on_one_node_moves_the_others(
    tmp_path: Path, own_database_url: str, nodes: list[Server]
) -> None:
    frozen = ("--frozen-clock", "--runner", "auto", "--sweep-seconds", "0.2")
    a = start_server(tmp_path / "a", *frozen, "--node", "a", database_url=own_database_url)
    b = start_server(tmp_path / "b", *frozen, "--node", "b", database_url=own_database_url)
    nodes.extend([a, b])

    def now(server: Server) -> datetime:
        return datetime.fromisoformat(server.get("/_tidewater/health")["now"])

    assert now(a) == now(b), "b took up the instant a's frozen clock stands at"
    moved = datetime.fromisoformat(a.post("/_tidewater/clock?seconds=7200")["now"])
    assert eventually(lambda: now(b) == moved, seconds=10), "b's runner took the move up"
