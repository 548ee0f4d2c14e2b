"""AWS scheduled action calls: the wire's fields onto the engine's actions and back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from tidewater.dialects.aws.refusals import render
from tidewater.domain.refusal import Refusal
from tidewater.domain.schedule import Schedule
from tidewater.domain.scope import Scope
from tidewater.engine import queries, scheduled_actions
from tidewater.engine.context import Context
from tidewater.engine.scheduled_actions import Action, Query


def action_of(p: Mapping[str, Any]) -> Action:
    """One request (or ScheduledUpdateGroupActionRequest) in neutral words."""
    return Action(
        name=p["ScheduledActionName"],
        schedule=Schedule(
            start=p.get("StartTime") or p.get("Time"),
            end=p.get("EndTime"),
            recurrence=p.get("Recurrence"),
            time_zone=p.get("TimeZone"),
        ),
        min_size=p.get("MinSize"),
        max_size=p.get("MaxSize"),
        desired=p.get("DesiredCapacity"),
    )


def _failure(refusal: Refusal, name: str) -> dict[str, Any]:
    """A batch's entry for one action refused, in the words the single call would use."""
    error = render(refusal, "PutScheduledUpdateGroupAction")
    return {"ScheduledActionName": name, "ErrorCode": error.code, "ErrorMessage": error.message}


def _stamp(value: Any) -> Any:
    return None if value is None else value.astimezone(UTC)


class ScheduledActionActions:
    """PutScheduledUpdateGroupAction and its siblings, mixed into the Auto Scaling service."""

    ctx: Context

    def PutScheduledUpdateGroupAction(self, scope: Scope, p: dict[str, Any]) -> None:
        scheduled_actions.put(self.ctx, scope, p["AutoScalingGroupName"], [action_of(p)])

    def BatchPutScheduledUpdateGroupAction(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        actions = [action_of(a) for a in p["ScheduledUpdateGroupActions"]]
        group = p["AutoScalingGroupName"]
        failed = scheduled_actions.put(self.ctx, scope, group, actions, batch=True)
        return {
            "FailedScheduledUpdateGroupActions": [
                _failure(refusal, refusal.facts["name"]) for refusal in failed
            ]
        }

    def DeleteScheduledAction(self, scope: Scope, p: dict[str, Any]) -> None:
        name = p["ScheduledActionName"]
        if scheduled_actions.remove(self.ctx, scope, p["AutoScalingGroupName"], [name]):
            raise Refusal("schedule.not_found", name=name)

    def BatchDeleteScheduledAction(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        names = p["ScheduledActionNames"]
        missing = scheduled_actions.remove(self.ctx, scope, p["AutoScalingGroupName"], names)
        return {
            "FailedScheduledActions": [
                _failure(Refusal("schedule.not_found", name=name), name) for name in missing
            ]
        }

    def DescribeScheduledActions(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        query = Query(
            group=p.get("AutoScalingGroupName"),
            names=p.get("ScheduledActionNames"),
            start=p.get("StartTime"),
            end=p.get("EndTime"),
            token=p.get("NextToken"),
            size=queries.page_size(p.get("MaxRecords"), 50, 100),
        )
        page = scheduled_actions.page(self.ctx, scope, query)
        out: dict[str, Any] = {
            "ScheduledUpdateGroupActions": [
                {
                    "AutoScalingGroupName": row.group_name,
                    "ScheduledActionName": row.name,
                    "ScheduledActionARN": (
                        f"arn:aws:autoscaling:{scope.region}:{scope.account}:"
                        f"scheduledUpdateGroupAction:{row.id}:autoScalingGroupName/"
                        f"{row.group_name}:scheduledActionName/{row.name}"
                    ),
                    "Time": _stamp(row.next_at),
                    "StartTime": _stamp(row.next_at),
                    "EndTime": _stamp(row.end_at),
                    "Recurrence": row.recurrence,
                    "MinSize": row.min_size,
                    "MaxSize": row.max_size,
                    "DesiredCapacity": row.desired,
                    "TimeZone": row.time_zone,
                }
                for row in page.rows
            ]
        }
        if page.next_token:
            out["NextToken"] = page.next_token
        return out
