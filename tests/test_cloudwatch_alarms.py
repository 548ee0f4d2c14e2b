"""CloudWatch metric alarms over boto3 (Smithy RPC v2 CBOR) and the aws CLI (AWS JSON 1.0):
stored, evaluated by the runner on the service clock, their actions and history."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, start_server
from tests.helpers import aws_client, error_of

NS = "App/Alarms"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"
POLICY = (
    "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0d7a2bd4-1c2d-4c7a-9a4b-"
    "3a0f5d1f2e3b:autoScalingGroupName/web:policyName/out"
)


def now(server: Server) -> datetime:
    return datetime.fromisoformat(server.get("/_tidewater/health")["now"])


def minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def put(cw: Any, name: str, at: datetime, *values: float) -> None:
    """One value a minute, the first in the minute of `at`."""
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": name, "Value": v, "Timestamp": at + timedelta(minutes=n)}
            for n, v in enumerate(values)
        ],
    )


def alarm(cw: Any, name: str, **extra: Any) -> None:
    cw.put_metric_alarm(
        **{
            "AlarmName": name,
            "MetricName": "Load",
            "Namespace": NS,
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 2,
            "Threshold": 70.0,
            "ComparisonOperator": "GreaterThanThreshold",
            **extra,
        }
    )


def described(cw: Any, name: str) -> dict[str, Any]:
    (found,) = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found


def history(cw: Any, name: str, kind: str | None = None) -> list[dict[str, Any]]:
    asked = {"AlarmName": name, "ScanBy": "TimestampAscending"}
    if kind:
        asked["HistoryItemType"] = kind
    return cw.describe_alarm_history(**asked)["AlarmHistoryItems"]


def stamp(at: datetime) -> str:
    return at.strftime("%d/%m/%y %H:%M:%S")


def test_an_alarm_crosses_acts_and_comes_back(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t = minute(now(server))
    put(cw, "Load", t - timedelta(minutes=2), 85.0, 90.0)
    alarm(cw, "hot", AlarmActions=[TOPIC, POLICY], OKActions=[TOPIC], AlarmDescription="d")
    created = described(cw, "hot")
    assert created["StateValue"] == "INSUFFICIENT_DATA"
    assert created["StateReason"] == "Unchecked: Initial alarm creation"
    assert created["AlarmArn"].endswith(":alarm:hot")
    assert created["AlarmDescription"] == "d" and created["ActionsEnabled"] is True
    server.settle()  # a new alarm is evaluated at once
    hot = described(cw, "hot")
    assert hot["StateValue"] == "ALARM"
    assert hot["StateReason"] == (
        "Threshold Crossed: 2 out of the last 2 datapoints "
        f"[90.0 ({stamp(t - timedelta(minutes=1))}), 85.0 ({stamp(t - timedelta(minutes=2))})] "
        "were greater than the threshold (70.0) "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )
    data = json.loads(hot["StateReasonData"])
    assert data["recentDatapoints"] == [85.0, 90.0] and data["threshold"] == 70.0
    assert data["statistic"] == "Average" and data["period"] == 60
    items = history(cw, "hot")
    assert [i["HistorySummary"] for i in items] == [
        'Alarm "hot" created',
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
        f"Successfully executed action {TOPIC}",
        f'Failed to execute action {POLICY}. Received error: "No scaling policy or rule {POLICY}"',
    ]
    change = json.loads(items[1]["HistoryData"])
    assert change["oldState"]["stateValue"] == "INSUFFICIENT_DATA"
    assert change["newState"]["stateValue"] == "ALARM"
    # a minute on, still in ALARM: the Auto Scaling action runs again, the topic does not
    put(cw, "Load", t, 95.0)
    server.advance(60)
    actions = [i["HistorySummary"] for i in history(cw, "hot", "Action")]
    assert len(actions) == 3 and actions[-1].startswith(f"Failed to execute action {POLICY}")
    # ten minutes of silence collapse into one evaluation: INSUFFICIENT_DATA, no action
    server.advance(600)
    assert described(cw, "hot")["StateValue"] == "INSUFFICIENT_DATA"
    assert described(cw, "hot")["StateReason"] == "Insufficient Data: 2 datapoints were unknown."
    assert len(history(cw, "hot", "StateUpdate")) == 2
    # low values bring it to OK, and the OK action runs once
    at = minute(now(server))
    put(cw, "Load", at - timedelta(minutes=1), 10.0, 20.0)
    server.advance(60)
    assert described(cw, "hot")["StateValue"] == "OK"
    summaries = [i["HistorySummary"] for i in history(cw, "hot")]
    assert summaries[-2:] == [
        "Alarm updated from INSUFFICIENT_DATA to OK",
        f"Successfully executed action {TOPIC}",
    ]


def test_disabled_actions_do_not_run(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t = minute(now(server))
    put(cw, "Load", t - timedelta(minutes=2), 85.0, 90.0)
    alarm(cw, "quiet", AlarmActions=[TOPIC])
    cw.disable_alarm_actions(AlarmNames=["quiet"])
    assert described(cw, "quiet")["ActionsEnabled"] is False
    server.settle()
    assert described(cw, "quiet")["StateValue"] == "ALARM"
    assert history(cw, "quiet", "Action") == []
    cw.enable_alarm_actions(AlarmNames=["quiet"])
    assert described(cw, "quiet")["ActionsEnabled"] is True


@pytest.mark.parametrize(
    ("missing", "state"),
    [
        ("missing", "INSUFFICIENT_DATA"),
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
        ("ignore", "INSUFFICIENT_DATA"),
    ],
)
def test_missing_data_as_treated(client: Any, server: Server, missing: str, state: str) -> None:
    cw = client("cloudwatch")
    alarm(cw, "empty", TreatMissingData=missing)
    server.settle()
    assert described(cw, "empty")["StateValue"] == state
    assert described(cw, "empty")["TreatMissingData"] == missing


def test_a_metrics_alarm_reads_its_returned_metric(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t = minute(now(server))
    put(cw, "Queue", t - timedelta(minutes=1), 500.0)
    cw.put_metric_alarm(
        AlarmName="deep",
        EvaluationPeriods=1,
        Threshold=100.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Metrics=[
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {"Namespace": NS, "MetricName": "Queue"},
                    "Period": 60,
                    "Stat": "Maximum",
                },
                "ReturnData": True,
            }
        ],
    )
    server.settle()
    found = described(cw, "deep")
    assert found["StateValue"] == "ALARM"
    assert found["Metrics"][0]["MetricStat"]["Stat"] == "Maximum"
    assert "MetricName" not in found


def test_describe_filters_and_pages(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    for n in range(5):
        alarm(cw, f"web-{n}", AlarmActions=[TOPIC] if n % 2 else [])
    alarm(cw, "db-0")
    got = cw.describe_alarms(AlarmNamePrefix="web-", MaxRecords=2)
    assert [a["AlarmName"] for a in got["MetricAlarms"]] == ["web-0", "web-1"]
    following = cw.describe_alarms(AlarmNamePrefix="web-", MaxRecords=2, NextToken=got["NextToken"])
    assert [a["AlarmName"] for a in following["MetricAlarms"]] == ["web-2", "web-3"]
    names = [
        a["AlarmName"] for a in cw.describe_alarms(ActionPrefix="arn:aws:sns:")["MetricAlarms"]
    ]
    assert names == ["web-1", "web-3"]
    assert cw.describe_alarms(StateValue="ALARM")["MetricAlarms"] == []
    assert len(cw.describe_alarms(StateValue="INSUFFICIENT_DATA")["MetricAlarms"]) == 6
    composite = cw.describe_alarms(AlarmTypes=["CompositeAlarm"])
    assert composite["MetricAlarms"] == [] and composite["CompositeAlarms"] == []
    for_metric = cw.describe_alarms_for_metric(Namespace=NS, MetricName="Load", Period=60)
    assert len(for_metric["MetricAlarms"]) == 6
    assert (
        cw.describe_alarms_for_metric(Namespace=NS, MetricName="Load", Period=300)["MetricAlarms"]
        == []
    )
    refused = error_of(cw.describe_alarms, AlarmNames=["a"], AlarmNamePrefix="a")
    assert refused["Code"] == "InvalidParameterCombination"
    assert error_of(cw.describe_alarms, NextToken="bogus")["Code"] == "InvalidNextToken"


def test_update_keeps_state_and_delete_keeps_history(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    alarm(cw, "x")
    cw.set_alarm_state(
        AlarmName="x", StateValue="ALARM", StateReason="testing", StateReasonData='{"a": 1}'
    )
    found = described(cw, "x")
    assert (found["StateValue"], found["StateReason"]) == ("ALARM", "testing")
    assert json.loads(found["StateReasonData"]) == {"a": 1}
    alarm(cw, "x", Threshold=80.0)
    assert described(cw, "x")["StateValue"] == "ALARM"
    assert described(cw, "x")["Threshold"] == 80.0
    cw.delete_alarms(AlarmNames=["x"])
    assert cw.describe_alarms(AlarmNames=["x"])["MetricAlarms"] == []
    summaries = [i["HistorySummary"] for i in history(cw, "x", "ConfigurationUpdate")]
    assert summaries == ['Alarm "x" created', 'Alarm "x" updated', 'Alarm "x" deleted']
    page = cw.describe_alarm_history(AlarmName="x", MaxRecords=2)
    assert [i["HistorySummary"] for i in page["AlarmHistoryItems"]] == [
        'Alarm "x" deleted',
        'Alarm "x" updated',
    ]
    rest = cw.describe_alarm_history(AlarmName="x", MaxRecords=2, NextToken=page["NextToken"])
    assert [i["HistorySummary"] for i in rest["AlarmHistoryItems"]] == [
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
        'Alarm "x" created',
    ]
    late = cw.describe_alarm_history(AlarmName="x", StartDate=now(server) + timedelta(hours=1))
    assert late["AlarmHistoryItems"] == []


def test_refusals(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    missing = error_of(cw.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="r")
    assert missing == {
        "Code": "ResourceNotFound",
        "Message": "Alarm nope not found",
        "Status": 404,
        "Type": "Sender",
    }
    alarm(cw, "y")
    bad_json = error_of(
        cw.set_alarm_state, AlarmName="y", StateValue="OK", StateReason="r", StateReasonData="{"
    )
    assert (bad_json["Code"], bad_json["Message"]) == (
        "InvalidFormat",
        "The StateReasonData is not valid JSON.",
    )
    gone = error_of(cw.delete_alarms, AlarmNames=["y", "nope"])
    assert (gone["Code"], gone["Message"]) == ("ResourceNotFound", "Alarm nope not found")
    assert described(cw, "y")["AlarmName"] == "y"  # none deleted when one is wrong

    def refused(**extra: Any) -> tuple[str, str]:
        found = error_of(alarm, cw=cw, name="z", **extra)
        return found["Code"], found["Message"]

    assert refused(DatapointsToAlarm=3) == (
        "ValidationError",
        "DatapointsToAlarm must be less than or equal to EvaluationPeriods.",
    )
    assert refused(TreatMissingData="sometimes") == (
        "InvalidParameterValue",
        "The value sometimes for parameter TreatMissingData is invalid.",
    )
    assert refused(ExtendedStatistic="p99") == (
        "InvalidParameterCombination",
        "Exactly one element of the parameters Statistic and ExtendedStatistic must be specified.",
    )
    assert refused(Period=45) == (
        "InvalidParameterValue",
        "The parameter Period must be 1, 5, 10, 30, or a multiple of 60.",
    )
    assert refused(ComparisonOperator="GreaterThanUpperThreshold") == (
        "ValidationError",
        "ThresholdMetricId must be specified for anomaly detection alarms.",
    )
    assert refused(Period=86400, EvaluationPeriods=8, DatapointsToAlarm=1) == (
        "ValidationError",
        "The product of EvaluationPeriods and Period must not exceed 604800 seconds.",
    )
    plain = {
        "AlarmName": "z",
        "MetricName": "Load",
        "Namespace": NS,
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    no_threshold = error_of(cw.put_metric_alarm, **plain)
    assert (no_threshold["Code"], no_threshold["Message"]) == (
        "MissingParameter",
        "The parameter Threshold is required.",
    )
    both = error_of(
        cw.put_metric_alarm,
        **plain,
        Threshold=1.0,
        Metrics=[{"Id": "e", "Expression": "m1 * 2"}],
    )
    assert both["Code"] == "InvalidParameterCombination"
    assert cw.describe_alarms(AlarmNames=["z"])["MetricAlarms"] == []


def test_the_aws_cli_manages_alarms(client: Any, server: Server, aws_cli: Any) -> None:
    made = aws_cli(
        "cloudwatch",
        "put-metric-alarm",
        "--alarm-name",
        "cli",
        "--metric-name",
        "Load",
        "--namespace",
        NS,
        "--statistic",
        "Maximum",
        "--period",
        "60",
        "--evaluation-periods",
        "1",
        "--threshold",
        "5",
        "--comparison-operator",
        "LessThanThreshold",
        "--treat-missing-data",
        "breaching",
    )
    assert made.returncode == 0, made.stderr
    server.settle()
    listed = aws_cli("cloudwatch", "describe-alarms", "--alarm-names", "cli")
    assert listed.returncode == 0, listed.stderr
    (found,) = json.loads(listed.stdout)["MetricAlarms"]
    assert found["StateValue"] == "ALARM" and found["ComparisonOperator"] == "LessThanThreshold"
    assert found["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [")
    state = aws_cli(
        "cloudwatch",
        "set-alarm-state",
        "--alarm-name",
        "cli",
        "--state-value",
        "OK",
        "--state-reason",
        "by hand",
    )
    assert state.returncode == 0, state.stderr
    items = aws_cli(
        "cloudwatch",
        "describe-alarm-history",
        "--alarm-name",
        "cli",
        "--history-item-type",
        "StateUpdate",
    )
    summaries = [i["HistorySummary"] for i in json.loads(items.stdout)["AlarmHistoryItems"]]
    assert summaries == [
        "Alarm updated from ALARM to OK",
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
    ]
    missing = aws_cli(
        "cloudwatch",
        "set-alarm-state",
        "--alarm-name",
        "nope",
        "--state-value",
        "OK",
        "--state-reason",
        "r",
    )
    assert missing.returncode != 0
    assert "(ResourceNotFound) when calling the SetAlarmState operation: Alarm nope not found" in (
        missing.stderr
    )
    deleted = aws_cli("cloudwatch", "delete-alarms", "--alarm-names", "cli")
    assert deleted.returncode == 0, deleted.stderr
    assert client("cloudwatch").describe_alarms(AlarmNames=["cli"])["MetricAlarms"] == []


def test_set_alarm_state_runs_the_new_states_actions(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    alarm(cw, "manual", AlarmActions=[TOPIC], InsufficientDataActions=[TOPIC])
    server.settle()  # evaluated: no data, still INSUFFICIENT_DATA, nothing run
    assert history(cw, "manual", "Action") == []
    cw.set_alarm_state(AlarmName="manual", StateValue="ALARM", StateReason="drill")
    server.settle()
    assert described(cw, "manual")["StateValue"] == "ALARM"  # until its next evaluation
    (acted,) = history(cw, "manual", "Action")
    assert acted["HistorySummary"] == f"Successfully executed action {TOPIC}"
    data = json.loads(acted["HistoryData"])
    assert data["actionState"] == "Succeeded" and data["notificationResource"] == TOPIC
    server.advance(60)  # the next evaluation finds no data again, and says so with its action
    assert described(cw, "manual")["StateValue"] == "INSUFFICIENT_DATA"
    assert len(history(cw, "manual", "Action")) == 2


def test_an_evaluation_is_not_repeated_after_a_restart(own_server: Server) -> None:
    """A restart starts the clock again from the wall's time, so the alarm is evaluated an hour
    ahead first: its next evaluation is then well after the restarted clock's now."""
    cw = aws_client(own_server, "cloudwatch")
    own_server.advance(3600)
    t = minute(now(own_server))
    put(cw, "Load", t - timedelta(minutes=2), 85.0, 90.0)
    alarm(cw, "durable", AlarmActions=[POLICY])
    own_server.settle()
    assert len(history(cw, "durable", "Action")) == 1
    own_server.kill()
    own_server.start()
    own_server.settle()
    assert described(cw, "durable")["StateValue"] == "ALARM"
    assert len(history(cw, "durable", "StateUpdate")) == 1
    assert len(history(cw, "durable", "Action")) == 1, "the evaluation made is not made again"
    own_server.advance(7200)  # evaluations go on after the restart: no data now
    assert described(cw, "durable")["StateValue"] == "INSUFFICIENT_DATA"
    assert len(history(cw, "durable", "StateUpdate")) == 2


@pytest.fixture
def few_alarms(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(
        tmp_path / "data", "--cloudwatch-max-alarms", "2", database_url=own_database_url
    )
    yield service
    if service.process.poll() is None:
        service.stop()


def test_the_alarm_quota(few_alarms: Server) -> None:
    cw = aws_client(few_alarms, "cloudwatch")
    alarm(cw, "a")
    alarm(cw, "b")
    refused = error_of(alarm, cw=cw, name="c")
    assert refused == {
        "Code": "LimitExceeded",
        "Message": "The quota for alarms for this customer has already been reached.",
        "Status": 400,
        "Type": "Sender",
    }
    alarm(cw, "b", Threshold=1.0)  # an update is no new alarm


def test_a_percentile_alarm_and_a_metric_filter(client: Any, server: Server) -> None:
    cw = client("cloudwatch")
    t = minute(now(server))
    dims = [{"Name": "Host", "Value": "a"}]
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": dims,
                "Values": [float(v) for v in range(1, 11)],
                "Timestamp": t - timedelta(minutes=1),
            }
        ],
    )
    cw.put_metric_alarm(
        AlarmName="slow",
        MetricName="Latency",
        Namespace=NS,
        Dimensions=dims,
        ExtendedStatistic="p90",
        EvaluateLowSampleCountPercentile="ignore",
        Period=60,
        EvaluationPeriods=1,
        Threshold=8.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    server.settle()
    found = described(cw, "slow")
    assert found["StateValue"] == "ALARM"
    assert found["StateReason"].startswith(
        "Threshold Crossed: 1 out of the last 1 datapoints [9.0 ("
    )
    assert found["ExtendedStatistic"] == "p90" and "Statistic" not in found
    assert found["EvaluateLowSampleCountPercentile"] == "ignore"
    for_metric = cw.describe_alarms_for_metric(
        Namespace=NS, MetricName="Latency", ExtendedStatistic="p90", Dimensions=dims
    )
    assert [a["AlarmName"] for a in for_metric["MetricAlarms"]] == ["slow"]
    other = cw.describe_alarms_for_metric(
        Namespace=NS, MetricName="Latency", Dimensions=[{"Name": "Host", "Value": "b"}]
    )
    assert other["MetricAlarms"] == []


def test_history_older_than_two_weeks_is_forgotten(own_server: Server) -> None:
    """On a server of its own: a two weeks' jump would move every other test's alarms too."""
    cw = aws_client(own_server, "cloudwatch")
    alarm(cw, "old")
    own_server.settle()
    assert [i["HistorySummary"] for i in history(cw, "old")] == ['Alarm "old" created']
    own_server.advance(13 * 86400)
    assert len(history(cw, "old")) == 1
    own_server.advance(2 * 86400)
    assert history(cw, "old") == []
    assert described(cw, "old")["StateValue"] == "INSUFFICIENT_DATA"
