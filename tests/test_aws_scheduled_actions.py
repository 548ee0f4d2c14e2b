"""Scheduled actions through boto3 (and the aws CLI) against a real server, the clock moved by
hand: one-time and recurring firings, a named zone across daylight saving, EndTime, suspension,
a restart that neither loses nor repeats a firing, and the refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Server
from tests.helpers import aws_client, describe_group, error_of, make_group


def now_of(server: Server) -> datetime:
    return datetime.fromisoformat(server.post("/_tidewater/clock?seconds=0")["now"])


def move_to(server: Server, instant: datetime) -> None:
    """Move the service clock to `instant` (never back), then let the runner act."""
    server.advance(max((instant - now_of(server)).total_seconds(), 0))
    server.settle()


def sizes(autoscaling: Any) -> tuple[int, int, int]:
    group = describe_group(autoscaling, "web")
    return group["MinSize"], group["MaxSize"], group["DesiredCapacity"]


def names(autoscaling: Any) -> list[str]:
    found = autoscaling.describe_scheduled_actions(AutoScalingGroupName="web")
    return [a["ScheduledActionName"] for a in found["ScheduledUpdateGroupActions"]]


def hourly(autoscaling: Any, server: Server, desired: int, **extra: Any) -> datetime:
    """An empty group and an action setting `desired` every hour from the next full hour."""
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    start = (now_of(server) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledActionName="hourly",
        StartTime=start,
        Recurrence="0 * * * *",
        DesiredCapacity=desired,
        **extra,
    )
    return start


def test_one_time_action_fires_once_and_disappears(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=1, max_size=5, desired=1)
    at = (now_of(server) + timedelta(hours=1)).replace(microsecond=0)
    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledActionName="up",
        StartTime=at,
        MinSize=2,
        MaxSize=6,
        DesiredCapacity=3,
    )
    shown = autoscaling.describe_scheduled_actions(AutoScalingGroupName="web")
    action = shown["ScheduledUpdateGroupActions"][0]
    assert action["StartTime"] == at and action["DesiredCapacity"] == 3
    assert action["ScheduledActionARN"].startswith("arn:aws:autoscaling:")
    move_to(server, at - timedelta(seconds=1))
    assert sizes(autoscaling) == (1, 5, 1)
    move_to(server, at)
    assert sizes(autoscaling) == (2, 6, 3)
    assert names(autoscaling) == []
    server.advance(30)
    causes = [
        a["Cause"]
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="web")["Activities"]
    ]
    stamp = f"{at:%Y-%m-%dT%H:%M:%SZ}"
    assert any(
        c.startswith(
            f"At {stamp} a scheduled action update of AutoScalingGroup constraints to min: 2, "
            "max: 6, desired: 3 changing the desired capacity from 1 to 3."
        )
        for c in causes
    ), causes


def test_recurrence_in_a_named_zone_across_spring_forward(autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    now = now_of(server)
    # Saturday to Monday around a US spring-forward (the second Sunday of March)
    year = now.year + 1
    march = datetime(year, 3, 8, tzinfo=UTC)
    sunday = march + timedelta(days=(6 - march.weekday()) % 7)
    move_to(server, sunday - timedelta(days=1))  # Saturday 00:00 UTC, before its 09:00 EST
    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledActionName="nine",
        Recurrence="0 9 * * *",
        TimeZone="America/New_York",
        DesiredCapacity=1,
    )
    expected = [
        (sunday - timedelta(days=1)).replace(hour=14),  # Saturday 09:00 EST
        sunday.replace(hour=13),  # Sunday 09:00 EDT
        (sunday + timedelta(days=1)).replace(hour=13),
    ]
    for at in expected:
        autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
        move_to(server, at - timedelta(minutes=1))
        assert sizes(autoscaling)[2] == 0, at
        move_to(server, at)
        assert sizes(autoscaling)[2] == 1, at
    assert names(autoscaling) == ["nine"]


def test_end_time_stops_a_recurrence(autoscaling: Any, server: Server) -> None:
    start = (now_of(server) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    hourly(autoscaling, server, 1, EndTime=start + timedelta(hours=1, minutes=30))
    for at in (start, start + timedelta(hours=1)):
        autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
        move_to(server, at)
        assert sizes(autoscaling)[2] == 1
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    move_to(server, start + timedelta(hours=2))
    assert sizes(autoscaling)[2] == 0
    assert names(autoscaling) == []


def test_suspended_scheduled_actions_hold_the_firing(autoscaling: Any, server: Server) -> None:
    start = hourly(autoscaling, server, 2)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["ScheduledActions"])
    move_to(server, start + timedelta(minutes=5))
    assert sizes(autoscaling)[2] == 0
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["ScheduledActions"])
    server.settle()
    assert sizes(autoscaling)[2] == 0, "a firing missed while suspended is skipped"
    move_to(server, start + timedelta(hours=1))
    assert sizes(autoscaling)[2] == 2


def test_refusals(autoscaling: Any, server: Server, aws_cli: Any) -> None:
    make_group(autoscaling, server, min_size=0, max_size=5, desired=0, boot=False)
    now = now_of(server)
    put = autoscaling.put_scheduled_update_group_action
    base = {"AutoScalingGroupName": "web", "ScheduledActionName": "s", "DesiredCapacity": 1}
    cases = [
        ({"StartTime": now - timedelta(hours=1)}, "Given start time is in the past"),
        (
            {
                "StartTime": now + timedelta(days=2),
                "EndTime": now + timedelta(days=1),
                "Recurrence": "0 0 * * *",
            },
            "Start time cannot be greater than end time",
        ),
        ({"Recurrence": "0 0 * *"}, "is not a valid cron expression"),
        ({"Recurrence": "0 0 * * *", "TimeZone": "Mars/Olympus"}, "Invalid time zone"),
    ]
    for extra, words in cases:
        error = error_of(put, **{**base, **extra})
        assert error["Code"] == "ValidationError" and words in error["Message"], error
    error = error_of(put, AutoScalingGroupName="nope", ScheduledActionName="s", MinSize=1)
    assert error["Message"] == "AutoScalingGroup name not found - null"
    error = error_of(put, AutoScalingGroupName="web", ScheduledActionName="s")
    assert "at least one of the following properties" in error["Message"]
    later = now + timedelta(days=1)
    failed = autoscaling.batch_put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledUpdateGroupActions=[
            {"ScheduledActionName": "good", "StartTime": later, "MinSize": 1},
            {"ScheduledActionName": "bad", "Recurrence": "nope", "MinSize": 1},
        ],
    )["FailedScheduledUpdateGroupActions"]
    assert [(f["ScheduledActionName"], f["ErrorCode"]) for f in failed] == [
        ("bad", "ValidationError")
    ]
    assert names(autoscaling) == ["good"]
    alone = autoscaling.batch_put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledUpdateGroupActions=[
            {"ScheduledActionName": "past", "StartTime": now - timedelta(minutes=1), "MinSize": 1}
        ],
    )["FailedScheduledUpdateGroupActions"]
    assert alone[0]["ErrorMessage"] == "Given start time is in the past"
    gone = autoscaling.batch_delete_scheduled_action(
        AutoScalingGroupName="web", ScheduledActionNames=["good", "missing"]
    )["FailedScheduledActions"]
    assert [f["ScheduledActionName"] for f in gone] == ["missing"]
    for index in range(125):
        put(**{**base, "ScheduledActionName": f"a{index}", "StartTime": later})
    error = error_of(put, **{**base, "ScheduledActionName": "one-more", "StartTime": later})
    assert error["Code"] == "LimitExceeded"
    first = autoscaling.describe_scheduled_actions(AutoScalingGroupName="web", MaxRecords=100)
    rest = autoscaling.describe_scheduled_actions(
        AutoScalingGroupName="web", NextToken=first["NextToken"]
    )
    assert (
        len(first["ScheduledUpdateGroupActions"]) + len(rest["ScheduledUpdateGroupActions"]) == 125
    )
    done = aws_cli(
        "autoscaling",
        "describe-scheduled-actions",
        "--auto-scaling-group-name",
        "web",
        "--scheduled-action-names",
        "a7",
    )
    shown = json.loads(done.stdout)["ScheduledUpdateGroupActions"]
    assert [a["ScheduledActionName"] for a in shown] == ["a7"]
    autoscaling.delete_scheduled_action(AutoScalingGroupName="web", ScheduledActionName="a7")
    error = error_of(
        autoscaling.delete_scheduled_action, AutoScalingGroupName="web", ScheduledActionName="a7"
    )
    assert error["Code"] == "ValidationError"


def test_a_firing_is_not_repeated_after_a_restart(own_server: Server) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    start = hourly(autoscaling, own_server, 1)
    move_to(own_server, start)
    assert sizes(autoscaling)[2] == 1
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    own_server.kill()
    own_server.start()
    own_server.settle()
    assert sizes(autoscaling)[2] == 0, "the firing already made is not made again"
    shown = autoscaling.describe_scheduled_actions(AutoScalingGroupName="web")
    assert shown["ScheduledUpdateGroupActions"][0]["StartTime"] == start + timedelta(hours=1)
