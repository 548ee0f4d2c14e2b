"""AWS lifecycle hook actions: AWS's names for transitions and results, onto the engine's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidewater.dialects.aws.errors import AwsError
from tidewater.domain.lifecycle_hook import AWS_HOOKS, Hook, Result, Transition
from tidewater.domain.scope import Scope
from tidewater.engine import lifecycle_hooks
from tidewater.engine.context import Context

TRANSITIONS = {
    "autoscaling:EC2_INSTANCE_LAUNCHING": Transition.LAUNCHING,
    "autoscaling:EC2_INSTANCE_TERMINATING": Transition.TERMINATING,
}
NAMES = {transition: name for name, transition in TRANSITIONS.items()}


def _transition(value: str | None) -> Transition | None:
    if value is None:
        return None
    if value not in TRANSITIONS:
        # chosen: no capture of AWS's text exists (docs/facts/aws-lifecycle-hooks.md §8)
        raise AwsError(
            "ValidationError",
            f"Invalid value '{value}' for LifecycleTransition. Valid values are "
            + " and ".join(TRANSITIONS),
        )
    return TRANSITIONS[value]


def _result(value: str | None, field: str) -> Result | None:
    if value is None:
        return None
    if value not in AWS_HOOKS.results:  # ROLLBACK is ESS's only
        # chosen, in the words SetInstanceHealth uses for its own enumeration
        raise AwsError(
            "ValidationError", f"Valid values for {field} are CONTINUE and ABANDON; got {value}"
        )
    return Result(value)


def hook_of(p: Mapping[str, Any]) -> Hook:
    """A PutLifecycleHook request or a LifecycleHookSpecification, in neutral words."""
    return Hook(
        name=p["LifecycleHookName"],
        transition=_transition(p.get("LifecycleTransition")),
        heartbeat=p.get("HeartbeatTimeout"),
        default_result=_result(p.get("DefaultResult"), "DefaultResult"),
        metadata=p.get("NotificationMetadata"),
        target=p.get("NotificationTargetARN"),
        role=p.get("RoleARN"),
    )


class LifecycleHookActions:
    """PutLifecycleHook and its siblings, mixed into the Auto Scaling service."""

    ctx: Context

    def PutLifecycleHook(self, scope: Scope, p: dict[str, Any]) -> None:
        lifecycle_hooks.put(self.ctx, scope, p["AutoScalingGroupName"], hook_of(p))

    def DescribeLifecycleHooks(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        group = p["AutoScalingGroupName"]
        rows = lifecycle_hooks.hooks_of(self.ctx, scope, group, p.get("LifecycleHookNames"))
        return {
            "LifecycleHooks": [
                {
                    "LifecycleHookName": row.name,
                    "AutoScalingGroupName": group,
                    "LifecycleTransition": NAMES[Transition(row.transition)],
                    "NotificationTargetARN": row.target,
                    "RoleARN": row.role,
                    "NotificationMetadata": row.metadata,
                    "HeartbeatTimeout": row.heartbeat,
                    "GlobalTimeout": lifecycle_hooks.global_timeout(self.ctx, scope, row.heartbeat),
                    "DefaultResult": row.default_result,
                }
                for row in rows
            ]
        }

    def DeleteLifecycleHook(self, scope: Scope, p: dict[str, Any]) -> None:
        lifecycle_hooks.remove(self.ctx, scope, p["AutoScalingGroupName"], p["LifecycleHookName"])

    def DescribeLifecycleHookTypes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"LifecycleHookTypes": list(TRANSITIONS)}

    def CompleteLifecycleAction(self, scope: Scope, p: dict[str, Any]) -> None:
        result = _result(p["LifecycleActionResult"], "LifecycleActionResult")
        assert result is not None
        lifecycle_hooks.complete(self.ctx, scope, _ref(p), result)

    def RecordLifecycleActionHeartbeat(self, scope: Scope, p: dict[str, Any]) -> None:
        lifecycle_hooks.heartbeat(self.ctx, scope, _ref(p))


def _ref(p: Mapping[str, Any]) -> lifecycle_hooks.ActionRef:
    return lifecycle_hooks.ActionRef(
        p["AutoScalingGroupName"],
        p["LifecycleHookName"],
        p.get("LifecycleActionToken"),
        p.get("InstanceId"),
    )
