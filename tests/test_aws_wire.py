"""The AWS wire over real HTTP: signatures, unknown actions, GET requests and fuzzed input."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import urlencode
from xml.etree import ElementTree

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server

NS = "{http://autoscaling.amazonaws.com/doc/2011-01-01/}"


def send(
    server: Server,
    body: str | bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    query: str = "",
) -> tuple[int, bytes]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(
        server.url + "/" + (f"?{query}" if query else ""),
        data=data if method == "POST" else None,
        method=method,
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def signed(
    server: Server,
    body: str,
    *,
    region: str = "us-east-1",
    secret: str = "test",
    key: str = "test",
    service: str = "autoscaling",
    when: datetime | None = None,
) -> dict[str, str]:
    """Sign like boto3 does; `when` pretends the client's clock reads another time."""
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    signer = SigV4Auth(Credentials(key, secret), service, region)
    if when is None:
        signer.add_auth(request)
    else:
        with patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    return dict(request.headers.items())


def error_code(body: bytes) -> tuple[str, str]:
    root = ElementTree.fromstring(body)
    code = root.find(f".//{NS}Code")
    if code is None:
        code = root.find(".//Code")
    message = root.find(f".//{NS}Message")
    if message is None:
        message = root.find(".//Message")
    return (code.text or "") if code is not None else "", (
        message.text or ""
    ) if message is not None else ""


BODY = "Action=DescribeAutoScalingGroups&Version=2011-01-01"


def test_signed_post_succeeds(server: Server) -> None:
    status, body = send(server, BODY, signed(server, BODY))
    assert status == 200
    assert ElementTree.fromstring(body).tag == f"{NS}DescribeAutoScalingGroupsResponse"


def test_unsigned_request_is_missing_authentication_token(server: Server) -> None:
    status, body = send(server, BODY, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    assert error_code(body) == (
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )


def test_wrong_secret_is_signature_does_not_match(server: Server) -> None:
    status, body = send(server, BODY, signed(server, BODY, secret="wrong"))
    assert status == 403
    assert error_code(body)[0] == "SignatureDoesNotMatch"
    assert error_code(body)[1].startswith("The request signature we calculated does not match")


def test_unknown_key_is_invalid_client_token_id(server: Server) -> None:
    status, body = send(server, BODY, signed(server, BODY, key="AKIDUNKNOWN"))
    assert status == 403
    assert error_code(body) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )


def test_tampered_body_fails(server: Server) -> None:
    headers = signed(server, BODY)
    status, body = send(server, BODY + "&MaxRecords=5", headers)
    assert status == 403
    assert error_code(body)[0] == "SignatureDoesNotMatch"


def test_old_signature_is_request_expired(server: Server) -> None:
    late = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=20)
    status, body = send(server, BODY, signed(server, BODY, when=late))
    assert status == 400
    assert error_code(body) == ("RequestExpired", "Request has expired.")


def test_malformed_authorization_is_incomplete_signature(server: Server) -> None:
    status, body = send(
        server,
        BODY,
        {
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/x",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Amz-Date": "20260101T000000Z",
        },
    )
    assert status == 400
    assert error_code(body)[0] == "IncompleteSignature"


def test_unknown_action_is_invalid_action(server: Server) -> None:
    body_text = "Action=LaunchRockets&Version=2011-01-01"
    status, body = send(server, body_text, signed(server, body_text))
    assert status == 400
    assert error_code(body) == (
        "InvalidAction",
        "Could not find operation LaunchRockets for version 2011-01-01",
    )


def test_get_with_query_string_and_presigned_url(server: Server) -> None:
    query = urlencode({"Action": "DescribeAccountLimits", "Version": "2011-01-01"})
    request = AWSRequest(method="GET", url=f"{server.url}/?{query}")
    SigV4Auth(Credentials("test", "test"), "autoscaling", "eu-west-1").add_auth(request)
    status, body = send(server, b"", dict(request.headers.items()), method="GET", query=query)
    assert status == 200, body
    presigned = AWSRequest(method="GET", url=f"{server.url}/?{query}")
    SigV4QueryAuth(Credentials("test", "test"), "autoscaling", "eu-west-1").add_auth(presigned)
    with urllib.request.urlopen(presigned.url, timeout=30) as response:
        assert response.status == 200


def test_ec2_errors_use_the_ec2_envelope(server: Server) -> None:
    body_text = "Action=DescribeNothing&Version=2016-11-15"
    status, body = send(server, body_text, signed(server, body_text, service="ec2"))
    assert status == 400
    root = ElementTree.fromstring(body)
    assert root.tag == "Response"
    assert root.findtext("Errors/Error/Code") == "InvalidAction"
    assert root.findtext("RequestID")


ACTIONS = [
    "CreateAutoScalingGroup",
    "UpdateAutoScalingGroup",
    "DetachInstances",
    "AttachInstances",
    "DescribeAutoScalingGroups",
    "SetDesiredCapacity",
    "DescribeScalingActivities",
    "EnterStandby",
    "ExitStandby",
    "CreateOrUpdateTags",
    "TerminateInstanceInAutoScalingGroup",
    "SetInstanceProtection",
    "DescribeTags",
    "CreateLaunchConfiguration",
    "DeleteAutoScalingGroup",
    "SuspendProcesses",
    "StartInstanceRefresh",
    "DescribeInstanceRefreshes",
    "CancelInstanceRefresh",
    "RollbackInstanceRefresh",
]
KEYS = [
    "AutoScalingGroupName",
    "InstanceIds.member.1",
    "InstanceIds.member.25",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "ShouldDecrementDesiredCapacity",
    "MaxRecords",
    "NextToken",
    "LaunchConfigurationName",
    "AvailabilityZones.member.1",
    "VPCZoneIdentifier",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "Filters.member.1.Name",
    "Filters.member.1.Values.member.1",
    "ImageId",
    "InstanceType",
    "HonorCooldown",
    "LaunchTemplate.Version",
    "ScalingProcesses.member.1",
    "ActivityIds.member.1",
    "Preferences.MinHealthyPercentage",
    "Preferences.MaxHealthyPercentage",
    "Preferences.CheckpointPercentages.member.1",
    "Preferences.CheckpointDelay",
    "Preferences.AutoRollback",
    "DesiredConfiguration.LaunchTemplate.Version",
    "DesiredConfiguration.LaunchTemplate.LaunchTemplateName",
    "InstanceRefreshIds.member.1",
    "Junk",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(
        [
            "true",
            "false",
            "",
            "i-0123456789abcdef0",
            "web",
            "$Latest",
            "tw-fuzz-1a",
            "ami-0c02fb55956c7d316",
            "t3.micro",
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    action=st.sampled_from(ACTIONS),
    params=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8),
)
def test_fuzzed_requests_never_fail_with_a_500(
    server: Server, action: str, params: dict[str, Any]
) -> None:
    body_text = urlencode({"Action": action, "Version": "2011-01-01", **params})
    status, body = send(server, body_text, signed(server, body_text, region="tw-fuzz"))
    assert status < 500, body
    ElementTree.fromstring(body)
