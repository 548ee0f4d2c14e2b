"""Identity hardening: only the configured key signs, nonces are spent once across nodes and
restarts, and region names and API versions are checked before anything is looked up."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from tests.conftest import BACKEND, Server, start_server
from tests.helpers import error_of
from tests.test_aws_wire import error_code, send, signed
from tests.test_check import run_check
from tidewater.store.database import Database

NEW_KEY, NEW_SECRET = "AKIDROTATED0000001", "rotated-secret-value"
HOST = "tidewater.example"  # what a load balancer in front of several nodes would pass on
NONCE_USED = ("SignatureNonceUsed", 400, "Specified signature nonce was used already.")
BAD_REGIONS = ["", "x" * 5000, "UPPER", "a b"]


def url_of(server: Server) -> str:
    return server.env.get("TIDEWATER_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidewater.db"


def assert_clean(server: Server) -> None:
    checked = run_check(url_of(server))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts on its own database; each is stopped at the end."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.stop()


def with_keys(server: Server, key: str, secret: str) -> None:
    server.env["TIDEWATER_ACCESS_KEY_ID"] = key
    server.env["TIDEWATER_SECRET_ACCESS_KEY"] = secret


def boto(server: Server, key: str, secret: str) -> Any:
    return boto3.client(
        "autoscaling",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def tea(server: Server, key: str, secret: str, region: str = "cn-hangzhou") -> Any:
    from alibabacloud_ess20220222.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    return Client(
        open_api_models.Config(
            access_key_id=key,
            access_key_secret=secret,
            region_id=region,
            endpoint=server.url.removeprefix("http://"),
            protocol="http",
        )
    )


def tea_code(call: Any, *args: Any) -> tuple[str, int]:
    from Tea.exceptions import TeaException

    with pytest.raises(TeaException) as caught:
        call(*args)
    return caught.value.code, caught.value.status_code


def legacy_describe(server: Server, key: str, secret: str, region: str = "cn-hangzhou") -> Any:
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkess.request.v20140828.DescribeScalingGroupsRequest import (
        DescribeScalingGroupsRequest,
    )

    client = AcsClient(key, secret, region)
    client.add_endpoint(region, "Ess", server.url.removeprefix("http://"))
    request = DescribeScalingGroupsRequest()
    request.set_protocol_type("http")
    return json.loads(client.do_action_with_exception(request))


def describe_groups(region: str = "cn-hangzhou") -> Any:
    from alibabacloud_ess20220222 import models

    return models.DescribeScalingGroupsRequest(region_id=region)


# ---------------------------------------------------------------------------------------------
# Keys from earlier runs


def test_only_the_configured_key_signs_after_a_restart(
    tmp_path: Path, own_database_url: str, servers: list[Server]
) -> None:
    first = start_server(tmp_path / "one", database_url=own_database_url)
    servers.append(first)
    boto(first, "test", "test").describe_auto_scaling_groups()
    first.stop()

    with_keys(first, NEW_KEY, NEW_SECRET)
    first.start()
    old = error_of(boto(first, "test", "test").describe_auto_scaling_groups)
    assert (old["Code"], old["Status"]) == ("InvalidClientTokenId", 403)
    assert tea_code(tea(first, "test", "test").describe_scaling_groups, describe_groups()) == (
        "InvalidAccessKeyId.NotFound",
        404,
    )
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    with pytest.raises(ServerException) as caught:
        legacy_describe(first, "test", "test")
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidAccessKeyId.NotFound",
        404,
    )

    # The configured pair signs on both clouds.
    boto(first, NEW_KEY, NEW_SECRET).describe_auto_scaling_groups()
    tea(first, NEW_KEY, NEW_SECRET).describe_scaling_groups(describe_groups())
    assert "ScalingGroups" in legacy_describe(first, NEW_KEY, NEW_SECRET)

    log = (first.data_dir / "server.log").read_text("utf-8", "replace")
    assert "retired access keys no longer configured: test" in log
    first.stop()
    assert_clean(first)


@pytest.mark.skipif(BACKEND != "postgresql", reason="several nodes share PostgreSQL only")
def test_a_key_retired_by_one_node_stops_working_on_the_others(
    tmp_path: Path, own_database_url: str, servers: list[Server]
) -> None:
    a = start_server(tmp_path / "a", "--node", "a", database_url=own_database_url)
    servers.append(a)
    boto(a, "test", "test").describe_auto_scaling_groups()
    b = start_server(tmp_path / "b", "--node", "b", database_url=own_database_url)
    servers.append(b)
    b.stop()
    with_keys(b, NEW_KEY, NEW_SECRET)
    b.start()
    deadline = time.monotonic() + 15  # node a remembers a key for 5 s
    while True:
        try:
            boto(a, "test", "test").describe_auto_scaling_groups()
        except ClientError as error:
            assert error.response["Error"]["Code"] == "InvalidClientTokenId"
            break
        assert time.monotonic() < deadline, "node a still takes the retired key"
        time.sleep(0.2)
    boto(a, NEW_KEY, NEW_SECRET).describe_auto_scaling_groups()


# ---------------------------------------------------------------------------------------------
# Nonces


def acs3(
    port_host: str, query: dict[str, str], nonce: str | None, action: str = "DescribeScalingGroups"
) -> tuple[str, dict[str, str]]:
    """A request signed by tea-openapi's own ACS3 signer, with or without a nonce header."""
    from alibabacloud_tea_openapi.utils import Utils

    headers = {
        "host": port_host,
        "x-acs-version": "2022-02-22",
        "x-acs-action": action,
        "x-acs-date": Utils.get_timestamp(),
        "accept": "application/json",
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    if nonce is not None:
        headers["x-acs-signature-nonce"] = nonce
    request = SimpleNamespace(method="POST", pathname="/", query=dict(query), headers=headers)
    headers["authorization"] = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", hashlib.sha256(b"").hexdigest(), "test", "test"
    )
    return "/?" + urlencode(query), headers


def rpc(query: dict[str, str]) -> str:
    """A request signed by aliyunsdkcore's RPC composer (HMAC-SHA1), nonce and all."""
    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    url, _ = get_signed_url(dict(query), "test", "test", "JSON", "GET", {})
    return url


def fetch(
    server: Server, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        server.url + path, method=method, data=b"" if method == "POST" else None
    )
    for name, value in (headers or {}).items():
        request.add_header(name.title(), value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, parsed(response.read())
    except urllib.error.HTTPError as error:
        return error.code, parsed(error.read())


def parsed(body: bytes) -> dict[str, Any]:
    """Alibaba's JSON answer; anything else (an AWS XML refusal) kept raw."""
    try:
        answer = json.loads(body)
    except ValueError:
        return {"raw": body}
    return answer if isinstance(answer, dict) else {"raw": body}


def refusal(answer: tuple[int, dict[str, Any]]) -> tuple[str, int, str]:
    status, body = answer
    return body.get("Code", ""), status, body.get("Message", "")


def test_an_acs3_request_without_a_nonce_is_refused(server: Server) -> None:
    host = server.url.removeprefix("http://")
    path, headers = acs3(host, {"RegionId": "cn-hangzhou"}, nonce=None)
    assert refusal(fetch(server, path, headers, "POST")) == (
        "MissingSignatureNonce",
        400,
        "SignatureNonce is mandatory for this action.",
    )
    # The same request with a nonce is served: only the nonce was missing.
    path, headers = acs3(host, {"RegionId": "cn-hangzhou"}, nonce=secrets.token_hex(16))
    assert fetch(server, path, headers, "POST")[0] == 200


def second_node(tmp_path: Path, url: str, first: Server, servers: list[Server]) -> Server:
    """Another node on the same PostgreSQL database; on SQLite, the first one restarted."""
    if BACKEND == "postgresql":
        other = start_server(tmp_path / "b", "--node", "b", database_url=url)
        servers.append(other)
        return other
    first.stop()
    first.start()
    return first


def test_a_request_is_served_once_across_nodes_and_restarts(
    tmp_path: Path, own_database_url: str, servers: list[Server]
) -> None:
    first = start_server(tmp_path / "a", "--node", "a", database_url=own_database_url)
    servers.append(first)
    create = {
        "Action": "CreateScalingGroup",
        "Version": "2014-08-28",
        "RegionId": "cn-hangzhou",
        "MinSize": "0",
        "MaxSize": "1",
        "ScalingGroupName": "once",
    }
    legacy = rpc(create)
    assert fetch(first, legacy)[0] == 200
    path, headers = acs3(HOST, {"RegionId": "cn-hangzhou"}, secrets.token_hex(16))
    headers["host"] = HOST
    assert fetch(first, path, headers, "POST")[0] == 200

    other = second_node(tmp_path, own_database_url, first, servers)
    assert refusal(fetch(other, legacy)) == NONCE_USED
    assert refusal(fetch(other, path, headers, "POST")) == NONCE_USED
    # One group was made, not one per node.
    listed = tea(other, "test", "test").describe_scaling_groups(describe_groups())
    assert [g.scaling_group_name for g in listed.body.scaling_groups] == ["once"]
    for server in servers:
        server.stop()
    assert_clean(first)


def test_a_nonce_whose_window_has_passed_may_be_used_again(
    tmp_path: Path, own_database_url: str, servers: list[Server]
) -> None:
    first = start_server(tmp_path / "a", database_url=own_database_url)
    servers.append(first)
    host = first.url.removeprefix("http://")
    nonce = secrets.token_hex(16)
    path, headers = acs3(host, {"RegionId": "cn-hangzhou"}, nonce)
    assert fetch(first, path, headers, "POST")[0] == 200
    path, headers = acs3(host, {"RegionId": "cn-hangzhou"}, nonce)  # a fresh timestamp
    assert refusal(fetch(first, path, headers, "POST")) == NONCE_USED

    # The window is real time: move the spent nonce's expiry into the past instead of waiting.
    engine = create_engine(own_database_url)
    with engine.begin() as conn:
        moved = conn.execute(
            text("UPDATE signature_nonces SET expires_at = :past"),
            {"past": datetime.now(UTC) - timedelta(seconds=1)},
        ).rowcount
    engine.dispose()
    assert moved == 1
    assert fetch(first, path, headers, "POST")[0] == 200
    # ... and it is spent again.
    path, headers = acs3(host, {"RegionId": "cn-hangzhou"}, nonce)
    assert refusal(fetch(first, path, headers, "POST")) == NONCE_USED


@pytest.fixture
def ledger_db(tmp_path: Path, own_database_url: str) -> Iterator[Database]:
    from tidewater.app import prepare_database

    db = Database(own_database_url)
    prepare_database(db)
    yield db
    db.dispose()


def test_the_nonce_ledger_forgets_after_the_window_and_purges_in_batches(
    ledger_db: Database,
) -> None:
    from tidewater.engine.nonces import NonceLedger

    ledger = NonceLedger(ledger_db, window_seconds=60, purge_every=10, purge_batch=25)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert ledger.spend("AK", "n1", t0)
    assert not ledger.spend("AK", "n1", t0 + timedelta(seconds=119))
    assert ledger.spend("AK2", "n1", t0)  # per key
    # A request dated a window ahead is acceptable until a window past its date.
    assert ledger.spend("AK", "n1", t0 + timedelta(seconds=121))

    for n in range(100):
        assert ledger.spend("AK", f"old-{n}", t0)
    with ledger_db.read() as conn:
        before = conn.execute(text("SELECT count(*) FROM signature_nonces")).scalar()
    assert before == 102
    later = t0 + timedelta(hours=1)
    assert ledger.purge(later) == 25  # one bounded batch
    # Spending goes on purging, a batch every `purge_every` spends, until the table is small.
    for n in range(60):
        assert ledger.spend("AK", f"new-{n}", later)
    with ledger_db.read() as conn:
        after = conn.execute(text("SELECT count(*) FROM signature_nonces")).scalar()
    assert after == 60


def test_racing_spends_share_batches_and_a_nonce_is_fresh_once(ledger_db: Database) -> None:
    from tidewater.engine.nonces import NonceLedger

    ledger = NonceLedger(ledger_db)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    nonces = [f"n{n % 40}" for n in range(120)]  # each nonce three times, from racing threads
    results: list[tuple[str, bool]] = []
    barrier = threading.Barrier(24)
    lock = threading.Lock()

    def spend(mine: list[str]) -> None:
        barrier.wait()
        for nonce in mine:
            fresh = ledger.spend("AK", nonce, now)
            with lock:
                results.append((nonce, fresh))

    threads = [threading.Thread(target=spend, args=(nonces[n::24],)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fresh = sorted(nonce for nonce, ok in results if ok)
    assert fresh == sorted({*nonces}), "each nonce admitted exactly once"
    assert len(results) == 120
    with ledger_db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM signature_nonces")).scalar() == 40


# ---------------------------------------------------------------------------------------------
# Regions and versions


def aws_signed(server: Server, body: str, region: str) -> tuple[int, bytes]:
    return send(server, body, signed(server, body, region=region))


def aws_presigned(server: Server, query: dict[str, str], region: str) -> tuple[int, bytes]:
    request = AWSRequest(method="GET", url=server.url + "/?" + urlencode(query))
    SigV4QueryAuth(Credentials("test", "test"), "autoscaling", region).add_auth(request)
    return send(server, b"", method="GET", query=request.url.partition("?")[2])


DESCRIBE = urlencode({"Action": "DescribeAutoScalingGroups", "Version": "2011-01-01"})


@pytest.mark.parametrize("region", BAD_REGIONS, ids=["empty", "5000", "upper", "space"])
def test_aws_refuses_a_region_that_is_not_a_region_name(server: Server, region: str) -> None:
    if " " in region:  # a space cannot ride in the Authorization header; presign instead
        status, body = aws_presigned(
            server, {"Action": "DescribeAutoScalingGroups", "Version": "2011-01-01"}, region
        )
    else:
        status, body = aws_signed(server, DESCRIBE, region)
    assert (status, *error_code(body)) == (
        403,
        "SignatureDoesNotMatch",
        f"Credential should be scoped to a valid region, not '{region}'. ",
    )
    assert_clean(server)


def test_boto3_in_an_upper_case_region_is_refused(server: Server) -> None:
    client = boto3.client(
        "autoscaling",
        region_name="US-EAST-1",
        endpoint_url=server.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    error = error_of(client.describe_auto_scaling_groups)
    assert (error["Code"], error["Status"]) == ("SignatureDoesNotMatch", 403)
    assert error["Message"] == "Credential should be scoped to a valid region, not 'US-EAST-1'. "


@pytest.mark.parametrize("region", BAD_REGIONS, ids=["empty", "5000", "upper", "space"])
def test_ess_refuses_a_region_that_does_not_exist(server: Server, region: str) -> None:
    assert tea_code(
        tea(server, "test", "test").describe_scaling_groups, describe_groups(region)
    ) == (
        "InvalidRegionId.NotFound",
        404,
    )
    status, body = fetch(
        server,
        rpc({"Action": "DescribeScalingGroups", "Version": "2014-08-28", "RegionId": region}),
    )
    assert (body["Code"], status, body["Message"]) == (
        "InvalidRegionId.NotFound",
        404,
        "The specified region does not exist.",
    )
    assert_clean(server)


def test_the_legacy_sdk_in_a_bad_region_is_refused(server: Server) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    with pytest.raises(ServerException) as caught:
        legacy_describe(server, "test", "test", region="CN_HANGZHOU")
    assert caught.value.get_error_code() == "InvalidRegionId.NotFound"


@pytest.mark.parametrize("version", ["2010-01-01", "x", ""])
def test_auto_scaling_refuses_an_api_version_it_does_not_have(server: Server, version: str) -> None:
    body = urlencode({"Action": "DescribeAutoScalingGroups", "Version": version})
    status, answer = aws_signed(server, body, "us-east-1")
    assert (status, *error_code(answer)) == (
        400,
        "InvalidAction",
        f"Could not find operation DescribeAutoScalingGroups for version {version}",
    )
    assert_clean(server)


def test_a_request_without_a_version_is_refused(server: Server) -> None:
    body = urlencode({"Action": "DescribeAutoScalingGroups"})
    status, answer = aws_signed(server, body, "us-east-1")
    assert (status, *error_code(answer)) == (
        400,
        "InvalidAction",
        "Could not find operation DescribeAutoScalingGroups for version null",
    )


def test_ec2_refuses_a_version_it_does_not_have(server: Server) -> None:
    body = urlencode({"Action": "DescribeInstances", "Version": "2010-01-01"})
    status, answer = send(server, body, signed(server, body, service="ec2"))
    assert status == 400
    assert b"<Code>NoSuchVersion</Code>" in answer
    assert b"The requested version (2010-01-01) of service AmazonEC2 does not exist" in answer


def test_the_right_versions_still_serve(server: Server) -> None:
    assert aws_signed(server, DESCRIBE, "us-east-1")[0] == 200
    body = urlencode({"Action": "DescribeInstances", "Version": "2016-11-15"})
    assert send(server, body, signed(server, body, service="ec2"))[0] == 200


REGION_TEXT = st.one_of(
    st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/,"), max_size=80
    ),
    st.sampled_from(["", "us-east-1", "tw-test-1", "cn-hangzhou", "x" * 5000, "-", "a-", "1-2"]),
)
VERSION_TEXT = st.one_of(
    st.text(max_size=20), st.sampled_from(["", "2011-01-01", "2014-08-28", "2022-02-22"])
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(region=REGION_TEXT, version=VERSION_TEXT)
def test_no_region_or_version_ever_answers_5xx(server: Server, region: str, version: str) -> None:
    body = urlencode({"Action": "DescribeAutoScalingGroups", "Version": version})
    status, answer = aws_signed(server, body, region)
    assert status < 500, answer
    shaped = len(region) <= 31 and re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", region)
    assert (status == 200) == bool(version == "2011-01-01" and shaped), answer
    for ess_version in ("2014-08-28", "2022-02-22", version):
        status, reply = fetch(
            server,
            rpc({"Action": "DescribeScalingGroups", "Version": ess_version, "RegionId": region}),
        )
        assert status < 500, reply
        if ess_version in ("2014-08-28", "2022-02-22"):
            assert "RequestId" in reply
            assert (status == 200) == bool(shaped), reply
