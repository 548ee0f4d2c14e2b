"""/_tidewater/load over real HTTP: set, read and clear a group's load model on AWS (by name)
and ESS (by ScalingGroupId), its refusals in plain JSON (never a 500), kept across a restart."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import aws_client, make_group
from tests.test_ess import ready_group

TEN_MINUTES = {
    "cpu": {"ramp": {"from": 340, "to": 340, "start": "2026-01-01T00:00:00Z", "minutes": 10}}
}


def call(server: Server, method: str, query: str, body: Any = None) -> tuple[int, Any]:
    """One request to the endpoint: its status and its JSON (None for an empty body)."""
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    request = urllib.request.Request(
        f"{server.url}/_tidewater/load?{query}", data=data, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_aws_group_by_name_set_read_replace_clear(
    autoscaling: Any, server: Server, region: str
) -> None:
    make_group(autoscaling, server, boot=False)
    query = f"region={region}&group=web"
    assert call(server, "PUT", query, TEN_MINUTES) == (
        200,
        {
            "group": "web",
            "load": {
                "cpu": {
                    "ramp": {
                        "from": 340.0,
                        "to": 340.0,
                        "start": "2026-01-01T00:00:00+00:00",
                        "minutes": 10.0,
                    }
                }
            },
        },
    )
    assert call(server, "GET", query)[1]["load"]["cpu"]["ramp"]["to"] == 340.0
    assert call(server, "PUT", query, {"requests": {"constant": 600}})[0] == 200
    assert call(server, "GET", query) == (
        200,
        {"group": "web", "load": {"requests": {"constant": 600.0}}},
    )
    assert call(server, "DELETE", query) == (204, None)
    assert call(server, "GET", query) == (404, {"error": "group web has no load model"})
    assert call(server, "DELETE", query) == (404, {"error": "group web has no load model"})


def test_ess_group_by_id(ess: Any, server: Server, region: str) -> None:
    group = ready_group(ess, server, region)
    query = f"cloud=aliyun&region={region}&group={group}"
    assert call(server, "PUT", query, {"cpu": {"constant": 85}})[0] == 200
    assert call(server, "GET", query) == (
        200,
        {"group": group, "load": {"cpu": {"constant": 85.0}}},
    )
    # by name is not how ESS names a group
    assert call(server, "GET", f"cloud=aliyun&region={region}&group=web")[0] == 404


@pytest.mark.parametrize(
    ("query", "body", "answer"),
    [
        (
            "region={region}&group=nope",
            TEN_MINUTES,
            (404, {"error": "no group nope in this region"}),
        ),
        (
            "cloud=gcp&region={region}&group=web",
            TEN_MINUTES,
            (400, {"error": "cloud must be aws or aliyun"}),
        ),
        (
            "group=web",
            TEN_MINUTES,
            (400, {"error": "region must name a region, such as us-east-1"}),
        ),
        (
            "region={region}",
            TEN_MINUTES,
            (400, {"error": "group must name the group (ScalingGroupId on aliyun)"}),
        ),
        (
            "region={region}&group=web",
            b"{not json",
            (400, {"error": "the body must be a JSON object"}),
        ),
        (
            "region={region}&group=web",
            {"cpu": {"constant": -5}},
            (400, {"error": "cpu.constant must be between 0 and 1e+15"}),
        ),
        (
            "region={region}&group=web",
            [1, 2],
            (
                400,
                {"error": "load must name at least one of cpu, network_in, network_out, requests"},
            ),
        ),
    ],
)
def test_refusals(
    autoscaling: Any, server: Server, region: str, query: str, body: Any, answer: Any
) -> None:
    make_group(autoscaling, server, boot=False)
    assert call(server, "PUT", query.format(region=region), body) == answer
    assert call(server, "GET", f"region={region}&group=web")[0] == 404  # nothing was stored


def test_the_model_is_kept_across_a_kill(own_server: Server) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    make_group(autoscaling, own_server, boot=False)
    region = autoscaling.meta.region_name
    assert (
        call(own_server, "PUT", f"region={region}&group=web", {"cpu": {"constant": 85}})[0] == 200
    )
    own_server.kill()
    own_server.start()
    assert call(own_server, "GET", f"region={region}&group=web")[1]["load"] == {
        "cpu": {"constant": 85.0}
    }
