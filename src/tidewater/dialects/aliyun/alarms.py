"""ESS event-triggered tasks (CreateAlarm and its siblings): ESS's parameters onto the engine's
tasks and back, both API versions under their 2022 names."""

from __future__ import annotations

from typing import Any, Final

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.ess_api.specs.alarms import PERIODS
from tidewater.domain.scope import Scope
from tidewater.engine import ess_alarms
from tidewater.engine.context import Context

# what a task keeps, under ESS's names; defaults as the API reference gives them
SETTINGS: Final = (
    "Name",
    "Description",
    "MetricType",
    "MetricName",
    "Period",
    "Statistics",
    "Threshold",
    "ComparisonOperator",
    "EvaluationCount",
    "AlarmActions",
    "Dimensions",
    "Expressions",
    "ExpressionsLogicOperator",
    "Effective",
    "GroupId",
)
DEFAULTS: Final = {
    "MetricType": "system",
    "Period": 300,
    "Statistics": "Average",
    "ComparisonOperator": ">=",
    "EvaluationCount": 3,
}


def _settings(p: dict[str, Any]) -> dict[str, Any]:
    period = p.get("Period")
    if period is not None and period not in PERIODS:
        raise AliyunError(
            "InvalidParameter", 'The specified value of parameter "Period" is not valid.'
        )
    return {k: p[k] for k in SETTINGS if p.get(k) not in (None, "", [])}


def _paging(p: dict[str, Any]) -> tuple[int, int]:
    return int(p.get("PageNumber") or 1), int(p.get("PageSize") or 10)


class AlarmTaskActions:
    """CreateAlarm and its siblings, mixed into the ESS service."""

    ctx: Context

    def CreateAlarm(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        spec = {**DEFAULTS, **_settings(p)}
        task = ess_alarms.create(self.ctx, scope, p["ScalingGroupId"], spec)
        return {"AlarmTaskId": task}

    def ModifyAlarm(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"AlarmTaskId": ess_alarms.modify(self.ctx, scope, p["AlarmTaskId"], _settings(p))}

    def DeleteAlarm(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"AlarmTaskId": ess_alarms.remove(self.ctx, scope, p["AlarmTaskId"])}

    def EnableAlarm(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        ess_alarms.enable(self.ctx, scope, p["AlarmTaskId"], True)
        return {}

    def DisableAlarm(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        ess_alarms.enable(self.ctx, scope, p["AlarmTaskId"], False)
        return {}

    def DescribeAlarms(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = _paging(p)
        ids = [p["AlarmTaskId"]] if p.get("AlarmTaskId") else None
        page = ess_alarms.page(self.ctx, scope, p.get("ScalingGroupId"), ids, p, number, size)
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "AlarmList": [
                {
                    "AlarmActions": [],
                    "Dimensions": [],
                    **row.spec,
                    "AlarmTaskId": row.id,
                    "Name": row.name,
                    "ScalingGroupId": row.group_key,
                    "State": row.state,
                    "Enable": row.enabled,
                }
                for row in page.rows
            ],
        }
