"""Simulated Systems Manager parameters over awsJson 1.1: boto3, the aws CLI and raw bodies."""

from __future__ import annotations

import json
import socket
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import describe_group, error_of, instance_ids
from tests.test_hardening_http import address, read_response

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
AL2023_IMAGE = "ami-0230bd60aa48260c6"
AMZN2 = "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2"
AMZN2_IMAGE = "ami-0c02fb55956c7d316"
NAME_TEXT = (
    'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it '
    "can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of "
    "letters, numbers and the following 3 symbols .-_"
)


def test_public_image_parameters_resolve_to_the_catalogue(client: Any, aws_cli: Any) -> None:
    ssm = client("ssm")
    found = ssm.get_parameter(Name=AL2023)["Parameter"]
    assert found["Value"] == AL2023_IMAGE
    assert found["Type"] == "String"
    assert found["ARN"].endswith(f"::parameter{AL2023}")
    assert ssm.get_parameter(Name=AMZN2)["Parameter"]["Value"] == AMZN2_IMAGE
    shown = aws_cli("ssm", "get-parameter", "--name", AL2023, "--query", "Parameter.Value")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == AL2023_IMAGE
    listed = ssm.get_parameters_by_path(Path="/aws/service/ami-amazon-linux-latest")
    names = [p["Name"] for p in listed["Parameters"]]
    assert AL2023 in names and AMZN2 in names
    assert all(n.startswith("/aws/service/ami-amazon-linux-latest/") for n in names)


def test_put_get_overwrite_versions_delete(client: Any) -> None:
    ssm = client("ssm")
    made = ssm.put_parameter(Name="/app/db/host", Value="a", Type="String")
    assert (made["Version"], made["Tier"]) == (1, "Standard")
    ssm.put_parameter(Name="/app/db/port", Value="5432", Type="String")
    refused = error_of(ssm.put_parameter, Name="/app/db/host", Value="b", Type="String")
    assert refused["Code"] == "ParameterAlreadyExists"
    assert refused["Message"] == (
        "The parameter already exists. To overwrite this value, set the overwrite option in the "
        "request to true."
    )
    assert ssm.put_parameter(Name="/app/db/host", Value="b", Overwrite=True)["Version"] == 2
    got = ssm.get_parameter(Name="/app/db/host")["Parameter"]
    assert (got["Value"], got["Version"], got["DataType"]) == ("b", 2, "text")
    old = ssm.get_parameter(Name="/app/db/host:1")["Parameter"]
    assert (old["Name"], old["Value"], old["Version"], old["Selector"]) == (
        "/app/db/host",
        "a",
        1,
        ":1",
    )
    missing = error_of(ssm.get_parameter, Name="/app/db/host:7")
    assert missing["Code"] == "ParameterVersionNotFound"
    assert missing["Message"] == (
        "Systems Manager could not find version 7 of /app/db/host. Verify the version and try "
        "again."
    )
    both = ssm.get_parameters(Names=["/app/db/host", "/app/nothing", "/app/db/port"])
    assert [p["Name"] for p in both["Parameters"]] == ["/app/db/host", "/app/db/port"]
    assert both["InvalidParameters"] == ["/app/nothing"]
    ssm.put_parameter(Name="/app/secret", Value="hunter2", Type="SecureString")
    hidden = ssm.get_parameter(Name="/app/secret")["Parameter"]["Value"]
    assert hidden != "hunter2"
    shown = ssm.get_parameter(Name="/app/secret", WithDecryption=True)["Parameter"]["Value"]
    assert shown == "hunter2"
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/app/db"]}]
    )["Parameters"]
    assert [(p["Name"], p["Version"]) for p in described] == [
        ("/app/db/host", 2),
        ("/app/db/port", 1),
    ]
    ssm.delete_parameter(Name="/app/db/host")
    gone = error_of(ssm.get_parameter, Name="/app/db/host")
    assert (gone["Code"], gone["Message"], gone["Status"]) == ("ParameterNotFound", "", 400)
    assert error_of(ssm.delete_parameter, Name="/app/db/host")["Code"] == "ParameterNotFound"
    deleted = ssm.delete_parameters(Names=["/app/db/port", "/app/none"])
    assert deleted["DeletedParameters"] == ["/app/db/port"]
    assert deleted["InvalidParameters"] == ["/app/none"]


def test_by_path_recursive_pages_through_the_paginator(client: Any, aws_cli: Any) -> None:
    ssm = client("ssm")
    made = [f"/svc/a/p{i:02d}" for i in range(13)] + ["/svc/a/deep/x", "/svc/b/y", "/svc/top"]
    for name in made:
        ssm.put_parameter(Name=name, Value="v", Type="String")
    pages = list(
        ssm.get_paginator("get_parameters_by_path").paginate(
            Path="/svc", Recursive=True, PaginationConfig={"PageSize": 5}
        )
    )
    assert len(pages) == 4
    assert sorted(p["Name"] for page in pages for p in page["Parameters"]) == sorted(made)
    listed = aws_cli(
        "ssm", "get-parameters-by-path", "--path", "/svc", "--recursive", "--page-size", "4"
    )
    assert listed.returncode == 0, listed.stderr
    assert sorted(p["Name"] for p in json.loads(listed.stdout)["Parameters"]) == sorted(made)
    one_level = ssm.get_parameters_by_path(Path="/svc/a", MaxResults=10)
    assert [p["Name"] for p in one_level["Parameters"]] == made[:10]
    rest = ssm.get_parameters_by_path(Path="/svc/a", NextToken=one_level["NextToken"])
    assert [p["Name"] for p in rest["Parameters"]] == made[10:13]
    assert "NextToken" not in rest
    too_many = error_of(ssm.get_parameters_by_path, Path="/svc", MaxResults=11)
    assert too_many["Code"] == "ValidationException"
    assert too_many["Message"] == (
        "1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 10"
    )
    described = ssm.describe_parameters(MaxResults=50)["Parameters"]
    assert len(described) == len(made)
    everything = ssm.get_parameters_by_path(Path="/", Recursive=True, MaxResults=10)
    assert all(p["Name"].startswith("/svc/") for p in everything["Parameters"])
    trailing = error_of(ssm.get_parameter, Name="/svc/top:")
    assert (trailing["Code"], trailing["Message"]) == ("ValidationException", NAME_TEXT)
    assert error_of(ssm.describe_parameters, MaxResults=51)["Code"] == "ValidationException"
    bad = error_of(ssm.get_parameters_by_path, Path="/svc", NextToken="nonsense")
    assert bad["Code"] == "InvalidNextToken"


def test_refusals(client: Any) -> None:
    ssm = client("ssm")
    for name in ("no/leading", "/has space/x", "/a//b"):
        refused = error_of(ssm.put_parameter, Name=name, Value="v", Type="String")
        assert (refused["Code"], refused["Message"]) == ("ValidationException", NAME_TEXT)
    for name, prefix in (("/aws/mine", "aws"), ("ssm-thing", "ssm"), ("/SSM/x", "ssm")):
        refused = error_of(ssm.put_parameter, Name=name, Value="v", Type="String")
        assert refused["Code"] == "ValidationException"
        assert f'prefixed with "{prefix}"' in refused["Message"]
    deep = "/" + "/".join(f"l{i}" for i in range(16))
    refused = error_of(ssm.put_parameter, Name=deep, Value="v", Type="String")
    assert refused["Code"] == "HierarchyLevelLimitExceededException"
    ssm.put_parameter(Name="/" + "/".join(f"l{i}" for i in range(15)), Value="v", Type="String")
    untyped = error_of(ssm.put_parameter, Name="/new/one", Value="v")
    assert (untyped["Code"], untyped["Message"]) == (
        "ValidationException",
        "A parameter type is required when you create a parameter.",
    )
    too_long = error_of(ssm.put_parameter, Name="/n", Value="v", Type="Bogus")
    assert too_long["Code"] == "ValidationException"
    assert (
        "Member must satisfy enum value set: [String, StringList, SecureString]"
        in (too_long["Message"])
    )
    big = error_of(ssm.put_parameter, Name="/big", Value="x" * 4097, Type="String")
    assert big["Code"] == "ValidationException"
    ssm.put_parameter(Name="/big", Value="x" * 4097, Type="String", Tier="Advanced")
    image = error_of(
        ssm.put_parameter, Name="/img", Value="not-an-ami", Type="String", DataType="aws:ec2:image"
    )
    assert image["Code"] == "ValidationException"
    absent = error_of(
        ssm.put_parameter,
        Name="/img",
        Value="ami-0123456789abcdef0",
        Type="String",
        DataType="aws:ec2:image",
    )
    assert absent["Code"] == "ValidationException"
    ssm.put_parameter(Name="/img", Value=AL2023_IMAGE, Type="String", DataType="aws:ec2:image")
    assert ssm.get_parameter(Name="/img")["Parameter"]["DataType"] == "aws:ec2:image"
    too_many = error_of(ssm.get_parameters, Names=[f"/n{i}" for i in range(11)])
    assert too_many["Code"] == "ValidationException"
    public = error_of(ssm.put_parameter, Name=AL2023, Value="x", Type="String", Overwrite=True)
    assert public["Code"] == "ValidationException"
    assert ssm.get_parameter(Name=AL2023)["Parameter"]["Value"] == AL2023_IMAGE


def test_latest_amazon_linux_through_ssm_launches_a_group(
    client: Any, server: Server, region: str
) -> None:
    ssm, ec2, autoscaling = client("ssm"), client("ec2"), client("autoscaling")
    image = ssm.get_parameter(Name=AL2023)["Parameter"]["Value"]
    ec2.create_launch_template(
        LaunchTemplateName="plain",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
    )
    reference = f"resolve:ssm:{AMZN2}"
    ec2.create_launch_template(
        LaunchTemplateName="resolved",
        LaunchTemplateData={"ImageId": reference, "InstanceType": "t3.micro"},
    )
    stored = ec2.describe_launch_template_versions(LaunchTemplateName="resolved")
    assert stored["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"] == reference
    for name in ("plain", "resolved"):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": name},
            MinSize=2,
            MaxSize=2,
            AvailabilityZones=[f"{region}a"],
        )
    server.settle()
    server.advance(10)
    expected = {"plain": image, "resolved": AMZN2_IMAGE}
    for name, wanted in expected.items():
        ids = instance_ids(describe_group(autoscaling, name))
        assert len(ids) == 2
        found = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        assert {i["ImageId"] for r in found for i in r["Instances"]} == {wanted}
    ssm.put_parameter(Name="/golden/web", Value=AL2023_IMAGE, Type="String")
    ssm.put_parameter(Name="/golden/web", Value=AMZN2_IMAGE, Overwrite=True)
    run = ec2.run_instances(
        ImageId="resolve:ssm:/golden/web:1", InstanceType="t3.micro", MinCount=1, MaxCount=1
    )
    assert run["Instances"][0]["ImageId"] == AL2023_IMAGE
    run = ec2.run_instances(
        ImageId="resolve:ssm:/golden/web", InstanceType="t3.micro", MinCount=1, MaxCount=1
    )
    assert run["Instances"][0]["ImageId"] == AMZN2_IMAGE
    unknown = error_of(
        ec2.run_instances,
        ImageId="resolve:ssm:/golden/none",
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
    )
    assert unknown["Code"] == "InvalidParameterValue"


def test_a_new_template_version_and_an_unknown_parameter(
    client: Any, server: Server, region: str
) -> None:
    ssm, ec2, autoscaling = client("ssm"), client("ec2"), client("autoscaling")
    ssm.put_parameter(Name="/golden/app", Value=AMZN2_IMAGE, Type="String")
    ec2.create_launch_template(
        LaunchTemplateName="app",
        LaunchTemplateData={"ImageId": "resolve:ssm:/golden/missing", "InstanceType": "t3.micro"},
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="app",
        LaunchTemplate={"LaunchTemplateName": "app", "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )
    server.settle()
    server.advance(10)
    assert describe_group(autoscaling, "app")["Instances"] == []
    failed = autoscaling.describe_scaling_activities(AutoScalingGroupName="app")["Activities"][0]
    assert failed["StatusCode"] == "Failed"
    assert "resolve:ssm:/golden/missing" in failed["StatusMessage"]
    ec2.create_launch_template_version(
        LaunchTemplateName="app",
        SourceVersion="1",
        LaunchTemplateData={"ImageId": "resolve:ssm:/golden/app:1"},
    )
    server.advance(600)
    server.settle()
    server.advance(10)
    ids = instance_ids(describe_group(autoscaling, "app"))
    assert len(ids) == 1
    found = ec2.describe_instances(InstanceIds=ids)["Reservations"][0]["Instances"][0]
    assert found["ImageId"] == AMZN2_IMAGE


def _signed(server: Server, region: str, target: str, body: bytes) -> requests.Response:
    request = AWSRequest(
        "POST",
        server.url + "/",
        data=body,
        headers={
            "X-Amz-Target": f"AmazonSSM.{target}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    SigV4Auth(Credentials("test", "test"), "ssm", region).add_auth(request)
    return requests.post(server.url + "/", data=body, headers=dict(request.headers), timeout=30)


def test_raw_json_errors_are_awsjson(server: Server, region: str) -> None:
    reply = _signed(server, region, "GetParameter", b"{not json")
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    assert reply.json()["__type"] == "SerializationException"
    reply = _signed(server, region, "NoSuchThing", b"{}")
    assert (reply.status_code, reply.json()["__type"]) == (400, "UnknownOperationException")
    reply = _signed(server, region, "GetParameter", b"{}")
    assert reply.json() == {
        "__type": "ValidationException",
        "message": "1 validation error detected: Value null at 'name' failed to satisfy "
        "constraint: Member must not be null",
    }


def test_an_oversize_ssm_body_is_refused_in_awsjson(server: Server) -> None:
    head = (
        "POST / HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: AmazonSSM.PutParameter\r\n"
        f"Content-Length: {10**15}\r\n\r\n"
    )
    with socket.create_connection(address(server), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        status, headers, body = read_response(sock, timeout=10)
    assert status == 413
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert json.loads(body)["__type"] == "RequestEntityTooLarge"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(max_size=40),
    body=st.dictionaries(
        st.sampled_from(
            [
                "Name",
                "Names",
                "Path",
                "Value",
                "Type",
                "MaxResults",
                "Overwrite",
                "ParameterFilters",
                "Filters",
                "NextToken",
                "DataType",
                "Tier",
            ]
        ),
        json_values,
    ),
    target=st.sampled_from(
        [
            "GetParameter",
            "PutParameter",
            "GetParametersByPath",
            "GetParameters",
            "DescribeParameters",
            "DeleteParameter",
            "DeleteParameters",
        ]
    ),
)
def test_any_body_is_answered_without_a_server_fault(
    server: Server, region: str, name: str, body: dict[str, Any], target: str
) -> None:
    reply = _signed(server, region, target, json.dumps(body).encode())
    assert reply.status_code < 500, reply.text
    put = _signed(
        server,
        region,
        "PutParameter",
        json.dumps({"Name": name, "Value": "v", "Type": "String"}).encode(),
    )
    assert put.status_code < 500, put.text
    stripped = name.strip(" ")
    valid = (
        0 < len(stripped) <= 2048
        and all(c.isascii() and (c.isalnum() or c in "_.-/") for c in stripped)
        and ("/" not in stripped or stripped.startswith("/"))
        and "//" not in stripped
        and not stripped.endswith("/")
        and stripped.count("/") <= 15
        and not stripped.lstrip("/").lower().startswith(("aws", "ssm"))
    )
    if not valid:
        assert put.status_code == 400, (name, put.text)
        assert put.json()["__type"] in (
            "ValidationException",
            "HierarchyLevelLimitExceededException",
            "ParameterAlreadyExists",
        )


filters = st.lists(
    st.fixed_dictionaries(
        {
            "Key": st.sampled_from(
                ["Name", "Type", "KeyId", "Path", "Tier", "DataType", "Label", "tag:x", "Bad"]
            ),
        },
        optional={
            "Option": st.sampled_from(
                ["Equals", "BeginsWith", "Contains", "Recursive", "OneLevel", "x"]
            ),
            "Values": st.lists(st.text(max_size=12), max_size=3),
        },
    ),
    max_size=3,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=filters,
    path=st.text(max_size=20),
    target=st.sampled_from(["DescribeParameters", "GetParametersByPath"]),
)
def test_any_filter_is_answered_without_a_server_fault(
    server: Server, region: str, chosen: list[dict[str, Any]], path: str, target: str
) -> None:
    body: dict[str, Any] = {"ParameterFilters": chosen}
    if target == "GetParametersByPath":
        body["Path"] = path
    reply = _signed(server, region, target, json.dumps(body).encode())
    assert reply.status_code < 500, reply.text
