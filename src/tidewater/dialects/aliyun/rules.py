"""ESS's names for the engine's scaling rules, both ways: rule types, adjustment types, fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.domain.scaling_rule import Adjustment, Change, RuleKind, ScalingRule

RULE_TYPES = {
    "SimpleScalingRule": RuleKind.SIMPLE,
    "StepScalingRule": RuleKind.STEP,
    "TargetTrackingScalingRule": RuleKind.TARGET_TRACKING,
    "PredictiveScalingRule": RuleKind.PREDICTIVE,
}
RULE_TYPE_NAMES = {kind: name for name, kind in RULE_TYPES.items()}
ADJUSTMENT_TYPES = {
    "QuantityChangeInCapacity": Change.BY_COUNT,
    "PercentChangeInCapacity": Change.BY_PERCENT,
    "TotalCapacity": Change.TO_EXACT,
}
ADJUSTMENT_TYPE_NAMES = {change: name for name, change in ADJUSTMENT_TYPES.items()}
# the parameters the engine's rule holds; the others are kept as settings and reported back
MODELLED = (
    "ScalingRuleType",
    "AdjustmentType",
    "AdjustmentValue",
    "MinAdjustmentMagnitude",
    "Cooldown",
)


def invalid_adjustment() -> AliyunError:
    return AliyunError(
        "InvalidParameter", "The specified value of parameter AdjustmentType is not valid."
    )


def rule_of(p: Mapping[str, Any]) -> ScalingRule:
    """The engine's rule from CreateScalingRule's parameters."""
    adjustment = p.get("AdjustmentType")
    if adjustment is not None and adjustment not in ADJUSTMENT_TYPES:
        raise invalid_adjustment()
    value = p.get("AdjustmentValue")
    return ScalingRule(
        kind=RULE_TYPES[p.get("ScalingRuleType") or "SimpleScalingRule"],
        change=None if adjustment is None else ADJUSTMENT_TYPES[adjustment],
        value=None if value is None else int(value),
        min_step=p.get("MinAdjustmentMagnitude"),
        cooldown=p.get("Cooldown"),
    )


def adjustment_of(p: Mapping[str, Any]) -> Adjustment:
    """The engine's adjustment from ScaleWithAdjustment's parameters."""
    change = ADJUSTMENT_TYPES.get(p.get("AdjustmentType", ""))
    if change is None:
        raise invalid_adjustment()
    return Adjustment(change, int(p.get("AdjustmentValue", 0)), p.get("MinAdjustmentMagnitude"))


def wire(rule: ScalingRule) -> dict[str, Any]:
    """The rule's own fields under ESS's names; a field the rule does not name is left out."""
    found: dict[str, Any] = {
        "ScalingRuleType": RULE_TYPE_NAMES[rule.kind],
        "AdjustmentType": None if rule.change is None else ADJUSTMENT_TYPE_NAMES[rule.change],
        "AdjustmentValue": rule.value,
        "MinAdjustmentMagnitude": rule.min_step,
        "Cooldown": rule.cooldown,
    }
    return {key: value for key, value in found.items() if value is not None}
