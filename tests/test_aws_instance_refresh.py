"""Instance refresh through boto3 (and the aws CLI) against a real server, the clock moved by hand:
batches that keep the healthy percentage through draining and a termination hook, checkpoints,
completion, cancellation, rollbacks and AWS's refusals."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Server
from tests.helpers import IMAGE, aws_client, classic_elb, describe_group, error_of, run_check

TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


def template_group(
    autoscaling: Any,
    ec2: Any,
    server: Server,
    *,
    desired: int = 4,
    **extra: Any,
) -> str:
    """A group of `desired` InService instances on version 1 of a template that has a version 2."""
    template = ec2.create_launch_template(
        LaunchTemplateName="web",
        LaunchTemplateData={"ImageId": IMAGE, "InstanceType": "t3.micro"},
    )["LaunchTemplate"]
    ec2.create_launch_template_version(
        LaunchTemplateName="web",
        LaunchTemplateData={"ImageId": IMAGE, "InstanceType": "t3.small"},
    )
    region = autoscaling.meta.region_name
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchTemplate={"LaunchTemplateName": "web", "Version": "1"},
        MinSize=1,
        MaxSize=10,
        DesiredCapacity=desired,
        AvailabilityZones=[f"{region}a", f"{region}b"],
        **extra,
    )
    server.settle()
    server.advance(10)
    return str(template["LaunchTemplateId"])


def versions(autoscaling: Any) -> dict[str, tuple[str, str]]:
    """Each instance's state and template version."""
    found = describe_group(autoscaling, "web")["Instances"]
    return {i["InstanceId"]: (i["LifecycleState"], i["LaunchTemplate"]["Version"]) for i in found}


def refresh_of(autoscaling: Any, **named: Any) -> dict[str, Any]:
    found = autoscaling.describe_instance_refreshes(AutoScalingGroupName="web", **named)
    return dict(found["InstanceRefreshes"][0])


def to_version(version: str, **preferences: Any) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": "web",
        "DesiredConfiguration": {
            "LaunchTemplate": {"LaunchTemplateName": "web", "Version": version}
        },
        "Preferences": preferences,
    }


def in_service(autoscaling: Any) -> int:
    return sum(1 for state, _ in versions(autoscaling).values() if state == "InService")


def test_a_refresh_keeps_the_healthy_percentage_through_draining_and_a_termination_hook(
    autoscaling: Any, ec2: Any, client: Any, server: Server, region: str
) -> None:
    elb = client("elb")
    classic_elb(elb, "front", [f"{region}a", f"{region}b"], draining_seconds=30)
    template_group(
        autoscaling,
        ec2,
        server,
        LoadBalancerNames=["front"],
        LifecycleHookSpecificationList=[
            {
                "LifecycleHookName": "drain",
                "LifecycleTransition": TERMINATING,
                "HeartbeatTimeout": 300,
            }
        ],
    )
    old = set(versions(autoscaling))
    assert in_service(autoscaling) == 4
    started = autoscaling.start_instance_refresh(
        **to_version("2", MinHealthyPercentage=75, InstanceWarmup=60)
    )["InstanceRefreshId"]
    server.settle()
    first = refresh_of(autoscaling)
    assert first["InstanceRefreshId"] == started
    assert first["Status"] == "InProgress" and first["PercentageComplete"] == 0
    assert first["InstancesToUpdate"] == 4
    assert first["Preferences"]["MinHealthyPercentage"] == 75
    assert first["Preferences"]["MaxHealthyPercentage"] == 100
    assert first["DesiredConfiguration"] == {
        "LaunchTemplate": {"LaunchTemplateName": "web", "Version": "2"}
    }
    states = versions(autoscaling)
    # 75% of 4 must stay healthy: one old instance leaves, draining first, its replacement starts
    leaving = [i for i, (state, _) in states.items() if state == "Terminating"]
    assert len(leaving) == 1 and in_service(autoscaling) == 3
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ending = next(a for a in activities if leaving[0] in a["Description"])
    assert ending["StatusCode"] == "WaitingForELBConnectionDraining"
    assert "in response to an instance refresh" in ending["Cause"]
    lowest, hooks_completed = 4, 0
    for _ in range(60):
        server.advance(15)
        for instance, (state, _) in versions(autoscaling).items():
            if state == "Terminating:Wait":
                autoscaling.complete_lifecycle_action(
                    AutoScalingGroupName="web",
                    LifecycleHookName="drain",
                    InstanceId=instance,
                    LifecycleActionResult="CONTINUE",
                )
                hooks_completed += 1
        server.settle()
        lowest = min(lowest, in_service(autoscaling))
        if refresh_of(autoscaling)["Status"] != "InProgress":
            break
    done = refresh_of(autoscaling)
    assert done["Status"] == "Successful", done
    assert done["PercentageComplete"] == 100 and done["InstancesToUpdate"] == 0
    assert done["EndTime"] >= done["StartTime"]
    assert lowest >= 3 and hooks_completed == 4
    now = versions(autoscaling)
    assert not old & set(now)
    assert sorted(now.values()) == [("InService", "2")] * 4
    group = describe_group(autoscaling, "web")
    assert group["LaunchTemplate"]["Version"] == "2"
    served = elb.describe_instance_health(LoadBalancerName="front")["InstanceStates"]
    assert sorted(s["InstanceId"] for s in served) == sorted(now)


def test_a_refresh_waits_for_warm_up_and_pauses_at_a_checkpoint(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, DefaultInstanceWarmup=120)
    autoscaling.start_instance_refresh(
        **to_version(
            "2", MinHealthyPercentage=50, CheckpointPercentages=[50, 100], CheckpointDelay=600
        )
    )
    server.settle()  # two replaced at once (50% of 4 stay)
    server.advance(5)  # in service, warming up
    warming = refresh_of(autoscaling)
    assert warming["Status"] == "InProgress" and warming["PercentageComplete"] == 0
    assert warming["StatusReason"].startswith(
        "Waiting for instances to warm up before continuing. For example: i-"
    )
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "1", "2", "2"]
    server.advance(119)
    assert refresh_of(autoscaling)["PercentageComplete"] == 0  # the group's warm-up: 120 s
    server.advance(1)
    paused = refresh_of(autoscaling)
    assert paused["Status"] == "InProgress" and paused["PercentageComplete"] == 50
    assert paused["InstancesToUpdate"] == 2
    assert "checkpoint" in paused["StatusReason"]
    assert paused["Preferences"]["CheckpointPercentages"] == [50, 100]
    server.advance(599)
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "1", "2", "2"]
    server.advance(1)  # the checkpoint delay is over: the next two go
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "1", "2", "2", "2", "2"]
    server.advance(5)
    server.advance(120)
    done = refresh_of(autoscaling)
    assert done["Status"] == "Successful" and done["PercentageComplete"] == 100
    assert sorted(versions(autoscaling).values()) == [("InService", "2")] * 4


def test_launch_before_terminate_above_one_hundred_percent(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    autoscaling.start_instance_refresh(
        **to_version("2", MinHealthyPercentage=100, MaxHealthyPercentage=200, InstanceWarmup=30)
    )
    server.settle()
    server.advance(5)
    states = versions(autoscaling)
    # the replacements launch first: four in service while the new ones warm up
    assert sorted(states.values()) == [
        ("InService", "1"),
        ("InService", "1"),
        ("InService", "2"),
        ("InService", "2"),
    ]
    assert describe_group(autoscaling, "web")["DesiredCapacity"] == 2
    server.advance(30)
    server.advance(10)
    assert refresh_of(autoscaling)["Status"] == "Successful"
    assert sorted(versions(autoscaling).values()) == [("InService", "2")] * 2


def test_cancel_stops_a_refresh_and_only_one_runs_at_a_time(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    autoscaling.start_instance_refresh(**to_version("2", InstanceWarmup=300))
    server.settle()
    refused = error_of(autoscaling.start_instance_refresh, **to_version("2"))
    assert refused["Code"] == "InstanceRefreshInProgress" and refused["Status"] == 400
    assert refused["Message"] == (
        "An Instance Refresh is already in progress and blocks the execution of this "
        "Instance Refresh."
    )
    server.advance(10)
    cancelled = autoscaling.cancel_instance_refresh(AutoScalingGroupName="web")
    assert refresh_of(autoscaling)["InstanceRefreshId"] == cancelled["InstanceRefreshId"]
    server.settle()
    done = refresh_of(autoscaling)
    assert done["Status"] == "Cancelled" and done["PercentageComplete"] == 0
    # nothing more is replaced, and nothing is undone: the group keeps its source
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "2"]
    assert describe_group(autoscaling, "web")["LaunchTemplate"]["Version"] == "1"
    server.advance(600)
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "2"]
    again = error_of(autoscaling.cancel_instance_refresh, AutoScalingGroupName="web")
    assert again == {
        "Code": "ActiveInstanceRefreshNotFound",
        "Message": "No in progress or pending Instance Refresh found for Auto Scaling group web",
        "Status": 400,
        "Type": "Sender",
    }
    assert error_of(autoscaling.rollback_instance_refresh, AutoScalingGroupName="web")["Code"] == (
        "ActiveInstanceRefreshNotFound"
    )


def test_rollback_puts_the_previous_configuration_back(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    autoscaling.start_instance_refresh(**to_version("2", InstanceWarmup=60))
    server.settle()
    server.advance(5)
    server.advance(60)
    half = refresh_of(autoscaling)
    assert half["PercentageComplete"] == 50
    # the second old instance is on its way out, its replacement on its way in
    assert sorted(versions(autoscaling).values()) == [
        ("InService", "2"),
        ("Pending", "2"),
        ("Terminating", "1"),
    ]
    autoscaling.rollback_instance_refresh(AutoScalingGroupName="web")
    server.settle()
    rolling = refresh_of(autoscaling)
    assert rolling["Status"] == "RollbackInProgress"
    assert rolling["RollbackDetails"]["PercentageCompleteOnRollback"] == 50
    assert rolling["RollbackDetails"]["InstancesToUpdateOnRollback"] == 1
    assert error_of(autoscaling.start_instance_refresh, **to_version("2"))["Code"] == (
        "InstanceRefreshInProgress"
    )
    for _ in range(20):
        server.advance(30)
        if refresh_of(autoscaling)["Status"] != "RollbackInProgress":
            break
    done = refresh_of(autoscaling)
    assert done["Status"] == "RollbackSuccessful" and done["PercentageComplete"] == 0
    assert sorted(versions(autoscaling).values()) == [("InService", "1")] * 2
    assert describe_group(autoscaling, "web")["LaunchTemplate"]["Version"] == "1"


def test_auto_rollback_when_a_replacement_fails_to_launch(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    ec2.create_launch_template_version(
        LaunchTemplateName="web",
        LaunchTemplateData={"ImageId": "ami-00000000000000000", "InstanceType": "t3.micro"},
    )
    autoscaling.start_instance_refresh(
        **to_version("3", AutoRollback=True, InstanceWarmup=0, MinHealthyPercentage=50)
    )
    for _ in range(6):
        server.advance(15)
    done = refresh_of(autoscaling)
    assert done["Status"] == "RollbackSuccessful", done
    assert done["RollbackDetails"]["RollbackReason"].startswith("Rollback started automatically")
    assert sorted(versions(autoscaling).values()) == [("InService", "1")] * 2
    assert describe_group(autoscaling, "web")["LaunchTemplate"]["Version"] == "1"


def test_a_refresh_without_a_desired_configuration_cannot_roll_back_and_skip_matching(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    autoscaling.start_instance_refresh(
        AutoScalingGroupName="web", Preferences={"SkipMatching": True}
    )
    server.settle()
    # every instance already matches the group's own configuration: nothing to replace
    done = refresh_of(autoscaling)
    assert done["Status"] == "Successful" and done["InstancesToUpdate"] == 0
    autoscaling.start_instance_refresh(AutoScalingGroupName="web")
    refused = error_of(autoscaling.rollback_instance_refresh, AutoScalingGroupName="web")
    assert refused["Code"] == "IrreversibleInstanceRefresh" and refused["Status"] == 400


def test_preferences_are_refused_as_the_api_reference_states(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=1)
    cases = [
        {"MaxHealthyPercentage": 150},
        {"MinHealthyPercentage": 10, "MaxHealthyPercentage": 150},
        {"CheckpointDelay": 60},
        {"CheckpointPercentages": [50, 20]},
        {"CheckpointPercentages": [50, 50, 100]},
    ]
    for preferences in cases:
        refused = error_of(
            autoscaling.start_instance_refresh,
            AutoScalingGroupName="web",
            Preferences=preferences,
        )
        assert refused["Code"] == "ValidationError", preferences
    refused = error_of(
        autoscaling.start_instance_refresh,
        AutoScalingGroupName="web",
        Preferences={"AutoRollback": True},
    )
    assert refused["Code"] == "ValidationError"
    missing = error_of(autoscaling.start_instance_refresh, AutoScalingGroupName="nothing")
    assert missing["Message"] == "AutoScalingGroup name not found - null"
    missing = error_of(autoscaling.describe_instance_refreshes, AutoScalingGroupName="nothing")
    assert missing["Message"] == "AutoScalingGroup name not found - null"
    unknown = error_of(
        autoscaling.start_instance_refresh, **to_version("9", MinHealthyPercentage=0)
    )
    assert unknown["Code"] == "ValidationError"
    assert unknown["Message"].startswith("You must use a valid fully-formed launch template.")


def test_describe_pages_newest_first_and_the_cli_reads_it(
    autoscaling: Any, ec2: Any, server: Server, aws_cli: Any
) -> None:
    template_group(autoscaling, ec2, server, desired=1)
    made = []
    for _ in range(3):
        made.append(
            autoscaling.start_instance_refresh(
                AutoScalingGroupName="web", Preferences={"SkipMatching": True}
            )["InstanceRefreshId"]
        )
        server.settle()
    first = autoscaling.describe_instance_refreshes(AutoScalingGroupName="web", MaxRecords=2)
    assert [r["InstanceRefreshId"] for r in first["InstanceRefreshes"]] == made[::-1][:2]
    rest = autoscaling.describe_instance_refreshes(
        AutoScalingGroupName="web", MaxRecords=2, NextToken=first["NextToken"]
    )
    assert [r["InstanceRefreshId"] for r in rest["InstanceRefreshes"]] == made[:1]
    assert "NextToken" not in rest
    named = refresh_of(autoscaling, InstanceRefreshIds=[made[1]])
    assert named["InstanceRefreshId"] == made[1]
    bad = error_of(
        autoscaling.describe_instance_refreshes, AutoScalingGroupName="web", NextToken="nope"
    )
    assert bad["Code"] == "InvalidNextToken"
    run = aws_cli("autoscaling", "describe-instance-refreshes", "--auto-scaling-group-name", "web")
    assert run.returncode == 0, run.stderr
    listed = json.loads(run.stdout)["InstanceRefreshes"]
    assert [r["InstanceRefreshId"] for r in listed] == made[::-1]
    assert {r["Status"] for r in listed} == {"Successful"}


def test_a_suspended_process_holds_the_refresh_until_it_is_resumed(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["InstanceRefresh"])
    autoscaling.start_instance_refresh(**to_version("2", InstanceWarmup=0))
    server.advance(60)
    held = refresh_of(autoscaling)
    assert held["Status"] == "InProgress" and held["PercentageComplete"] == 0
    assert held["StatusReason"] == "Waiting for the InstanceRefresh process to be resumed."
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "1"]
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["InstanceRefresh"])
    for _ in range(6):
        server.advance(10)
    assert refresh_of(autoscaling)["Status"] == "Successful"
    assert sorted(versions(autoscaling).values()) == [("InService", "2")] * 2


def test_protected_instances_are_waited_for_ignored_or_refreshed(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    protected = sorted(versions(autoscaling))[0]
    autoscaling.set_instance_protection(
        AutoScalingGroupName="web", InstanceIds=[protected], ProtectedFromScaleIn=True
    )
    autoscaling.start_instance_refresh(**to_version("2", InstanceWarmup=0))
    for _ in range(3):
        server.advance(10)
    waiting = refresh_of(autoscaling)
    assert waiting["Status"] == "InProgress" and waiting["PercentageComplete"] == 50
    assert protected in waiting["StatusReason"]
    server.advance(3600)  # AWS waits one hour for the protection to be removed
    failed = refresh_of(autoscaling)
    assert failed["Status"] == "Failed" and protected in failed["StatusReason"]
    assert versions(autoscaling)[protected] == ("InService", "1")
    # Ignore leaves it alone and succeeds; Refresh replaces it
    autoscaling.start_instance_refresh(
        **to_version("2", InstanceWarmup=0, SkipMatching=True, ScaleInProtectedInstances="Ignore")
    )
    server.advance(10)
    assert refresh_of(autoscaling)["Status"] == "Successful"
    assert versions(autoscaling)[protected] == ("InService", "1")
    autoscaling.start_instance_refresh(
        **to_version("2", InstanceWarmup=0, SkipMatching=True, ScaleInProtectedInstances="Refresh")
    )
    for _ in range(4):
        server.advance(10)
    assert refresh_of(autoscaling)["Status"] == "Successful"
    assert protected not in versions(autoscaling)
    assert sorted(versions(autoscaling).values()) == [("InService", "2")] * 2


def test_tidewater_check_holds_while_a_refresh_stands_above_desired_and_after(
    own_server: Server,
) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    ec2 = aws_client(own_server, "ec2")
    template_group(autoscaling, ec2, own_server, desired=2)
    autoscaling.start_instance_refresh(
        **to_version("2", MinHealthyPercentage=100, MaxHealthyPercentage=150, InstanceWarmup=60)
    )
    own_server.settle()
    own_server.advance(10)
    assert len(versions(autoscaling)) == 3  # one above desired while the new one warms up
    url = own_server.database_url
    during = run_check(url)
    assert during.returncode == 0, during.stdout + during.stderr
    for _ in range(12):
        own_server.advance(30)
    assert refresh_of(autoscaling)["Status"] == "Successful"
    after = run_check(url)
    assert after.returncode == 0, after.stdout + after.stderr


def test_deleting_the_group_cancels_its_refresh(autoscaling: Any, ec2: Any, server: Server) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    autoscaling.start_instance_refresh(**to_version("2", InstanceWarmup=600))
    server.advance(10)
    assert refresh_of(autoscaling)["Status"] == "InProgress"
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    server.settle()
    assert refresh_of(autoscaling)["Status"] in ("Cancelling", "Cancelled")
    for _ in range(3):
        server.advance(10)
    gone = error_of(autoscaling.describe_instance_refreshes, AutoScalingGroupName="web")
    assert gone["Message"] == "AutoScalingGroup name not found - null"


def test_standby_instances_are_terminated_when_asked(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=2)
    resting = sorted(versions(autoscaling))[0]
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[resting], ShouldDecrementDesiredCapacity=True
    )
    server.advance(10)
    assert versions(autoscaling)[resting] == ("Standby", "1")
    autoscaling.start_instance_refresh(
        **to_version("2", InstanceWarmup=0, StandbyInstances="Terminate")
    )
    for _ in range(4):
        server.advance(10)
    done = refresh_of(autoscaling)
    assert done["Status"] == "Successful" and done["Preferences"]["StandbyInstances"] == "Terminate"
    # out of service already, it is ended and not replaced: the group keeps its one instance
    assert list(versions(autoscaling).values()) == [("InService", "2")]
    assert describe_group(autoscaling, "web")["DesiredCapacity"] == 1


def test_a_refresh_goes_on_after_kill_9(own_server: Server) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    ec2 = aws_client(own_server, "ec2")
    template_group(autoscaling, ec2, own_server, desired=2)
    started = autoscaling.start_instance_refresh(**to_version("2", InstanceWarmup=60))
    own_server.settle()
    own_server.advance(10)  # one replaced and warming up, the next not begun
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "2"]
    own_server.kill()
    own_server.start()
    autoscaling = aws_client(own_server, "autoscaling")
    for _ in range(10):
        own_server.advance(30)
    done = refresh_of(autoscaling)
    assert done["InstanceRefreshId"] == started["InstanceRefreshId"]
    assert done["Status"] == "Successful"
    assert sorted(versions(autoscaling).values()) == [("InService", "2")] * 2
    after = run_check(own_server.database_url)
    assert after.returncode == 0, after.stdout + after.stderr


def test_a_last_checkpoint_short_of_100_replaces_only_that_share(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    template_group(autoscaling, ec2, server, desired=4)
    autoscaling.start_instance_refresh(
        **to_version("2", MinHealthyPercentage=50, InstanceWarmup=0, CheckpointPercentages=[50])
    )
    for _ in range(4):
        server.advance(10)
    done = refresh_of(autoscaling)
    assert done["Status"] == "Successful" and done["PercentageComplete"] == 50
    assert sorted(v for _, v in versions(autoscaling).values()) == ["1", "1", "2", "2"]
