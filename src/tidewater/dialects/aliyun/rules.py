"""ESS's names for the engine's scaling rules, both ways: rule types, adjustment types, fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.steps import steps_of, steps_out
from tidewater.domain.policy import check_steps
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import Adjustment, Change, RuleKind, ScalingRule, Target

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
# parameters that are the request's envelope, never a rule's settings
ENVELOPE = ("ScalingGroupId", "ScalingRuleName", "ScalingRuleId", "RegionId", "ClientToken")


def invalid_adjustment() -> AliyunError:
    return AliyunError(
        "InvalidParameter", "The specified value of parameter AdjustmentType is not valid."
    )


def rule_of(p: Mapping[str, Any]) -> ScalingRule:
    """The engine's rule from CreateScalingRule's (or a merged ModifyScalingRule's) parameters."""
    adjustment = p.get("AdjustmentType")
    if adjustment is not None and adjustment not in ADJUSTMENT_TYPES:
        raise invalid_adjustment()
    change = None if adjustment is None else ADJUSTMENT_TYPES[adjustment]
    kind = RULE_TYPES[p.get("ScalingRuleType") or "SimpleScalingRule"]
    magnitude = p.get("MinAdjustmentMagnitude")
    if magnitude is not None and change is not None and change is not Change.BY_PERCENT:
        raise Refusal("policy.magnitude_needs_percent")
    steps = steps_of(p.get("StepAdjustments")) if kind is RuleKind.STEP else ()
    check_steps(steps)
    target = None
    if kind is RuleKind.TARGET_TRACKING and p.get("TargetValue") is not None:
        target = Target(float(p["TargetValue"]), bool(p.get("DisableScaleIn")))
    value = p.get("AdjustmentValue")
    return ScalingRule(
        kind=kind,
        change=change,
        value=None if value is None else int(value),
        min_step=magnitude,
        cooldown=p.get("Cooldown"),
        steps=steps,
        warmup=p.get("EstimatedInstanceWarmup"),
        target=target,
    )


def settings(p: Mapping[str, Any], rule: ScalingRule) -> dict[str, Any]:
    """The parameters the rule does not hold: kept as given and reported back."""
    held = wire(rule)
    return {k: v for k, v in p.items() if k not in held and k not in ENVELOPE}


def kinds_of(rule_type: str | None) -> list[str] | None:
    """DescribeScalingRules' `ScalingRuleType` filter as stored kinds (an unknown type: none)."""
    if rule_type is None:
        return None
    kind = RULE_TYPES.get(rule_type)
    return [] if kind is None else [kind.value]


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
        "EstimatedInstanceWarmup": rule.warmup,
        "StepAdjustments": steps_out(rule.steps) or None,
    }
    if rule.target is not None:
        found["TargetValue"] = rule.target.value
        found["DisableScaleIn"] = rule.target.disable_scale_in
    return {key: value for key, value in found.items() if value is not None}
