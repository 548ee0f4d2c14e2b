"""Simulated Amazon SQS through boto3 (AWS JSON 1.0), signed Query requests and the aws CLI."""

from __future__ import annotations

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.test_sim_ec2 import ACCOUNT, BACKENDS, START, database_url
from tidewater.clock import Clock
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.sqs import ENDPOINT, SimSqs, SqsFault, attributes, digest, names
from tidewater.cloud.sim.timing import Timing
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.database import Database
from tidewater.store.tables import metadata

NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error["Code"], error.get("QueryErrorCode", ""), error["Message"], status


def query(server: Server, region: str, params: dict[str, str], path: str = "/") -> Any:
    """A signed Query-protocol request, as SDKs from before SQS spoke JSON send it."""
    request = AWSRequest(
        method="POST",
        url=server.url + path,
        data=params,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    SigV4Auth(Credentials("test", "test"), "sqs", region).add_auth(request)
    prepared = request.prepare()
    return requests.post(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30
    )


def xml_text(response: Any, tag: str) -> list[str]:
    root = ET.fromstring(response.content)
    return [e.text or "" for e in root.iter() if e.tag.rsplit("}", 1)[-1] == tag]


def test_a_queue_round_trip_in_json(client: Any, server: Server) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert url.startswith(server.url) and url.endswith("/work")
    assert (
        sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "5"})["QueueUrl"] == url
    )
    assert sqs.get_queue_url(QueueName="work")["QueueUrl"] == url
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == ["hello"]
    assert got[0]["MessageId"] == sent["MessageId"]
    assert got[0]["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert got[0]["Attributes"]["SentTimestamp"].isdigit()
    shown = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert shown["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert shown["ApproximateNumberOfMessages"] == "0"
    assert shown["VisibilityTimeout"] == "5"
    assert shown["MaximumMessageSize"] == "1048576"
    assert shown["QueueArn"].startswith("arn:aws:sqs:") and shown["QueueArn"].endswith(":work")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_queue(QueueUrl=url)
    assert refused(sqs.get_queue_url, QueueName="work")[:3] == (
        NO_QUEUE,
        "QueueDoesNotExist",
        "The specified queue does not exist.",
    )
    assert refused(sqs.create_queue, QueueName="work")[0] == (
        "AWS.SimpleQueueService.QueueDeletedRecently"
    )


def test_json_errors_carry_the_query_code_and_the_shape(client: Any) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q", Attributes={"DelaySeconds": "1"})["QueueUrl"]
    assert refused(sqs.create_queue, QueueName="q", Attributes={"DelaySeconds": "2"}) == (
        "QueueAlreadyExists",
        "QueueNameExists",
        "A queue already exists with the same name and a different value for attribute "
        "DelaySeconds",
        400,
    )
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_attributes(QueueUrl=url + "-none")
    assert refused(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11) == (
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and "
        "10, if provided.",
        400,
    )
    for wait in (21, -1):
        assert refused(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=wait)[2] == (
            f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and "
            "<= 20, if provided."
        )
    assert refused(sqs.send_message, QueueUrl=url, MessageBody="")[:3] == (
        "MissingParameter",
        "MissingRequiredParameterException",
        "The request must contain the parameter MessageBody.",
    )
    assert refused(sqs.send_message, QueueUrl=url, MessageBody="x" * 1048577)[2] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
    )
    assert refused(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Nope"])[:3] == (
        "InvalidAttributeName",
        "InvalidAttributeName",
        "Unknown Attribute Nope.",
    )
    assert refused(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")[:3] == (
        "ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        'The input receipt handle "garbage" is not a valid receipt handle.',
    )
    assert refused(sqs.create_queue, QueueName="bad.fifo")[0] == "InvalidParameterValue"
    assert refused(sqs.create_queue, QueueName="f", Attributes={"FifoQueue": "true"})[0] == (
        "InvalidParameterValue"
    )
    assert (
        refused(sqs.create_queue, QueueName="s", Attributes={"ContentBasedDeduplication": "true"})[
            2
        ]
        == "Unknown Attribute ContentBasedDeduplication."
    )


def test_fifo_refusals(client: Any) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="f.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert refused(sqs.send_message, QueueUrl=url, MessageBody="m")[2] == (
        "The request must contain the parameter MessageGroupId."
    )
    assert refused(sqs.send_message, QueueUrl=url, MessageBody="m", MessageGroupId="g")[2] == (
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly"
    )
    assert refused(
        sqs.send_message, QueueUrl=url, MessageBody="m", MessageGroupId="g", DelaySeconds=2
    )[2] == (
        "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type."
    )


def test_visibility_timeout_redelivers_and_stales_the_old_handle(
    client: Any, server: Server
) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="vis")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    server.advance(31)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    message = second["Messages"][0]
    assert message["Attributes"] == {"ApproximateReceiveCount": "2"}
    assert message["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # stale: kept
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])  # again: fine
    assert refused(
        sqs.change_message_visibility,
        QueueUrl=url,
        ReceiptHandle=third["ReceiptHandle"],
        VisibilityTimeout=5,
    )[2].endswith(
        "Reason: Message does not exist or is not available for visibility timeout change."
    )


def test_delay_and_purge_rule(client: Any, server: Server) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="p")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    shown = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )
    assert shown["Attributes"] == {"ApproximateNumberOfMessagesDelayed": "1"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    server.advance(60)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "later"
    sqs.purge_queue(QueueUrl=url)
    assert refused(sqs.purge_queue, QueueUrl=url) == (
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        "PurgeQueueInProgress",
        "Only one PurgeQueue operation on p is allowed every 60 seconds.",
        403,
    )
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"
    server.advance(60)
    sqs.purge_queue(QueueUrl=url)


def test_long_polling_returns_when_a_message_arrives(client: Any) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="lp")["QueueUrl"]
    threading.Timer(
        1.0, lambda: client("sqs").send_message(QueueUrl=url, MessageBody="now")
    ).start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    assert [m["Body"] for m in got["Messages"]] == ["now"]
    assert time.monotonic() - started < 5


def test_long_polling_returns_when_the_clock_moves(client: Any, server: Server) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="lpc")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=600)
    threading.Timer(1.0, lambda: server.advance(600)).start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    assert [m["Body"] for m in got["Messages"]] == ["delayed"]
    assert time.monotonic() - started < 5
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert time.monotonic() - started >= 1


def test_list_queues_by_prefix_in_pages(client: Any) -> None:
    sqs = client("sqs")
    for name in ("a1", "a2", "a3", "b1"):
        sqs.create_queue(QueueName=name)
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues(QueueNamePrefix="a")["QueueUrls"]] == [
        "a1",
        "a2",
        "a3",
    ]
    assert "NextToken" not in sqs.list_queues()
    first = sqs.list_queues(MaxResults=2)
    assert len(first["QueueUrls"]) == 2
    rest = sqs.list_queues(MaxResults=2, NextToken=first["NextToken"])
    assert [u.rsplit("/", 1)[1] for u in first["QueueUrls"] + rest["QueueUrls"]] == [
        "a1",
        "a2",
        "a3",
        "b1",
    ]


def test_message_attributes_and_their_digest(client: Any) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="attrs")["QueueUrl"]
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="b",
        MessageAttributes={"attribName1": {"DataType": "String", "StringValue": "attribValue 1"}},
    )
    assert sent["MD5OfMessageAttributes"] == "19e27d4e946b072f3f58da80d94fd778"
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert got["MessageAttributes"]["attribName1"]["StringValue"] == "attribValue 1"
    assert got["MD5OfMessageAttributes"] == "19e27d4e946b072f3f58da80d94fd778"


def test_the_query_protocol_at_the_root_and_at_the_queue_url(server: Server, region: str) -> None:
    created = query(
        server,
        region,
        {
            "Action": "CreateQueue",
            "Version": "2012-11-05",
            "QueueName": "old",
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "7",
        },
    )
    assert created.status_code == 200, created.text
    url = xml_text(created, "QueueUrl")[0]
    path = urlsplit(url).path
    sent = query(server, region, {"Action": "SendMessage", "MessageBody": "hi"}, path)
    assert sent.status_code == 200, sent.text
    assert xml_text(sent, "MD5OfMessageBody") == ["49f68a5c8493ec2c0bf489821c21fc3b"]
    got = query(
        server,
        region,
        {
            "Action": "ReceiveMessage",
            "Version": "2012-11-05",
            "QueueUrl": url,
            "AttributeName.1": "All",
        },
    )
    assert xml_text(got, "Body") == ["hi"]
    attrs = query(server, region, {"Action": "GetQueueAttributes", "AttributeName.1": "All"}, path)
    root = ET.fromstring(attrs.content)
    pairs = {
        a[0].text: a[1].text for a in root.iter() if a.tag.endswith("}Attribute") and len(a) == 2
    }
    assert pairs["VisibilityTimeout"] == "7"
    empty = query(server, region, {"Action": "ReceiveMessage"}, path)
    assert (
        empty.status_code == 200
        and b"<ReceiveMessageResult></ReceiveMessageResult>" in empty.content
    )
    missing = query(
        server, region, {"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": "none"}
    )
    assert missing.status_code == 400
    assert xml_text(missing, "Code") == [NO_QUEUE]
    assert xml_text(missing, "Message") == [
        "The specified queue does not exist for this wsdl version."
    ]
    assert xml_text(missing, "Type") == ["Sender"]
    nameless = query(server, region, {"Action": "GetQueueUrl", "Version": "2012-11-05"})
    assert xml_text(nameless, "Code") == ["MissingParameter"]
    assert xml_text(nameless, "Message") == ["The request must contain the parameter QueueName."]
    urlless = query(server, region, {"Action": "PurgeQueue", "Version": "2012-11-05"})
    assert xml_text(urlless, "Message") == ["The request must contain the parameter QueueUrl."]
    wrong = query(server, region, {"Action": "ListQueues"}, path)
    assert xml_text(wrong, "Message") == ["The action ListQueues is not valid for this endpoint."]
    unknown = query(server, region, {"Action": "FooBar", "Version": "2012-11-05"})
    assert xml_text(unknown, "Code") == ["InvalidAction"]
    assert xml_text(unknown, "Message") == ["The action FooBar is not valid for this endpoint."]
    bare = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("test", "test"), "sqs", region).add_auth(bare)
    prepared = bare.prepare()
    nothing = requests.get(prepared.url, headers=dict(prepared.headers), timeout=30)
    assert nothing.status_code == 404 and b"<UnknownOperationException" in nothing.content
    listed = requests.get(url + "?Action=ReceiveMessage", timeout=30)
    assert listed.status_code == 403  # unsigned
    query(server, region, {"Action": "PurgeQueue"}, path)
    again = query(server, region, {"Action": "PurgeQueue"}, path)
    assert again.status_code == 403
    assert xml_text(again, "Code") == ["AWS.SimpleQueueService.PurgeQueueInProgress"]


def test_the_aws_cli_drives_a_queue(aws_cli: Any) -> None:
    made = aws_cli("sqs", "create-queue", "--queue-name", "cli")
    assert made.returncode == 0, made.stderr
    url = json.loads(made.stdout)["QueueUrl"]
    sent = aws_cli("sqs", "send-message", "--queue-url", url, "--message-body", "from cli")
    assert sent.returncode == 0, sent.stderr
    got = aws_cli("sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "1")
    assert got.returncode == 0, got.stderr
    message = json.loads(got.stdout)["Messages"][0]
    assert message["Body"] == "from cli"
    gone = aws_cli(
        "sqs", "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"]
    )
    assert gone.returncode == 0, gone.stderr
    missing = aws_cli("sqs", "get-queue-url", "--queue-name", "nothing")
    assert missing.returncode != 0
    assert "QueueDoesNotExist" in missing.stderr or NO_QUEUE in missing.stderr


SCOPE = Scope("123456789012", "us-east-1", Cloud.AWS)
NAME_CHARS = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z"))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(NAME_CHARS, max_size=90), st.booleans())
def test_queue_names_are_accepted_exactly_by_the_documented_rule(name: str, fifo: bool) -> None:
    base = name.removesuffix(".fifo") if fifo else name
    ok = re.fullmatch(r"[A-Za-z0-9_-]+", base) is not None and (
        (fifo and name.endswith(".fifo") and len(name) <= 80) or (not fifo and len(name) <= 80)
    )
    try:
        names.checked(name, fifo=fifo)
    except SqsFault as fault:
        assert not ok and fault.code == "InvalidParameterValue"
    else:
        assert ok
        assert names.from_url(SCOPE, names.url("http://h:1", SCOPE, name)) == name


@settings(max_examples=200)
@given(
    st.sampled_from(sorted(attributes.NUMBERS)),
    st.one_of(st.integers(-10, 2_000_000).map(str), st.text(max_size=6)),
)
def test_numeric_attributes_take_exactly_their_range(name: str, value: str) -> None:
    spec = attributes.NUMBERS[name]
    text = value.strip()
    ok = re.fullmatch(r"-?[0-9]+", text) is not None and spec.low <= int(text) <= spec.high
    try:
        stored = attributes.settable({name: value})
    except SqsFault as fault:
        assert not ok and fault.code == "InvalidAttributeValue"
        assert fault.message == f"Invalid value for the parameter {name}."
    else:
        assert ok and stored[name] == str(int(text))


def test_json_sent_to_the_queue_url_is_answered_in_json(
    client: Any, server: Server, region: str
) -> None:
    url = client("sqs").create_queue(QueueName="php")["QueueUrl"]
    request = AWSRequest(
        method="POST",
        url=url,
        data=json.dumps({"MessageBody": "via path"}),
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.SendMessage",
        },
    )
    SigV4Auth(Credentials("test", "test"), "sqs", region).add_auth(request)
    prepared = request.prepare()
    sent = requests.post(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30
    )
    assert sent.status_code == 200, sent.text
    assert sent.headers["content-type"].startswith("application/x-amz-json-1.0")
    assert sent.json()["MD5OfMessageBody"] == digest.of_body("via path")
    got = client("sqs").receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in got] == ["via path"]


def test_visibility_may_not_outlast_twelve_hours_from_the_first_receive(
    client: Any, server: Server
) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="long")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=43200)["Messages"][0][
        "ReceiptHandle"
    ]
    server.advance(100)
    assert (
        refused(
            sqs.change_message_visibility,
            QueueUrl=url,
            ReceiptHandle=handle,
            VisibilityTimeout=43200,
        )[0]
        == "InvalidParameterValue"
    )
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43000)


@pytest.fixture(params=BACKENDS)
def queues(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SimSqs, Clock]]:
    db = Database(database_url(request, tmp_path))
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    yield SimSqs(SimCompute(db, clock, Timing())), clock
    db.dispose()


def test_the_queues_port_posts_by_arn_and_retention_drops_old_messages(
    queues: tuple[SimSqs, Clock],
) -> None:
    sim, clock = queues
    scope = Scope(ACCOUNT, "us-east-1", Cloud.AWS)
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:hooks"
    assert not sim.exists(scope, arn) and not sim.send(scope, arn, "{}")
    sim.create_queue(
        scope,
        {
            "QueueName": "hooks",
            "Attributes": {"MessageRetentionPeriod": "60"},
            ENDPOINT: "http://h",
        },
    )
    assert sim.exists(scope, arn)
    assert not sim.exists(scope, arn.replace("us-east-1", "us-west-2"))
    assert not sim.exists(Scope("210987654321", "us-east-1", Cloud.AWS), arn)
    assert sim.send(scope, arn, '{"Event":"autoscaling:TEST_NOTIFICATION"}')
    url = f"/{ACCOUNT}/hooks"
    again = SimSqs(sim.compute)  # a second node, or a restart, reads the same rows
    got = again.receive_message(scope, {"QueueUrl": url, "VisibilityTimeout": 0})
    assert got["Messages"][0]["Body"] == '{"Event":"autoscaling:TEST_NOTIFICATION"}'
    clock.advance(61)
    assert again.receive_message(scope, {"QueueUrl": url}) == {}
    counts = sim.get_queue_attributes(scope, {"QueueUrl": url, "AttributeNames": ["All"]})
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_crowd_of_long_polls_does_not_hold_up_other_calls(
    client: Any, server: Server, region: str
) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="crowd")["QueueUrl"]
    path = urlsplit(url).path
    polls = [
        threading.Thread(
            target=query,
            args=(server, region, {"Action": "ReceiveMessage", "WaitTimeSeconds": "4"}, path),
        )
        for _ in range(48)  # more than the worker pool's 40 threads
    ]
    for poll in polls:
        poll.start()
    time.sleep(1)
    started = time.monotonic()
    sqs.create_queue(QueueName="meanwhile")
    assert time.monotonic() - started < 2
    for poll in polls:
        poll.join()


def test_concurrent_receives_never_take_the_same_message(queues: tuple[SimSqs, Clock]) -> None:
    sim, _ = queues
    scope = Scope(ACCOUNT, "us-east-1", Cloud.AWS)
    sim.create_queue(scope, {"QueueName": "busy", ENDPOINT: "http://h"})
    url = f"/{ACCOUNT}/busy"
    for n in range(40):
        sim.send_message(scope, {"QueueUrl": url, "MessageBody": str(n)})
    taken: list[str] = []

    def drain() -> None:
        while got := sim.receive_message(scope, {"QueueUrl": url, "MaxNumberOfMessages": 3}):
            taken.extend(m["Body"] for m in got["Messages"])

    workers = [threading.Thread(target=drain) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(taken, key=int) == [str(n) for n in range(40)]
