"""Rules that span several parameters of one action, checked after each parameter is valid."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from tidewater.dialects.aliyun.ess_api.errors import conflict, invalid_parameter, missing_parameter

if TYPE_CHECKING:
    from tidewater.dialects.aliyun.ess_api.parsing import Node


def _label(root: Node, name: str) -> str:
    for f in root.fields:
        if f.name == name:
            return f.label
    return name


def _check_sizes(action: str, out: dict[str, Any]) -> None:
    lo, hi, want = out.get("MinSize"), out.get("MaxSize"), out.get("DesiredCapacity")
    if lo is not None and hi is not None and lo > hi:
        raise conflict(action, "MinSize", "MaxSize")
    if want is not None:
        if lo is not None and want < lo:
            raise conflict(action, "DesiredCapacity", "MinSize")
        if hi is not None and want > hi:
            raise conflict(action, "DesiredCapacity", "MaxSize")


# AdjustmentValue ranges by AdjustmentType (2022 docstrings of CreateScalingRule and
# ScaleWithAdjustment).
_ADJUSTMENT_RANGES: Final = {
    "QuantityChangeInCapacity": (-1000, 1000),
    "PercentChangeInCapacity": (-100, 10000),
    "TotalCapacity": (0, 2000),
}


def _check_adjustment(out: dict[str, Any], root: Node) -> None:
    kind, value = out.get("AdjustmentType"), out.get("AdjustmentValue")
    if kind is not None and value is not None:
        lo, hi = _ADJUSTMENT_RANGES[kind]
        if not lo <= value <= hi:
            raise invalid_parameter(_label(root, "AdjustmentValue"))


def _check_create_rule(out: dict[str, Any], root: Node) -> None:
    rule_type = out.get("ScalingRuleType", "SimpleScalingRule")
    if rule_type in ("SimpleScalingRule", "StepScalingRule") and "AdjustmentType" not in out:
        raise missing_parameter(_label(root, "AdjustmentType"))
    if rule_type == "SimpleScalingRule" and "AdjustmentValue" not in out:
        raise missing_parameter(_label(root, "AdjustmentValue"))
    if rule_type in ("TargetTrackingScalingRule", "PredictiveScalingRule"):
        target = out.get("TargetValue")
        if target is None:
            raise missing_parameter(_label(root, "TargetValue"))
        if target <= 0:
            raise invalid_parameter(_label(root, "TargetValue"))
    _check_adjustment(out, root)


# ScheduledTaskName: 2 to 64 letters, digits, "_", "-", "." from a letter or digit (2022 docs)
_TASK_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}\Z")


def _check_task(out: dict[str, Any], root: Node, create: bool) -> None:
    """ScheduledAction or ScalingGroupId with sizes, never both; a recurrence's type and value
    together; a name and a description of the documented lengths."""
    name, text = out.get("ScheduledTaskName"), out.get("Description")
    if name is not None and not _TASK_NAME.match(name):
        raise invalid_parameter(_label(root, "ScheduledTaskName"))
    if text is not None and not 2 <= len(text) <= 200:
        raise invalid_parameter(_label(root, "Description"))
    if out.get("ScheduledAction") and out.get("ScalingGroupId"):
        raise conflict("CreateScheduledTask", "ScheduledAction", "ScalingGroupId")
    sizes = [out.get(k) for k in ("MinValue", "MaxValue", "DesiredCapacity")]
    if out.get("ScalingGroupId") and all(v is None for v in sizes):
        raise missing_parameter(_label(root, "DesiredCapacity"))
    if create and not out.get("ScheduledAction") and not out.get("ScalingGroupId"):
        raise missing_parameter(_label(root, "ScheduledAction"))
    kind, value = out.get("RecurrenceType"), out.get("RecurrenceValue")
    if (kind is None) != (value is None) and create:
        raise missing_parameter(
            _label(root, "RecurrenceValue" if value is None else "RecurrenceType")
        )
    if create and kind != "Cron" and not out.get("LaunchTime"):
        raise missing_parameter(_label(root, "LaunchTime"))


CHECKS: Final[dict[str, Callable[[dict[str, Any], Node], None]]] = {
    "CreateScalingGroup": lambda out, root: _check_sizes("CreateScalingGroup", out),
    "ModifyScalingGroup": lambda out, root: _check_sizes("ModifyScalingGroup", out),
    "CreateScalingRule": _check_create_rule,
    "ModifyScalingRule": _check_adjustment,
    "ScaleWithAdjustment": _check_adjustment,
    "CreateScheduledTask": lambda out, root: _check_task(out, root, create=True),
    "ModifyScheduledTask": lambda out, root: _check_task(out, root, create=False),
}
