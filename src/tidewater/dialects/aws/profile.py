"""AWS's names for the engine's records: UUIDs, autoscaling ARNs, groups known by name."""

from __future__ import annotations

import uuid

from tidewater.domain.scope import Scope
from tidewater.engine.profile import Profile, Record


def _uuid() -> str:
    return str(uuid.uuid4())


def _group_arn(scope: Scope, group_id: str, name: str) -> str:
    return (
        f"arn:aws:autoscaling:{scope.region}:{scope.account}:autoScalingGroup:{group_id}"
        f":autoScalingGroupName/{name}"
    )


def _launch_configuration_arn(scope: Scope, config_id: str, name: str) -> str:
    return (
        f"arn:aws:autoscaling:{scope.region}:{scope.account}:launchConfiguration:"
        f"{config_id}:launchConfigurationName/{name}"
    )


def _policy_arn(scope: Scope, policy_id: str, path: str) -> str:
    """`path` is the policy's place: `autoScalingGroupName/<group>:policyName/<name>`."""
    return f"arn:aws:autoscaling:{scope.region}:{scope.account}:scalingPolicy:{policy_id}:{path}"


AWS = Profile(
    group_tag="aws:autoscaling:groupName",
    group_key="name",
    ids={
        Record.GROUP: _uuid,
        Record.ACTIVITY: _uuid,
        Record.LAUNCH_CONFIGURATION: _uuid,
        Record.LIFECYCLE_ACTION: _uuid,
        Record.INSTANCE_REFRESH: _uuid,
        Record.SCALING_RULE: _uuid,
    },
    arns={
        Record.GROUP: _group_arn,
        Record.LAUNCH_CONFIGURATION: _launch_configuration_arn,
        Record.SCALING_RULE: _policy_arn,
    },
)
