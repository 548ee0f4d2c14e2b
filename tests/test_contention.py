"""A change that finds its group held answers after a bounded wait, and leaves nothing behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from botocore.config import Config
from botocore.exceptions import ClientError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from tests.conftest import BACKEND, Server, start_server
from tests.helpers import aws_client, describe_group, ess_client, instance_ids, make_group
from tests.test_ess import error_of as ess_error_of
from tests.test_ess import instances, ready_group

WAIT = 0.5
CONTENTION = (
    "You already have a pending update to an Amazon EC2 Auto Scaling resource "
    "(for example, an Auto Scaling group, instance, or load balancer)."
)
IN_PROGRESS = (
    "You cannot delete a scaling group or launch a new scaling activity while there is a "
    "scaling activity in progress for the specified scaling group."
)


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(
        tmp_path / "data", "--lock-wait-seconds", str(WAIT), database_url=own_database_url
    )
    yield service
    if service.process.poll() is None:
        service.stop()


@contextmanager
def holding(url: str, statement: str) -> Iterator[Connection]:
    """Another writer holds a lock until the block ends: a row lock, or SQLite's write lock."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.begin()
                conn.execute(text(statement))
            try:
                yield conn
            finally:
                conn.rollback()
    finally:
        engine.dispose()


def autoscaling_client(server: Server, attempts: int) -> Any:
    """Auto Scaling with `attempts` tries: one to see ResourceContention, more to retry it."""
    config = Config(retries={"max_attempts": attempts, "mode": "standard"})
    return aws_client(server, "autoscaling", config=config)


def test_aws_answers_resource_contention_after_the_bounded_wait(
    own_server: Server, own_database_url: str
) -> None:
    autoscaling = autoscaling_client(own_server, attempts=1)
    make_group(autoscaling, own_server, min_size=0, max_size=6, desired=2)
    lock = "SELECT id FROM groups WHERE name = 'web' FOR UPDATE"
    with holding(own_database_url, lock):
        started = time.monotonic()
        with pytest.raises(ClientError) as caught:
            autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
        waited = time.monotonic() - started
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert error["Error"]["Code"] == "ResourceContention"
        assert error["Error"]["Message"] == CONTENTION
        assert waited >= WAIT * 0.8, "it waited for the lock before giving up"
        # reads never wait for a writer
        assert describe_group(autoscaling, "web")["DesiredCapacity"] == 2
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
    assert describe_group(autoscaling, "web")["DesiredCapacity"] == 4


def test_the_sdk_retries_contention_until_the_group_is_free(
    own_server: Server, own_database_url: str
) -> None:
    autoscaling = autoscaling_client(own_server, attempts=10)
    group = make_group(autoscaling, own_server, min_size=0, max_size=6, desired=2)
    victim = instance_ids(group)[0]
    lock = "SELECT id FROM groups WHERE name = 'web' FOR UPDATE"
    answer: dict[str, Any] = {}
    with holding(own_database_url, lock):

        def detach() -> None:
            answer.update(
                autoscaling.detach_instances(
                    AutoScalingGroupName="web",
                    InstanceIds=[victim],
                    ShouldDecrementDesiredCapacity=True,
                )
            )

        worker = threading.Thread(target=detach)
        worker.start()
        time.sleep(WAIT * 3)  # a real lock held for real time: the SDK meets it and backs off
    worker.join(timeout=60)
    assert answer["ResponseMetadata"]["RetryAttempts"] >= 1, "ResourceContention was retried"
    assert answer["Activities"][0]["StatusCode"] == "InProgress"
    assert describe_group(autoscaling, "web")["DesiredCapacity"] == 1


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite locks the whole database: no change starts half-way"
)
def test_a_change_that_gives_up_leaves_nothing_half_done(
    own_server: Server, own_database_url: str
) -> None:
    autoscaling = autoscaling_client(own_server, attempts=1)
    group = make_group(autoscaling, own_server, min_size=0, max_size=6, desired=3)
    first, second, _ = instance_ids(group)
    # the group is free, but one of the two instances is held: the detach locks the group,
    # changes its desired capacity and the first instance, then waits on the second
    lock = f"SELECT instance_id FROM members WHERE instance_id = '{second}' FOR UPDATE"
    with holding(own_database_url, lock):
        with pytest.raises(ClientError) as caught:
            autoscaling.detach_instances(
                AutoScalingGroupName="web",
                InstanceIds=[first, second],
                ShouldDecrementDesiredCapacity=True,
            )
        assert caught.value.response["Error"]["Code"] == "ResourceContention"
    after = describe_group(autoscaling, "web")
    assert after["DesiredCapacity"] == 3
    assert instance_ids(after) == sorted([first, second, group["Instances"][2]["InstanceId"]])
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert not [a for a in activities if a["Description"].startswith("Detaching")]


def test_ess_answers_scaling_activity_in_progress(
    own_server: Server, own_database_url: str
) -> None:
    region = "cn-hangzhou"
    ess = ess_client(own_server, region)
    group = ready_group(ess, own_server, region)
    victim = instances(ess, region, group)[0].instance_id
    lock = f"SELECT id FROM groups WHERE id = '{group}' FOR UPDATE"
    with holding(own_database_url, lock):
        code, status, message = ess_error_of(
            ess.remove_instances,
            m.RemoveInstancesRequest(
                region_id=region, scaling_group_id=group, instance_ids=[victim]
            ),
        )
        if BACKEND == "sqlite":
            # SQLite's write lock is the whole database's: the request cannot even spend its
            # signature nonce, which is the gateway's temporary failure, not the group's
            assert (code, status) == ("ServiceUnavailable", 503)
        else:
            assert (code, status, message) == ("ScalingActivityInProgress", 400, IN_PROGRESS)
    assert victim in {i.instance_id for i in instances(ess, region, group)}
    ess.remove_instances(
        m.RemoveInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=[victim])
    )


def test_a_nonce_that_cannot_be_spent_in_time_is_a_temporary_failure(
    own_server: Server, own_database_url: str
) -> None:
    """Waiting for the nonce ledger is the gateway's trouble, not a scaling activity's."""
    region = "cn-hangzhou"
    ess = ess_client(own_server, region)
    describe = m.DescribeScalingGroupsRequest(region_id=region)
    with holding(own_database_url, "LOCK TABLE signature_nonces IN ACCESS EXCLUSIVE MODE"):
        code, status, message = ess_error_of(ess.describe_scaling_groups, describe)
    assert (code, status, message) == (
        "ServiceUnavailable",
        503,
        "The request has failed due to a temporary failure of the server.",
    )
    assert ess.describe_scaling_groups(describe).body.total_count == 0
