"""ESS instance refresh actions: ESS's names for a refresh's states, defaults and fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.domain import refresh as rules
from tidewater.domain.launch import ScalingConfiguration, source_of
from tidewater.domain.refresh import Event, Phase
from tidewater.domain.scope import Scope
from tidewater.engine import queries, refresh
from tidewater.engine.context import Context

# DescribeInstanceRefreshes' Status (alibabacloud-ess20220222 model documentation). A running
# task held at a checkpoint reads CheckpointPause.
STATUS = {
    Phase.PENDING: "Pending",
    Phase.RUNNING: "InProgress",
    Phase.PAUSED: "Paused",
    Phase.SUCCESSFUL: "Successful",
    Phase.FAILED: "Failed",
    Phase.CANCELLING: "Cancelling",
    Phase.CANCELLED: "Cancelled",
    Phase.ROLLING_BACK: "RollbackInProgress",
    Phase.ROLLBACK_FAILED: "RollbackFailed",
    Phase.ROLLBACK_SUCCESSFUL: "RollbackSuccessful",
}
# `Detail`, "the failure reason when the instance refresh task fails" (texts inferred)
DETAILS = {
    "launch_failed": "A new instance failed to be created or to enter the In Service state "
    "(scaling activity {activity}).",
}
MINUTE = 60


def _desired(p: Mapping[str, Any]) -> dict[str, Any] | None:
    given = p.get("DesiredConfiguration") or {}
    if not given:
        return None  # the group's active configuration
    named = [k for k in ("ScalingConfigurationId", "ImageId", "LaunchTemplateId", "Containers")]
    named = [k for k in named if given.get(k)]
    if len(named) > 1:
        # the model's note: they cannot be given together (text inferred)
        raise AliyunError(
            "InvalidParameter",
            "You cannot specify ScalingConfigurationId, ImageId, LaunchTemplateId and "
            "Containers at the same time.",
        )
    if named != ["ScalingConfigurationId"]:
        # chosen: a group's source in Tidewater is a scaling configuration, kept whole
        raise AliyunError(
            "InvalidParameter",
            "Tidewater refreshes instances to a scaling configuration only; specify "
            "DesiredConfiguration.ScalingConfigurationId.",
        )
    return ScalingConfiguration(given["ScalingConfigurationId"]).stored()


def _preferences(p: Mapping[str, Any]) -> rules.Preferences:
    checkpoints = [c.get("Percentage") for c in p.get("Checkpoints") or ()]
    pause = p.get("CheckpointPauseTime")
    return rules.preferences(
        # ESS's defaults: 80 and 120 (the request model's documentation)
        min_healthy=p.get("MinHealthyPercentage", 80),
        max_healthy=p.get("MaxHealthyPercentage", 120),
        warmup=0,  # ESS counts an instance refreshed once it is In Service (inferred)
        checkpoints=sorted(c for c in checkpoints if c is not None),
        checkpoint_delay=(pause if pause is not None else 60) * MINUTE if checkpoints else None,
        skip_matching=p.get("SkipMatching", True),
        # Standby, protected and manually added instances take no part (API reference)
        protected="Ignore",
        standby="Ignore",
        skip_attached=True,
        stops_at_last=False,  # a checkpoint pauses the task for a while, then it goes on
    )


def render(row: Any, group_id: str, region: str) -> dict[str, Any]:
    figures = refresh.view(row)
    phase: Phase = figures["phase"]
    prefs = rules.Preferences.of(row.preferences)
    progress = row.progress
    status = STATUS[phase]
    if phase is Phase.RUNNING and row.reason == "checkpoint":
        status = "CheckpointPause"
    total = progress["total"]
    out: dict[str, Any] = {
        "InstanceRefreshTaskId": row.id,
        "ScalingGroupId": group_id,
        "RegionId": region,
        "Status": status,
        "Strategy": row.strategy,
        "StartTime": row.started_at.strftime("%Y-%m-%dT%H:%MZ"),
        "MinHealthyPercentage": prefs.min_healthy,
        "MaxHealthyPercentage": prefs.max_healthy,
        "SkipMatching": prefs.skip_matching,
        "TotalNeedUpdateCapacity": total,
        "FinishedUpdateCapacity": total - figures["left"],
    }
    if row.ended_at is not None:
        out["EndTime"] = row.ended_at.strftime("%Y-%m-%dT%H:%MZ")
    if prefs.checkpoints:
        out["Checkpoints"] = [{"Percentage": c} for c in prefs.checkpoints]
        out["CheckpointPauseTime"] = prefs.delay // MINUTE
    source = source_of(row.desired)
    if isinstance(source, ScalingConfiguration):
        out["DesiredConfiguration"] = {"ScalingConfigurationId": source.id}
    if row.reason in DETAILS and phase in (Phase.FAILED, Phase.ROLLBACK_FAILED):
        try:
            out["Detail"] = DETAILS[row.reason].format(**figures["why"])
        except KeyError:
            out["Detail"] = row.reason
    return out


class InstanceRefreshActions:
    """StartInstanceRefresh and its siblings, mixed into the ESS service."""

    ctx: Context

    def StartInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        strategy = p.get("Strategy") or "Rolling"
        if strategy != "Rolling":
            raise AliyunError(
                "InvalidParameter", "The specified value of parameter Strategy is not valid."
            )
        request = refresh.Request(strategy, _desired(p), _preferences(p))
        made = refresh.start(self.ctx, scope, p["ScalingGroupId"], request)
        return {"InstanceRefreshTaskId": made}

    def DescribeInstanceRefreshes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxResults"), 10, 50)
        group = p["ScalingGroupId"]
        page = refresh.page(
            self.ctx, scope, group, p.get("InstanceRefreshTaskIds"), p.get("NextToken"), size
        )
        out: dict[str, Any] = {
            "InstanceRefreshTasks": [render(row, group, scope.region) for row in page.rows],
            "MaxResults": size,
            "TotalCount": page.extra["total"],
        }
        if page.next_token:
            out["NextToken"] = page.next_token
        return out

    def CancelInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        refresh.cancel(self.ctx, scope, p["ScalingGroupId"], p["InstanceRefreshTaskId"])
        return {}

    def SuspendInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        refresh.pause(
            self.ctx, scope, p["ScalingGroupId"], p["InstanceRefreshTaskId"], Event.SUSPEND
        )
        return {}

    def ResumeInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        refresh.pause(
            self.ctx, scope, p["ScalingGroupId"], p["InstanceRefreshTaskId"], Event.RESUME
        )
        return {}

    def RollbackInstanceRefresh(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        refresh.rollback(self.ctx, scope, p["ScalingGroupId"], p["InstanceRefreshTaskId"])
        return {}
