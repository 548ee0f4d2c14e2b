"""The two alarms an AWS target tracking policy owns, built from its configuration: pure data
for the engine to hand to the alarms port (docs/facts/scaling-policies.md, "Owned alarms")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

PERIOD: Final = 60  # one-minute alarms (captured AWS-created alarms)
HIGH_PERIODS: Final = 3  # AlarmHigh: 3 of 3 datapoints above the target
LOW_PERIODS: Final = 15  # AlarmLow: 15 of 15 below the low threshold
LOW_FACTOR: Final = 0.9  # [NO SOURCE] as a rule: one capture (60 -> 54), "usually 10% lower"
# predefined metric type -> (namespace, metric name, statistic)
PREDEFINED: Final[dict[str, tuple[str, str, str]]] = {
    "ASGAverageCPUUtilization": ("AWS/EC2", "CPUUtilization", "Average"),
    "ASGAverageNetworkIn": ("AWS/EC2", "NetworkIn", "Average"),
    "ASGAverageNetworkOut": ("AWS/EC2", "NetworkOut", "Average"),
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum"),
}


def description(policy_arn: str) -> str:
    return f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy_arn}."


def low_threshold(target: float) -> float:
    """The scale-in alarm's threshold: sufficiently below the target that removing capacity
    does not push the metric back above it."""
    return round(target * LOW_FACTOR, 10)


def metric_of(group: str, tracking: Mapping[str, Any]) -> dict[str, Any]:
    """The alarm members that name the policy's metric (PutMetricAlarm's words)."""
    predefined = tracking.get("PredefinedMetricSpecification")
    if predefined is not None:
        namespace, name, statistic = PREDEFINED[predefined["PredefinedMetricType"]]
        if namespace == "AWS/ApplicationELB":
            label = str(predefined.get("ResourceLabel") or "")
            target_group = label[label.find("targetgroup/") :] if "targetgroup/" in label else label
            dims = [{"Name": "TargetGroup", "Value": target_group}]
        else:
            dims = [{"Name": "AutoScalingGroupName", "Value": group}]
        return {
            "Namespace": namespace,
            "MetricName": name,
            "Statistic": statistic,
            "Dimensions": dims,
            "Period": PERIOD,
        }
    custom = tracking["CustomizedMetricSpecification"]
    if custom.get("Metrics"):
        queries = []
        for query in custom["Metrics"]:
            stat = query.get("MetricStat")
            kept = {k: query[k] for k in ("Id", "Label", "Expression", "ReturnData") if k in query}
            if stat is not None:
                kept["MetricStat"] = {
                    "Metric": stat["Metric"],
                    "Stat": stat["Stat"],
                    "Period": PERIOD,
                    **({"Unit": stat["Unit"]} if stat.get("Unit") else {}),
                }
            queries.append(kept)
        return {"Metrics": queries}
    out = {
        "Namespace": custom["Namespace"],
        "MetricName": custom["MetricName"],
        "Statistic": custom["Statistic"],
        "Dimensions": list(custom.get("Dimensions") or []),
        "Period": PERIOD,
    }
    if custom.get("Unit"):
        out["Unit"] = custom["Unit"]
    return out


def owned_alarms(
    group: str, policy_arn: str, tracking: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """The alarms' PutMetricAlarm members by role ("High", "Low"): no AlarmLow when scale-in
    is disabled ([NO SOURCE] for AWS; ESS documents the same for its rules)."""
    target = float(tracking["TargetValue"])
    common = {
        "AlarmDescription": description(policy_arn),
        "AlarmActions": [policy_arn],
        **metric_of(group, tracking),
    }
    out = {
        "High": {
            **common,
            "EvaluationPeriods": HIGH_PERIODS,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": target,
        }
    }
    if not tracking.get("DisableScaleIn"):
        out["Low"] = {
            **common,
            "EvaluationPeriods": LOW_PERIODS,
            "ComparisonOperator": "LessThanThreshold",
            "Threshold": low_threshold(target),
        }
    return out


def alarm_name(group: str, role: str, uuid: str) -> str:
    return f"TargetTracking-{group}-Alarm{role}-{uuid}"


# ---- ESS: the event-triggered tasks a TargetTrackingScalingRule owns -------------------------

ESS_OUT_COUNT: Final = 3  # ScaleOutEvaluationCount's default (CreateScalingRule reference)
ESS_IN_COUNT: Final = 15  # ScaleInEvaluationCount's default


def ess_description(ari: str, name: str) -> str:
    return (
        "DO NOT EDIT OR DELETE.For TargetTrackingScalingRule "
        f"scalingRuleAri:{ari}, scalingRuleName:{name}"
    )


def ess_tasks(ari: str, name: str, settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The tasks' CreateAlarm settings by role: scale-out above the target every minute for
    ScaleOutEvaluationCount minutes, scale-in below it ([NO SOURCE] the high comparison and
    both thresholds) for ScaleInEvaluationCount, none for scale-in when it is disabled."""
    target = float(settings["TargetValue"])
    common = {
        "Description": ess_description(ari, name),
        "MetricType": "system",
        "MetricName": settings.get("MetricName") or "CpuUtilization",
        "Period": PERIOD,
        "Statistics": "Average",
        "AlarmActions": [ari],
    }
    out = {
        "High": {
            **common,
            "ComparisonOperator": ">",
            "Threshold": target,
            "EvaluationCount": int(settings.get("ScaleOutEvaluationCount") or ESS_OUT_COUNT),
        }
    }
    if not settings.get("DisableScaleIn"):
        out["Low"] = {
            **common,
            "ComparisonOperator": "<",
            "Threshold": low_threshold(target),
            "EvaluationCount": int(settings.get("ScaleInEvaluationCount") or ESS_IN_COUNT),
        }
    return out
