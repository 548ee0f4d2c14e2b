"""ESS scheduled task calls: the wire's fields onto the engine's tasks and back (2022 names; the
2014 list wrappers are applied afterwards)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tidewater.dialects.aliyun.ess_api import invalid_parameter
from tidewater.domain.schedule import Schedule
from tidewater.domain.scope import Scope
from tidewater.engine import scheduled_tasks
from tidewater.engine.context import Context
from tidewater.engine.scheduled_tasks import Task

STAMP = "%Y-%m-%dT%H:%MZ"  # ESS times: YYYY-MM-DDThh:mmZ, UTC


def instant(p: Mapping[str, Any], name: str) -> datetime | None:
    """An ESS time parameter, or None when absent; any other form is refused."""
    value = p.get(name)
    if not value:
        return None
    try:
        return datetime.strptime(value, STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise invalid_parameter(name) from None


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime(STAMP)


# request parameter -> (Task field, or the schedule's field under "schedule")
FIELDS = {
    "ScheduledTaskName": "name",
    "Description": "description",
    "ScheduledAction": "rule_ari",
    "ScalingGroupId": "group",
    "MinValue": "min_size",
    "MaxValue": "max_size",
    "DesiredCapacity": "desired",
    "LaunchExpirationTime": "expiry",
    "TaskEnabled": "enabled",
}
SCHEDULE = {"RecurrenceType": "kind", "RecurrenceValue": "recurrence"}
TIMES = {"LaunchTime": "start", "RecurrenceEndTime": "end"}


def change_of(p: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a Create or Modify request gives, in the engine's words."""
    change = {field: p[name] for name, field in FIELDS.items() if p.get(name) is not None}
    timing = {field: p[name] for name, field in SCHEDULE.items() if p.get(name) is not None}
    timing |= {field: instant(p, name) for name, field in TIMES.items() if p.get(name)}
    if timing:
        change["schedule"] = timing
    return change


class ScheduledTaskActions:
    """CreateScheduledTask and its siblings, mixed into the ESS service."""

    ctx: Context

    def CreateScheduledTask(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        change = change_of(p)
        task = Task(schedule=Schedule(**change.pop("schedule", {})), **change)
        return {"ScheduledTaskId": scheduled_tasks.create(self.ctx, scope, task)}

    def ModifyScheduledTask(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        scheduled_tasks.modify(self.ctx, scope, p["ScheduledTaskId"], change_of(p))
        return {}

    def DeleteScheduledTask(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        scheduled_tasks.delete_one(self.ctx, scope, p["ScheduledTaskId"])
        return {}

    def DescribeScheduledTasks(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = int(p.get("PageNumber") or 1), int(p.get("PageSize") or 10)
        enabled = p.get("TaskEnabled")
        kind = p.get("RecurrenceType")
        page = scheduled_tasks.page(
            self.ctx,
            scope,
            p.get("ScalingGroupId"),
            p.get("ScheduledTaskIds"),
            p.get("ScheduledTaskNames"),
            p.get("ScheduledActions"),
            number,
            size,
            enabled=None if enabled is None else [enabled],
            kinds=None if kind is None else [kind],
            values=[p["RecurrenceValue"]] if p.get("RecurrenceValue") else None,
            name_part=p.get("TaskName"),
        )
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "ScheduledTasks": [_task(row) for row in page.rows],
        }


def _task(row: Any) -> dict[str, Any]:
    """One task as DescribeScheduledTasks shows it; what it does not set is left out."""
    found: dict[str, Any] = {
        "ScheduledTaskId": row.id,
        "ScheduledTaskName": row.name,
        "Description": row.description,
        "ScheduledAction": row.rule_ari,
        "ScalingGroupId": row.group_key,
        "LaunchTime": _stamp(row.start_at),
        "RecurrenceType": row.recurrence and row.kind,
        "RecurrenceValue": row.recurrence,
        "RecurrenceEndTime": _stamp(row.end_at),
        "LaunchExpirationTime": row.expiry,
        "TaskEnabled": row.enabled,
        "MinValue": row.min_size,
        "MaxValue": row.max_size,
        "DesiredCapacity": row.desired,
    }
    return {key: value for key, value in found.items() if value is not None}
