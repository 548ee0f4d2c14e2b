"""Lifecycle hook notifications in the simulated SQS, and the classic drain script run unmodified
against them: boto3 and the aws CLI long-poll the queue, complete the action and delete the
message. Also what a hook's wait does when its instance is acted on underneath it."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import classic_elb, error_of, instance_ids, make_group
from tests.test_aws_lifecycle_hooks import (
    LAUNCHING,
    TERMINATING,
    completion_refused,
    hooked_group,
    queue_arn,
    states,
)
from tidewater.cloud.ports import LifecycleNotice
from tidewater.cloud.sim.sqs import notices
from tidewater.domain.scope import Cloud, Scope

ROLE = "arn:aws:iam::000000000000:role/hooks"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TEST_KEYS = [
    "AccountId",
    "RequestId",
    "AutoScalingGroupARN",
    "AutoScalingGroupName",
    "Service",
    "Event",
    "Time",
]
ACTION_KEYS = [
    "Origin",
    "LifecycleHookName",
    "Destination",
    "AccountId",
    "RequestId",
    "LifecycleTransition",
    "AutoScalingGroupName",
    "Service",
    "Time",
    "EC2InstanceId",
    "LifecycleActionToken",
]


def ordered(body: str) -> list[tuple[str, Any]]:
    """A message body's members in the order they were written (AWS's layout is an order)."""
    pairs: list[tuple[str, Any]] = json.loads(body, object_pairs_hook=list)
    return pairs


def stamp(now: str) -> str:
    """The service clock's `now` as AWS writes `Time`: milliseconds and Z."""
    at = datetime.fromisoformat(now).astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def now_of(server: Server) -> str:
    return str(server.post("/_tidewater/settle")["now"])


def queue(sqs: Any, name: str) -> tuple[str, str]:
    arn = queue_arn(sqs, name)
    return sqs.get_queue_url(QueueName=name)["QueueUrl"], arn


def take(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Everything the queue holds now, deleted as it is read."""
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return list(got)


def unpublishable(target: str, role: str) -> str:
    return (
        f"Unable to publish test message to notification target {target} using IAM role "
        f"{role}. Please check your target and role configuration and try to put lifecycle "
        "hook again."
    )


def test_a_target_gets_the_test_message_and_a_missing_one_is_refused(
    autoscaling: Any, client: Any, server: Server
) -> None:
    sqs = client("sqs")
    group = make_group(autoscaling, server, desired=0, min_size=0)
    url, arn = queue(sqs, "hooks")
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web",
        LifecycleHookName="drain",
        LifecycleTransition=TERMINATING,
        NotificationTargetARN=arn,
        RoleARN=ROLE,
    )
    now = now_of(server)
    (message,) = take(sqs, url)
    pairs = ordered(message["Body"])
    assert [k for k, _ in pairs] == TEST_KEYS
    body = dict(pairs)
    assert UUID.fullmatch(body.pop("RequestId"))
    assert body == {
        "AccountId": "000000000000",
        "AutoScalingGroupARN": group["AutoScalingGroupARN"],
        "AutoScalingGroupName": "web",
        "Service": "AWS Auto Scaling",
        "Event": "autoscaling:TEST_NOTIFICATION",
        "Time": stamp(now),
    }
    # an update that keeps the target sends nothing; a new target gets its own test message
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", HeartbeatTimeout=60
    )
    assert take(sqs, url) == []
    other_url, other = queue(sqs, "other")
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", NotificationTargetARN=other
    )
    assert [dict(ordered(m["Body"]))["Event"] for m in take(sqs, other_url)] == [
        "autoscaling:TEST_NOTIFICATION"
    ]

    region = autoscaling.meta.region_name
    fifo = sqs.create_queue(QueueName="hooks.fifo", Attributes={"FifoQueue": "true"})
    fifo_arn = sqs.get_queue_attributes(QueueUrl=fifo["QueueUrl"], AttributeNames=["QueueArn"])
    unreachable = [
        (f"arn:aws:sqs:{region}:000000000000:missing", ROLE),
        ("arn:aws:sqs:us-west-2:000000000000:hooks", ROLE),  # the group's region only
        (f"arn:aws:sqs:{region}:111111111111:hooks", ROLE),  # another account's queue
        (f"arn:aws:sns:{region}:000000000000:hooks", ROLE),  # no SNS is served
        (fifo_arn["Attributes"]["QueueArn"], ROLE),  # FIFO queues cannot take hooks
        (f"arn:aws:sqs:{region}:000000000000:missing", None),
    ]
    for target, role in unreachable:
        extra = {"RoleARN": role} if role else {}
        refused = error_of(
            autoscaling.put_lifecycle_hook,
            AutoScalingGroupName="web",
            LifecycleHookName="ready",
            LifecycleTransition=LAUNCHING,
            NotificationTargetARN=target,
            **extra,
        )
        assert refused == {
            "Code": "ValidationError",
            "Message": unpublishable(target, role or "null"),
            "Status": 400,
            "Type": "Sender",
        }
    hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName="web")["LifecycleHooks"]
    assert [h["LifecycleHookName"] for h in hooks] == ["drain"]  # no refused hook was stored
    assert hooks[0]["NotificationTargetARN"] == other


def test_a_refused_group_sends_no_test_message(autoscaling: Any, client: Any) -> None:
    """The test messages are written in the create's transaction: refused, none is left."""
    sqs = client("sqs")
    url, arn = queue(sqs, "hooks")
    missing = arn.replace(":hooks", ":missing")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="web-lc", ImageId="ami-0c02fb55956c7d316", InstanceType="t3.micro"
    )
    refused = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="web",
        LaunchConfigurationName="web-lc",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{autoscaling.meta.region_name}a"],
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "ready",
                "LifecycleTransition": LAUNCHING,
                "NotificationTargetARN": arn,
                "RoleARN": ROLE,
            },
            {
                "LifecycleHookName": "drain",
                "LifecycleTransition": TERMINATING,
                "NotificationTargetARN": missing,
                "RoleARN": ROLE,
            },
        ],
    )
    assert refused["Message"] == unpublishable(missing, ROLE)
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"]
        == []
    )
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def drained_group(autoscaling: Any, sqs: Any, server: Server, **hook: Any) -> tuple[str, str]:
    """One InService instance, a termination hook posting to a queue; the test message taken."""
    group = make_group(autoscaling, server, min_size=0, desired=1)
    url, arn = queue(sqs, "drain")
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web",
        LifecycleHookName="drain",
        LifecycleTransition=TERMINATING,
        NotificationTargetARN=arn,
        RoleARN=ROLE,
        HeartbeatTimeout=600,
        **hook,
    )
    (test,) = take(sqs, url)
    assert "autoscaling:TEST_NOTIFICATION" in test["Body"]
    (instance,) = instance_ids(group)
    return url, instance


def in_background(call: Callable[[], Any]) -> Callable[[], Any]:
    """Start a call on a thread of its own; the returned function waits for its result."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()

    def join() -> Any:
        thread.join(timeout=60)
        assert not thread.is_alive() and result, "the long poll came back"
        return result[0]

    return join


def test_the_drain_script_in_boto3(autoscaling: Any, client: Any, server: Server) -> None:
    sqs = client("sqs")
    url, instance = drained_group(autoscaling, sqs, server, NotificationMetadata='{"app": "web"}')
    # the drain script is already waiting on the queue when the scale-in begins
    poll = in_background(
        lambda: client("sqs").receive_message(
            QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=1
        )
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    now = now_of(server)  # the scale-in runs, and its wait begins, on this frozen clock
    (message,) = poll()["Messages"]
    assert states(autoscaling) == {instance: "Terminating:Wait"}

    pairs = ordered(message["Body"])
    keys = list(ACTION_KEYS)
    keys.insert(keys.index("LifecycleActionToken"), "NotificationMetadata")
    assert [k for k, _ in pairs] == keys
    body = dict(pairs)
    activity = next(
        a
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
        if instance in a["Description"] and a["Description"].startswith("Terminating")
    )
    assert activity["StatusCode"] == "MidLifecycleAction"
    token = body.pop("LifecycleActionToken")
    assert UUID.fullmatch(token)
    assert body == {
        "Origin": "AutoScalingGroup",
        "LifecycleHookName": "drain",
        "Destination": "EC2",
        "AccountId": "000000000000",
        "RequestId": activity["ActivityId"],
        "LifecycleTransition": TERMINATING,
        "AutoScalingGroupName": "web",
        "Service": "AWS Auto Scaling",
        "Time": stamp(now),
        "EC2InstanceId": instance,
        "NotificationMetadata": '{"app": "web"}',
    }

    # the classic script: skip test messages, do the work, complete by token, delete
    note = json.loads(message["Body"])
    assert note.get("Event") != "autoscaling:TEST_NOTIFICATION"
    autoscaling.complete_lifecycle_action(
        AutoScalingGroupName=note["AutoScalingGroupName"],
        LifecycleHookName=note["LifecycleHookName"],
        LifecycleActionToken=note["LifecycleActionToken"],
        LifecycleActionResult="CONTINUE",
    )
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    server.settle()
    assert states(autoscaling) == {instance: "Terminating:Proceed"}
    server.advance(10)
    assert states(autoscaling) == {}
    activity = autoscaling.describe_scaling_activities(
        AutoScalingGroupName="web", ActivityIds=[activity["ActivityId"]]
    )["Activities"][0]
    assert activity["StatusCode"] == "Successful"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    refused = completion_refused(autoscaling, "drain", LifecycleActionToken=token)
    assert refused["Message"] == f"No active Lifecycle Action found with token {token}"


def test_the_drain_script_with_the_aws_cli(
    aws_cli: Any, autoscaling: Any, client: Any, server: Server
) -> None:
    url, instance = drained_group(autoscaling, client("sqs"), server)

    def cli(*args: str) -> Any:
        done = aws_cli(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    poll = in_background(
        lambda: cli(
            "sqs",
            "receive-message",
            "--queue-url",
            url,
            "--wait-time-seconds",
            "20",
            "--max-number-of-messages",
            "1",
        )
    )
    cli(
        "autoscaling",
        "terminate-instance-in-auto-scaling-group",
        "--instance-id",
        instance,
        "--should-decrement-desired-capacity",
    )
    server.settle()
    (message,) = poll()["Messages"]
    note = json.loads(message["Body"])
    assert "NotificationMetadata" not in note
    assert (note["EC2InstanceId"], note["LifecycleTransition"]) == (instance, TERMINATING)
    seen = cli("autoscaling", "describe-auto-scaling-instances", "--instance-ids", instance)
    assert seen["AutoScalingInstances"][0]["LifecycleState"] == "Terminating:Wait"
    cli(
        "autoscaling",
        "complete-lifecycle-action",
        "--auto-scaling-group-name",
        note["AutoScalingGroupName"],
        "--lifecycle-hook-name",
        note["LifecycleHookName"],
        "--lifecycle-action-token",
        note["LifecycleActionToken"],
        "--lifecycle-action-result",
        "CONTINUE",
    )
    cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    server.settle()
    assert states(autoscaling) == {instance: "Terminating:Proceed"}
    server.advance(10)
    assert states(autoscaling) == {}
    left = cli("sqs", "receive-message", "--queue-url", url)
    assert not left or "Messages" not in left


def test_a_launch_hook_hears_of_its_instance_and_continues_it_by_id(
    autoscaling: Any, client: Any, server: Server
) -> None:
    sqs = client("sqs")
    url, arn = queue(sqs, "ready")
    hooked_group(autoscaling, server, NotificationTargetARN=arn, RoleARN=ROLE)
    (instance,) = states(autoscaling)
    got = take(sqs, url)
    # the test message, sent when the group was created with the hook, and the action's
    (test,) = [m for m in got if "Event" in json.loads(m["Body"])]
    assert json.loads(test["Body"])["Event"] == "autoscaling:TEST_NOTIFICATION"
    (message,) = [m for m in got if m is not test]
    pairs = ordered(message["Body"])
    assert [k for k, _ in pairs] == ACTION_KEYS
    note = dict(pairs)
    assert (note["Origin"], note["Destination"]) == ("EC2", "AutoScalingGroup")
    assert (note["EC2InstanceId"], note["LifecycleTransition"]) == (instance, LAUNCHING)
    assert states(autoscaling) == {instance: "Pending:Wait"}
    autoscaling.complete_lifecycle_action(
        AutoScalingGroupName="web",
        LifecycleHookName="ready",
        InstanceId=note["EC2InstanceId"],
        LifecycleActionResult="CONTINUE",
    )
    server.settle()
    server.advance(10)
    assert states(autoscaling) == {instance: "InService"}
    assert take(sqs, url) == []  # one message per action, none for the instance going on


def test_a_launch_wait_whose_machine_ends_underneath_is_abandoned_at_once(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    hooked_group(autoscaling, server, DefaultResult="CONTINUE")
    (first,) = states(autoscaling)
    ec2.terminate_instances(InstanceIds=[first])
    server.advance(10)  # the machine is gone; nowhere near the hour's heartbeat timeout
    server.advance(10)
    now = states(autoscaling)
    assert first not in now and list(now.values()) == ["Pending:Wait"]  # its replacement
    refused = completion_refused(autoscaling, "ready", InstanceId=first)
    assert refused["Message"] == f"No active Lifecycle Action found with instance ID {first}"
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ended = next(a for a in activities if first in a["Description"])
    assert ended["StatusCode"] == "Cancelled"
    terminations = [a for a in activities if a["Description"].startswith("Terminating")]
    assert terminations == [], "no termination (and no termination hook) for the lost launch"


def test_an_instance_a_hook_holds_refuses_terminate_detach_and_standby(
    autoscaling: Any, server: Server
) -> None:
    make_group(
        autoscaling,
        server,
        min_size=0,
        desired=2,
        LifecycleHookSpecificationList=[
            {"LifecycleHookName": "drain", "LifecycleTransition": TERMINATING},
        ],
    )
    leaving, staying = sorted(states(autoscaling))
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=leaving, ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="ready", LifecycleTransition=LAUNCHING
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=2)
    server.settle()
    server.advance(10)
    now = states(autoscaling)
    arriving = next(i for i, s in now.items() if s == "Pending:Wait")
    assert now[leaving] == "Terminating:Wait" and now[staying] == "InService"
    for instance, state in ((leaving, "Terminating:Wait"), (arriving, "Pending:Wait")):
        assert states(autoscaling)[instance] == state
        assert (
            error_of(
                autoscaling.detach_instances,
                AutoScalingGroupName="web",
                InstanceIds=[instance],
                ShouldDecrementDesiredCapacity=True,
            )["Message"]
            == f"The instance {instance} is not in InService or Standby."
        )
        assert (
            error_of(
                autoscaling.enter_standby,
                AutoScalingGroupName="web",
                InstanceIds=[instance],
                ShouldDecrementDesiredCapacity=True,
            )["Message"]
            == f"The instance {instance} is not in InService."
        )
        refused = error_of(
            autoscaling.terminate_instance_in_auto_scaling_group,
            InstanceId=instance,
            ShouldDecrementDesiredCapacity=False,
        )
        assert refused["Message"] == (  # inferred: no capture (docs/facts, §9)
            f"The instance {instance} is not in InService or Standby or Pending."
        )
    assert states(autoscaling)[leaving] == "Terminating:Wait"


def test_a_new_hook_holds_an_activity_already_on_its_way(
    autoscaling: Any, client: Any, server: Server
) -> None:
    """A termination recorded before the hook, still draining its balancer, reaches its pause
    after the hook exists: the hook holds it."""
    region = autoscaling.meta.region_name
    classic_elb(client("elb"), "classic", [f"{region}a", f"{region}b"], draining_seconds=300)
    group = make_group(autoscaling, server, min_size=0, desired=1, LoadBalancerNames=["classic"])
    (instance,) = instance_ids(group)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    server.settle()
    (activity, _) = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")[
        "Activities"
    ]
    assert activity["StatusCode"] == "WaitingForELBConnectionDraining"
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    server.advance(300)
    assert states(autoscaling) == {instance: "Terminating:Wait"}


@given(
    hook=st.from_regex(r"[A-Za-z0-9\-_/]{1,255}", fullmatch=True),
    group=st.text(min_size=1, max_size=255),
    metadata=st.none() | st.from_regex(r"[\t\n\r\x20-\x7e]{1,4000}", fullmatch=True),
    transition=st.sampled_from(["launching", "terminating"]),
    millis=st.integers(min_value=0, max_value=4_000_000_000_000),
)
def test_an_action_body_carries_every_hook_exactly_in_aws_order(
    hook: str, group: str, metadata: str | None, transition: str, millis: int
) -> None:
    at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    scope = Scope("123456789012", "us-east-1", Cloud.AWS)
    notice = LifecycleNotice(
        "arn:aws:sqs:us-east-1:123456789012:q",
        None,
        "6c3b3ba4-1a43-4d1e-8d0a-0a3bbd3c1a01",
        "g-id",
        group,
        hook,
        "i-0123456789abcdef0",
        transition,
        metadata,
        at,
        activity_id="a-id",
    )
    pairs = ordered(notices.action_body(scope, notice))
    keys = list(ACTION_KEYS)
    if metadata is not None:
        keys.insert(keys.index("LifecycleActionToken"), "NotificationMetadata")
    assert [k for k, _ in pairs] == keys
    body = dict(pairs)
    assert (body["LifecycleHookName"], body["AutoScalingGroupName"]) == (hook, group)
    assert body.get("NotificationMetadata") == metadata
    assert datetime.strptime(body["Time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) == at
    assert body["LifecycleTransition"] == (LAUNCHING if transition == "launching" else TERMINATING)
