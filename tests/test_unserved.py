"""A request signed for an AWS service Tidewater does not host is answered in that service's own
protocol, which its SDK reads as an ordinary error saying what is and is not served."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server

# (service, protocol as botocore names it, a call)
CALLS = [
    ("sts", "query", lambda c: c.get_caller_identity(), "GetCallerIdentity"),
    ("cloudformation", "query", lambda c: c.list_stacks(), "ListStacks"),
    ("iam", "query", lambda c: c.list_users(), "ListUsers"),
    ("resourcegroupstaggingapi", "smithy-rpc-v2-cbor", lambda c: c.get_resources(), "GetResources"),
    ("dynamodb", "json", lambda c: c.list_tables(), "ListTables"),
    ("lambda", "rest-json", lambda c: c.list_functions(), "GET /2015-03-31/functions"),
    ("s3", "rest-xml", lambda c: c.list_buckets(), "GET /"),
]


@pytest.mark.parametrize(("service", "protocol", "call", "action"), CALLS)
def test_an_unserved_service_is_told_so_in_its_own_protocol(
    server: Server, region: str, service: str, protocol: str, call: Any, action: str
) -> None:
    client = boto3.client(
        service,
        region_name=region,
        endpoint_url=server.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )
    assert client.meta.service_model.protocol == protocol
    with pytest.raises(ClientError) as caught:
        call(client)
    error = caught.value.response["Error"]
    assert error["Code"] == "NotImplemented"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    signing = client.meta.service_model.signing_name
    assert error["Message"].startswith(f"Tidewater does not serve {signing} ({action}).")
    assert "autoscaling" in error["Message"] and "ec2" in error["Message"]


def test_the_cli_reads_it_too(server: Server, region: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": server.url,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    aws = Path(sys.executable).with_name("aws")
    ran = subprocess.run(
        [str(aws), "sts", "get-caller-identity"], env=env, capture_output=True, text=True
    )
    assert ran.returncode == 255
    assert (
        "An error occurred (NotImplemented) when calling the GetCallerIdentity operation: "
        "Tidewater does not serve sts (GetCallerIdentity)." in ran.stderr
    )


def test_served_services_still_answer_and_unsigned_calls_are_auto_scalings(
    server: Server, autoscaling: Any
) -> None:
    assert autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []
    import httpx

    unsigned = httpx.post(server.url + "/", data={"Action": "GetCallerIdentity"})
    assert unsigned.status_code != 501


@given(
    st.sampled_from(["sts", "s3", "lambda", "tagging", "cloudformation"]),
    st.dictionaries(
        st.sampled_from(["x-amz-target", "content-type", "smithy-protocol"]),
        st.text(max_size=30),
    ),
    st.dictionaries(st.sampled_from(["Action", "Version"]), st.text(max_size=30)),
    st.text(max_size=40),
)
def test_every_unserved_answer_reads_in_its_protocol(
    service: str, headers: dict[str, str], params: dict[str, str], path: str
) -> None:
    import xml.etree.ElementTree as ET

    import cbor2
    import orjson

    from tidewater.server import unserved

    answer = unserved.reply(service, "POST", "/" + path, headers, params, ["ec2"], "r-1")
    assert answer.status == 501
    if answer.content_type == "application/cbor":
        assert cbor2.loads(answer.body)["__type"] == "NotImplemented"
    elif "json" in answer.content_type or answer.content_type.startswith("application/x-amz"):
        found = orjson.loads(answer.body)
        assert found.get("__type", answer.headers.get("x-amzn-ErrorType")) == "NotImplemented"
        assert found["message"].startswith(f"Tidewater does not serve {service} (")
    else:
        root = ET.fromstring(answer.body)
        assert root.find(".//Code").text == "NotImplemented"  # type: ignore[union-attr]
