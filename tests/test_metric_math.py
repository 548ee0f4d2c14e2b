"""Metric math through real clients: GetMetricData expressions, a PutMetricAlarm over an
expression going to ALARM as the service clock moves, refusals in CloudWatch's shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import error_of

NS = "App/Math"


def minute(server: Server) -> datetime:
    at = datetime.fromisoformat(server.get("/_tidewater/health")["now"])
    return at.replace(second=0, microsecond=0)


def put(cw: Any, name: str, at: datetime, values: list[float | None]) -> None:
    """One value a minute from `at`; None leaves that minute without data."""
    data = [
        {"MetricName": name, "Value": v, "Timestamp": at + timedelta(minutes=n)}
        for n, v in enumerate(values)
        if v is not None
    ]
    cw.put_metric_data(Namespace=NS, MetricData=data)


def stat(qid: str, name: str, *, returns: bool = False, stat: str = "Sum") -> dict[str, Any]:
    return {
        "Id": qid,
        "MetricStat": {
            "Metric": {"Namespace": NS, "MetricName": name},
            "Period": 60,
            "Stat": stat,
        },
        "ReturnData": returns,
    }


def read(cw: Any, t0: datetime, minutes: int, *queries: dict[str, Any]) -> dict[str, Any]:
    """Each result by id (an array's results by id and label), oldest first."""
    got = cw.get_metric_data(
        MetricDataQueries=list(queries),
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=minutes),
        ScanBy="TimestampAscending",
    )["MetricDataResults"]
    return {
        (r["Id"] if [x["Id"] for x in got].count(r["Id"]) == 1 else (r["Id"], r["Label"])): r
        for r in got
    }


def offsets(result: dict[str, Any], t0: datetime) -> list[int]:
    return [int((at - t0).total_seconds() // 60) for at in result["Timestamps"]]


def test_expressions_over_metrics(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = minute(server)
    put(cw, "Errors", t0, [1.0, 2.0, None, 4.0, 0.0])
    put(cw, "Requests", t0, [10.0, 10.0, 5.0, None, 0.0])
    base = [stat("errors", "Errors"), stat("requests", "Requests")]
    got = read(
        cw,
        t0,
        5,
        *base,
        {"Id": "rate", "Expression": "100 * errors / requests", "Label": "Error rate"},
        {"Id": "total", "Expression": "SUM(METRICS())"},
        {"Id": "filled", "Expression": "FILL(errors, REPEAT)"},
        {"Id": "centred", "Expression": "errors - AVG(errors)"},
        {"Id": "flat", "Expression": "TIME_SERIES(PERIOD(errors))"},
        {"Id": "high", "Expression": "IF(requests >= 10, 1, 0)"},
        {"Id": "chained", "Expression": "rate / 10"},
        {"Id": "grown", "Expression": "DIFF(requests)"},
    )
    assert "errors" not in got and "requests" not in got  # ReturnData false
    rate = got["rate"]
    # missing on one side counts as 0; division by 0 drops the point
    assert (rate["Label"], offsets(rate, t0), rate["Values"]) == (
        "Error rate",
        [0, 1, 2],
        [10.0, 20.0, 0.0],
    )
    assert rate["Messages"] == [
        {
            "Code": "ArithmeticError",
            "Value": "One or more data-points have been dropped due to non-numeric values "
            "(NaN, -Infinite, +Infinite)",
        }
    ]
    assert got["chained"]["Messages"] == rate["Messages"]  # computed from a series that dropped
    assert not got["total"].get("Messages")
    assert got["total"]["Label"] == "total"  # an expression's label defaults to its id
    assert got["total"]["Values"] == [11.0, 12.0, 5.0, 4.0, 0.0]
    assert got["filled"]["Values"] == [1.0, 2.0, 2.0, 4.0, 0.0]
    assert got["centred"]["Values"] == [-0.75, 0.25, 2.25, -1.75]
    assert got["flat"]["Values"] == [60.0] * 5
    assert got["high"]["Values"] == [1.0, 1.0, 0.0, 0.0]
    assert got["chained"]["Values"] == [1.0, 2.0, 0.0]
    assert (offsets(got["grown"], t0), got["grown"]["Values"]) == ([1, 2, 4], [0.0, -5.0, -5.0])


def test_an_array_answers_one_result_a_metric(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = minute(server)
    put(cw, "Errors", t0, [1.0, 2.0])
    put(cw, "Requests", t0, [10.0, 20.0])
    got = read(
        cw,
        t0,
        2,
        stat("errors", "Errors"),
        stat("requests", "Requests"),
        {"Id": "scaled", "Expression": "METRICS() / 2", "Label": "Half"},
        {"Id": "some", "Expression": 'METRICS("err") * 3'},
    )
    assert got[("scaled", "Half Errors")]["Values"] == [0.5, 1.0]
    assert got[("scaled", "Half Requests")]["Values"] == [5.0, 10.0]
    assert got["some"]["Label"] == "Errors" and got["some"]["Values"] == [3.0, 6.0]


REFUSED: list[tuple[list[dict[str, Any]], str, str]] = [
    (
        [{"Id": "e1", "Expression": "m9 * 2"}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: unrecognized metric or expression id m9.",
    ),
    (
        [
            {"Id": "e1", "Expression": "e2 + 1"},
            {"Id": "e2", "Expression": "e1 * 2"},
        ],
        "ValidationError",
        "Error in expression MetricDataQueries.member.2: circular reference through e1.",
    ),
    (
        [{"Id": "e1", "Expression": "e1 + 1"}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: circular reference through e1.",
    ),
    (
        [{"Id": "e1", "Expression": "(TIME_SERIES(1) +"}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: syntax error near the end of the "
        "expression.",
    ),
    (
        [{"Id": "e1", "Expression": "SORT(METRICS(), AVG, DESC)"}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: the function SORT is not evaluated by "
        "this simulated CloudWatch.",
    ),
    (
        [{"Id": "q", "Expression": 'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2")'}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: Metrics Insights queries are not "
        "evaluated by this simulated CloudWatch.",
    ),
    (
        [{"Id": "e1", "Expression": "TIME_SERIES(1)", "Period": 90}],
        "InvalidParameterValue",
        "The parameter Period must be 1, 5, 10, 30, or a multiple of 60.",
    ),
    (
        [{"Id": "e1", "Expression": "FROB(TIME_SERIES(1))"}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: unknown function FROB.",
    ),
    (
        [{"Id": "e1", "Expression": "2 * 3"}],
        "ValidationError",
        "Error in expression MetricDataQueries.member.1: the final result of a math expression "
        "must be a time series or an array of time series, not a scalar.",
    ),
    (
        [{"Id": "E1", "Expression": "TIME_SERIES(1)"}],
        "InvalidParameterValue",
        "The value E1 for parameter MetricDataQueries.member.1.Id is invalid.",
    ),
    (
        [
            {"Id": "e1", "Expression": "TIME_SERIES(1)"},
            {"Id": "e1", "Expression": "TIME_SERIES(2)"},
        ],
        "ValidationError",
        "The Id e1 of MetricDataQueries.member.2 is used by another query of the request.",
    ),
    (
        [{**stat("m1", "Errors"), "Expression": "m1"}],
        "InvalidParameterCombination",
        "The parameters MetricDataQueries.member.1.MetricStat and "
        "MetricDataQueries.member.1.Expression are mutually exclusive and you have specified "
        "both.",
    ),
]


@pytest.mark.parametrize(("queries", "code", "message"), REFUSED)
def test_bad_expressions_are_refused(
    client: Any, server: Server, queries: list[dict[str, Any]], code: str, message: str
) -> None:
    t0 = minute(server)
    refused = error_of(
        client("cloudwatch").get_metric_data,
        MetricDataQueries=queries,
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=5),
    )
    assert (refused["Code"], refused["Message"], refused["Status"]) == (code, message, 400)


def math_alarm(cw: Any, name: str, expression: str, **extra: Any) -> None:
    cw.put_metric_alarm(
        AlarmName=name,
        Metrics=[
            stat("errors", "Errors"),
            stat("requests", "Requests"),
            {"Id": "rate", "Expression": expression, "Label": "rate", "ReturnData": True},
        ],
        EvaluationPeriods=2,
        Threshold=10.0,
        ComparisonOperator="GreaterThanThreshold",
        **extra,
    )


def test_an_alarm_on_an_expression_goes_to_alarm(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = minute(server)
    put(cw, "Errors", t0 - timedelta(minutes=2), [1.0, 1.0])
    put(cw, "Requests", t0 - timedelta(minutes=2), [100.0, 100.0])
    math_alarm(cw, "rate", "100 * errors / requests")
    server.settle()
    (found,) = cw.describe_alarms(AlarmNames=["rate"])["MetricAlarms"]
    assert found["StateValue"] == "OK" and found["Metrics"][2]["Expression"].startswith("100")
    # errors climb to a fifth of the requests: two minutes later the alarm is in ALARM
    put(cw, "Errors", t0, [20.0, 20.0])
    put(cw, "Requests", t0, [100.0, 100.0])
    server.advance(120)
    (found,) = cw.describe_alarms(AlarmNames=["rate"])["MetricAlarms"]
    assert found["StateValue"] == "ALARM"
    assert found["StateReason"].startswith("Threshold Crossed: 2 out of the last 2 datapoints")
    data = json.loads(found["StateReasonData"])
    assert data["recentDatapoints"] == [20.0, 20.0]


ALARM_REFUSED: list[tuple[str, dict[str, Any], str]] = [
    (
        "METRICS()",
        {},
        "Error in expression Metrics.member.3: an alarm's expression must return a single time "
        "series.",
    ),
    (
        "errors +",
        {},
        "Error in expression Metrics.member.3: syntax error near the end of the expression.",
    ),
    (
        "missing * 2",
        {},
        "Error in expression Metrics.member.3: unrecognized metric or expression id missing.",
    ),
]


@pytest.mark.parametrize(("expression", "extra", "message"), ALARM_REFUSED)
def test_bad_alarm_expressions_are_refused(
    client: Any, expression: str, extra: dict[str, Any], message: str
) -> None:
    cw = client("cloudwatch")
    refused = error_of(lambda: math_alarm(cw, "bad", expression, **extra))
    assert (refused["Code"], refused["Message"]) == ("ValidationError", message)
    assert cw.describe_alarms(AlarmNames=["bad"])["MetricAlarms"] == []


def test_an_alarm_expressions_period_is_checked(client: Any) -> None:
    cw = client("cloudwatch")
    refused = error_of(
        cw.put_metric_alarm,
        AlarmName="odd",
        Metrics=[
            stat("errors", "Errors"),
            {"Id": "e", "Expression": "errors * 2", "Period": 90, "ReturnData": True},
        ],
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert (refused["Code"], refused["Message"]) == (
        "InvalidParameterValue",
        "The parameter Period must be 1, 5, 10, 30, or a multiple of 60.",
    )


def test_an_alarm_has_at_most_ten_metrics(client: Any) -> None:
    cw = client("cloudwatch")
    metrics = [stat(f"m{n}", f"M{n}") for n in range(11)]
    refused = error_of(
        cw.put_metric_alarm,
        AlarmName="wide",
        Metrics=[*metrics, {"Id": "e", "Expression": "SUM(METRICS())", "ReturnData": True}],
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert (refused["Code"], refused["Message"]) == (
        "ValidationError",
        "An alarm based on a metric math expression can have up to 10 metrics.",
    )


def test_the_aws_cli_reads_an_expression(client: Any, server: Server, aws_cli: Any) -> None:
    cw = client("cloudwatch")
    t0 = minute(server)
    put(cw, "Errors", t0, [3.0, 4.0])
    queries = [stat("m1", "Errors"), {"Id": "e1", "Expression": "m1 ^ 2 - 1"}]
    done = aws_cli(
        "cloudwatch",
        "get-metric-data",
        "--metric-data-queries",
        json.dumps(queries),
        "--start-time",
        t0.isoformat(),
        "--end-time",
        (t0 + timedelta(minutes=2)).isoformat(),
        "--scan-by",
        "TimestampAscending",
    )
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["MetricDataResults"]
    assert (result["Id"], result["Label"], result["Values"]) == ("e1", "e1", [8.0, 15.0])


def test_an_expression_is_at_most_2048_characters(client: Any, server: Server) -> None:
    t0 = minute(server)
    refused = error_of(
        client("cloudwatch").get_metric_data,
        MetricDataQueries=[{"Id": "e1", "Expression": "TIME_SERIES(1)" + " " * 2035}],
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=5),
    )
    assert refused["Code"] == "ValidationException"  # the model's constraint, as the wire words it
    assert "Member must have length less than or equal to 2048" in refused["Message"]


PIECES = [
    "m1",
    "m2",
    "e2",
    "1",
    "2.5",
    "+",
    "-",
    "*",
    "/",
    "^",
    "(",
    ")",
    ",",
    "[",
    "]",
    ">",
    "AND",
    "SUM",
    "AVG",
    "FILL",
    "IF",
    "RATE",
    "METRICS",
    "REPEAT",
    "PERIOD",
    '"m"',
    "#",
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map(" ".join))
def test_any_expression_is_answered_or_refused_never_failed(
    client: Any, server: Server, expression: str
) -> None:
    """Never a 5xx: GetMetricData and PutMetricAlarm answer an expression or refuse it in
    CloudWatch's shape."""
    cw = client("cloudwatch")
    t0 = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    queries = [
        stat("m1", "Errors"),
        stat("m2", "Requests"),
        {"Id": "e2", "Expression": "m1 * 2", "ReturnData": False},
        {"Id": "e1", "Expression": expression, "ReturnData": True},
    ]
    for call, asked in (
        (
            cw.get_metric_data,
            {"MetricDataQueries": queries, "StartTime": t0, "EndTime": t0 + timedelta(hours=1)},
        ),
        (
            cw.put_metric_alarm,
            {
                "AlarmName": "fuzz",
                "Metrics": queries,
                "EvaluationPeriods": 1,
                "Threshold": 1.0,
                "ComparisonOperator": "GreaterThanThreshold",
            },
        ),
    ):
        try:
            call(**asked)
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status == 400, error.response
            assert error.response["Error"]["Code"] in {
                "ValidationError",
                "InvalidParameterValue",
                "InvalidParameterCombination",
            }
