"""AWS instance refresh actions: AWS's names for a refresh's states, preferences and reasons."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from tidewater.dialects.aws.errors import AwsError
from tidewater.domain import refresh as rules
from tidewater.domain.launch import TemplateVersion, source_of
from tidewater.domain.refresh import Phase
from tidewater.domain.scope import Scope
from tidewater.engine import queries, refresh
from tidewater.engine.context import Context

STATUS = {
    Phase.PENDING: "Pending",
    Phase.RUNNING: "InProgress",
    Phase.SUCCESSFUL: "Successful",
    Phase.FAILED: "Failed",
    Phase.CANCELLING: "Cancelling",
    Phase.CANCELLED: "Cancelled",
    Phase.ROLLING_BACK: "RollbackInProgress",
    Phase.ROLLBACK_FAILED: "RollbackFailed",
    Phase.ROLLBACK_SUCCESSFUL: "RollbackSuccessful",
}

# StatusReason by the engine's neutral reason. The warm-up text is AWS's as captured in tools'
# logs; the others are inferred (docs/facts/instance-refresh.md §6).
REASONS = {
    "warming": "Waiting for instances to warm up before continuing. For example: {instance} "
    "is warming up.",
    "checkpoint": "Waiting for the checkpoint delay to pass before continuing "
    "(reached {percentage}% complete).",
    "waiting_protected": "Waiting for instances that are protected from scale in to be "
    "unprotected. For example: {instance} is protected from scale in.",
    "waiting_standby": "Waiting for instances in Standby to return to service. For example: "
    "{instance} is in Standby.",
    "waiting_protected_expired": "The instance refresh failed because instance {instance} "
    "was still protected from scale in after an hour.",
    "waiting_standby_expired": "The instance refresh failed because instance {instance} was "
    "still in Standby after an hour.",
    "launch_failed": "The instance refresh failed because a replacement instance failed to "
    "launch or to reach InService (activity {activity}).",
    "suspended": "Waiting for the {process} process to be resumed.",
}
ROLLBACK_REASONS = {
    "manual": "Rollback started by user",
    "auto": "Rollback started automatically because the instance refresh failed",
}


def _desired(p: Mapping[str, Any]) -> dict[str, Any] | None:
    given = p.get("DesiredConfiguration")
    if not given:
        return None
    if given.get("MixedInstancesPolicy"):
        # chosen: Tidewater's groups keep a mixed instances policy only as given
        raise AwsError(
            "ValidationError",
            "A MixedInstancesPolicy in the desired configuration is not supported by Tidewater; "
            "specify a LaunchTemplate.",
        )
    template = given.get("LaunchTemplate")
    if not template:
        raise AwsError(
            "ValidationError",
            "If you specify a desired configuration, you must specify either a LaunchTemplate "
            "or a MixedInstancesPolicy.",
        )
    return TemplateVersion(
        template.get("LaunchTemplateId"),
        template.get("LaunchTemplateName"),
        template.get("Version") or "$Default",
    ).stored()


def _preferences(p: Mapping[str, Any], has_desired: bool) -> rules.Preferences:
    given = p.get("Preferences") or {}
    if given.get("AlarmSpecification") or given.get("BakeTime"):
        raise AwsError(
            "ValidationError",
            "AlarmSpecification and BakeTime are not supported by Tidewater.",
        )
    return rules.preferences(
        min_healthy=given.get("MinHealthyPercentage"),
        max_healthy=given.get("MaxHealthyPercentage"),
        warmup=given.get("InstanceWarmup"),
        checkpoints=given.get("CheckpointPercentages"),
        checkpoint_delay=given.get("CheckpointDelay"),
        skip_matching=given.get("SkipMatching"),
        auto_rollback=given.get("AutoRollback"),
        protected=given.get("ScaleInProtectedInstances"),
        standby=given.get("StandbyInstances"),
        has_desired=has_desired,
    )


def _preferences_out(prefs: rules.Preferences) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MinHealthyPercentage": prefs.min_healthy,
        "MaxHealthyPercentage": prefs.max_healthy,
        "SkipMatching": prefs.skip_matching,
        "AutoRollback": prefs.auto_rollback,
        "ScaleInProtectedInstances": prefs.protected.value,
        "StandbyInstances": prefs.standby.value,
    }
    if prefs.warmup is not None:
        out["InstanceWarmup"] = prefs.warmup
    if prefs.checkpoints:
        out["CheckpointPercentages"] = list(prefs.checkpoints)
        out["CheckpointDelay"] = prefs.delay
    return out


def _configuration(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    source = source_of(stored)
    if not isinstance(source, TemplateVersion):
        return None
    template = {"LaunchTemplateId": source.id, "LaunchTemplateName": source.name}
    return {
        "LaunchTemplate": {
            **{k: v for k, v in template.items() if v},
            "Version": source.version,
        }
    }


def render(row: Any, group: str) -> dict[str, Any]:
    figures = refresh.view(row)
    phase: Phase = figures["phase"]
    out: dict[str, Any] = {
        "InstanceRefreshId": row.id,
        "AutoScalingGroupName": group,
        "Status": STATUS[phase],
        "StartTime": row.started_at,
        "EndTime": row.ended_at,
        "PercentageComplete": figures["percentage"],
        "InstancesToUpdate": figures["left"],
        "ProgressDetails": {
            "LivePoolProgress": {
                "PercentageComplete": figures["percentage"],
                "InstancesToUpdate": figures["left"],
            },
            "WarmPoolProgress": {"PercentageComplete": 0, "InstancesToUpdate": 0},
        },
        "Preferences": _preferences_out(rules.Preferences.of(row.preferences)),
        "Strategy": row.strategy,
    }
    configuration = _configuration(row.desired)
    if configuration is not None:
        out["DesiredConfiguration"] = configuration
    if row.reason in REASONS:
        facts = {"percentage": figures["percentage"], **figures["why"]}
        with contextlib.suppress(KeyError):
            out["StatusReason"] = REASONS[row.reason].format(**facts)
    back = figures["rollback"]
    if back is not None:
        out["RollbackDetails"] = {
            "RollbackReason": ROLLBACK_REASONS[back["reason"]],
            "RollbackStartTime": back["at"],
            "PercentageCompleteOnRollback": back["percentage"],
            "InstancesToUpdateOnRollback": back["left"],
        }
    return out


class InstanceRefreshActions:
    """StartInstanceRefresh and its siblings, mixed into the Auto Scaling service."""

    ctx: Context

    def StartInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        strategy = p.get("Strategy") or "Rolling"
        if strategy != "Rolling":
            # chosen: replacing root volumes is not modelled
            raise AwsError(
                "ValidationError", f"The {strategy} strategy is not supported by Tidewater."
            )
        desired = _desired(p)
        request = refresh.Request(strategy, desired, _preferences(p, desired is not None))
        made = refresh.start(self.ctx, scope, p["AutoScalingGroupName"], request)
        return {"InstanceRefreshId": made}

    def DescribeInstanceRefreshes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 50, 100)
        group = p["AutoScalingGroupName"]
        page = refresh.page(
            self.ctx, scope, group, p.get("InstanceRefreshIds"), p.get("NextToken"), size
        )
        return {
            "InstanceRefreshes": [render(row, group) for row in page.rows],
            "NextToken": page.next_token,
        }

    def CancelInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"InstanceRefreshId": refresh.cancel(self.ctx, scope, p["AutoScalingGroupName"])}

    def RollbackInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"InstanceRefreshId": refresh.rollback(self.ctx, scope, p["AutoScalingGroupName"])}
