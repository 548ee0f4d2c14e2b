"""The commands that operate a running service (`tidewater groups`, `detach`, `remove`, …),
run as a person runs them, against a real server over its signed APIs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server, start_server
from tests.helpers import aws_client, ess_client, ess_group, make_group
from tidewater.remote import rpc_signature

ALIYUN_REGION = "cn-hangzhou"
TIDEWATER = (sys.executable, "-m", "tidewater")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A server whose runner and clock run by themselves, as `tidewater serve` does."""
    service = start_server(
        tmp_path_factory.mktemp("live") / "data",
        "--no-frozen-clock",
        "--runner",
        "auto",
        "--sim-time-scale",
        "0.01",
        "--sweep-seconds",
        "0.1",
    )
    yield service
    service.stop()


def tidewater(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ALIBABA_CLOUD_"))}
    env.update(TIDEWATER_URL=server.url, COLUMNS="200")
    return subprocess.run(
        [*TIDEWATER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(ran: subprocess.CompletedProcess[str]) -> Any:
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def in_service(server: Server, group: str, *cloud: str) -> list[str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = rows(tidewater(server, "instances", group, *cloud, "-o", "json"))
        ready = [r["id"] for r in found if r["state"] == "InService"]
        if ready and len(ready) == len(found):
            return ready
        time.sleep(0.1)
    raise AssertionError("the group's instances never all came into service")


def test_aws_groups_instances_and_a_detach_waited_for(live: Server) -> None:
    make_group(aws_client(live, "autoscaling"), live, "cli-web", min_size=0, desired=2)
    first, second = in_service(live, "cli-web")
    [group] = [g for g in rows(tidewater(live, "groups", "-o", "json")) if g["name"] == "cli-web"]
    assert (group["min"], group["desired"], group["max"], group["in_service"]) == (0, 2, 5, 2)

    detached = tidewater(live, "detach", "cli-web", first, "--decrement", "--wait", "-o", "json")
    [activity] = rows(detached)
    assert (activity["status"], activity["progress"]) == ("Successful", 100)
    assert f"Detaching EC2 instance: {first}" in activity["description"]
    assert [r["id"] for r in rows(tidewater(live, "instances", "cli-web", "-o", "json"))] == [
        second
    ]
    shown = tidewater(live, "groups")  # a table for people
    assert shown.returncode == 0 and "cli-web" in shown.stdout and "in service" in shown.stdout
    # piped, with no COLUMNS to go by, a table still keeps whole rows
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COLUMNS"))}
    piped = subprocess.run(
        [*TIDEWATER, "activities", "cli-web"],
        env={**env, "TIDEWATER_URL": live.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert f"Detaching EC2 instance: {first}" in piped.stdout and "…" not in piped.stdout


def test_a_refusal_prints_the_clouds_own_words_and_exits_1(live: Server) -> None:
    make_group(aws_client(live, "autoscaling"), live, "cli-refused", min_size=0, desired=0)
    refused = tidewater(live, "detach", "cli-refused", "i-0000000000000dead")
    assert refused.returncode == 1
    assert (
        "ValidationError: The instance i-0000000000000dead is not part of Auto Scaling group "
        "cli-refused." in " ".join(refused.stderr.split())
    )
    missing = tidewater(live, "instances", "no-such-group")
    assert missing.returncode == 1
    assert "ValidationError" in missing.stderr


def test_ess_groups_and_a_remove_waited_for(live: Server) -> None:
    group = ess_group(ess_client(live, ALIYUN_REGION), ALIYUN_REGION, "cli-ess", desired=2)
    first, _ = in_service(live, "cli-ess", "--cloud", "aliyun")
    listed = rows(tidewater(live, "groups", "--cloud", "aliyun", "-o", "json"))
    assert [(g["name"], g["id"]) for g in listed] == [("cli-ess", group)]

    [activity] = rows(tidewater(live, "remove", "cli-ess", first, "--wait", "-o", "json"))
    assert activity["status"] == "Successful"
    remaining = rows(tidewater(live, "instances", group, "--cloud", "aliyun", "-o", "json"))
    assert first not in [r["id"] for r in remaining]
    refused = tidewater(live, "remove", "asg-nonexistent0000000", first)
    assert refused.returncode == 1
    assert refused.stderr.startswith("InvalidScalingGroupId.NotFound")


def test_activities_follow_is_a_live_table_until_interrupted(live: Server) -> None:
    make_group(aws_client(live, "autoscaling"), live, "cli-follow", min_size=0, desired=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(TIDEWATER_URL=live.url, COLUMNS="200")
    following = subprocess.Popen(
        [*TIDEWATER, "activities", "cli-follow", "--follow", "--interval", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    [instance] = in_service(live, "cli-follow")
    time.sleep(1.0)  # a few looks of the live table
    following.send_signal(signal.SIGINT)
    shown, problems = following.communicate(timeout=30)
    assert following.returncode == 0, problems
    assert "activities of cli-follow" in shown
    assert f"Launching a new EC2 instance: {instance}" in shown
    assert "Successful" in shown


def test_an_unreachable_service_is_said_plainly(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "tidewater", "groups", "--endpoint", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 2
    assert "cannot reach the service" in ran.stderr


def test_shell_completion_is_offered() -> None:
    # Typer detects the calling shell (CI's is sh, which it has no script for): this test
    # names bash instead, through the switch Typer's own tests use
    shown = subprocess.run(
        [str(Path(sys.executable).with_name("tidewater")), "--show-completion", "bash"],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _tidewater_completion tidewater" in shown.stdout


compose = getattr(rpc_signature_composer, "__compose_string_to_sign")


@given(
    st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=6),
    st.text(min_size=1, max_size=16),
)
def test_the_commands_sign_ess_requests_as_the_legacy_sdk_does(
    query: dict[str, str], secret: str
) -> None:
    expected = sha_hmac1.get_sign_string(compose("GET", query), secret + "&")
    assert rpc_signature("GET", query, secret) == expected
