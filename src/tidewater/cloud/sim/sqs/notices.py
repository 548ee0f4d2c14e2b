"""Lifecycle hook notifications into the simulated SQS, laid out exactly as AWS sends them.

The engine hands over neutral notices (`cloud.ports.Notices`) inside the transaction that
opens the action or puts the hook; the message is written on that connection, so it commits
with what it reports. Bodies: docs/facts/aws-lifecycle-hooks.md §7 (key order as captured).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection

from tidewater.cloud.ports import LifecycleNotice, Queues, TargetCheck
from tidewater.domain.scope import Cloud, Scope

SERVICE: Final = "AWS Auto Scaling"
TEST_EVENT: Final = "autoscaling:TEST_NOTIFICATION"
# AWS's name of each neutral transition, and where the instance comes from and goes to
TRANSITIONS: Final = {
    "launching": ("autoscaling:EC2_INSTANCE_LAUNCHING", "EC2", "AutoScalingGroup"),
    "terminating": ("autoscaling:EC2_INSTANCE_TERMINATING", "AutoScalingGroup", "EC2"),
}


def stamp(at: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, as AWS writes `Time`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def action_body(scope: Scope, notice: LifecycleNotice) -> str:
    """One lifecycle action's message; `NotificationMetadata` only when the hook has it."""
    transition, origin, destination = TRANSITIONS[notice.transition]
    body: dict[str, Any] = {
        "Origin": origin,
        "LifecycleHookName": notice.hook,
        "Destination": destination,
        "AccountId": scope.account,
        "RequestId": notice.activity_id,
        "LifecycleTransition": transition,
        "AutoScalingGroupName": notice.group_name,
        "Service": SERVICE,
        "Time": stamp(notice.at),
        "EC2InstanceId": notice.instance_id,
    }
    if notice.metadata is not None:
        body["NotificationMetadata"] = notice.metadata
    body["LifecycleActionToken"] = notice.token
    return _json(body)


def test_body(scope: Scope, check: TargetCheck, request_id: str) -> str:
    """The test message PutLifecycleHook sends when it sets a target."""
    return _json(
        {
            "AccountId": scope.account,
            "RequestId": request_id,
            "AutoScalingGroupARN": check.group_arn,
            "AutoScalingGroupName": check.group_name,
            "Service": SERVICE,
            "Event": TEST_EVENT,
            "Time": stamp(check.at),
        }
    )


class SqsNotices:
    """The `Notices` port over the simulated SQS: AWS hooks whose target is a queue of their
    own account and region. ESS hooks' targets (MNS and others) are not served: nothing is sent
    and any target is taken as given."""

    def __init__(self, queues: Queues) -> None:
        self.queues = queues

    def lifecycle_action(self, scope: Scope, notice: LifecycleNotice, within: Connection) -> None:
        if scope.cloud is Cloud.AWS:
            # the target was proven when it was set; a queue deleted since loses the message,
            # as a deleted queue would on AWS
            self.queues.send(scope, notice.target, action_body(scope, notice), within)

    def reaches(self, scope: Scope, check: TargetCheck, within: Connection) -> bool:
        if scope.cloud is not Cloud.AWS:
            return True
        body = test_body(scope, check, str(uuid.uuid4()))
        return self.queues.send(scope, check.target, body, within)
