"""Resetting between tests (/_tidewater/reset, moto_server's /moto-api/reset), and the test
endpoints served only on loopback or when asked for by name."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server, start_server
from tests.helpers import aws_client, ess_client, ess_group, instance_ids, make_group, run_check
from tidewater.domain.scope import Cloud
from tidewater.engine.reset import ALIYUN_ONLY, KEPT, Share, cloud_of, scoped
from tidewater.server.http import reset_share
from tidewater.store.tables import metadata

ALIYUN_REGION = "cn-hangzhou"


def post(server: Server, path: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(server.url + path, method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def aws_world(server: Server, region: str) -> None:
    """A group with instances, a queue and a VPC of one AWS region."""
    make_group(aws_client(server, "autoscaling", region=region), server, min_size=0, desired=2)
    aws_client(server, "sqs", region=region).create_queue(QueueName="jobs")
    aws_client(server, "ec2", region=region).create_vpc(CidrBlock="10.1.0.0/16")


def ess_world(server: Server) -> str:
    ess = ess_client(server, ALIYUN_REGION)
    group = ess_group(ess, ALIYUN_REGION, "web", min_size=1, max_size=2)
    server.settle()
    return group


def aws_groups(server: Server, region: str) -> list[str]:
    found = aws_client(server, "autoscaling", region=region).describe_auto_scaling_groups()
    return [g["AutoScalingGroupName"] for g in found["AutoScalingGroups"]]


def ess_groups(server: Server) -> list[str]:
    ess = ess_client(server, ALIYUN_REGION)
    found = ess.describe_scaling_groups(m.DescribeScalingGroupsRequest(region_id=ALIYUN_REGION))
    return [g.scaling_group_name for g in found.body.scaling_groups or []]


def test_a_reset_empties_the_service_and_it_starts_over(own_server: Server) -> None:
    aws_world(own_server, "us-east-1")
    ess_world(own_server)
    own_server.advance(10)
    assert aws_groups(own_server, "us-east-1") == ["web"]

    status, answer = post(own_server, "/_tidewater/reset")
    assert status == 200
    assert {"groups", "members", "machines", "sim_sqs_queues", "sim_vpcs"} <= set(answer["reset"])

    assert aws_groups(own_server, "us-east-1") == []
    assert ess_groups(own_server) == []
    ec2 = aws_client(own_server, "ec2")
    assert ec2.describe_instances()["Reservations"] == []
    assert [v["IsDefault"] for v in ec2.describe_vpcs()["Vpcs"]] == [True]
    assert aws_client(own_server, "sqs").list_queues().get("QueueUrls", []) == []
    clean = run_check(own_server.database_url)
    assert clean.returncode == 0, clean.stderr
    # the same names again, as a next test would make them
    aws_world(own_server, "us-east-1")
    own_server.advance(10)
    group = aws_client(own_server, "autoscaling").describe_auto_scaling_groups()
    assert len(instance_ids(group["AutoScalingGroups"][0])) == 2


def test_a_reset_of_one_region_and_cloud_leaves_the_rest(own_server: Server) -> None:
    aws_world(own_server, "us-east-1")
    aws_world(own_server, "us-west-2")
    ess_world(own_server)
    own_server.advance(10)

    status, answer = post(own_server, "/_tidewater/reset?region=us-west-2&cloud=aws")
    assert status == 200
    assert answer["reset"]["groups"] == 1
    assert aws_groups(own_server, "us-west-2") == []
    assert (
        aws_client(own_server, "sqs", region="us-west-2").list_queues().get("QueueUrls", []) == []
    )
    assert aws_groups(own_server, "us-east-1") == ["web"]
    assert len(aws_client(own_server, "sqs").list_queues()["QueueUrls"]) == 1
    assert ess_groups(own_server) == ["web"]

    status, _ = post(own_server, "/_tidewater/reset?cloud=aliyun")
    assert status == 200
    assert ess_groups(own_server) == []
    assert aws_groups(own_server, "us-east-1") == ["web"]
    clean = run_check(own_server.database_url)
    assert clean.returncode == 0, clean.stderr


def test_suites_written_for_moto_server_reset_it_the_same_way(own_server: Server) -> None:
    aws_world(own_server, "us-east-1")
    with pytest.raises(urllib.error.HTTPError) as asked:  # only a POST resets, as on moto
        urllib.request.urlopen(own_server.url + "/moto-api/reset", timeout=30)
    assert (asked.value.code, json.loads(asked.value.read())) == (
        400,
        {"Error": "Need to POST to reset Moto"},
    )
    assert aws_groups(own_server, "us-east-1") == ["web"]
    assert post(own_server, "/moto-api/reset") == (200, {"status": "ok"})
    assert aws_groups(own_server, "us-east-1") == []


@pytest.mark.parametrize(
    "query",
    ["?cloud=gcp", "?region=not%20a%20region", "?cloud=AWS"],
    ids=["cloud", "region", "case"],
)
def test_a_reset_naming_no_real_share_is_refused_and_changes_nothing(
    own_server: Server, query: str
) -> None:
    aws_world(own_server, "us-east-1")
    status, answer = post(own_server, f"/_tidewater/reset{query}")
    assert status == 400
    assert answer["error"]
    assert aws_groups(own_server, "us-east-1") == ["web"]


def reachable_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Server:
    """Listening on every address (so with its own keys), reached here through loopback."""
    monkeypatch.setenv("TIDEWATER_ACCESS_KEY_ID", "AKIDRESET")
    monkeypatch.setenv("TIDEWATER_SECRET_ACCESS_KEY", "s3cret")
    return start_server(tmp_path / "data", "--host", "0.0.0.0", *extra)


def test_beyond_loopback_nothing_moves_time_or_resets_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = reachable_server(tmp_path, monkeypatch)
    try:
        before = server.get("/_tidewater/health")["now"]
        for path in (
            "/_tidewater/clock?seconds=3600",
            "/_tidewater/settle",
            "/_tidewater/reset",
            "/moto-api/reset",
        ):
            status, answer = post(server, path)
            assert status == 404, path
            assert "--test-endpoints" in answer["error"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.url + "/_tidewater/load?group=web", timeout=30)
        assert refused.value.code == 404
        assert server.get("/_tidewater/health")["now"] == before  # the clock did not move
    finally:
        server.stop()


def test_beyond_loopback_the_test_endpoints_are_served_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = reachable_server(tmp_path, monkeypatch, "--test-endpoints")
    try:
        before = server.get("/_tidewater/health")["now"]
        assert post(server, "/_tidewater/clock?seconds=3600")[0] == 200
        assert server.get("/_tidewater/health")["now"] > before
        assert post(server, "/moto-api/reset") == (200, {"status": "ok"})
    finally:
        server.stop()


def test_every_table_is_kept_scoped_or_follows_a_scoped_parent() -> None:
    """A new table must say how a reset treats it: kept, scoped, or deleted with its parent."""
    for table in metadata.sorted_tables:
        if table.name in KEPT or scoped(table):
            continue
        parents = {fk.column.table.name for fk in table.foreign_keys if fk.ondelete == "CASCADE"}
        assert any(scoped(metadata.tables[p]) for p in parents), table.name
    assert all(scoped(metadata.tables[name]) for name in ALIYUN_ONLY)
    assert cloud_of(metadata.tables["groups"]) is None
    assert cloud_of(metadata.tables["sim_vswitches"]) is Cloud.ALIYUN
    assert cloud_of(metadata.tables["sim_vpcs"]) is Cloud.AWS


@given(st.dictionaries(st.sampled_from(["account", "region", "cloud", "other"]), st.text()))
def test_a_reset_query_gives_a_share_or_a_plain_refusal(query: dict[str, str]) -> None:
    try:
        share = reset_share(query)
    except ValueError as refused:
        assert str(refused)
        return
    assert isinstance(share, Share)
    assert share.cloud is None or share.cloud.value == query["cloud"]
    assert share.region == query.get("region")
