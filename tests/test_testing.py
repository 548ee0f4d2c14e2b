"""The test kit: the `tidewater` pytest fixture a plain install registers, and `running()`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from tidewater.testing import running

KIT = Path(__file__).parent / "kit" / "example_kit.py"


def test_an_installed_package_gives_any_suite_the_tidewater_fixture(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(KIT, suite / "test_example.py")
    assert "3 passed" in suite_run(suite)


def test_running_gives_a_server_whose_time_a_test_moves() -> None:
    before = os.environ.get("AWS_ENDPOINT_URL")
    with running(frozen=True, runner="manual") as service:
        autoscaling = boto3.client("autoscaling")
        autoscaling.create_launch_configuration(
            LaunchConfigurationName="lc", ImageId="ami-0c02fb55956c7d316", InstanceType="t3.micro"
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="web",
            LaunchConfigurationName="lc",
            MinSize=1,
            MaxSize=1,
            AvailabilityZones=["us-east-1a"],
        )
        started = service.clock.now()

        def states() -> list[str]:
            group = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0]
            return [i["LifecycleState"] for i in group["Instances"]]

        assert states() == []  # the manual runner waits to be asked
        service.settle()
        assert states() == ["Pending"]
        assert service.clock.now() == started  # frozen: nothing moves it but the test
        assert (service.clock.advance(10) - started).total_seconds() == 10
        assert states() == ["InService"]
        assert service.reset()["groups"] == 1
    assert os.environ.get("AWS_ENDPOINT_URL") == before  # the environment is given back
    gone = boto3.client(
        "autoscaling",
        endpoint_url=service.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(EndpointConnectionError):  # the server went with the block
        gone.describe_auto_scaling_groups()


def test_the_readmes_example_tests_pass(tmp_path: Path) -> None:
    """The two example tests the README shows for the kit, run as they are printed."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("### The test kit", 1)[1].split("\n### ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) == 2
    for n, block in enumerate(blocks):
        (tmp_path / f"test_readme_{n}.py").write_text(block)
    assert "2 passed" in suite_run(tmp_path)


def suite_run(folder: Path) -> str:
    """pytest over a folder of tests, as a user's own suite runs: its output, once it passed."""
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return ran.stdout
