"""The front door both clouds share: where handlers run, unexpected failures, no product."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tidewater.clock import Clock
from tidewater.dialects.aliyun.signature import NonceBook
from tidewater.dialects.aws.protocol import Protocol
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.context import Escalate, rehearsed
from tidewater.engine.keys import KeyRing
from tidewater.server.aliyun import AliyunFront, AliyunProduct
from tidewater.server.aws import AwsFront, Product
from tidewater.server.front import Reply

ACCOUNT = "123456789012"
NS = "{http://autoscaling.amazonaws.com/doc/2011-01-01/}"


class Keys:
    """The one key pair the clients below sign with."""

    def secret(self, access_key_id: str) -> str | None:
        return "test" if access_key_id == "test" else None

    def lookup(self, access_key_id: str) -> tuple[str, str] | None:
        return ("test", ACCOUNT) if access_key_id == "test" else None


KEYS = cast(KeyRing, Keys())


class Recorder:
    """Handlers that note where they ran and with which scope, or fail unexpectedly."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Scope, bool]] = []

    def ok(self, action: str) -> Any:
        def handler(scope: Scope, request: Any) -> Mapping[str, Any]:
            on_loop = threading.current_thread() is threading.main_thread()
            self.seen.append((action, scope, on_loop))
            return {}

        return handler

    def rehearsed(self, action: str, writes: bool) -> Any:
        """A handler whose command is rehearsed first: on the loop it escalates if it writes."""

        @rehearsed
        def handler(scope: Scope, request: Any) -> Mapping[str, Any]:
            on_loop = threading.current_thread() is threading.main_thread()
            self.seen.append((action, scope, on_loop))
            if writes and on_loop:
                raise Escalate
            return {}

        return handler

    @staticmethod
    def boom(scope: Scope, request: Any) -> Mapping[str, Any]:
        raise RuntimeError("nobody foresaw this")


def aws_call(front: AwsFront, action: str, **extra: str) -> Reply:
    params = {"Action": action, "Version": "2011-01-01", **extra}
    body = urlencode(params)
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1/",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("test", "test"), "autoscaling", "tw-test-1").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "127.0.0.1"
    return asyncio.run(front.handle("POST", "/", "", headers, body.encode(), params, "rid-aws"))


def aliyun_call(front: AliyunFront, action: str, version: str, **extra: str) -> Reply:
    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    query = {"Action": action, "Version": version, **extra}
    url, _ = get_signed_url(query, "test", "test", "JSON", "GET", {})
    reply = asyncio.run(front.handle("GET", url.partition("?")[2], {}, b"", "rid-ali"))
    assert reply is not None
    return reply


def aws_front(recorder: Recorder) -> AwsFront:
    handlers = {
        "DescribeAutoScalingGroups": recorder.ok("DescribeAutoScalingGroups"),
        "DeleteAutoScalingGroup": recorder.ok("DeleteAutoScalingGroup"),
        "DescribeTags": Recorder.boom,
    }
    service = SimpleNamespace(signing_name="autoscaling", handlers=handlers)
    return AwsFront([Product(Protocol("autoscaling"), service)], KEYS, Clock())


def aliyun_front(recorder: Recorder) -> AliyunFront:
    handlers = {
        "DescribeScalingGroups": recorder.ok("DescribeScalingGroups"),
        "DeleteScalingGroup": recorder.ok("DeleteScalingGroup"),
        "DescribeScalingRules": Recorder.boom,
    }
    product = AliyunProduct("Ess", "ess.aliyuncs.com", handlers)
    return AliyunFront(
        {"2014-08-28": product}, KEYS, Clock(), NonceBook(), lambda account, group: "tw-test-9"
    )


def assert_logged(caplog: pytest.LogCaptureFixture, logger: str, message: str) -> None:
    """One error line on the cloud's logger, naming the request, with the traceback."""
    [record] = caplog.records
    assert (record.name, record.getMessage()) == (logger, message)
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_aws_reads_run_on_the_loop_and_changes_in_a_worker() -> None:
    recorder = Recorder()
    front = aws_front(recorder)
    assert aws_call(front, "DescribeAutoScalingGroups").status == 200
    reply = aws_call(front, "DeleteAutoScalingGroup", AutoScalingGroupName="web")
    assert reply.status == 200
    scope = Scope(ACCOUNT, "tw-test-1", Cloud.AWS)
    assert recorder.seen == [
        ("DescribeAutoScalingGroups", scope, True),
        ("DeleteAutoScalingGroup", scope, False),
    ]


def test_a_rehearsed_command_stays_on_the_loop_until_it_must_write() -> None:
    recorder = Recorder()
    handlers = {
        "SetDesiredCapacity": recorder.rehearsed("SetDesiredCapacity", writes=False),
        "DetachInstances": recorder.rehearsed("DetachInstances", writes=True),
    }
    service = SimpleNamespace(signing_name="autoscaling", handlers=handlers)
    front = AwsFront([Product(Protocol("autoscaling"), service)], KEYS, Clock())
    desired = {"AutoScalingGroupName": "web", "DesiredCapacity": "1"}
    detach = {
        "AutoScalingGroupName": "web",
        "InstanceIds.member.1": "i-1",
        "ShouldDecrementDesiredCapacity": "true",
    }
    assert aws_call(front, "SetDesiredCapacity", **desired).status == 200
    assert aws_call(front, "DetachInstances", **detach).status == 200
    scope = Scope(ACCOUNT, "tw-test-1", Cloud.AWS)
    assert recorder.seen == [
        ("SetDesiredCapacity", scope, True),
        ("DetachInstances", scope, True),  # rehearsed on the loop, then from the start
        ("DetachInstances", scope, False),  # in a worker, where it may wait for its lock
    ]


def test_aliyun_reads_run_on_the_loop_and_changes_in_a_worker() -> None:
    recorder = Recorder()
    front = aliyun_front(recorder)
    assert aliyun_call(front, "DescribeScalingGroups", "2014-08-28").status == 200
    reply = aliyun_call(front, "DeleteScalingGroup", "2014-08-28", ScalingGroupId="asg-1")
    assert reply.status == 200
    assert recorder.seen == [
        ("DescribeScalingGroups", Scope(ACCOUNT, "cn-hangzhou", Cloud.ALIYUN), True),
        ("DeleteScalingGroup", Scope(ACCOUNT, "tw-test-9", Cloud.ALIYUN), False),
    ]


def test_aws_unexpected_failure_is_internal_failure_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="tidewater.aws"):
        reply = aws_call(aws_front(Recorder()), "DescribeTags")
    assert (reply.status, reply.content_type) == (500, "text/xml")
    root = ElementTree.fromstring(reply.body)
    assert [
        root.findtext(f".//{NS}{name}") for name in ("Type", "Code", "Message", "RequestId")
    ] == [
        "Receiver",
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
        "rid-aws",
    ]
    assert_logged(caplog, "tidewater.aws", "request rid-aws (autoscaling DescribeTags) failed")


def test_aliyun_unexpected_failure_is_internal_error_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="tidewater.aliyun"):
        reply = aliyun_call(aliyun_front(Recorder()), "DescribeScalingRules", "2014-08-28")
    assert reply.status == 500
    body = json.loads(reply.body)
    assert (body["Code"], body["Message"], body["HostId"], body["RequestId"]) == (
        "InternalError",
        "The request processing has failed due to some unknown error.",
        "ess.aliyuncs.com",
        "rid-ali",
    )
    assert_logged(
        caplog, "tidewater.aliyun", "request rid-ali (2014-08-28 DescribeScalingRules) failed"
    )


def test_aliyun_version_without_product_is_not_found_at_the_gateway() -> None:
    reply = aliyun_call(aliyun_front(Recorder()), "DescribeScalingGroups", "2099-01-01")
    assert reply.status == 404
    body = json.loads(reply.body)
    assert (body["Code"], body["HostId"]) == ("InvalidAction.NotFound", "aliyuncs.com")
    assert body["Message"] == "Specified api is not found, please check your url and method."
