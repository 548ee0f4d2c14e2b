"""Lifecycle hooks through boto3 against a real server: put, describe, delete, refusals, and
instances held in Pending:Wait and Terminating:Wait until completed, timed out or abandoned."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Server
from tests.helpers import describe_group, error_of, instance_ids, make_group, run_check

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


def hooks(autoscaling: Any, group: str = "web") -> list[dict[str, Any]]:
    return autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=group)["LifecycleHooks"]


def states(autoscaling: Any, group: str = "web") -> dict[str, str]:
    found = describe_group(autoscaling, group)["Instances"]
    return {i["InstanceId"]: i["LifecycleState"] for i in found}


def complete(
    autoscaling: Any, instance: str, result: str = "CONTINUE", hook: str = "ready"
) -> None:
    """Complete a hook's action on an instance, and let the service act on it."""
    autoscaling.complete_lifecycle_action(
        AutoScalingGroupName="web",
        LifecycleHookName=hook,
        InstanceId=instance,
        LifecycleActionResult=result,
    )


def completion_refused(autoscaling: Any, hook: str, **named: str) -> dict[str, Any]:
    """The refusal of a CompleteLifecycleAction (CONTINUE unless `named` says otherwise)."""
    return error_of(
        autoscaling.complete_lifecycle_action,
        **{
            "AutoScalingGroupName": "web",
            "LifecycleHookName": hook,
            "LifecycleActionResult": "CONTINUE",
            **named,
        },
    )


def queue_arn(sqs: Any, name: str) -> str:
    """A new queue of the test's own account and region, by ARN."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def hooked_group(autoscaling: Any, server: Server, **hook: Any) -> None:
    """A group of one instance whose launches a hook holds (the first one is still waiting)."""
    make_group(
        autoscaling,
        server,
        min_size=0,
        desired=1,
        boot=False,
        LifecycleHookSpecificationList=[
            {"LifecycleHookName": "ready", "LifecycleTransition": LAUNCHING, **hook}
        ],
    )
    server.advance(10)


def test_put_describe_update_and_delete(autoscaling: Any, client: Any, server: Server) -> None:
    make_group(autoscaling, server, desired=0, min_size=0)
    target = queue_arn(client("sqs"), "drain")
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    assert hooks(autoscaling) == [
        {
            "LifecycleHookName": "drain",
            "AutoScalingGroupName": "web",
            "LifecycleTransition": TERMINATING,
            "HeartbeatTimeout": 3600,
            "GlobalTimeout": 172800,
            "DefaultResult": "ABANDON",
        }
    ]
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web",
        LifecycleHookName="drain",
        HeartbeatTimeout=60,
        DefaultResult="CONTINUE",
        NotificationMetadata='{"team": "web"}',
        NotificationTargetARN=target,
        RoleARN="arn:aws:iam::000000000000:role/hooks",
    )
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web",
        LifecycleHookName="warm",
        LifecycleTransition=LAUNCHING,
        HeartbeatTimeout=30,
    )
    drain, warm = hooks(autoscaling)
    assert drain == {
        "LifecycleHookName": "drain",
        "AutoScalingGroupName": "web",
        "LifecycleTransition": TERMINATING,
        "NotificationTargetARN": target,
        "RoleARN": "arn:aws:iam::000000000000:role/hooks",
        "NotificationMetadata": '{"team": "web"}',
        "HeartbeatTimeout": 60,
        "GlobalTimeout": 6000,
        "DefaultResult": "CONTINUE",
    }
    assert warm["GlobalTimeout"] == 3000 and warm["LifecycleTransition"] == LAUNCHING
    named = autoscaling.describe_lifecycle_hooks(
        AutoScalingGroupName="web", LifecycleHookNames=["warm", "nothing"]
    )["LifecycleHooks"]
    assert [h["LifecycleHookName"] for h in named] == ["warm"]
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", NotificationTargetARN=""
    )
    assert "NotificationTargetARN" not in hooks(autoscaling)[0]
    autoscaling.delete_lifecycle_hook(AutoScalingGroupName="web", LifecycleHookName="drain")
    assert [h["LifecycleHookName"] for h in hooks(autoscaling)] == ["warm"]
    assert autoscaling.describe_lifecycle_hook_types()["LifecycleHookTypes"] == [
        LAUNCHING,
        TERMINATING,
    ]


def test_refusals(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, desired=0, min_size=0)
    put = autoscaling.put_lifecycle_hook
    assert error_of(
        autoscaling.delete_lifecycle_hook, AutoScalingGroupName="web", LifecycleHookName="x"
    )["Message"].startswith("No Lifecycle Hook found")
    for seconds in (29, 7201):
        refused = error_of(
            put,
            AutoScalingGroupName="web",
            LifecycleHookName="h",
            LifecycleTransition=LAUNCHING,
            HeartbeatTimeout=seconds,
        )
        assert refused["Code"] == "ValidationError" and str(seconds) in refused["Message"]
    refused = error_of(
        put, AutoScalingGroupName="web", LifecycleHookName="h", LifecycleTransition="launch"
    )
    assert refused["Code"] == "ValidationError" and "LifecycleTransition" in refused["Message"]
    refused = error_of(
        put,
        AutoScalingGroupName="web",
        LifecycleHookName="h",
        LifecycleTransition=LAUNCHING,
        DefaultResult="MAYBE",
    )
    assert (
        refused["Message"] == "Valid values for DefaultResult are CONTINUE and ABANDON; got MAYBE"
    )
    refused = error_of(put, AutoScalingGroupName="web", LifecycleHookName="h")
    assert refused["Code"] == "ValidationError" and "LifecycleTransition" in refused["Message"]
    refused = error_of(
        put, AutoScalingGroupName="nope", LifecycleHookName="h", LifecycleTransition=LAUNCHING
    )
    assert refused["Code"] == "ValidationError" and "not found" in refused["Message"]
    assert (
        "not found"
        in error_of(autoscaling.describe_lifecycle_hooks, AutoScalingGroupName="nope")["Message"]
    )
    for n in range(50):
        put(AutoScalingGroupName="web", LifecycleHookName=f"h{n}", LifecycleTransition=LAUNCHING)
    refused = error_of(
        put, AutoScalingGroupName="web", LifecycleHookName="h50", LifecycleTransition=LAUNCHING
    )
    assert (refused["Code"], refused["Status"]) == ("LimitExceeded", 400)
    put(AutoScalingGroupName="web", LifecycleHookName="h49", HeartbeatTimeout=30)  # an update
    token = "6c3b3ba4-1a43-4d1e-8d0a-0a3bbd3c1a01"
    refused = completion_refused(autoscaling, "h1", LifecycleActionToken=token)
    assert refused == {
        "Code": "ValidationError",
        "Message": f"No active Lifecycle Action found with token {token}",
        "Status": 400,
        "Type": "Sender",
    }
    refused = error_of(
        autoscaling.record_lifecycle_action_heartbeat,
        AutoScalingGroupName="web",
        LifecycleHookName="h1",
        InstanceId="i-0123456789abcdef0",
    )
    assert refused["Message"] == (
        "No active Lifecycle Action found with instance ID i-0123456789abcdef0"
    )
    refused = completion_refused(autoscaling, "h1")
    assert refused["Code"] == "ValidationError"
    refused = completion_refused(
        autoscaling, "h1", InstanceId="i-0123456789abcdef0", LifecycleActionResult="GO"
    )
    assert "LifecycleActionResult" in refused["Message"]


def test_launch_waits_until_continued(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server)
    ((instance, state),) = states(autoscaling).items()
    assert state == "Pending:Wait"
    server.advance(1800)
    assert states(autoscaling) == {instance: "Pending:Wait"}
    (activity,) = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert activity["StatusCode"] == "MidLifecycleAction"
    assert activity["Description"] == f"Launching a new EC2 instance: {instance}"
    seen = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance])
    assert seen["AutoScalingInstances"][0]["LifecycleState"] == "Pending:Wait"
    complete(autoscaling, instance)
    server.settle()
    server.advance(10)
    assert states(autoscaling) == {instance: "InService"}
    (activity,) = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    assert (activity["StatusCode"], activity["Progress"]) == ("Successful", 100)
    refused = completion_refused(autoscaling, "ready", InstanceId=instance)
    assert refused["Message"] == f"No active Lifecycle Action found with instance ID {instance}"


def test_abandon_on_launch_replaces_the_instance(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, DefaultResult="CONTINUE")
    (first,) = states(autoscaling)
    complete(autoscaling, first, "ABANDON")
    server.settle()
    # its machine is shutting down: on its way out, not lost
    url = server.env.get("TIDEWATER_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidewater.db"
    checked = run_check(url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    server.advance(10)
    now = states(autoscaling)
    assert first not in now
    assert list(now.values()) == ["Pending:Wait"]  # its replacement, held in turn
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    abandoned = next(a for a in activities if first in a["Description"])
    assert abandoned["StatusCode"] == "Cancelled" and abandoned["Progress"] == 100
    assert abandoned["StatusMessage"].startswith(
        "Instance failed to complete user's Lifecycle Action: Lifecycle Action with token "
    )
    assert abandoned["StatusMessage"].endswith(
        "was abandoned: Lifecycle Action Completed with ABANDON Result"
    )
    assert abandoned["Description"] == (
        f"Launching a new EC2 instance: {first}.  Status Reason: {abandoned['StatusMessage']}"
    )


def test_timeout_takes_the_default_result(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, HeartbeatTimeout=60, DefaultResult="CONTINUE")
    (instance,) = states(autoscaling)
    server.advance(59)
    assert states(autoscaling) == {instance: "Pending:Wait"}
    server.advance(1)
    server.advance(10)
    assert states(autoscaling) == {instance: "InService"}


def test_timeout_into_abandon(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, HeartbeatTimeout=60)  # ABANDON by default
    (first,) = states(autoscaling)
    server.advance(60)
    server.advance(10)
    now = states(autoscaling)
    assert first not in now and list(now.values()) == ["Pending:Wait"]
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    abandoned = next(a for a in activities if first in a["Description"])
    assert abandoned["StatusCode"] == "Cancelled"
    assert abandoned["StatusMessage"].endswith("Timed Out with ABANDON Result")


def test_heartbeat_restarts_the_timeout(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, HeartbeatTimeout=60, DefaultResult="CONTINUE")
    (instance,) = states(autoscaling)
    server.advance(50)
    autoscaling.record_lifecycle_action_heartbeat(
        AutoScalingGroupName="web", LifecycleHookName="ready", InstanceId=instance
    )
    server.advance(50)  # 100 s in: past the first timeout, inside the extended one
    assert states(autoscaling) == {instance: "Pending:Wait"}
    server.advance(10)
    server.advance(10)
    assert states(autoscaling) == {instance: "InService"}


def test_every_hook_must_let_it_go(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    for name in ("a", "b"):
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName="web", LifecycleHookName=name, LifecycleTransition=LAUNCHING
        )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    server.settle()
    server.advance(10)
    (instance,) = states(autoscaling)
    for name, expected in (("a", "Pending:Wait"), ("b", "InService")):
        complete(autoscaling, instance, hook=name)
        server.settle()
        server.advance(10)
        assert states(autoscaling) == {instance: expected}


def test_termination_hook_on_scale_in(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=1)
    (instance,) = instance_ids(group)
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    server.settle()
    server.advance(10)
    assert states(autoscaling) == {instance: "Terminating:Wait"}
    (activity, _) = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")[
        "Activities"
    ]
    assert activity["StatusCode"] == "MidLifecycleAction"
    # ABANDON on termination ends the wait: the instance is terminated all the same
    complete(autoscaling, instance, "ABANDON", "drain")
    server.settle()
    server.advance(10)
    server.advance(10)
    assert states(autoscaling) == {}
    (activity, _) = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")[
        "Activities"
    ]
    assert activity["StatusCode"] == "Successful"


def test_termination_hook_on_terminate_instance(autoscaling: Any, server: Server) -> None:
    group = make_group(
        autoscaling,
        server,
        min_size=0,
        desired=1,
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "drain",
                "LifecycleTransition": TERMINATING,
                "HeartbeatTimeout": 300,
                "DefaultResult": "CONTINUE",
            }
        ],
    )
    (instance,) = instance_ids(group)
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=instance, ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    assert states(autoscaling) == {instance: "Terminating:Wait"}
    server.advance(299)
    assert states(autoscaling) == {instance: "Terminating:Wait"}
    server.advance(1)
    server.advance(10)
    assert states(autoscaling) == {}


def test_no_hooks_on_detach_or_standby(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=2)
    first, second = instance_ids(group)
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[first], ShouldDecrementDesiredCapacity=True
    )
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[second], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    server.advance(10)
    assert states(autoscaling) == {first: "Standby"}


def test_replacing_an_unhealthy_instance_runs_both_hooks(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=1, desired=1)
    (sick,) = instance_ids(group)
    for name, transition in (("ready", LAUNCHING), ("drain", TERMINATING)):
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName="web", LifecycleHookName=name, LifecycleTransition=transition
        )
    autoscaling.set_instance_health(InstanceId=sick, HealthStatus="Unhealthy")
    server.settle()
    server.advance(10)
    now = states(autoscaling)
    assert now.pop(sick) == "Terminating:Wait"
    assert list(now.values()) == ["Pending:Wait"]


def test_scale_in_spares_instances_a_launch_hook_holds(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, DefaultResult="CONTINUE")
    (instance,) = states(autoscaling)
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    server.settle()
    assert states(autoscaling) == {instance: "Pending:Wait"}
    complete(autoscaling, instance)
    server.settle()
    server.advance(10)
    server.advance(10)
    assert states(autoscaling) == {}


def test_deleting_a_hook_completes_its_actions(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, DefaultResult="CONTINUE")
    (first,) = states(autoscaling)
    autoscaling.delete_lifecycle_hook(AutoScalingGroupName="web", LifecycleHookName="ready")
    server.settle()
    server.advance(10)
    now = states(autoscaling)  # launching actions end as ABANDON: the instance is replaced
    assert first not in now and list(now.values()) == ["InService"]


def test_the_cli_drives_a_drain(aws_cli: Any, autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=1)
    (instance,) = instance_ids(group)

    def cli(*args: str) -> Any:
        done = aws_cli("autoscaling", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    cli(
        "put-lifecycle-hook",
        "--auto-scaling-group-name",
        "web",
        "--lifecycle-hook-name",
        "drain",
        "--lifecycle-transition",
        TERMINATING,
        "--heartbeat-timeout",
        "300",
    )
    described = cli("describe-lifecycle-hooks", "--auto-scaling-group-name", "web")
    assert described["LifecycleHooks"][0]["GlobalTimeout"] == 30000
    cli("set-desired-capacity", "--auto-scaling-group-name", "web", "--desired-capacity", "0")
    server.settle()
    server.advance(10)
    seen = cli("describe-auto-scaling-instances", "--instance-ids", instance)
    assert seen["AutoScalingInstances"][0]["LifecycleState"] == "Terminating:Wait"
    cli(
        "record-lifecycle-action-heartbeat",
        "--auto-scaling-group-name",
        "web",
        "--lifecycle-hook-name",
        "drain",
        "--instance-id",
        instance,
    )
    complete = (
        "complete-lifecycle-action",
        "--auto-scaling-group-name",
        "web",
        "--lifecycle-hook-name",
        "drain",
        "--instance-id",
        instance,
        "--lifecycle-action-result",
        "CONTINUE",
    )
    cli(*complete)
    server.settle()
    server.advance(10)
    assert states(autoscaling) == {}
    again = aws_cli("autoscaling", *complete)
    assert again.returncode != 0
    assert f"No active Lifecycle Action found with instance ID {instance}" in again.stderr


def test_abandon_on_termination_skips_the_other_hooks(autoscaling: Any, server: Server) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=1)
    (instance,) = instance_ids(group)
    for name in ("drain", "backup"):
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName="web", LifecycleHookName=name, LifecycleTransition=TERMINATING
        )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=instance, ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    assert states(autoscaling) == {instance: "Terminating:Wait"}
    complete(autoscaling, instance, "ABANDON", "backup")
    server.settle()
    server.advance(10)
    assert states(autoscaling) == {}


def test_force_delete_waits_for_no_hook(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, DefaultResult="CONTINUE")
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    server.settle()
    server.advance(10)
    server.advance(10)
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])
    assert found["AutoScalingGroups"] == []


def test_az_rebalance_runs_launch_hooks(autoscaling: Any, server: Server) -> None:
    region = autoscaling.meta.region_name
    group = make_group(autoscaling, server, min_size=0, max_size=6, desired=4)
    in_a = [i["InstanceId"] for i in group["Instances"] if i["AvailabilityZone"] == f"{region}a"]
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="ready", LifecycleTransition=LAUNCHING
    )
    autoscaling.detach_instances(  # detaching runs no hook; the rebalance that follows does
        AutoScalingGroupName="web", InstanceIds=in_a, ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    members = describe_group(autoscaling, "web")["Instances"]
    (new,) = [i for i in members if i["AvailabilityZone"] == f"{region}a"]
    assert new["LifecycleState"] == "Pending:Wait" and len(members) == 3
    complete(autoscaling, new["InstanceId"])
    server.settle()
    server.advance(10)
    server.advance(10)
    zones = sorted(i["AvailabilityZone"] for i in describe_group(autoscaling, "web")["Instances"])
    assert zones == [f"{region}a", f"{region}b"]


def test_heartbeats_stop_at_the_global_timeout(autoscaling: Any, server: Server) -> None:
    hooked_group(autoscaling, server, HeartbeatTimeout=30, DefaultResult="CONTINUE")
    (instance,) = states(autoscaling)
    beats = 0
    while beats < 120:
        try:
            autoscaling.record_lifecycle_action_heartbeat(
                AutoScalingGroupName="web", LifecycleHookName="ready", InstanceId=instance
            )
        except autoscaling.exceptions.ClientError as refused:
            assert "No active Lifecycle Action found with instance ID" in str(refused)
            break
        beats += 1
        server.advance(29)
    # 100 heartbeat timeouts (3000 s) cap the wait however often it beats: 3000 / 29 ≈ 103
    assert 100 <= beats <= 104
    server.advance(10)
    assert states(autoscaling) == {instance: "InService"}
