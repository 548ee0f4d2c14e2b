"""The scale bench's seeded database is one Tidewater itself could have built: `tidewater check`
finds nothing wrong with it and the real server serves every group and instance of it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.helpers import aws_client
from tests.test_schema import _url
from tidewater.app import check
from tidewater.domain.scope import Cloud
from tidewater.store.database import Database

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))

import compare
import scale

GROUPS, INSTANCES = 50, 500


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_seeded_database_passes_check_and_is_served(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = _url(backend, tmp_path, request)
    data = tmp_path / "data"
    scale.seed(data, GROUPS, INSTANCES, [Cloud.AWS, Cloud.ALIYUN], database)
    db = Database(scale.settings(data, database).url)
    try:
        assert check(db) == []
    finally:
        db.dispose()
    process, url, _ = scale.serve(data, tmp_path / "server.log", database)
    served = Server(url, data, process, [], {})
    try:
        autoscaling = aws_client(served, "autoscaling")
        pages = autoscaling.get_paginator("describe_auto_scaling_groups").paginate()
        found = [g for page in pages for g in page["AutoScalingGroups"]]
        assert len(found) == GROUPS
        assert len({g["AutoScalingGroupARN"] for g in found}) == GROUPS
        assert all(
            [i["LifecycleState"] for i in g["Instances"]] == ["InService"] * (INSTANCES // GROUPS)
            for g in found
        )
        pages = autoscaling.get_paginator("describe_auto_scaling_instances").paginate()
        instances = [i for page in pages for i in page["AutoScalingInstances"]]
        assert len({i["InstanceId"] for i in instances}) == INSTANCES
        ec2 = aws_client(served, "ec2")
        running = [
            i["InstanceId"]
            for page in ec2.get_paginator("describe_instances").paginate()
            for r in page["Reservations"]
            for i in r["Instances"]
            if i["State"]["Name"] == "running"
        ]
        assert sorted(running) == sorted(i["InstanceId"] for i in instances)
        groups = compare.ess_call(url, "DescribeScalingGroups", PageSize=50)
        assert groups["TotalCount"] == GROUPS
        assert {g["ActiveCapacity"] for g in groups["ScalingGroups"]["ScalingGroup"]} == {
            INSTANCES // GROUPS
        }
        members = compare.ess_call(url, "DescribeScalingInstances", PageSize=50)
        assert members["TotalCount"] == INSTANCES
    finally:
        process.terminate()
        process.wait(timeout=30)
