"""Each row of engine/leaving's table, checked through a real client: the states it lets go,
its batch limit and what it does to each machine are what the client sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m

from tests.conftest import Server
from tests.helpers import describe_group, error_of, instance_ids, make_group
from tidewater.dialects.aws.refusals import ACTION_WORDS
from tidewater.domain.instance import WARM_LEAVING, Lifecycle
from tidewater.engine import leaving

# the AWS request each row answers, and what its activities are called
AWS_ROWS: dict[str, tuple[leaving.Leave, str, str]] = {
    "detach_instances": (leaving.DETACH, "Detaching EC2 instance", "Detaching"),
    "enter_standby": (leaving.ENTER_STANDBY, "Moving EC2 instance to Standby", "EnteringStandby"),
    "exit_standby": (leaving.EXIT_STANDBY, "Moving EC2 instance out of Standby", "Pending"),
    "terminate_instance_in_auto_scaling_group": (
        leaving.TERMINATE,
        "Terminating EC2 instance",
        "Terminating",
    ),
}
REACHABLE = (Lifecycle.IN_SERVICE, Lifecycle.STANDBY)  # what a settled group's members can be in


def _call(autoscaling: Any, action: str, ids: list[str]) -> Callable[..., Any]:
    """The request with everything but the instance ids it names."""
    call = getattr(autoscaling, action)
    params: dict[str, Any] = {"InstanceIds": ids}
    if action != "terminate_instance_in_auto_scaling_group":
        params["AutoScalingGroupName"] = "web"
    if action != "exit_standby":
        params["ShouldDecrementDesiredCapacity"] = False
    return lambda: call(**params)


@pytest.mark.parametrize("action", sorted(AWS_ROWS))
def test_each_aws_row_lets_go_exactly_its_states(
    autoscaling: Any, server: Server, action: str
) -> None:
    row, description, state = AWS_ROWS[action]
    make_group(autoscaling, server, min_size=0, max_size=6, desired=3)
    [resting, *_] = instance_ids(describe_group(autoscaling, "web"))
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[resting], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    group = describe_group(autoscaling, "web")
    by_state = {s: instance_ids(group, s.value)[0] for s in REACHABLE}

    strangers = [f"i-{n:017x}" for n in range(row.limit + 1)]
    refused = error_of(lambda: _call(autoscaling, action, strangers)())
    # the model may bound the list first (TerminateInstanceInAutoScalingGroup: 100), at the
    # row's own limit
    operation = ACTION_WORDS["".join(w.capitalize() for w in action.split("_"))][1]
    ours = (
        f"List exceeds the maximum number of instances to {operation}. "
        "Please retry your request with fewer instances."
    )
    model = f"Member must have length less than or equal to {row.limit}"
    assert refused["Message"] == ours or refused["Message"].endswith(model)
    at_limit = error_of(lambda: _call(autoscaling, action, strangers[:-1])())
    assert "List exceeds" not in at_limit["Message"]
    assert "less than or equal" not in at_limit["Message"]
    for lifecycle, instance_id in by_state.items():
        if lifecycle in row.allowed:
            continue
        refused = error_of(lambda i=instance_id: _call(autoscaling, action, [i])())
        allowed = " or ".join(s.value for s in row.allowed)
        assert refused["Message"] == f"The instance {instance_id} is not in {allowed}."

    going = [i for s, i in by_state.items() if s in row.allowed]
    answer = _call(autoscaling, action, going)()
    made = answer["Activities"]
    assert sorted(a["Description"] for a in made) == sorted(f"{description}: {i}" for i in going)
    assert {a["StatusCode"] for a in made} == {row.status.value}
    assert {a["Progress"] for a in made} == {row.progress}
    states = {
        i["InstanceId"]: i["LifecycleState"]
        for i in describe_group(autoscaling, "web")["Instances"]
    }
    assert {states[i] for i in going} == {state}
    assert leaving.COURSES[row.owned].state.value == state


def test_an_ess_request_that_ignored_every_id_ends_at_once_with_its_words(
    ess: Any, server: Server, region: str
) -> None:
    """Nothing chosen: the request's activity is recorded ended, and ESS words why."""
    from tests.test_ess import ready_group

    group = ready_group(ess, server, region, min_size=0, desired=1)
    answer = ess.remove_instances(
        m.RemoveInstancesRequest(
            region_id=region,
            scaling_group_id=group,
            instance_ids=["i-stranger0000000000"],
            ignore_invalid_instance=True,
        )
    ).body
    assert [i.instance_id for i in answer.ignored_instances] == ["i-stranger0000000000"]
    [activity] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(
            region_id=region, scaling_activity_ids=[answer.scaling_activity_id]
        )
    ).body.scaling_activities
    assert (activity.status_code, activity.progress) == ("Warning", 100)
    assert activity.status_message == "No instance was removed."
    assert activity.scaling_instance_number == 0


def test_ess_rows_differ_only_in_what_becomes_of_an_owned_machine() -> None:
    """RemovePolicy and DetachInstances pick rows that share every check."""
    base = leaving.REMOVE
    for row in (leaving.REMOVE_TO_RECYCLE, leaving.HAND_BACK):
        assert (row.allowed, row.limit, row.floor, row.bad_state, row.usable_targets) == (
            base.allowed,
            base.limit,
            base.floor,
            base.bad_state,
            base.usable_targets,
        )
        assert row.foreign is leaving.Fate.HAND_BACK
    assert [r.owned for r in (base, leaving.REMOVE_TO_RECYCLE, leaving.HAND_BACK)] == [
        leaving.Fate.RELEASE,
        leaving.Fate.RECYCLE,
        leaving.Fate.HAND_BACK,
    ]


def test_every_fate_has_a_course_that_starts_out_of_traffic_or_back_into_it() -> None:
    for fate in leaving.Fate:
        course = leaving.COURSES[fate]
        path = leaving.PATHS[course.path or course.kind]
        # a warm pool's instance serves no traffic: it leaves the pool from its hook's pause
        first = "wait" if course.state in WARM_LEAVING else "deregister"
        assert path[0] == ("register" if fate is leaving.Fate.RETURN else first)
