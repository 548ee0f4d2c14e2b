"""ESS lifecycle hooks through both Alibaba SDKs: the seven actions, waits on the service clock,
the removal switches, and ESS's own error codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkess.request.v20140828.CompleteLifecycleActionRequest import (
    CompleteLifecycleActionRequest,
)
from aliyunsdkess.request.v20140828.CreateLifecycleHookRequest import CreateLifecycleHookRequest
from aliyunsdkess.request.v20140828.DeleteLifecycleHookRequest import DeleteLifecycleHookRequest
from aliyunsdkess.request.v20140828.DescribeLifecycleActionsRequest import (
    DescribeLifecycleActionsRequest,
)
from aliyunsdkess.request.v20140828.DescribeLifecycleHooksRequest import (
    DescribeLifecycleHooksRequest,
)
from aliyunsdkess.request.v20140828.ModifyLifecycleHookRequest import ModifyLifecycleHookRequest
from aliyunsdkess.request.v20140828.RecordLifecycleActionHeartbeatRequest import (
    RecordLifecycleActionHeartbeatRequest,
)
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import ess_client, run_check
from tests.test_ess import error_of, instances, ready_group
from tidewater.dialects.aliyun import hooks as ess_hooks
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.ess_api import V2014, V2022, parse
from tidewater.domain.lifecycle_hook import HOLD, IGNORED


def hook(ess: Any, group: str, transition: str, **extra: Any) -> str:
    made = ess.create_lifecycle_hook(
        m.CreateLifecycleHookRequest(
            scaling_group_id=group, lifecycle_transition=transition, **extra
        )
    )
    return str(made.body.lifecycle_hook_id)


def legacy(client: Any) -> Any:
    """Send a 2014-08-28 request with aliyun-python-sdk-ess and read its JSON."""
    return lambda request: json.loads(client.do_action_with_exception(request))


def complete(ess: Any, region: str, hook_id: str, token: str, result: str | None = None) -> None:
    ess.complete_lifecycle_action(
        m.CompleteLifecycleActionRequest(
            region_id=region,
            lifecycle_hook_id=hook_id,
            lifecycle_action_token=token,
            lifecycle_action_result=result,
        )
    )


def hooks_of(ess: Any, region: str, **filters: Any) -> Any:
    return ess.describe_lifecycle_hooks(
        m.DescribeLifecycleHooksRequest(region_id=region, **filters)
    ).body


def states(ess: Any, region: str, group: str) -> dict[str, str]:
    return {i.instance_id: i.lifecycle_state for i in instances(ess, region, group)}


def actions(ess: Any, region: str, activity_id: str, **extra: Any) -> Any:
    return ess.describe_lifecycle_actions(
        m.DescribeLifecycleActionsRequest(
            region_id=region, scaling_activity_id=activity_id, **extra
        )
    ).body


def activity(ess: Any, region: str, activity_id: str) -> Any:
    [found] = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_activity_ids=[activity_id])
    ).body.scaling_activities
    return found


def group_of(ess: Any, region: str, group: str) -> Any:
    [found] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    return found


def remove(ess: Any, region: str, group: str, ids: list[str], **extra: Any) -> str:
    return str(
        ess.remove_instances(
            m.RemoveInstancesRequest(
                region_id=region, scaling_group_id=group, instance_ids=ids, **extra
            )
        ).body.scaling_activity_id
    )


def scale_out(ess: Any, group: str, count: int = 1) -> str:
    return str(
        ess.scale_with_adjustment(
            m.ScaleWithAdjustmentRequest(
                scaling_group_id=group,
                adjustment_type="QuantityChangeInCapacity",
                adjustment_value=count,
            )
        ).body.scaling_activity_id
    )


def test_hooks_are_created_described_modified_and_deleted(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=0)
    first = hook(ess, group, "SCALE_OUT")
    assert first.startswith("ash-")
    second = hook(
        ess,
        group,
        "SCALE_IN",
        lifecycle_hook_name="drain",
        default_result="ABANDON",
        heartbeat_timeout=300,
        notification_arn=f"acs:mns:{region}:123456789:queue/hooks",
        notification_metadata="meta",
    )
    body = hooks_of(ess, region, scaling_group_id=group)
    assert body.total_count == 2 and body.page_number == 1 and body.page_size == 50
    made, drain = body.lifecycle_hooks
    assert (made.lifecycle_hook_id, made.lifecycle_hook_name) == (first, first)
    assert (made.default_result, made.heartbeat_timeout, made.lifecycle_transition) == (
        "CONTINUE",
        600,
        "SCALE_OUT",
    )
    assert made.lifecycle_hook_status == "Active"
    assert made.notification_arn.startswith(
        f"acs:ess:{region}:"
    ) and made.notification_arn.endswith(":null/null")
    assert (drain.lifecycle_hook_name, drain.default_result, drain.heartbeat_timeout) == (
        "drain",
        "ABANDON",
        300,
    )
    assert drain.notification_arn == f"acs:mns:{region}:123456789:queue/hooks"
    assert [
        h.lifecycle_hook_id
        for h in hooks_of(ess, region, lifecycle_hook_ids=[second]).lifecycle_hooks
    ] == [second]
    assert [
        h.lifecycle_hook_id
        for h in hooks_of(
            ess, region, scaling_group_id=group, lifecycle_hook_name="drain"
        ).lifecycle_hooks
    ] == [second]
    paged = hooks_of(ess, region, scaling_group_id=group, page_size=1, page_number=2)
    assert paged.total_count == 2 and [h.lifecycle_hook_id for h in paged.lifecycle_hooks] == [
        second
    ]

    ess.modify_lifecycle_hook(
        m.ModifyLifecycleHookRequest(
            region_id=region,
            lifecycle_hook_id=first,
            heartbeat_timeout=120,
            lifecycle_hook_status="InActive",
        )
    )
    ess.modify_lifecycle_hook(
        m.ModifyLifecycleHookRequest(
            region_id=region,
            scaling_group_id=group,
            lifecycle_hook_name="drain",
            default_result="CONTINUE",
        )
    )
    made, drain = hooks_of(ess, region, scaling_group_id=group).lifecycle_hooks
    assert (made.heartbeat_timeout, made.lifecycle_hook_status) == (120, "InActive")
    assert (drain.default_result, drain.heartbeat_timeout) == ("CONTINUE", 300)

    ess.delete_lifecycle_hook(
        m.DeleteLifecycleHookRequest(region_id=region, lifecycle_hook_id=first)
    )
    ess.delete_lifecycle_hook(
        m.DeleteLifecycleHookRequest(
            region_id=region, scaling_group_id=group, lifecycle_hook_name="drain"
        )
    )
    assert hooks_of(ess, region, scaling_group_id=group).total_count == 0


def test_hook_refusals_use_ess_codes(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=0)
    hook(ess, group, "SCALE_OUT", lifecycle_hook_name="one")
    create = ess.create_lifecycle_hook
    assert error_of(
        create,
        m.CreateLifecycleHookRequest(
            scaling_group_id=group, lifecycle_transition="SCALE_IN", lifecycle_hook_name="one"
        ),
    ) == (
        "InvalidLifecycleHookName.Duplicate",
        400,
        "The specified value of parameter lifecycleHookName is duplicated.",
    )
    assert error_of(
        create,
        m.CreateLifecycleHookRequest(
            scaling_group_id=group,
            lifecycle_transition="SCALE_IN",
            notification_arn="arn:aws:sqs:us-east-1:1:q",
        ),
    ) == (
        "InvalidNotificationArn",
        400,
        "The specified parameter notificationArn is invalid.",
    )
    assert error_of(
        create, m.CreateLifecycleHookRequest(scaling_group_id=group, lifecycle_transition="UP")
    )[:2] == ("InvalidParameter", 400)
    assert error_of(
        create,
        m.CreateLifecycleHookRequest(
            scaling_group_id=group, lifecycle_transition="SCALE_IN", heartbeat_timeout=29
        ),
    )[:2] == ("InvalidParameter", 400)
    quota = ess.describe_limitation(m.DescribeLimitationRequest()).body
    assert quota.max_number_of_lifecycle_hooks == 10
    for _ in range(9):  # ten in all: the current guide's and the 2022 reference's quota
        hook(ess, group, "SCALE_IN")
    assert error_of(
        create,
        m.CreateLifecycleHookRequest(scaling_group_id=group, lifecycle_transition="SCALE_IN"),
    ) == (
        "QuotaExceeded.LifecycleHook",
        400,
        "Lifecycle hook quota exceeded in the specified scaling group.",
    )
    assert error_of(
        ess.modify_lifecycle_hook,
        m.ModifyLifecycleHookRequest(region_id=region, lifecycle_hook_id="ash-nothere"),
    ) == ("InvalidLifecycleHookId.NotExist", 400, "The specified lifecycleHookId not exist.")
    assert error_of(
        ess.modify_lifecycle_hook,
        m.ModifyLifecycleHookRequest(
            region_id=region, scaling_group_id=group, lifecycle_hook_name="none"
        ),
    ) == (
        "InvalidLifecycleHookName.NotExist",
        400,
        "The specified lifecycleHookName you provided not exist.",
    )
    assert error_of(
        ess.delete_lifecycle_hook,
        m.DeleteLifecycleHookRequest(region_id=region, lifecycle_hook_id="ash-nothere"),
    ) == ("InvalidLifecycleHookId.NotExist", 400, "The specified lifecycleHookId does not exist.")
    assert error_of(
        ess.complete_lifecycle_action,
        m.CompleteLifecycleActionRequest(
            region_id=region, lifecycle_hook_id="ash-nothere", lifecycle_action_token="T"
        ),
    ) == (
        "LifecycleHookIdAndLifecycleActionToken.Invalid",
        400,
        "The specified lifecycleActionToken and lifecycleHookId you provided does not match any "
        "in process lifecycle action.",
    )
    assert error_of(
        ess.describe_lifecycle_actions,
        m.DescribeLifecycleActionsRequest(region_id=region, scaling_activity_id="asa-none"),
    ) == (
        "InvalidParameter",
        400,
        'The specified value of parameter "ScalingActivityId" is not valid.',
    )


def test_remove_instances_waits_at_removing_wait_until_completed(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=2)
    first, second = sorted(states(ess, region, group))
    drain = hook(ess, group, "SCALE_IN", heartbeat_timeout=300)
    removal = remove(ess, region, group, [first, second])
    server.settle()
    assert states(ess, region, group) == {first: "Removing:Wait", second: "Removing:Wait"}
    assert group_of(ess, region, group).removing_wait_capacity == 2
    filtered = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(
            region_id=region, scaling_group_id=group, lifecycle_state="Removing:Wait"
        )
    ).body
    assert filtered.total_count == 2
    waiting = actions(ess, region, removal)
    assert waiting.total_count == 1
    [action] = waiting.lifecycle_actions
    assert action.lifecycle_hook_id == drain and action.lifecycle_action_status == "Pending"
    assert sorted(action.instance_ids) == [first, second]
    token = action.lifecycle_action_token
    assert token == token.upper() and len(token) == 36
    assert activity(ess, region, removal).status_code == "InProgress"

    complete(ess, region, drain, token, "CONTINUE")
    server.settle()
    server.advance(10)
    server.advance(10)
    assert states(ess, region, group) == {}
    assert activity(ess, region, removal).status_code == "Successful"
    [done] = actions(ess, region, removal).lifecycle_actions
    assert (done.lifecycle_action_status, done.lifecycle_action_result) == ("Completed", "CONTINUE")
    assert actions(ess, region, removal, lifecycle_action_status="Pending").total_count == 0
    # a completed wait takes no second completion
    assert (
        error_of(
            ess.complete_lifecycle_action,
            m.CompleteLifecycleActionRequest(
                region_id=region, lifecycle_hook_id=drain, lifecycle_action_token=token
            ),
        )[0]
        == "LifecycleHookIdAndLifecycleActionToken.Invalid"
    )


@pytest.mark.parametrize("result", ["CONTINUE", "ABANDON"])
def test_scale_out_wait_times_out_with_the_default_result(
    ess: Any, server: Server, region: str, result: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    hook(ess, group, "SCALE_OUT", default_result=result, heartbeat_timeout=60)
    before = set(states(ess, region, group))
    scaled = scale_out(ess, group)
    server.settle()
    server.advance(10)  # the new machine boots, then the hook holds it
    [new] = set(states(ess, region, group)) - before
    assert states(ess, region, group)[new] == "Pending:Wait"
    assert group_of(ess, region, group).pending_wait_capacity == 1
    [action] = actions(ess, region, scaled).lifecycle_actions
    assert action.instance_ids == [new] and action.lifecycle_action_result == result
    server.advance(45)
    assert states(ess, region, group)[new] == "Pending:Wait"
    server.advance(20)
    server.advance(10)
    [action] = actions(ess, region, scaled).lifecycle_actions
    assert (action.lifecycle_action_status, action.lifecycle_action_result) == ("Timeout", result)
    if result == "CONTINUE":
        assert states(ess, region, group)[new] == "InService"
    else:
        # ABANDON on scale-out releases the instance it created
        assert new not in states(ess, region, group)
        assert activity(ess, region, scaled).status_message == (
            'Fail to create Instances into scaling group("Abandon lifecycleActionResult '
            'parameter caused the instance to rollback.").'
        )


def removed_after_a_timeout(ess: Any, server: Server, region: str, group: str) -> str:
    """Remove the first instance, whose 30 s hook holds it; it is gone once that times out."""
    victim = sorted(states(ess, region, group))[0]
    removal = remove(ess, region, group, [victim])
    server.settle()
    assert states(ess, region, group)[victim] == "Removing:Wait"
    server.advance(31)
    server.advance(10)
    server.advance(10)
    assert victim not in states(ess, region, group)
    return removal


@pytest.mark.parametrize("result", ["CONTINUE", "ABANDON"])
def test_scale_in_wait_times_out_with_the_default_result(
    ess: Any, server: Server, region: str, result: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=2)
    hook(ess, group, "SCALE_IN", default_result=result, heartbeat_timeout=30)
    # either way the instance leaves the group on scale-in
    removal = removed_after_a_timeout(ess, server, region, group)
    [action] = actions(ess, region, removal).lifecycle_actions
    assert (action.lifecycle_action_status, action.lifecycle_action_result) == ("Timeout", result)


def test_rollback_on_scale_in_keeps_the_instance(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=2)
    drain = hook(ess, group, "SCALE_IN")
    victim = sorted(states(ess, region, group))[0]
    removal = remove(ess, region, group, [victim])
    server.settle()
    assert group_of(ess, region, group).desired_capacity == 1
    [action] = actions(ess, region, removal).lifecycle_actions
    complete(ess, region, drain, action.lifecycle_action_token, "ROLLBACK")
    server.settle()
    server.advance(10)
    assert states(ess, region, group)[victim] == "InService"
    assert group_of(ess, region, group).desired_capacity == 2
    assert len(states(ess, region, group)) == 2


def test_with_two_scale_out_hooks_the_last_to_end_decides(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    first = hook(ess, group, "SCALE_OUT", lifecycle_hook_name="a", heartbeat_timeout=600)
    second = hook(ess, group, "SCALE_OUT", lifecycle_hook_name="b", heartbeat_timeout=600)
    before = set(states(ess, region, group))
    scaled = scale_out(ess, group)
    server.settle()
    server.advance(10)
    [new] = set(states(ess, region, group)) - before
    waits = {a.lifecycle_hook_id: a for a in actions(ess, region, scaled).lifecycle_actions}
    complete(ess, region, first, waits[first].lifecycle_action_token, "ABANDON")
    server.settle()
    server.advance(10)
    # ESS waits for the other hook: an ABANDON on scale-out does not end it early
    assert states(ess, region, group)[new] == "Pending:Wait"
    complete(ess, region, second, waits[second].lifecycle_action_token, "CONTINUE")
    server.settle()
    server.advance(10)
    server.advance(10)
    assert states(ess, region, group)[new] == "InService"
    assert activity(ess, region, scaled).status_code == "Successful"


def test_a_timed_out_abandon_on_scale_in_ends_the_other_hooks(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=2)
    hook(
        ess,
        group,
        "SCALE_IN",
        lifecycle_hook_name="a",
        heartbeat_timeout=30,
        default_result="ABANDON",
    )
    hook(ess, group, "SCALE_IN", lifecycle_hook_name="b", heartbeat_timeout=3600)
    # the long hook's wait ends with the short one, not an hour later
    removal = removed_after_a_timeout(ess, server, region, group)
    assert activity(ess, region, removal).status_code == "Successful"
    assert actions(ess, region, removal, lifecycle_action_status="Pending").total_count == 0


def test_a_completed_abandon_on_scale_in_waits_for_the_other_hooks(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=2)
    first = hook(ess, group, "SCALE_IN", lifecycle_hook_name="a", heartbeat_timeout=600)
    hook(ess, group, "SCALE_IN", lifecycle_hook_name="b", heartbeat_timeout=600)
    victim = sorted(states(ess, region, group))[0]
    removal = remove(ess, region, group, [victim])
    server.settle()
    waits = {a.lifecycle_hook_id: a for a in actions(ess, region, removal).lifecycle_actions}
    complete(ess, region, first, waits[first].lifecycle_action_token, "ABANDON")
    server.settle()
    server.advance(10)
    assert states(ess, region, group)[victim] == "Removing:Wait"
    server.advance(600)
    server.advance(10)
    server.advance(10)
    assert victim not in states(ess, region, group)


def test_heartbeats_with_the_2014_sdk(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    call = legacy(ess_legacy)

    group = ready_group(ess, server, region, min_size=0, desired=1)
    create = CreateLifecycleHookRequest()
    create.set_ScalingGroupId(group)
    create.set_LifecycleTransition("SCALE_IN")
    create.set_HeartbeatTimeout(600)
    create.set_LifecycleHookName("legacy")
    hook_id = call(create)["LifecycleHookId"]
    listing = DescribeLifecycleHooksRequest()
    listing.set_ScalingGroupId(group)
    listing.set_LifecycleHookIds([hook_id])
    [described] = call(listing)["LifecycleHooks"]["LifecycleHook"]
    assert (
        described["LifecycleHookName"] == "legacy"
        and described["LifecycleTransition"] == "SCALE_IN"
    )

    [victim] = states(ess, region, group)
    removal = remove(ess, region, group, [victim])
    server.settle()
    asked = DescribeLifecycleActionsRequest()
    asked.set_ScalingActivityId(removal)
    [action] = call(asked)["LifecycleActions"]["LifecycleAction"]
    assert action["InstanceIds"] == {"InstanceId": [victim]}
    token = action["LifecycleActionToken"]

    server.advance(500)
    beat = RecordLifecycleActionHeartbeatRequest()
    beat.set_lifecycleHookId(hook_id)
    beat.set_lifecycleActionToken(token)
    beat.set_heartbeatTimeout(300)
    call(beat)
    server.advance(200)
    assert states(ess, region, group)[victim] == "Removing:Wait"  # 700 s: past the first 600
    server.advance(101)
    server.advance(10)
    server.advance(10)
    assert victim not in states(ess, region, group)
    [action] = call(asked)["LifecycleActions"]["LifecycleAction"]
    assert action["LifecycleActionStatus"] == "Timeout"
    with pytest.raises(ServerException) as caught:
        call(beat)
    assert caught.value.get_error_code() == "LifecycleHookIdAndLifecycleActionToken.Invalid"


def test_heartbeat_past_six_hours_is_refused(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    drain = hook(ess, group, "SCALE_IN", heartbeat_timeout=21600)
    [victim] = states(ess, region, group)
    removal = remove(ess, region, group, [victim])
    server.settle()
    [action] = actions(ess, region, removal).lifecycle_actions
    server.advance(60)
    assert error_of(
        ess.record_lifecycle_action_heartbeat,
        m.RecordLifecycleActionHeartbeatRequest(
            region_id=region,
            lifecycle_hook_id=drain,
            lifecycle_action_token=action.lifecycle_action_token,
            heartbeat_timeout=21600,
        ),
    ) == (
        "LifecycleAction.TimeExceeded",
        400,
        "The specified parameter heartbeatTime exceed lifecycleAction max suspend time.",
    )


def test_removal_switches_and_inactive_hooks(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=6, desired=4)
    first, second, third, fourth = sorted(states(ess, region, group))
    drain = hook(ess, group, "SCALE_IN")
    # DisableLifecycleHook: nothing holds the removal
    remove(
        ess,
        region,
        group,
        [first],
        lifecycle_hook_context=m.RemoveInstancesRequestLifecycleHookContext(
            disable_lifecycle_hook=True
        ),
    )
    server.settle()
    assert states(ess, region, group).get(first) != "Removing:Wait"
    server.advance(10)
    server.advance(10)
    assert first not in states(ess, region, group)
    # the only hook ignored: nothing holds it either
    ignoring = remove(
        ess,
        region,
        group,
        [second],
        lifecycle_hook_context=m.RemoveInstancesRequestLifecycleHookContext(
            ignored_lifecycle_hook_ids=[drain]
        ),
    )
    server.settle()
    server.advance(10)
    server.advance(10)
    assert second not in states(ess, region, group)
    context = activity(ess, region, ignoring).lifecycle_hook_context
    assert context.ignored_lifecycle_hook_ids == [drain] and not context.disable_lifecycle_hook
    # DetachInstances holds only with LifecycleHook=true
    ess.detach_instances(
        m.DetachInstancesRequest(scaling_group_id=group, instance_ids=[third], lifecycle_hook=True)
    )
    server.settle()
    assert states(ess, region, group)[third] == "Removing:Wait"
    server.advance(601)
    server.advance(10)
    assert third not in states(ess, region, group)
    # an inactive hook holds nothing
    ess.modify_lifecycle_hook(
        m.ModifyLifecycleHookRequest(
            region_id=region, lifecycle_hook_id=drain, lifecycle_hook_status="InActive"
        )
    )
    remove(ess, region, group, [fourth])
    server.settle()
    server.advance(10)
    server.advance(10)
    assert fourth not in states(ess, region, group)


def test_deleting_a_hook_ends_its_wait_with_the_default(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    held = hook(ess, group, "SCALE_OUT", default_result="CONTINUE")
    scaled = scale_out(ess, group)
    server.settle()
    server.advance(10)
    [action] = actions(ess, region, scaled).lifecycle_actions
    [new] = action.instance_ids
    ess.delete_lifecycle_hook(
        m.DeleteLifecycleHookRequest(region_id=region, lifecycle_hook_id=held)
    )
    server.settle()
    server.advance(10)
    assert states(ess, region, group)[new] == "InService"


ARNS = st.builds(
    lambda product, kind, region, account, name: f"acs:{product}:{region}:{account}:{kind}/{name}",
    st.sampled_from(["mns", "oos", "eventbridge", "ess"]),
    st.sampled_from(["queue", "topic", "template", "eventbus", "oos"]),
    st.from_regex(r"[a-z]{2}-[a-z]+-?[0-9]?", fullmatch=True),
    st.from_regex(r"[0-9]{1,16}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True),
)


@given(arn=ARNS)
def test_every_documented_target_form_is_accepted(arn: str) -> None:
    hook = ess_hooks.hook_of({"NotificationArn": arn}, "CreateLifecycleHook")
    assert hook.target == arn


@given(arn=st.text(max_size=80))
def test_any_target_is_accepted_or_refused_as_ess_words_it(arn: str) -> None:
    try:
        hook = ess_hooks.hook_of({"NotificationArn": arn}, "ModifyLifecycleHook")
    except AliyunError as error:
        assert error.code == "InvalidNotificationArn"
        assert error.message == "The specified parameter NotificationArn is invalid."
    else:
        assert hook.target == arn
        assert not arn or arn.startswith("acs:")


CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "DisableLifecycleHook": st.booleans() | st.text(max_size=5) | st.integers(),
        "IgnoredLifecycleHookIds": st.lists(st.from_regex(r"ash-[a-z0-9]{20}", fullmatch=True))
        | st.text(max_size=5),
    },
)


@given(context=CONTEXTS, version=st.sampled_from([V2014, V2022]))
def test_the_hook_context_parses_into_what_holds_a_removal(
    context: dict[str, Any], version: str
) -> None:
    params = {"ScalingGroupId": "asg-x", "InstanceIds.1": "i-1"}
    if version == V2014:
        params = {"ScalingGroupId": "asg-x", "InstanceId.1": "i-1"}
    params["LifecycleHookContext"] = json.dumps(context)
    parsed = parse("RemoveInstances", version, params)
    disabled = context.get("DisableLifecycleHook")
    ignored = context.get("IgnoredLifecycleHookIds") or None
    if not isinstance(disabled, bool | None) or not isinstance(ignored, list | None):
        with pytest.raises(AliyunError) as refused:
            ess_hooks.removal_hooks(parsed, None)
        assert refused.value.code == "InvalidParameter"
        assert "LifecycleHookContext" in refused.value.message
        return
    held = ess_hooks.removal_hooks(parsed, None)
    if disabled:
        assert held == {HOLD: ""}
    else:
        assert held[HOLD] == "terminating"
        assert held[IGNORED] == list(context.get("IgnoredLifecycleHookIds") or [])


@given(
    timeout=st.integers(min_value=-10, max_value=30000),
    lower=st.booleans(),
    version=st.sampled_from([V2014, V2022]),
)
def test_heartbeat_parameters_in_either_spelling(timeout: int, lower: bool, version: str) -> None:
    name = "heartbeatTimeout" if lower else "HeartbeatTimeout"
    params = {"lifecycleHookId": "ash-1", "lifecycleActionToken": "T", name: str(timeout)}
    try:
        parsed = parse("RecordLifecycleActionHeartbeat", version, params)
    except AliyunError as error:
        assert not 30 <= timeout <= 21600
        assert error.code == "InvalidParameter"
    else:
        assert 30 <= timeout <= 21600 and parsed[name] == timeout


def test_scale_with_adjustment_can_turn_hooks_off(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    hook(ess, group, "SCALE_OUT")
    before = set(states(ess, region, group))
    scaled = ess.scale_with_adjustment(
        m.ScaleWithAdjustmentRequest(
            scaling_group_id=group,
            adjustment_type="QuantityChangeInCapacity",
            adjustment_value=1,
            lifecycle_hook_context=m.ScaleWithAdjustmentRequestLifecycleHookContext(
                disable_lifecycle_hook=True
            ),
        )
    ).body.scaling_activity_id
    server.settle()
    server.advance(10)
    server.advance(10)
    [new] = set(states(ess, region, group)) - before
    assert states(ess, region, group)[new] == "InService"
    context = activity(ess, region, scaled).lifecycle_hook_context
    assert context.disable_lifecycle_hook is True and context.ignored_lifecycle_hook_ids == []


def test_check_holds_while_ess_hooks_wait_and_after(own_server: Server) -> None:
    region = "tw-esshooks-check"
    ess = ess_client(own_server, region)
    group = ready_group(ess, own_server, region, min_size=0, desired=2)
    drain = hook(ess, group, "SCALE_IN")
    hook(ess, group, "SCALE_OUT", heartbeat_timeout=60)
    removal = remove(ess, region, group, sorted(states(ess, region, group)))
    own_server.settle()
    url = own_server.database_url
    waiting = run_check(url)
    assert waiting.returncode == 0, waiting.stdout + waiting.stderr
    [action] = actions(ess, region, removal).lifecycle_actions
    complete(ess, region, drain, action.lifecycle_action_token)
    own_server.settle()
    own_server.advance(10)
    own_server.advance(10)
    scale_out(ess, group, 2)
    own_server.settle()
    own_server.advance(10)
    assert set(states(ess, region, group).values()) == {"Pending:Wait"}
    held = run_check(url)
    assert held.returncode == 0, held.stdout + held.stderr
    own_server.advance(61)
    own_server.advance(10)
    assert set(states(ess, region, group).values()) == {"InService"}
    done = run_check(url)
    assert done.returncode == 0, done.stdout + done.stderr


def test_attach_with_lifecycle_hook_waits_before_service(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=4, desired=2)
    first, second = sorted(states(ess, region, group))
    for instance in (first, second):
        ess.detach_instances(
            m.DetachInstancesRequest(scaling_group_id=group, instance_ids=[instance])
        )
        server.settle()
    ready = hook(ess, group, "SCALE_OUT")
    # without the switch nothing holds an attach
    ess.attach_instances(
        m.AttachInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=[first])
    )
    server.settle()
    assert states(ess, region, group)[first] == "InService"
    attached = ess.attach_instances(
        m.AttachInstancesRequest(
            region_id=region, scaling_group_id=group, instance_ids=[second], lifecycle_hook=True
        )
    ).body.scaling_activity_id
    server.settle()
    assert states(ess, region, group)[second] == "Pending:Wait"
    [action] = actions(ess, region, attached).lifecycle_actions
    assert action.lifecycle_hook_id == ready and action.instance_ids == [second]
    complete(ess, region, ready, action.lifecycle_action_token)
    server.settle()
    assert states(ess, region, group)[second] == "InService"


def test_heartbeats_are_counted(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    drain = hook(ess, group, "SCALE_IN", heartbeat_timeout=30)
    [victim] = states(ess, region, group)
    removal = remove(ess, region, group, [victim])
    server.settle()
    [action] = actions(ess, region, removal).lifecycle_actions
    beat = m.RecordLifecycleActionHeartbeatRequest(
        region_id=region,
        lifecycle_hook_id=drain,
        lifecycle_action_token=action.lifecycle_action_token,
    )
    for _ in range(20):
        ess.record_lifecycle_action_heartbeat(beat)
        server.advance(20)
    assert states(ess, region, group)[victim] == "Removing:Wait"  # 400 s on a 30 s heartbeat
    assert error_of(ess.record_lifecycle_action_heartbeat, beat) == (
        "LifecycleAction.RecordTimesExceeded",
        400,
        "The specified lifecycleAction exceed lifecycleAction max record times.",
    )


def test_lifecycle_actions_page_by_token(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=1)
    made = [hook(ess, group, "SCALE_IN") for _ in range(3)]
    [victim] = states(ess, region, group)
    removal = remove(ess, region, group, [victim])
    server.settle()
    first = actions(ess, region, removal, max_results=2)
    assert first.total_count == 3 and first.max_results == 2 and first.next_token
    rest = actions(ess, region, removal, max_results=2, next_token=first.next_token)
    assert not rest.next_token
    seen = [a.lifecycle_hook_id for a in first.lifecycle_actions + rest.lifecycle_actions]
    assert sorted(seen) == sorted(made)
    assert error_of(
        ess.describe_lifecycle_actions,
        m.DescribeLifecycleActionsRequest(
            region_id=region, scaling_activity_id=removal, next_token="nope"
        ),
    )[:2] == ("InvalidParameter", 400)


def test_scale_in_by_adjustment_waits_in_removing_wait(
    ess: Any, server: Server, region: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, desired=2)
    drain = hook(ess, group, "SCALE_IN", default_result="ABANDON")
    scaled = scale_out(ess, group, -1)
    server.settle()
    waiting = [i for i, state in states(ess, region, group).items() if state == "Removing:Wait"]
    assert len(waiting) == 1
    [action] = actions(ess, region, scaled).lifecycle_actions
    assert action.lifecycle_hook_id == drain and action.instance_ids == waiting
    complete(ess, region, drain, action.lifecycle_action_token, "ABANDON")
    server.settle()
    server.advance(10)
    server.advance(10)
    assert waiting[0] not in states(ess, region, group)
    assert len(states(ess, region, group)) == 1


def test_rollback_is_ess_only(autoscaling: Any, server: Server) -> None:
    from tests.helpers import error_of as aws_error_of
    from tests.helpers import make_group

    make_group(autoscaling, server, desired=0, min_size=0)
    refused = aws_error_of(
        autoscaling.put_lifecycle_hook,
        AutoScalingGroupName="web",
        LifecycleHookName="h",
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
        DefaultResult="ROLLBACK",
    )
    assert refused["Code"] == "ValidationError" and "DefaultResult" in refused["Message"]
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web",
        LifecycleHookName="h",
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
    )
    refused = aws_error_of(
        autoscaling.complete_lifecycle_action,
        AutoScalingGroupName="web",
        LifecycleHookName="h",
        InstanceId="i-0123456789abcdef0",
        LifecycleActionResult="ROLLBACK",
    )
    assert refused["Code"] == "ValidationError"
    assert "LifecycleActionResult" in refused["Message"]


def test_modify_complete_and_delete_with_the_2014_sdk(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    call = legacy(ess_legacy)

    group = ready_group(ess, server, region, min_size=0, desired=1)
    held = hook(ess, group, "SCALE_OUT", lifecycle_hook_name="ready")
    modify = ModifyLifecycleHookRequest()
    modify.set_ScalingGroupId(group)
    modify.set_LifecycleHookName("ready")
    modify.set_HeartbeatTimeout(900)
    assert call(modify)["RequestId"]
    [described] = hooks_of(ess, region, lifecycle_hook_ids=[held]).lifecycle_hooks
    assert described.heartbeat_timeout == 900
    scaled = scale_out(ess, group)
    server.settle()
    server.advance(10)
    asked = DescribeLifecycleActionsRequest()
    asked.set_ScalingActivityId(scaled)
    [action] = call(asked)["LifecycleActions"]["LifecycleAction"]
    assert action["LifecycleActionStatus"] == "Pending"
    [new] = action["InstanceIds"]["InstanceId"]
    complete = CompleteLifecycleActionRequest()
    complete.set_LifecycleHookId(held)
    complete.set_LifecycleActionToken(action["LifecycleActionToken"])
    complete.set_LifecycleActionResult("CONTINUE")
    call(complete)
    server.settle()
    assert states(ess, region, group)[new] == "InService"
    [action] = call(asked)["LifecycleActions"]["LifecycleAction"]
    assert action["LifecycleActionStatus"] == "Completed"
    delete = DeleteLifecycleHookRequest()
    delete.set_LifecycleHookId(held)
    call(delete)
    assert hooks_of(ess, region, scaling_group_id=group).total_count == 0
