"""Identifiers shaped like each cloud's own."""

from __future__ import annotations

import secrets
import string
import uuid

from tidewater.domain.scope import Cloud, Scope

_ALNUM = string.ascii_lowercase + string.digits


def group_identity(scope: Scope, name: str) -> tuple[str, str]:
    """(id, arn) for a new group: AWS names it by ARN, ESS by an `asg-` id."""
    if scope.cloud is Cloud.ALIYUN:
        group_id = "asg-" + "".join(secrets.choice(_ALNUM) for _ in range(20))
        return group_id, f"acs:ess:{scope.region}:{scope.account}:scalinggroup/{group_id}"
    group_id = str(uuid.uuid4())
    arn = (
        f"arn:aws:autoscaling:{scope.region}:{scope.account}:autoScalingGroup:{group_id}"
        f":autoScalingGroupName/{name}"
    )
    return group_id, arn


def launch_configuration_arn(scope: Scope, name: str) -> str:
    return (
        f"arn:aws:autoscaling:{scope.region}:{scope.account}:launchConfiguration:"
        f"{uuid.uuid4()}:launchConfigurationName/{name}"
    )
