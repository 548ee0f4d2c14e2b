"""ESS scheduled tasks through both Alibaba SDKs against a real server, the clock moved by hand:
Daily, Weekly, Monthly and Cron recurrences, the rule and the sizes paths, LaunchExpirationTime,
disabled tasks, a suspended ScheduledAction process, a restart, and every refusal."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import ess_client
from tests.test_aws_scheduled_actions import move_to, now_of
from tests.test_ess import error_of, ready_group
from tidewater.store.tables import scheduled_actions

STAMP = "%Y-%m-%dT%H:%MZ"


def next_hour(server: Server) -> datetime:
    return (now_of(server) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def desired(ess: Any, region: str, group: str) -> int:
    [row] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    return int(row.desired_capacity)


def set_desired(ess: Any, group: str, value: int) -> None:
    ess.modify_scaling_group(
        m.ModifyScalingGroupRequest(scaling_group_id=group, desired_capacity=value)
    )


def task(ess: Any, region: str, **fields: Any) -> str:
    request = m.CreateScheduledTaskRequest(region_id=region, **fields)
    return str(ess.create_scheduled_task(request).body.scheduled_task_id)


def described(ess: Any, region: str, **filters: Any) -> list[Any]:
    request = m.DescribeScheduledTasksRequest(region_id=region, **filters)
    return list(ess.describe_scheduled_tasks(request).body.scheduled_tasks)


def rule_of(ess: Any, group: str, value: int = 1) -> str:
    return str(
        ess.create_scaling_rule(
            m.CreateScalingRuleRequest(
                scaling_group_id=group,
                adjustment_type="QuantityChangeInCapacity",
                adjustment_value=value,
            )
        ).body.scaling_rule_ari
    )


def empty_group(ess: Any, server: Server, region: str) -> str:
    return ready_group(ess, server, region, min_size=0, max_size=6, desired=0)


def test_daily_sizes_task_fires_on_consecutive_days(ess: Any, server: Server, region: str) -> None:
    group = empty_group(ess, server, region)
    launch = next_hour(server)
    made = task(
        ess,
        region,
        scheduled_task_name="daily-up",
        description="every morning",
        scaling_group_id=group,
        desired_capacity=2,
        max_value=5,
        launch_time=f"{launch:{STAMP}}",
        recurrence_type="Daily",
        recurrence_value="1",
        recurrence_end_time=f"{launch + timedelta(days=5):{STAMP}}",
    )
    [shown] = described(ess, region, scheduled_task_ids=[made])
    assert (shown.scheduled_task_name, shown.description) == ("daily-up", "every morning")
    assert (shown.scaling_group_id, shown.desired_capacity, shown.max_value) == (group, 2, 5)
    assert shown.min_value is None and shown.scheduled_action is None
    assert (shown.recurrence_type, shown.recurrence_value) == ("Daily", "1")
    assert shown.launch_time == f"{launch:{STAMP}}"
    assert (shown.launch_expiration_time, shown.task_enabled) == (600, True)
    move_to(server, launch - timedelta(seconds=1))
    assert desired(ess, region, group) == 0
    move_to(server, launch)
    assert desired(ess, region, group) == 2
    set_desired(ess, group, 0)
    move_to(server, launch + timedelta(hours=23))
    assert desired(ess, region, group) == 0, "not again the same day"
    move_to(server, launch + timedelta(days=1))
    assert desired(ess, region, group) == 2, "again the next day"
    ess.modify_scheduled_task(
        m.ModifyScheduledTaskRequest(
            region_id=region, scheduled_task_id=made, description="renamed later", max_value=6
        )
    )
    [shown] = described(ess, region, scheduled_task_ids=[made])
    assert shown.launch_time == f"{launch:{STAMP}}", "a started task keeps its LaunchTime"
    set_desired(ess, group, 0)
    server.settle()
    assert desired(ess, region, group) == 0, "changing a started task does not fire it"
    move_to(server, launch + timedelta(days=2))
    assert desired(ess, region, group) == 2, "and its days go on"


def test_weekly_rule_task_through_the_2014_sdk(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    from aliyunsdkess.request.v20140828.CreateScheduledTaskRequest import (
        CreateScheduledTaskRequest,
    )
    from aliyunsdkess.request.v20140828.DescribeScheduledTasksRequest import (
        DescribeScheduledTasksRequest,
    )

    group = empty_group(ess, server, region)
    ari = rule_of(ess, group)
    launch = next_hour(server)
    day = launch + timedelta(days=2)
    create = CreateScheduledTaskRequest()
    create.set_ScheduledAction(ari)
    create.set_LaunchTime(f"{launch:{STAMP}}")
    create.set_RecurrenceType("Weekly")
    create.set_RecurrenceValue(str((day.weekday() + 1) % 7))  # ESS: 0 is Sunday
    create.set_ScheduledTaskName("weekly")
    made = json.loads(ess_legacy.do_action_with_exception(create))["ScheduledTaskId"]
    describe = DescribeScheduledTasksRequest()
    describe.set_ScheduledActions([ari])
    body = json.loads(ess_legacy.do_action_with_exception(describe))
    [shown] = body["ScheduledTasks"]["ScheduledTask"]
    assert (shown["ScheduledTaskId"], shown["ScheduledAction"]) == (made, ari)
    assert shown["ScalingGroupId"] == group and body["TotalCount"] == 1
    move_to(server, launch)
    assert desired(ess, region, group) == 0, "the launch day is not one of the week's days"
    move_to(server, day)
    assert desired(ess, region, group) == 1
    move_to(server, day + timedelta(days=6))
    assert desired(ess, region, group) == 1
    move_to(server, day + timedelta(days=7))
    assert desired(ess, region, group) == 2, "a week later, the rule again"
    from aliyunsdkess.request.v20140828.DeleteScheduledTaskRequest import DeleteScheduledTaskRequest
    from aliyunsdkess.request.v20140828.ModifyScheduledTaskRequest import ModifyScheduledTaskRequest

    modify = ModifyScheduledTaskRequest()
    modify.set_ScheduledTaskId(made)
    modify.set_TaskEnabled(False)
    ess_legacy.do_action_with_exception(modify)
    describe = DescribeScheduledTasksRequest()
    describe.set_ScheduledTaskIds([made])
    [shown] = json.loads(ess_legacy.do_action_with_exception(describe))["ScheduledTasks"][
        "ScheduledTask"
    ]
    assert shown["TaskEnabled"] is False and shown["RecurrenceType"] == "Weekly"
    move_to(server, day + timedelta(days=14))
    assert desired(ess, region, group) == 2, "disabled: not this week"
    delete = DeleteScheduledTaskRequest()
    delete.set_ScheduledTaskId(made)
    ess_legacy.do_action_with_exception(delete)
    empty = json.loads(ess_legacy.do_action_with_exception(DescribeScheduledTasksRequest()))
    assert empty["ScheduledTasks"] == {"ScheduledTask": []} and empty["TotalCount"] == 0


def test_monthly_and_cron_tasks(ess: Any, server: Server, region: str) -> None:
    group = empty_group(ess, server, region)
    launch = next_hour(server)
    tomorrow = (launch + timedelta(days=1)).day
    task(
        ess,
        region,
        scaling_group_id=group,
        desired_capacity=3,
        launch_time=f"{launch:{STAMP}}",
        recurrence_type="Monthly",
        recurrence_value=f"{tomorrow}-{tomorrow}",
    )
    move_to(server, launch)
    assert desired(ess, region, group) == 0
    move_to(server, launch + timedelta(days=1))
    assert desired(ess, region, group) == 3
    set_desired(ess, group, 0)
    cron = task(
        ess,
        region,
        scaling_group_id=group,
        desired_capacity=1,
        recurrence_type="Cron",
        recurrence_value="30 * ? * *",
    )
    half = (now_of(server) + timedelta(hours=1)).replace(minute=30, second=0, microsecond=0)
    if half - now_of(server) > timedelta(hours=1):
        half -= timedelta(hours=1)
    move_to(server, half - timedelta(seconds=1))
    assert desired(ess, region, group) == 0
    move_to(server, half)
    assert desired(ess, region, group) == 1
    [shown] = described(ess, region, scheduled_task_ids=[cron])
    assert (shown.recurrence_type, shown.recurrence_value) == ("Cron", "30 * ? * *")
    assert [t.recurrence_type for t in described(ess, region, recurrence_type="Monthly")] == [
        "Monthly"
    ]
    assert described(ess, region, recurrence_value="1-1") == []
    assert len(described(ess, region, recurrence_value="30 * ? * *")) == 1


def test_expiration_disabled_and_suspended(ess: Any, server: Server, region: str) -> None:
    group = empty_group(ess, server, region)
    launch = next_hour(server)
    late = task(
        ess,
        region,
        scaling_group_id=group,
        desired_capacity=1,
        launch_time=f"{launch:{STAMP}}",
        launch_expiration_time=60,
    )
    off = task(
        ess,
        region,
        scaling_group_id=group,
        max_value=4,
        launch_time=f"{launch:{STAMP}}",
        task_enabled=False,
    )
    server.advance((launch - now_of(server)).total_seconds() + 120)
    assert desired(ess, region, group) == 0, "two minutes late is past a 60 second expiry"
    assert [t.scheduled_task_id for t in described(ess, region)] == [off]
    [row] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    assert row.max_size == 6, "a disabled task never fires"
    assert described(ess, region, task_enabled=False)[0].scheduled_task_id == off
    assert described(ess, region, task_enabled=True) == []
    assert late not in [t.scheduled_task_id for t in described(ess, region)]
    second = launch + timedelta(hours=1)
    task(
        ess,
        region,
        scaling_group_id=group,
        desired_capacity=2,
        launch_time=f"{second:{STAMP}}",
        launch_expiration_time=60,
    )
    server.advance((second - now_of(server)).total_seconds() + 30)
    assert desired(ess, region, group) == 2, "thirty seconds late is within the expiry"
    ess.suspend_processes(
        m.SuspendProcessesRequest(scaling_group_id=group, processes=["ScheduledAction"])
    )
    third = second + timedelta(hours=1)
    task(ess, region, scaling_group_id=group, desired_capacity=4, launch_time=f"{third:{STAMP}}")
    move_to(server, third)
    assert desired(ess, region, group) == 2, "held back while ScheduledAction is suspended"


def test_modify_enable_and_delete(ess: Any, server: Server, region: str) -> None:
    group = empty_group(ess, server, region)
    ari = rule_of(ess, group, 2)
    launch = next_hour(server)
    made = task(
        ess,
        region,
        scheduled_task_name="later",
        scaling_group_id=group,
        desired_capacity=5,
        launch_time=f"{launch:{STAMP}}",
        task_enabled=False,
    )
    ess.modify_scheduled_task(
        m.ModifyScheduledTaskRequest(
            region_id=region,
            scheduled_task_id=made,
            scheduled_action=ari,
            task_enabled=True,
            launch_time=f"{launch + timedelta(hours=1):{STAMP}}",
            scheduled_task_name="renamed",
        )
    )
    assert [t.scheduled_task_id for t in described(ess, region, task_name="name")] == [made]
    assert described(ess, region, task_name="%") == []
    [shown] = described(ess, region, scheduled_task_names=["renamed"])
    assert (shown.scheduled_action, shown.task_enabled) == (ari, True)
    assert shown.desired_capacity is None
    move_to(server, launch)
    assert desired(ess, region, group) == 0
    move_to(server, launch + timedelta(hours=1))
    assert desired(ess, region, group) == 2, "the rule ran, not the old sizes"
    activities = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_activities
    assert any("execute scaling rule" in a.cause for a in activities)
    assert described(ess, region) == [], "a one-time task is gone once fired"
    again = task(
        ess,
        region,
        scaling_group_id=group,
        min_value=0,
        launch_time=f"{launch + timedelta(hours=3):{STAMP}}",
    )
    ess.delete_scheduled_task(
        m.DeleteScheduledTaskRequest(region_id=region, scheduled_task_id=again)
    )
    assert described(ess, region) == []


def test_every_refusal(ess: Any, server: Server, region: str) -> None:
    group = empty_group(ess, server, region)
    ari = rule_of(ess, group)
    now = now_of(server)
    later = f"{next_hour(server):{STAMP}}"
    base = {"region_id": region, "scaling_group_id": group, "desired_capacity": 1}

    def create(**fields: Any) -> tuple[str, int, str]:
        request = m.CreateScheduledTaskRequest(**{**base, "launch_time": later, **fields})
        return error_of(ess.create_scheduled_task, request)

    def invalid(name: str) -> tuple[str, int, str]:
        return ("InvalidParameter", 400, f'The specified value of parameter "{name}" is not valid.')

    def missing(name: str) -> tuple[str, int, str]:
        return (
            "MissingParameter",
            400,
            f'The input parameter "{name}" that is mandatory for processing this request is '
            "not supplied.",
        )

    assert create(launch_time=f"{now - timedelta(hours=1):{STAMP}}") == invalid("LaunchTime")
    assert create(launch_time=f"{now + timedelta(days=91):{STAMP}}") == invalid("LaunchTime")
    assert create(launch_time="2030-01-01 10:00") == invalid("LaunchTime")
    assert create(launch_time=None) == missing("LaunchTime")
    assert create(
        recurrence_type="Daily",
        recurrence_value="1",
        recurrence_end_time=f"{now + timedelta(days=366):{STAMP}}",
    ) == invalid("RecurrenceEndTime")
    assert create(
        recurrence_type="Daily", recurrence_value="1", recurrence_end_time=f"{now:{STAMP}}"
    ) == (
        "InvalidParameter.Conflict",
        400,
        "The value of parameter LaunchTime and parameter RecurrenceEndTime are conflict.",
    )
    for kind, value in [
        ("Daily", "0"),
        ("Daily", "32"),
        ("Weekly", "7"),
        ("Weekly", "1,,2"),
        ("Monthly", "5-3"),
        ("Monthly", "5"),
        ("Cron", "0 12 * *"),
    ]:
        assert create(recurrence_type=kind, recurrence_value=value) == invalid("RecurrenceValue")
    assert create(recurrence_type="Yearly", recurrence_value="1") == invalid("RecurrenceType")
    assert create(recurrence_type="Daily") == missing("RecurrenceValue")
    assert create(launch_expiration_time=21601) == invalid("LaunchExpirationTime")
    assert create(scheduled_task_name="-bad") == invalid("ScheduledTaskName")
    assert create(description="x") == invalid("Description")
    assert create(scheduled_action=ari) == (
        "InvalidParameter.Conflict",
        400,
        "The value of parameter ScheduledAction and parameter ScalingGroupId are conflict.",
    )
    assert create(desired_capacity=None) == missing("DesiredCapacity")
    assert create(scaling_group_id=None, desired_capacity=None) == missing("ScheduledAction")
    assert create(scaling_group_id="asg-nope") == (
        "InvalidScalingGroupId.NotFound",
        404,
        "The specified scaling group does not exist.",
    )
    assert create(scaling_group_id=None, scheduled_action=ari + "x") == (
        "InvalidScalingRuleAri.NotFound",
        404,
        "The specified scaling rule Ari does not exist.",
    )
    elsewhere = ari.replace(f":{region}:", ":cn-beijing:")
    assert create(scaling_group_id=None, scheduled_action=elsewhere) == (
        "ScheduledAction.RegionMismatch",
        400,
        "The specified scheduled task and the specified scheduled action are not in the same "
        "Region.",
    )
    fields = {k: v for k, v in base.items() if k != "region_id"}
    made = task(ess, region, **fields, launch_time=later, scheduled_task_name="taken")
    taken = (
        "InvalidScheduledTaskName.Duplicate",
        400,
        "The specified value of parameter ScheduledTaskName is duplicated.",
    )
    assert create(scheduled_task_name="taken") == taken
    other = task(ess, region, **fields, launch_time=later)
    modify = m.ModifyScheduledTaskRequest(
        region_id=region, scheduled_task_id=other, scheduled_task_name="taken"
    )
    assert error_of(ess.modify_scheduled_task, modify) == taken
    gone = ("InvalidScheduledTaskId.NotFound", 404, "The specified scheduled task does not exist.")
    for call, request in [
        (
            ess.modify_scheduled_task,
            m.ModifyScheduledTaskRequest(
                region_id=region, scheduled_task_id="nope", description="fine"
            ),
        ),
        (
            ess.delete_scheduled_task,
            m.DeleteScheduledTaskRequest(region_id=region, scheduled_task_id="nope"),
        ),
    ]:
        assert error_of(call, request) == gone
    for _ in range(18):
        task(ess, region, **fields, launch_time=later)
    assert create() == ("QuotaExceeded.ScheduledTask", 400, "Scheduled task quota exceeded.")
    first = ess.describe_scheduled_tasks(
        m.DescribeScheduledTasksRequest(region_id=region, page_size=15)
    ).body
    second = ess.describe_scheduled_tasks(
        m.DescribeScheduledTasksRequest(region_id=region, page_size=15, page_number=2)
    ).body
    assert (first.total_count, len(first.scheduled_tasks), len(second.scheduled_tasks)) == (
        20,
        15,
        5,
    )
    assert made in [t.scheduled_task_id for t in first.scheduled_tasks]


def test_a_rule_firing_is_neither_lost_nor_doubled_by_a_restart(
    own_server: Server, region: str
) -> None:
    ess = ess_client(own_server, region)
    group = empty_group(ess, own_server, region)
    ari = rule_of(ess, group)
    launch = next_hour(own_server)
    task(
        ess,
        region,
        scheduled_action=ari,
        launch_time=f"{launch:{STAMP}}",
        recurrence_type="Daily",
        recurrence_value="1",
    )
    move_to(own_server, launch)
    assert desired(ess, region, group) == 1
    own_server.advance(120)  # the rule's activity ends
    own_server.kill()
    # as if the node had died between the rule's activity and moving the task on
    engine = sa.create_engine(own_server.database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(scheduled_actions).values(next_at=launch))
    engine.dispose()
    own_server.start()
    move_to(own_server, launch)  # a restarted server's clock starts from the wall again
    assert desired(ess, region, group) == 1, "the firing already made is not made again"
    activities = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_activities
    assert sum("execute scaling rule" in a.cause for a in activities) == 1
    move_to(own_server, launch + timedelta(days=1))
    assert desired(ess, region, group) == 2, "nor is the next one lost"


def test_a_rule_refused_by_a_disabled_group_is_retried_within_the_expiry(
    ess: Any, server: Server, region: str
) -> None:
    group = empty_group(ess, server, region)
    ari = rule_of(ess, group)
    launch = next_hour(server)
    task(ess, region, scheduled_action=ari, launch_time=f"{launch:{STAMP}}")
    task(
        ess,
        region,
        scheduled_action=ari,
        launch_time=f"{launch + timedelta(hours=1):{STAMP}}",
        launch_expiration_time=60,
    )
    ess.disable_scaling_group(m.DisableScalingGroupRequest(scaling_group_id=group))
    move_to(server, launch)
    assert len(described(ess, region)) == 2, "refused for now: the task waits"
    ess.enable_scaling_group(m.EnableScalingGroupRequest(scaling_group_id=group))
    move_to(server, launch + timedelta(minutes=5))
    assert desired(ess, region, group) == 1, "tried again within its 600 seconds"
    ess.disable_scaling_group(m.DisableScalingGroupRequest(scaling_group_id=group))
    move_to(server, launch + timedelta(hours=1))
    assert len(described(ess, region)) == 1, "refused for now: the task waits"
    move_to(server, launch + timedelta(hours=1, minutes=2))
    ess.enable_scaling_group(m.EnableScalingGroupRequest(scaling_group_id=group))
    server.settle()
    assert desired(ess, region, group) == 1, "past its 60 seconds: skipped"
    assert described(ess, region) == []


@pytest.mark.parametrize("version", ["2014-08-28", "2022-02-22"])
def test_fuzzed_task_requests_never_fail_with_a_500(
    ess: Any, server: Server, region: str, version: str
) -> None:
    import urllib.error
    import urllib.request

    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    group = empty_group(ess, server, region)
    ari = rule_of(ess, group)
    soon = next_hour(server)
    values = st.one_of(
        st.text(max_size=20),
        st.integers(-5, 40).map(str),
        st.sampled_from(
            [group, ari, "Daily", "Weekly", "Monthly", "Cron", "1", "0,6", "1-31", "* * ? * *"]
            + [f"{soon + timedelta(days=d):{STAMP}}" for d in (-1, 0, 1, 100, 400)]
        ),
    )
    keys = [
        "ScalingGroupId",
        "ScheduledAction",
        "ScheduledAction.1",
        "ScheduledActions.1",
        "ScheduledTaskId",
        "ScheduledTaskName",
        "LaunchTime",
        "RecurrenceType",
        "RecurrenceValue",
        "RecurrenceEndTime",
        "LaunchExpirationTime",
        "MinValue",
        "MaxValue",
        "DesiredCapacity",
        "TaskEnabled",
        "TaskName",
        "PageSize",
    ]
    actions = [
        "CreateScheduledTask",
        "ModifyScheduledTask",
        "DescribeScheduledTasks",
        "DeleteScheduledTask",
    ]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        action=st.sampled_from(actions),
        params=st.dictionaries(st.sampled_from(keys), values, max_size=8),
    )
    def call(action: str, params: dict[str, str]) -> None:
        query, _ = get_signed_url(
            {"Action": action, "Version": version, "RegionId": region, **params},
            "test",
            "test",
            "JSON",
            "GET",
            {},
        )
        try:
            with urllib.request.urlopen(f"{server.url}{query}", timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status < 500, body
        assert "RequestId" in json.loads(body)

    call()
    server.settle()
