"""Fuzzed scaling requests (AWS policies and scheduled actions, CloudWatch alarms and metrics, ESS
rules and alarm tasks) over real signed HTTP: every answer is the cloud's error shape, never a 5xx
and never a body a client cannot read; the runner settles after what the fuzzing stored."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import cbor2
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import aliyun_get, aws_client, ess_cpu_task, make_group
from tests.test_ess import ready_group

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
GRANITE = "GraniteServiceVersion20100801"
CLOUDWATCH = [
    "PutMetricAlarm",
    "DescribeAlarms",
    "SetAlarmState",
    "DescribeAlarmHistory",
    "PutMetricData",
    "GetMetricStatistics",
    "GetMetricData",
]
WEIRD = ["", "-1", "0", "1", "1e400", "NaN", "Infinity", "-0", "9" * 40, "true", "x" * 300]
GONE = object()  # a mutation that removes the member


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member and element of a request, so a mutation can reach any depth."""
    found = [at] if at else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*at, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*at, index))
    return found


def _mutated(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of a request with one member replaced (or removed, for GONE)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    if rest:
        copy[head] = _mutated(copy[head], rest, value)
    elif value is GONE and isinstance(copy, dict):
        del copy[head]
    elif value is GONE:
        copy.pop(head)
    else:
        copy[head] = value
    return copy


def near_valid(
    bases: dict[str, list[dict[str, Any]]], values: st.SearchStrategy[Any]
) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """A valid request of some action with one to three members broken: what reaches the
    deeper checks a random request never gets past."""

    @st.composite
    def draw(data: st.DrawFn) -> tuple[str, dict[str, Any]]:
        action = data(st.sampled_from(sorted(bases)))
        doc = data(st.sampled_from(bases[action]))
        for _ in range(data(st.integers(0, 2))):
            paths = _paths(doc)
            if not paths:
                break
            path = data(st.sampled_from(paths))
            doc = _mutated(doc, path, data(st.one_of(st.just(GONE), values)))
        return action, doc

    return draw()


def requests_of(
    keys: list[str],
    bases: dict[str, list[dict[str, Any]]],
    values: st.SearchStrategy[Any],
    actions: list[str] | None = None,
) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """An action with members drawn at random from `keys`, or a valid request broken a little
    (twice as often: it reaches further)."""
    shallow = st.tuples(
        st.sampled_from(actions or sorted(bases)),
        st.dictionaries(st.sampled_from(keys), values, max_size=9),
    )
    return st.one_of(shallow, near_valid(bases, values), near_valid(bases, values))


def signed_post(
    server: Server, region: str, service: str, path: str, body: bytes, headers: dict[str, str]
) -> requests.Response:
    """POST signed with SigV4 as botocore signs, whatever the body holds."""
    request = AWSRequest(method="POST", url=server.url + path, data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), service, region).add_auth(request)
    return requests.post(server.url + path, data=body, headers=dict(request.headers), timeout=30)


@pytest.fixture(scope="module")
def aws_world(server: Server) -> dict[str, str]:
    """One region with a group, a policy of each kind and a scheduled action, made once."""
    region = "tw-scalefuzz-1"
    autoscaling = aws_client(server, "autoscaling", region=region)
    make_group(autoscaling, server, boot=False, min_size=0, max_size=4, desired=0)
    simple = autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="up",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
    )["PolicyARN"]
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="web",
        PolicyName="steps",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        StepAdjustments=[{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
    )
    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName="web",
        ScheduledActionName="nightly",
        Recurrence="0 2 * * *",
        DesiredCapacity=1,
    )
    cloudwatch = aws_client(server, "cloudwatch", region=region)
    cloudwatch.put_metric_alarm(
        AlarmName="high",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": "web"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=70.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[simple],
    )
    return {"region": region, "arn": simple}


POLICY_ACTIONS = [
    "PutScalingPolicy",
    "DescribePolicies",
    "ExecutePolicy",
    "DeletePolicy",
    "PutScheduledUpdateGroupAction",
    "BatchPutScheduledUpdateGroupAction",
    "DescribeScheduledActions",
    "DeleteScheduledAction",
]
POLICY_KEYS = [
    "AutoScalingGroupName",
    "PolicyName",
    "PolicyNames.member.1",
    "PolicyNames.member.60",
    "PolicyTypes.member.1",
    "PolicyType",
    "AdjustmentType",
    "ScalingAdjustment",
    "MinAdjustmentStep",
    "MinAdjustmentMagnitude",
    "Cooldown",
    "MetricAggregationType",
    "EstimatedInstanceWarmup",
    "Enabled",
    "HonorCooldown",
    "MetricValue",
    "BreachThreshold",
    "StepAdjustments.member.1.MetricIntervalLowerBound",
    "StepAdjustments.member.1.MetricIntervalUpperBound",
    "StepAdjustments.member.1.ScalingAdjustment",
    "StepAdjustments.member.2.MetricIntervalUpperBound",
    "StepAdjustments.member.2.ScalingAdjustment",
    "TargetTrackingConfiguration.TargetValue",
    "TargetTrackingConfiguration.DisableScaleIn",
    "TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType",
    "TargetTrackingConfiguration.PredefinedMetricSpecification.ResourceLabel",
    "TargetTrackingConfiguration.CustomizedMetricSpecification.MetricName",
    "TargetTrackingConfiguration.CustomizedMetricSpecification.Namespace",
    "TargetTrackingConfiguration.CustomizedMetricSpecification.Statistic",
    "PredictiveScalingConfiguration.MetricSpecifications.member.1.TargetValue",
    "MaxRecords",
    "NextToken",
    "ScheduledActionName",
    "ScheduledActionNames.member.1",
    "StartTime",
    "EndTime",
    "Time",
    "Recurrence",
    "TimeZone",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "ScheduledUpdateGroupActions.member.1.ScheduledActionName",
    "ScheduledUpdateGroupActions.member.1.Recurrence",
    "ScheduledUpdateGroupActions.member.1.StartTime",
    "ScheduledUpdateGroupActions.member.1.MinSize",
    "ScheduledUpdateGroupActions.member.1.TimeZone",
    "ScheduledUpdateGroupActions.member.2.ScheduledActionName",
    "Junk",
]
POLICY_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            *WEIRD,
            "web",
            "up",
            "steps",
            "nightly",
            "SimpleScaling",
            "StepScaling",
            "TargetTrackingScaling",
            "PredictiveScaling",
            "ChangeInCapacity",
            "PercentChangeInCapacity",
            "ExactCapacity",
            "Minimum",
            "Maximum",
            "Average",
            "ASGAverageCPUUtilization",
            "ALBRequestCountPerTarget",
            "0 2 * * *",
            "*/5 * * * *",
            "61 25 * * *",
            "2030-01-01T00:00:00Z",
            "1999-01-01T00:00:00Z",
            "2030-13-45T99:00:00Z",
            "Europe/Berlin",
            "Mars/Olympus",
        ]
    ),
)


STEPS = {
    "StepAdjustments.member.1.MetricIntervalLowerBound": "0",
    "StepAdjustments.member.1.MetricIntervalUpperBound": "10",
    "StepAdjustments.member.1.ScalingAdjustment": "10",
    "StepAdjustments.member.2.MetricIntervalLowerBound": "10",
    "StepAdjustments.member.2.ScalingAdjustment": "50",
}
SCHEDULE = {
    "StartTime": "2030-01-01T00:00:00Z",
    "EndTime": "2031-01-01T00:00:00Z",
    "Recurrence": "0 6 * * 1-5",
    "TimeZone": "Europe/Berlin",
    "MinSize": "0",
    "MaxSize": "3",
    "DesiredCapacity": "1",
}
POLICY_BASES: dict[str, list[dict[str, Any]]] = {
    "PutScalingPolicy": [
        {"PolicyName": "p", "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": "1"},
        {
            "PolicyName": "s",
            "PolicyType": "StepScaling",
            "AdjustmentType": "PercentChangeInCapacity",
            "MinAdjustmentMagnitude": "1",
            "MetricAggregationType": "Maximum",
            "EstimatedInstanceWarmup": "60",
            **STEPS,
        },
        {
            "PolicyName": "t",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration.TargetValue": "50",
            "TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType": (
                "ASGAverageCPUUtilization"
            ),
        },
    ],
    "ExecutePolicy": [
        {"PolicyName": "steps", "MetricValue": "75", "BreachThreshold": "70"},
        {"PolicyName": "up", "HonorCooldown": "true"},
    ],
    "DescribePolicies": [{"PolicyNames.member.1": "up", "MaxRecords": "5"}],
    "DeletePolicy": [{"PolicyName": "p"}],
    "PutScheduledUpdateGroupAction": [{"ScheduledActionName": "a", **SCHEDULE}],
    "BatchPutScheduledUpdateGroupAction": [
        {
            **{f"ScheduledUpdateGroupActions.member.1.{k}": v for k, v in SCHEDULE.items()},
            "ScheduledUpdateGroupActions.member.1.ScheduledActionName": "b1",
            "ScheduledUpdateGroupActions.member.2.ScheduledActionName": "b2",
            "ScheduledUpdateGroupActions.member.2.StartTime": "2030-01-01T00:00:00Z",
            "ScheduledUpdateGroupActions.member.2.DesiredCapacity": "2",
        }
    ],
    "DescribeScheduledActions": [
        {
            "ScheduledActionNames.member.1": "nightly",
            "StartTime": "2029-01-01T00:00:00Z",
            "EndTime": "2032-01-01T00:00:00Z",
            "MaxRecords": "10",
        }
    ],
}
for _requests in POLICY_BASES.values():
    for _request in _requests:
        _request["AutoScalingGroupName"] = "web"


def test_fuzzed_policy_and_schedule_requests_never_fail_with_a_500(
    server: Server, aws_world: dict[str, str]
) -> None:
    region = aws_world["region"]
    values = st.one_of(POLICY_VALUES, st.just(aws_world["arn"]))

    @FUZZ
    @given(requests_of(POLICY_KEYS, POLICY_BASES, values, POLICY_ACTIONS))
    def call(request: tuple[str, dict[str, str]]) -> None:
        action, params = request
        body = urlencode({"Action": action, "Version": "2011-01-01", **params}).encode()
        reply = signed_post(
            server,
            region,
            "autoscaling",
            "/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        assert reply.status_code < 500, reply.text
        root = ElementTree.fromstring(reply.content)
        if reply.status_code >= 400:
            assert root.tag.endswith("ErrorResponse"), reply.text
            assert root.find(".//{*}Code") is not None, reply.text

    call()
    server.settle()


# CloudWatch request members: top level and nested, drawn from both shapes so nesting goes wrong
CLOUDWATCH_KEYS = [
    "AlarmName",
    "AlarmNames",
    "AlarmNamePrefix",
    "AlarmTypes",
    "ActionPrefix",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "ComparisonOperator",
    "DatapointsToAlarm",
    "Dimensions",
    "EndDate",
    "EndTime",
    "EvaluateLowSampleCountPercentile",
    "EvaluationPeriods",
    "ExtendedStatistic",
    "ExtendedStatistics",
    "HistoryItemType",
    "MaxDatapoints",
    "MaxRecords",
    "MetricData",
    "MetricDataQueries",
    "MetricName",
    "Metrics",
    "Namespace",
    "NextToken",
    "Period",
    "ScanBy",
    "StartDate",
    "StartTime",
    "StateReason",
    "StateReasonData",
    "StateValue",
    "Statistic",
    "Statistics",
    "Threshold",
    "ThresholdMetricId",
    "TreatMissingData",
    "Unit",
]
NESTED_KEYS = [
    "Name",
    "Value",
    "Values",
    "Counts",
    "Timestamp",
    "StatisticValues",
    "SampleCount",
    "Sum",
    "Minimum",
    "Maximum",
    "StorageResolution",
    "Id",
    "Expression",
    "MetricStat",
    "Metric",
    "Stat",
    "ReturnData",
    "Label",
    "Period",
    "Unit",
    "MetricName",
    "Namespace",
    "Dimensions",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            *WEIRD,
            "web",
            "high",
            "AWS/EC2",
            "CPUUtilization",
            "AutoScalingGroupName",
            "Average",
            "p99",
            "p101",
            "ALARM",
            "OK",
            "INSUFFICIENT_DATA",
            "GreaterThanThreshold",
            "LessThanOrEqualToThreshold",
            "StateUpdate",
            "Action",
            "missing",
            "breaching",
            "Percent",
            "TimestampDescending",
            "m1",
            "m1 * 2",
            "{}",
            "{not json",
        ]
    ),
)


def _documents(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """JSON-like values whose dictionaries use CloudWatch's member names."""
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(NESTED_KEYS), inner, max_size=4),
        ),
        max_leaves=12,
    )


JSON_VALUES = _documents(SCALARS)
CBOR_VALUES = _documents(
    st.one_of(
        SCALARS,
        st.binary(max_size=8),
        st.datetimes(timezones=st.just(UTC)),
        st.integers(-(2**80), 2**80),
    )
)


def _json_body(params: dict[str, Any]) -> bytes:
    """JSON as the CLI would send it; NaN and infinities as the strings AWS JSON uses."""

    def plain(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return json.dumps(plain(params)).encode()


BODIES: dict[str, tuple[Callable[[str], tuple[str, dict[str, str]]], Any]] = {
    "json": (
        lambda action: (
            "/",
            {
                "X-Amz-Target": f"{GRANITE}.{action}",
                "Content-Type": "application/x-amz-json-1.0",
            },
        ),
        _json_body,
    ),
    "cbor": (
        lambda action: (
            f"/service/{GRANITE}/operation/{action}",
            {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
        ),
        lambda params: cbor2.dumps(params, datetime_as_timestamp=True, timezone=UTC),
    ),
}


def _cloudwatch_error(protocol: str, reply: requests.Response) -> Any:
    """The error's __type, read as a client of that protocol reads it."""
    if protocol == "json":
        return reply.json()["__type"]
    return cbor2.loads(reply.content)["__type"]


THEN = datetime(2030, 1, 1, tzinfo=UTC)
CPU = {
    "Namespace": "AWS/EC2",
    "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "web"}],
}
CLOUDWATCH_BASES: dict[str, list[dict[str, Any]]] = {
    "PutMetricAlarm": [
        {
            "AlarmName": "fuzzed",
            **CPU,
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": 70.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "breaching",
            "ActionsEnabled": True,
            "AlarmActions": ["arn:aws:autoscaling:x"],
            "Unit": "Percent",
        },
        {
            "AlarmName": "fuzzed-p",
            **CPU,
            "ExtendedStatistic": "p90",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 10.0,
            "ComparisonOperator": "LessThanThreshold",
            "EvaluateLowSampleCountPercentile": "ignore",
        },
    ],
    "DescribeAlarms": [
        {"AlarmNames": ["high", "fuzzed"], "AlarmTypes": ["MetricAlarm"], "MaxRecords": 10},
        {"AlarmNamePrefix": "h", "StateValue": "OK", "ActionPrefix": "arn:aws:autoscaling"},
    ],
    "SetAlarmState": [
        {"AlarmName": "high", "StateValue": "ALARM", "StateReason": "r", "StateReasonData": "{}"}
    ],
    "DescribeAlarmHistory": [
        {
            "AlarmName": "high",
            "HistoryItemType": "StateUpdate",
            "StartDate": THEN,
            "EndDate": THEN,
            "MaxRecords": 5,
            "ScanBy": "TimestampAscending",
        }
    ],
    "PutMetricData": [
        {
            "Namespace": "App/Fuzz",
            "MetricData": [
                {
                    "MetricName": "Load",
                    "Dimensions": [{"Name": "Group", "Value": "web"}],
                    "Value": 1.5,
                    "Unit": "Count",
                    "StorageResolution": 60,
                },
                {"MetricName": "Load", "Values": [1.0, 2.0], "Counts": [1.0, 3.0]},
                {
                    "MetricName": "Load",
                    "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2},
                },
            ],
        }
    ],
    "GetMetricStatistics": [
        {
            **CPU,
            "StartTime": THEN,
            "EndTime": THEN,
            "Period": 60,
            "Statistics": ["Average", "SampleCount"],
            "ExtendedStatistics": ["p50"],
            "Unit": "Percent",
        }
    ],
    "GetMetricData": [
        {
            "MetricDataQueries": [
                {
                    "Id": "m1",
                    "MetricStat": {"Metric": CPU, "Period": 60, "Stat": "Average"},
                    "ReturnData": True,
                    "Label": "cpu",
                }
            ],
            "StartTime": THEN,
            "EndTime": THEN,
            "ScanBy": "TimestampDescending",
            "MaxDatapoints": 100,
        }
    ],
}


@pytest.mark.parametrize("protocol", ["json", "cbor"])
def test_fuzzed_cloudwatch_requests_never_fail_with_a_500(
    server: Server, aws_world: dict[str, str], protocol: str
) -> None:
    region = aws_world["region"]
    door, encode = BODIES[protocol]
    values = JSON_VALUES if protocol == "json" else CBOR_VALUES
    bases = CLOUDWATCH_BASES
    if protocol == "json":  # AWS JSON carries timestamps as epoch seconds
        bases = json.loads(json.dumps(bases, default=lambda at: at.timestamp()))
    bases["PutMetricAlarm"][0]["AlarmActions"] = [aws_world["arn"]]

    @FUZZ
    @given(
        request=requests_of(CLOUDWATCH_KEYS, bases, values, CLOUDWATCH),
        garble=st.sampled_from([None] * 6 + [b"", b"\xff\x00", b"[1,", b"\xa1\x61"]),
    )
    def call(request: tuple[str, dict[str, Any]], garble: bytes | None) -> None:
        action, params = request
        path, headers = door(action)
        body = encode(params) if garble is None else garble
        reply = signed_post(server, region, "monitoring", path, body, headers)
        assert reply.status_code < 500, reply.content[:300]
        if reply.status_code >= 400:
            kind = _cloudwatch_error(protocol, reply)
            assert isinstance(kind, str) and kind, reply.content[:300]
            assert reply.headers.get("x-amzn-query-error") or "Serialization" in kind, kind
        elif protocol == "json":
            reply.json()
        else:
            cbor2.loads(reply.content) if reply.content else None

    call()
    server.settle()


ESS_ACTIONS = [
    "CreateScalingRule",
    "ModifyScalingRule",
    "ExecuteScalingRule",
    "DescribeScalingRules",
    "CreateAlarm",
    "ModifyAlarm",
    "DescribeAlarms",
]
ESS_KEYS = [
    "ScalingGroupId",
    "ScalingRuleId",
    "ScalingRuleAri",
    "ScalingRuleName",
    "ScalingRuleType",
    "AdjustmentType",
    "AdjustmentValue",
    "Cooldown",
    "MinAdjustmentMagnitude",
    "EstimatedInstanceWarmup",
    "MetricName",
    "TargetValue",
    "DisableScaleIn",
    "BreachThreshold",
    "MetricValue",
    "ClientToken",
    "StepAdjustments.1.MetricIntervalLowerBound",
    "StepAdjustments.1.MetricIntervalUpperBound",
    "StepAdjustments.1.ScalingAdjustment",
    "StepAdjustments.2.MetricIntervalLowerBound",
    "StepAdjustments.2.ScalingAdjustment",
    "AlarmTaskId",
    "Name",
    "Description",
    "MetricType",
    "Period",
    "Statistics",
    "Threshold",
    "ComparisonOperator",
    "EvaluationCount",
    "AlarmActions.1",
    "AlarmActions.6",
    "Dimensions.1.DimensionKey",
    "Dimensions.1.DimensionValue",
    "GroupId",
    "Effective",
    "Expressions.1.MetricName",
    "Expressions.1.Threshold",
    "Expressions.1.ComparisonOperator",
    "Expressions.1.Period",
    "Expressions.1.Statistics",
    "ExpressionsLogicOperator",
    "State",
    "IsEnable",
    "PageSize",
    "PageNumber",
    "ScalingRuleIds.1",
    "ScalingRuleNames.1",
    "Junk",
]


@pytest.mark.parametrize("version", ["2014-08-28", "2022-02-22"])
def test_fuzzed_ess_rule_and_alarm_requests_never_fail_with_a_500(
    ess: Any, server: Server, region: str, version: str
) -> None:
    group = ready_group(ess, server, region, min_size=0, max_size=4, desired=0)
    from alibabacloud_ess20220222 import models as m

    made = ess.create_scaling_rule(
        m.CreateScalingRuleRequest(
            scaling_group_id=group, adjustment_type="QuantityChangeInCapacity", adjustment_value=1
        )
    ).body
    alarm = ess_cpu_task(ess, region, group, "cpu-high", ">=", 70.0, made.scaling_rule_ari)
    values = st.one_of(
        st.text(max_size=20),
        st.integers(-(2**40), 2**40).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(
            [
                *WEIRD,
                group,
                made.scaling_rule_id,
                made.scaling_rule_ari,
                alarm,
                "SimpleScalingRule",
                "StepScalingRule",
                "TargetTrackingScalingRule",
                "PredictiveScalingRule",
                "QuantityChangeInCapacity",
                "PercentChangeInCapacity",
                "TotalCapacity",
                "CpuUtilization",
                "MemoryUtilization",
                "system",
                "custom",
                "Average",
                "Maximum",
                ">=",
                "<",
                "==",
                "&&",
                "||",
                "cron(0 * * * ?)",
                "True",
                "False",
                "ALARM",
                "OK",
            ]
        ),
    )

    steps = {
        "StepAdjustments.1.MetricIntervalUpperBound": "0",
        "StepAdjustments.1.ScalingAdjustment": "-1",
        "StepAdjustments.2.MetricIntervalLowerBound": "0",
        "StepAdjustments.2.ScalingAdjustment": "2",
    }
    alarm_settings = {
        "Name": "fuzzed",
        "MetricName": "CpuUtilization",
        "MetricType": "system",
        "Period": "60",
        "Statistics": "Average",
        "Threshold": "70",
        "ComparisonOperator": ">=",
        "EvaluationCount": "2",
        "AlarmActions.1": made.scaling_rule_ari,
    }
    bases: dict[str, list[dict[str, Any]]] = {
        "CreateScalingRule": [
            {
                "ScalingGroupId": group,
                "ScalingRuleName": "simple",
                "AdjustmentType": "QuantityChangeInCapacity",
                "AdjustmentValue": "1",
                "Cooldown": "60",
            },
            {
                "ScalingGroupId": group,
                "ScalingRuleType": "StepScalingRule",
                "AdjustmentType": "PercentChangeInCapacity",
                "MinAdjustmentMagnitude": "1",
                "EstimatedInstanceWarmup": "60",
                **steps,
            },
            {
                "ScalingGroupId": group,
                "ScalingRuleType": "TargetTrackingScalingRule",
                "MetricName": "CpuUtilization",
                "TargetValue": "50",
                "DisableScaleIn": "false",
            },
        ],
        "ModifyScalingRule": [
            {"ScalingRuleId": made.scaling_rule_id, "AdjustmentValue": "2", "Cooldown": "0"},
            {"ScalingRuleId": made.scaling_rule_id, "ScalingRuleType": "StepScalingRule", **steps},
        ],
        "ExecuteScalingRule": [
            {"ScalingRuleAri": made.scaling_rule_ari, "BreachThreshold": "70", "MetricValue": "90"}
        ],
        "CreateAlarm": [
            {"ScalingGroupId": group, **alarm_settings},
            {
                "ScalingGroupId": group,
                **alarm_settings,
                "Expressions.1.MetricName": "CpuUtilization",
                "Expressions.1.Threshold": "70",
                "Expressions.1.ComparisonOperator": ">=",
                "Expressions.1.Period": "60",
                "Expressions.1.Statistics": "Average",
                "ExpressionsLogicOperator": "||",
            },
        ],
        "ModifyAlarm": [{"AlarmTaskId": alarm, "Threshold": "80", "EvaluationCount": "3"}],
    }

    @FUZZ
    @given(requests_of(ESS_KEYS, bases, values, ESS_ACTIONS))
    def call(request: tuple[str, dict[str, str]]) -> None:
        action, params = request
        reply = aliyun_get(
            server, {"Action": action, "Version": version, "RegionId": region, **params}
        )
        assert reply.status_code < 500, reply.text
        body = reply.json()
        assert "RequestId" in body, body
        if reply.status_code >= 400:
            assert body.get("Code") and "Message" in body, body

    call()
    server.settle()
