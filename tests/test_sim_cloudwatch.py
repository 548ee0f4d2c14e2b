"""Simulated CloudWatch metrics over Smithy RPC v2 CBOR and AWS JSON 1.0: boto3 and the aws CLI."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import error_of
from tidewater.cloud.sim.cloudwatch.statistics import fold, of_values, percentile
from tidewater.dialects.aws import cbor

NS = "App/Web"


def now(server: Server) -> datetime:
    """The service clock, to the minute, so periods line up."""
    at = datetime.fromisoformat(server.get("/_tidewater/health")["now"])
    return at.replace(second=0, microsecond=0)


def statistics(cw: Any, name: str, t0: datetime, minutes: int, **asked: Any) -> Any:
    """GetMetricStatistics of a metric of NS over the minutes from t0."""
    return cw.get_metric_statistics(
        Namespace=NS,
        MetricName=name,
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=minutes),
        **asked,
    )


def test_put_then_statistics_over_periods(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = now(server)
    for minute, values in enumerate([[1.0, 3.0], [10.0], [4.0, 6.0, 8.0]]):
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[
                {
                    "MetricName": "Latency",
                    "Value": v,
                    "Unit": "Milliseconds",
                    "Timestamp": t0 + timedelta(minutes=minute, seconds=i),
                }
                for i, v in enumerate(values)
            ],
        )
    got = statistics(
        cw,
        "Latency",
        t0,
        3,
        Period=60,
        Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
    )
    points = sorted(got["Datapoints"], key=lambda p: p["Timestamp"])
    assert got["Label"] == "Latency"
    assert [(p["SampleCount"], p["Sum"], p["Minimum"], p["Maximum"]) for p in points] == [
        (2.0, 4.0, 1.0, 3.0),
        (1.0, 10.0, 10.0, 10.0),
        (3.0, 18.0, 4.0, 8.0),
    ]
    assert [p["Average"] for p in points] == [2.0, 10.0, 6.0]
    assert {p["Unit"] for p in points} == {"Milliseconds"}
    assert [p["Timestamp"] for p in points] == [t0 + timedelta(minutes=m) for m in range(3)]
    wide = statistics(
        cw,
        "Latency",
        t0,
        3,
        Period=180,
        Statistics=["Maximum"],
        ExtendedStatistics=["p50"],
    )["Datapoints"]
    assert len(wide) == 1 and wide[0]["Maximum"] == 10.0
    assert wide[0]["ExtendedStatistics"] == {"p50": 4.0}
    other_unit = statistics(
        cw,
        "Latency",
        t0,
        3,
        Period=60,
        Statistics=["Sum"],
        Unit="Seconds",
    )
    assert other_unit["Datapoints"] == []


def test_values_counts_and_statistic_sets(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = now(server)
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Bytes", "Values": [1.0, 2.0], "Counts": [3.0, 1.0], "Timestamp": t0},
            {
                "MetricName": "Bytes",
                "Timestamp": t0,
                "StatisticValues": {
                    "SampleCount": 2.0,
                    "Sum": 20.0,
                    "Minimum": 5.0,
                    "Maximum": 15.0,
                },
            },
        ],
    )
    point = statistics(
        cw,
        "Bytes",
        t0,
        1,
        Period=60,
        Statistics=["SampleCount", "Sum", "Minimum", "Maximum"],
        ExtendedStatistics=["p90"],
    )["Datapoints"][0]
    assert (point["SampleCount"], point["Sum"], point["Minimum"], point["Maximum"]) == (
        6.0,
        25.0,
        1.0,
        15.0,
    )
    assert "ExtendedStatistics" not in point  # a statistic set carries no values to rank


def test_dimensions_name_distinct_metrics(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = now(server)
    for host, value in (("a", 1.0), ("b", 5.0)):
        cw.put_metric_data(
            Namespace=NS,
            MetricData=[
                {
                    "MetricName": "Cpu",
                    "Value": value,
                    "Timestamp": t0,
                    "Dimensions": [
                        {"Name": "Host", "Value": host},
                        {"Name": "Role", "Value": "web"},
                    ],
                }
            ],
        )
    asked = statistics(
        cw,
        "Cpu",
        t0,
        1,
        Period=60,
        Statistics=["Sum"],
        Dimensions=[{"Name": "Role", "Value": "web"}, {"Name": "Host", "Value": "b"}],
    )
    assert [p["Sum"] for p in asked["Datapoints"]] == [5.0]
    none = statistics(
        cw,
        "Cpu",
        t0,
        1,
        Period=60,
        Statistics=["Sum"],
        Dimensions=[{"Name": "Host", "Value": "b"}],
    )
    assert none["Datapoints"] == []


def test_list_metrics_filters_and_pages(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = now(server)
    data = [
        {
            "MetricName": "Hits",
            "Value": 1.0,
            "Timestamp": t0,
            "Dimensions": [{"Name": "Page", "Value": f"p{i:03d}"}],
        }
        for i in range(520)
    ]
    for start in range(0, 520, 260):
        cw.put_metric_data(Namespace=NS, MetricData=data[start : start + 260])
    cw.put_metric_data(Namespace="Other", MetricData=[{"MetricName": "Hits", "Value": 1.0}])
    first = cw.list_metrics(Namespace=NS)
    assert len(first["Metrics"]) == 500 and "NextToken" in first
    second = cw.list_metrics(Namespace=NS, NextToken=first["NextToken"])
    assert len(second["Metrics"]) == 20 and "NextToken" not in second
    pages = {m["Dimensions"][0]["Value"] for m in first["Metrics"] + second["Metrics"]}
    assert pages == {f"p{i:03d}" for i in range(520)}
    one = cw.list_metrics(Dimensions=[{"Name": "Page", "Value": "p007"}])["Metrics"]
    assert one == [
        {"Namespace": NS, "MetricName": "Hits", "Dimensions": [{"Name": "Page", "Value": "p007"}]}
    ]
    assert len(cw.list_metrics(MetricName="Hits")["Metrics"]) == 500
    assert cw.list_metrics(Namespace="Other")["Metrics"][0]["Dimensions"] == []
    assert cw.list_metrics(Namespace="Nowhere")["Metrics"] == []
    assert len(cw.list_metrics(Namespace="Other", RecentlyActive="PT3H")["Metrics"]) == 1
    server.advance(4 * 3600)
    assert cw.list_metrics(Namespace="Other", RecentlyActive="PT3H")["Metrics"] == []
    assert error_of(cw.list_metrics, NextToken="bogus")["Code"] == "InvalidParameterValue"


def test_get_metric_data(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = now(server)
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Q", "Value": float(m), "Timestamp": t0 + timedelta(minutes=m)}
            for m in range(5)
        ],
    )
    query = {
        "Id": "q1",
        "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "Q"}, "Period": 60, "Stat": "Sum"},
    }
    got = cw.get_metric_data(
        MetricDataQueries=[query], StartTime=t0, EndTime=t0 + timedelta(minutes=5)
    )["MetricDataResults"][0]
    assert (got["Id"], got["Label"], got["StatusCode"]) == ("q1", "Q", "Complete")
    assert got["Values"] == [4.0, 3.0, 2.0, 1.0, 0.0]  # TimestampDescending by default
    assert got["Timestamps"][0] == t0 + timedelta(minutes=4)
    ascending = cw.get_metric_data(
        MetricDataQueries=[query],
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=5),
        ScanBy="TimestampAscending",
        MaxDatapoints=3,
    )
    assert ascending["MetricDataResults"][0]["Values"] == [0.0, 1.0, 2.0]
    rest = cw.get_metric_data(
        MetricDataQueries=[query],
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=5),
        ScanBy="TimestampAscending",
        MaxDatapoints=3,
        NextToken=ascending["NextToken"],
    )
    assert rest["MetricDataResults"][0]["Values"] == [3.0, 4.0] and "NextToken" not in rest


REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "put_metric_data",
        {"Namespace": "AWS/EC2", "MetricData": [{"MetricName": "m", "Value": 1.0}]},
        "InvalidParameterValue",
        "The value AWS/EC2 for parameter Namespace is invalid.",
    ),
    (
        "put_metric_data",
        {"Namespace": NS, "MetricData": []},
        "MissingParameter",
        "The parameter MetricData is required.",
    ),
    (
        "put_metric_data",
        {"Namespace": NS, "MetricData": [{"MetricName": "m"}]},
        "MissingParameter",
        "The parameter MetricData.member.1.Value is required.",
    ),
    (
        "put_metric_data",
        {"Namespace": NS, "MetricData": [{"MetricName": "m", "Value": 1.0, "Values": [1.0]}]},
        "InvalidParameterCombination",
        "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually "
        "exclusive and you have specified both.",
    ),
    (
        "put_metric_data",
        {
            "Namespace": NS,
            "MetricData": [{"MetricName": "m", "Values": [1.0], "Counts": [1.0, 2.0]}],
        },
        "InvalidParameterValue",
        "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the "
        "same size.",
    ),
    (
        "put_metric_data",
        {"Namespace": NS, "MetricData": [{"MetricName": "m", "Values": [1.0] * 151}]},
        "InvalidParameterValue",
        "The collection MetricData.member.1.Values must not have a size greater than 150.",
    ),
    (
        "put_metric_data",
        {
            "Namespace": NS,
            "MetricData": [{"MetricName": "m", "Value": 1.0, "StorageResolution": 5}],
        },
        "InvalidParameterValue",
        "The value 5 for parameter MetricData.member.1.StorageResolution is invalid.",
    ),
    (
        "put_metric_data",
        {"Namespace": NS, "MetricData": [{"MetricName": "m", "Value": 1.0}] * 1001},
        "InvalidParameterValue",
        "The collection MetricData must not have a size greater than 1000.",
    ),
]


@pytest.mark.parametrize(("action", "params", "code", "message"), REFUSALS)
def test_put_refusals(
    client: Any, action: str, params: dict[str, Any], code: str, message: str
) -> None:
    refused = error_of(getattr(client("cloudwatch"), action), **params)
    assert (refused["Code"], refused["Message"], refused["Status"]) == (code, message, 400)


def test_statistics_refusals(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t0 = now(server)
    base = {
        "Namespace": NS,
        "MetricName": "m",
        "StartTime": t0,
        "EndTime": t0 + timedelta(hours=1),
        "Period": 60,
    }
    cases = [
        (
            {},
            "InvalidParameterCombination",
            "Must specify either Statistics or ExtendedStatistics.",
        ),
        (
            {"Statistics": ["Sum"], "Period": 61},
            "InvalidParameterValue",
            "The parameter Period must be 1, 5, 10, 30, or a multiple of 60.",
        ),
        (
            {"Statistics": ["Sum"], "EndTime": t0},
            "InvalidParameterValue",
            "The parameter StartTime must be less than the parameter EndTime.",
        ),
        (
            {"ExtendedStatistics": ["tm99"]},
            "InvalidParameterValue",
            "The value tm99 for parameter ExtendedStatistics is invalid.",
        ),
        (
            {"Statistics": ["Sum"], "EndTime": t0 + timedelta(days=2)},
            "InvalidParameterCombination",
            "You have requested up to 2,880 datapoints, which exceeds the limit of 1,440. You may "
            "reduce the datapoints requested by increasing Period, or decreasing the time range.",
        ),
    ]
    for extra, code, message in cases:
        refused = error_of(cw.get_metric_statistics, **{**base, **extra})
        assert (refused["Code"], refused["Message"]) == (code, message)


def test_the_aws_cli_puts_and_reads(client: Any, server: Server, aws_cli: Any) -> None:
    t0 = now(server)
    put = aws_cli(
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        NS,
        "--metric-name",
        "Cli",
        "--value",
        "7",
        "--timestamp",
        t0.isoformat(),
    )
    assert put.returncode == 0, put.stderr
    listed = aws_cli("cloudwatch", "list-metrics", "--namespace", NS)
    assert listed.returncode == 0, listed.stderr
    assert [m["MetricName"] for m in json.loads(listed.stdout)["Metrics"]] == ["Cli"]
    got = client("cloudwatch").get_metric_statistics(
        Namespace=NS,
        MetricName="Cli",
        StartTime=t0,
        EndTime=t0 + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )
    assert [p["Maximum"] for p in got["Datapoints"]] == [7.0]


def test_a_number_member_must_hold_a_number_in_either_door(server: Server, region: str) -> None:
    """A list or a word where a double belongs is the body's fault (400), never a 500; AWS JSON
    spells the non-finite floats as words, which then fail PutMetricData's finite check."""
    target = "GraniteServiceVersion20100801"
    json_door = {"X-Amz-Target": f"{target}.PutMetricData"}
    json_door["Content-Type"] = "application/x-amz-json-1.0"
    cbor_door = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    cbor_path = f"/service/{target}/operation/PutMetricData"
    for value, kind in (([], "Serialization"), ("many", "Serialization"), ("NaN", "InvalidParam")):
        put = {"Namespace": NS, "MetricData": [{"MetricName": "N", "Value": value}]}
        reply = _signed(server, region, "/", json.dumps(put).encode(), **json_door)
        assert reply.status_code == 400 and kind in reply.json()["__type"], reply.text
        reply = _signed(server, region, cbor_path, cbor.encode(put), **cbor_door)
        assert reply.status_code == 400, reply.content
        assert "SerializationException" in cbor.decode(reply.content)["__type"]
    huge = {"Namespace": NS, "MetricData": [{"MetricName": "N", "Value": 10**400}]}
    reply = _signed(server, region, "/", json.dumps(huge).encode(), **json_door)
    assert reply.status_code == 400, reply.text


def _signed(server: Server, region: str, path: str, body: bytes, **headers: str) -> Any:
    request = AWSRequest(method="POST", url=server.url + path, data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), "monitoring", region).add_auth(request)
    return requests.post(server.url + path, data=body, headers=dict(request.headers), timeout=30)


def test_aws_json_and_raw_cbor_doors(server: Server, region: str) -> None:
    put = json.dumps(
        {"Namespace": NS, "MetricData": [{"MetricName": "J", "Value": 2.5, "Timestamp": 1e9}]}
    ).encode()
    target = "GraniteServiceVersion20100801."
    reply = _signed(
        server,
        region,
        "/",
        put,
        **{"X-Amz-Target": target + "PutMetricData", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert reply.status_code == 200, reply.text
    listed = _signed(
        server,
        region,
        "/",
        json.dumps({"MetricName": "J"}).encode(),
        **{"X-Amz-Target": target + "ListMetrics", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert listed.json()["Metrics"] == [{"Namespace": NS, "MetricName": "J", "Dimensions": []}]
    refused = _signed(
        server,
        region,
        "/",
        json.dumps({"Namespace": "AWS/X", "MetricData": []}).encode(),
        **{"X-Amz-Target": target + "PutMetricData", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert refused.json()["__type"] == "com.amazonaws.cloudwatch#InvalidParameterValueException"
    assert refused.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    garbled = _signed(
        server,
        region,
        f"/service/{target[:-1]}/operation/ListMetrics",
        b"\xff\x00",
        **{"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
    )
    assert garbled.status_code == 400
    assert garbled.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert cbor.decode(garbled.content)["__type"].endswith("SerializationException")


samples = st.lists(
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.integers(1, 5).map(float)),
    min_size=1,
    max_size=30,
)


@given(st.lists(samples, min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_folding_data_agrees_with_the_samples_flattened(groups: list[Any]) -> None:
    summary = fold(of_values([v for v, _ in g], [c for _, c in g]) for g in groups)
    flat = [v for g in groups for v, c in g for _ in range(int(c))]
    assert summary.count == len(flat)
    assert math.isclose(summary.total, sum(flat), rel_tol=1e-9, abs_tol=1e-6)
    assert (summary.minimum, summary.maximum) == (min(flat), max(flat))
    ordered = sorted(flat)
    for level in (0.5, 50.0, 90.0, 100.0):
        rank = max(1, math.ceil(len(flat) * level / 100))
        assert percentile(summary.values, level) == ordered[rank - 1]


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(cbor_values)
@settings(max_examples=300, deadline=None)
def test_cbor_reads_back_what_it_writes(value: Any) -> None:
    assert cbor.decode(cbor.encode(value)) == value


@given(st.binary(max_size=64))
@settings(max_examples=300, deadline=None)
def test_cbor_refuses_or_reads_any_bytes(data: bytes) -> None:
    with contextlib.suppress(cbor.CborError):
        cbor.decode(data)
