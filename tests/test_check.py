"""`tidewater check` passes on a database the service left at rest and names what is broken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Server, start_server
from tests.helpers import instance_ids, make_group


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(tmp_path / "data", database_url=own_database_url)
    service.database_url = own_database_url
    yield service
    if service.process.poll() is None:
        service.stop()


def run_check(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tidewater", "check", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_is_clean_after_a_workflow_and_names_violations(own_server: Server) -> None:
    autoscaling = boto3.client(
        "autoscaling",
        region_name="us-east-1",
        endpoint_url=own_server.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    group = make_group(autoscaling, own_server, min_size=0, desired=3)
    first, second, _ = instance_ids(group)
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[first], ShouldDecrementDesiredCapacity=False
    )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=second, ShouldDecrementDesiredCapacity=True
    )
    own_server.settle()
    own_server.advance(10)
    own_server.advance(10)
    url = own_server.database_url  # type: ignore[attr-defined]
    clean = run_check(url)
    assert clean.returncode == 0, clean.stderr
    assert "all invariants hold" in clean.stderr

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        member = conn.execute(text("SELECT instance_id FROM members LIMIT 1")).scalar()
        conn.execute(text("DELETE FROM machine_tags WHERE machine_id = :m"), {"m": member})
        conn.execute(text("DELETE FROM machines WHERE id = :m"), {"m": member})
        conn.execute(text("UPDATE groups SET desired = max_size + 1"))
    engine.dispose()
    broken = run_check(url)
    assert broken.returncode == 1
    assert f"member-without-machine: {member}" in broken.stderr
    assert "group-bounds" in broken.stderr
