"""PutScalingPolicy, DescribePolicies, DeletePolicy and ExecutePolicy: AWS's words for the
engine's scaling rules (engine/policies.py), and the checks AWS makes on a policy's fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidewater.dialects.steps import steps_of, steps_out
from tidewater.domain.policy import Breach, check_steps
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import Change, RuleKind, ScalingRule, Target
from tidewater.domain.scope import Scope
from tidewater.engine import policies, queries
from tidewater.engine.context import Context, rehearsed

POLICY_TYPES = {
    "SimpleScaling": RuleKind.SIMPLE,
    "StepScaling": RuleKind.STEP,
    "TargetTrackingScaling": RuleKind.TARGET_TRACKING,
    "PredictiveScaling": RuleKind.PREDICTIVE,
}
POLICY_TYPE_NAMES = {kind: name for name, kind in POLICY_TYPES.items()}
ADJUSTMENT_TYPES = {
    "ChangeInCapacity": Change.BY_COUNT,
    "PercentChangeInCapacity": Change.BY_PERCENT,
    "ExactCapacity": Change.TO_EXACT,
}
ADJUSTMENT_TYPE_NAMES = {change: name for name, change in ADJUSTMENT_TYPES.items()}
# the request fields each policy type takes (API reference, PutScalingPolicy: "Valid only if
# the policy type is ..."); any other one given is refused
VALID_FIELDS = {
    RuleKind.SIMPLE: {
        "AdjustmentType",
        "MinAdjustmentMagnitude",
        "MinAdjustmentStep",
        "ScalingAdjustment",
        "Cooldown",
    },
    RuleKind.STEP: {
        "AdjustmentType",
        "MinAdjustmentMagnitude",
        "MinAdjustmentStep",
        "StepAdjustments",
        "MetricAggregationType",
        "EstimatedInstanceWarmup",
    },
    RuleKind.TARGET_TRACKING: {"TargetTrackingConfiguration", "EstimatedInstanceWarmup"},
    RuleKind.PREDICTIVE: {"PredictiveScalingConfiguration"},
}
TYPED_FIELDS = set().union(*VALID_FIELDS.values())
# what each type cannot do without (API reference; the SimpleScaling text is observed)
REQUIRED = {
    RuleKind.SIMPLE: ("AdjustmentType", "ScalingAdjustment"),
    RuleKind.STEP: ("AdjustmentType", "StepAdjustments"),
    RuleKind.TARGET_TRACKING: ("TargetTrackingConfiguration",),
    RuleKind.PREDICTIVE: ("PredictiveScalingConfiguration",),
}
KEPT = ("MetricAggregationType", "TargetTrackingConfiguration", "PredictiveScalingConfiguration")


def rule_of(p: Mapping[str, Any]) -> ScalingRule:
    """The engine's rule from PutScalingPolicy's fields, refused where AWS refuses them."""
    type_name = p.get("PolicyType") or "SimpleScaling"
    kind = POLICY_TYPES.get(type_name)
    if kind is None:
        raise Refusal("policy.type_invalid", type=type_name)
    for field in sorted(TYPED_FIELDS - VALID_FIELDS[kind]):
        if p.get(field) is not None:
            raise Refusal("policy.field_invalid", field=field, type=type_name)
    for field in REQUIRED[kind]:
        if p.get(field) is None or p.get(field) == []:
            raise Refusal(f"policy.missing.{field}", field=field, type=type_name)
    change = None
    if kind in (RuleKind.SIMPLE, RuleKind.STEP):
        change = ADJUSTMENT_TYPES.get(p["AdjustmentType"])
        if change is None:
            raise Refusal("policy.adjustment_type_invalid", value=p["AdjustmentType"])
    magnitude = p.get("MinAdjustmentMagnitude", p.get("MinAdjustmentStep"))
    if magnitude is not None and change is not Change.BY_PERCENT:
        raise Refusal("policy.magnitude_needs_percent")
    steps = steps_of(p.get("StepAdjustments"))
    check_steps(steps)
    value = p.get("ScalingAdjustment")
    values = [value or 0, *(s.adjustment for s in steps)]
    if change is Change.TO_EXACT and any(v < 0 for v in values):
        raise Refusal("policy.exact_negative")
    tracking = p.get("TargetTrackingConfiguration")
    target = None
    if tracking is not None:
        _check_tracked_metric(tracking)
        target = Target(float(tracking["TargetValue"]), bool(tracking.get("DisableScaleIn")))
    return ScalingRule(
        kind=kind,
        change=change,
        value=value,
        min_step=magnitude,
        cooldown=p.get("Cooldown"),
        steps=steps,
        warmup=p.get("EstimatedInstanceWarmup"),
        target=target,
        enabled=p.get("Enabled", True),
    )


# what a CustomizedMetricSpecification without Metrics must name ([NO SOURCE]: the model makes
# none of them required since Metrics came; without them there is no metric to alarm on)
CUSTOM_METRIC_MEMBERS = ("MetricName", "Namespace", "Statistic")


def _check_tracked_metric(tracking: Mapping[str, Any]) -> None:
    """A target tracking policy tracks exactly one metric, predefined or customized."""
    specs = ("PredefinedMetricSpecification", "CustomizedMetricSpecification")
    if sum(tracking.get(k) is not None for k in specs) != 1:
        raise Refusal("policy.tracking_metric_one")
    custom = tracking.get("CustomizedMetricSpecification")
    if custom is not None and not custom.get("Metrics"):
        absent = [k for k in CUSTOM_METRIC_MEMBERS if custom.get(k) is None]
        if absent:
            raise Refusal("policy.custom_metric_incomplete", member=absent[0])


def _arn_or_group(p: Mapping[str, Any]) -> tuple[str | None, str]:
    """A policy is named by its ARN, or by its name with its group (AWS refuses a bare name)."""
    name, group = p["PolicyName"], p.get("AutoScalingGroupName")
    if group is None and not name.startswith("arn:"):
        raise Refusal("policy.group_required")
    return (None if name.startswith("arn:") else group), name


def _policy(row: Any) -> dict[str, Any]:
    """One ScalingPolicy as DescribePolicies answers it."""
    rule = policies.rule_of(row)
    data = row.data or {}
    out: dict[str, Any] = {
        "AutoScalingGroupName": row.group_name,
        "PolicyName": row.name,
        "PolicyARN": row.ari,
        "PolicyType": POLICY_TYPE_NAMES[rule.kind],
        "AdjustmentType": None if rule.change is None else ADJUSTMENT_TYPE_NAMES[rule.change],
        "MinAdjustmentStep": rule.min_step,
        "MinAdjustmentMagnitude": rule.min_step,
        "ScalingAdjustment": rule.value,
        "Cooldown": rule.cooldown,
        "StepAdjustments": steps_out(rule.steps),
        "EstimatedInstanceWarmup": rule.warmup,
        "Alarms": _alarms(row),
        "Enabled": rule.enabled,
    }
    if rule.kind is RuleKind.STEP:
        out["MetricAggregationType"] = data.get("MetricAggregationType") or "Average"
    for key in KEPT[1:]:
        if data.get(key) is not None:
            out[key] = data[key]
    return {key: value for key, value in out.items() if value is not None}


def _alarms(row: Any) -> list[dict[str, str]]:
    """The alarms a policy owns, as AWS lists them (AlarmARN first, as its examples)."""
    return [{"AlarmARN": a["arn"], "AlarmName": a["name"]} for a in row.alarms or ()]


class PolicyActions:
    """The scaling policy actions, mixed into the Auto Scaling service."""

    ctx: Context

    def PutScalingPolicy(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        rule = rule_of(p)
        data = {key: p[key] for key in KEPT if p.get(key) is not None}
        group = p["AutoScalingGroupName"]
        _, arn = policies.put(self.ctx, scope, group, p["PolicyName"], rule, data)
        out: dict[str, Any] = {"PolicyARN": arn}
        if rule.kind is RuleKind.TARGET_TRACKING:  # the two CloudWatch alarms it owns
            rows = policies.page(self.ctx, scope, group, [arn], None, None, 1).rows
            out["Alarms"] = _alarms(rows[0])
        return out

    def DescribePolicies(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        kinds = None
        if p.get("PolicyTypes"):
            kinds = [POLICY_TYPES[t] for t in p["PolicyTypes"] if t in POLICY_TYPES]
            if not kinds:
                return {"ScalingPolicies": []}
        page = policies.page(
            self.ctx,
            scope,
            p.get("AutoScalingGroupName"),
            p.get("PolicyNames"),
            kinds,
            p.get("NextToken"),
            queries.page_size(p.get("MaxRecords"), 50, 100),
        )
        out: dict[str, Any] = {"ScalingPolicies": [_policy(row) for row in page.rows]}
        if page.next_token:
            out["NextToken"] = page.next_token
        return out

    def DeletePolicy(self, scope: Scope, p: dict[str, Any]) -> None:
        group, name = _arn_or_group(p)
        policies.remove(self.ctx, scope, group, name)

    @rehearsed
    def ExecutePolicy(self, scope: Scope, p: dict[str, Any]) -> None:
        group, name = _arn_or_group(p)
        arn = policies.find(self.ctx, scope, group, name)
        metric, threshold = p.get("MetricValue"), p.get("BreachThreshold")
        breach = None
        if metric is not None or threshold is not None:
            if metric is None or threshold is None:
                raise Refusal("policy.breach_required", name=name)
            breach = Breach(float(metric), float(threshold))
        policies.fire(
            self.ctx, scope, arn, breach, honor_cooldown=bool(p.get("HonorCooldown")), alarm=None
        )
