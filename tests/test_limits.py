"""Capacities, groups, launch configurations and tags are bounded as each cloud bounds them.

Every refusal is checked through the real clients over HTTP; a group with a large capacity is
reconciled in bounded batches, never stalls another group's writes, and never delays a stop.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ess20220222 import models as m
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from Tea.exceptions import TeaException

from tests.conftest import BACKEND, Server, _throwaway_database, start_server
from tests.helpers import IMAGE, aws_client, describe_group, error_of, make_group
from tests.test_check import run_check
from tests.test_ess import IMAGE as ESS_IMAGE
from tests.test_ess import aliyun_call, ready_group
from tests.test_ess import error_of as ess_error_of

HUGE = 2**31 - 1
AWS_INSTANCES = 1000  # the simulated AWS account's default instance limit
ESS_GROUP_SIZE = 2000  # ESS: instances per scaling group (DescribeLimitation MaxNumberOfMaxSize)
GRACEFUL_SECONDS = 10  # tidewater.cli.GRACEFUL_SECONDS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's own service, so `tidewater check` can judge it after every hostile request."""
    data = tmp_path_factory.mktemp("limits")
    databases = _throwaway_database() if BACKEND == "postgresql" else None
    url = next(databases) if databases else f"sqlite:///{data / 'tidewater.db'}"
    service = start_server(data, database_url=url if databases else None)
    try:
        yield service
        service.stop()
        clean = run_check(url)
        assert clean.returncode == 0, clean.stderr
        assert "all invariants hold" in clean.stderr
    finally:
        if service.process.poll() is None:
            service.stop()
        if databases:
            databases.close()


def instance_limit(value: int, limit: int = AWS_INSTANCES) -> dict[str, Any]:
    return {
        "Code": "LimitExceeded",
        "Message": f"You have requested more instances ({value}) than your current instance "
        f"limit of {limit} allows for the specified instance type. Please visit "
        "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
        "Status": 400,
        "Type": "Sender",
    }


def negative(*members: tuple[str, int]) -> str:
    items = [
        f"Value '{value}' at '{member}' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0"
        for member, value in members
    ]
    count = len(items)
    head = (
        "1 validation error detected: " if count == 1 else f"{count} validation errors detected: "
    )
    return head + "; ".join(items)


def lc(autoscaling: Any, name: str = "lc") -> str:
    autoscaling.create_launch_configuration(
        LaunchConfigurationName=name, ImageId=IMAGE, InstanceType="t3.micro"
    )
    return name


def group_names(autoscaling: Any) -> list[str]:
    found = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    return sorted(g["AutoScalingGroupName"] for g in found)


# -- AWS ---------------------------------------------------------------------------------------


def test_aws_refuses_capacities_beyond_the_account_instance_limit(
    autoscaling: Any, server: Server, aws_cli: Any, region: str
) -> None:
    lc(autoscaling)
    huge = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="huge",
        LaunchConfigurationName="lc",
        MinSize=HUGE,
        MaxSize=HUGE,
        AvailabilityZones=[f"{region}a"],
    )
    assert huge == instance_limit(HUGE)
    # the issue's own command line, through the aws CLI
    cli = aws_cli(
        "autoscaling",
        "create-auto-scaling-group",
        "--auto-scaling-group-name",
        "huge",
        "--launch-configuration-name",
        "lc",
        "--min-size",
        str(HUGE),
        "--max-size",
        str(HUGE),
        "--availability-zones",
        f"{region}a",
    )
    assert cli.returncode != 0
    assert "(LimitExceeded)" in cli.stderr
    assert f"You have requested more instances ({HUGE})" in cli.stderr
    assert group_names(autoscaling) == []

    above = AWS_INSTANCES + 1
    assert error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="web",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=HUGE,
        DesiredCapacity=above,
        AvailabilityZones=[f"{region}a"],
    ) == instance_limit(above)
    # MaxSize is a ceiling, not a demand: AWS takes any, so does Tidewater
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=above,
        DesiredCapacity=0,
        AvailabilityZones=[f"{region}a"],
    )
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MaxSize=HUGE)
    assert error_of(
        autoscaling.update_auto_scaling_group, AutoScalingGroupName="web", MinSize=above
    ) == instance_limit(above)
    assert error_of(
        autoscaling.set_desired_capacity, AutoScalingGroupName="web", DesiredCapacity=50_000
    ) == instance_limit(50_000)
    group = describe_group(autoscaling, "web")
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, HUGE, 0)


def test_aws_refuses_negative_capacities(autoscaling: Any, server: Server, region: str) -> None:
    lc(autoscaling)
    refused = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="web",
        LaunchConfigurationName="lc",
        MinSize=-5,
        MaxSize=-1,
        DesiredCapacity=-3,
        AvailabilityZones=[f"{region}a"],
    )
    assert refused["Code"] == "ValidationError" and refused["Status"] == 400
    assert refused["Message"] == negative(("minSize", -5), ("maxSize", -1), ("desiredCapacity", -3))
    assert group_names(autoscaling) == []

    make_group(autoscaling, server, min_size=0, max_size=3, desired=1, boot=False)
    refused = error_of(
        autoscaling.set_desired_capacity, AutoScalingGroupName="web", DesiredCapacity=-2
    )
    assert refused["Message"] == negative(("desiredCapacity", -2))
    refused = error_of(
        autoscaling.update_auto_scaling_group, AutoScalingGroupName="web", MinSize=-1
    )
    assert refused["Message"] == negative(("minSize", -1))
    group = describe_group(autoscaling, "web")
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, 3, 1)


def test_fifty_tags_per_group(autoscaling: Any, server: Server, region: str) -> None:
    lc(autoscaling)
    tags = [{"Key": f"k{i}", "Value": str(i), "PropagateAtLaunch": False} for i in range(51)]
    refused = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="web",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
        Tags=tags,
    )
    assert refused == {
        "Code": "LimitExceeded",
        "Message": "The AutoScalingGroup web may have at most 50 tags; the request would give "
        "it 51.",
        "Status": 400,
        "Type": "Sender",
    }
    assert group_names(autoscaling) == []
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
        Tags=tags[:50],
    )

    def tag(key: str, value: str) -> dict[str, Any]:
        return {
            "ResourceId": "web",
            "ResourceType": "auto-scaling-group",
            "Key": key,
            "Value": value,
            "PropagateAtLaunch": False,
        }

    refused = error_of(autoscaling.create_or_update_tags, Tags=[tag("k50", "new")])
    assert refused["Code"] == "LimitExceeded"
    assert refused["Message"].endswith("the request would give it 51.")
    autoscaling.create_or_update_tags(Tags=[tag("k0", "changed"), tag("k49", "changed")])
    found = autoscaling.describe_tags(
        Filters=[{"Name": "auto-scaling-group", "Values": ["web"]}], MaxRecords=100
    )["Tags"]
    assert len(found) == 50
    assert {t["Key"]: t["Value"] for t in found}["k0"] == "changed"


@pytest.fixture
def limited_server(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(
        tmp_path / "data",
        "--aws-max-groups",
        "2",
        "--aws-max-launch-configurations",
        "2",
        database_url=own_database_url,
    )
    yield service
    if service.process.poll() is None:
        service.stop()


def test_account_limits_are_configurable_reported_and_enforced(limited_server: Server) -> None:
    autoscaling = aws_client(limited_server, "autoscaling")
    assert _limits(autoscaling) == (2, 2, 0, 0)
    lc(autoscaling, "a")
    lc(autoscaling, "b")
    refused = error_of(
        autoscaling.create_launch_configuration,
        LaunchConfigurationName="c",
        ImageId=IMAGE,
        InstanceType="t3.micro",
    )
    assert refused == {
        "Code": "LimitExceeded",
        "Message": "You have reached the limit of 2 launch configurations for this account and "
        "Region.",
        "Status": 400,
        "Type": "Sender",
    }
    for name in ("one", "two"):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchConfigurationName="a",
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=["us-east-1a"],
        )
    refused = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="three",
        LaunchConfigurationName="a",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    assert refused == {
        "Code": "LimitExceeded",
        "Message": "You have reached the limit of 2 Auto Scaling groups for this account and "
        "Region.",
        "Status": 400,
        "Type": "Sender",
    }
    assert _limits(autoscaling) == (2, 2, 2, 2)
    # another region of the same account has its own quota
    other = aws_client(limited_server, "autoscaling", region="eu-west-1")
    assert _limits(other) == (2, 2, 0, 0)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="one")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="three",
        LaunchConfigurationName="a",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )


@pytest.fixture
def small_account(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(
        tmp_path / "data", "--aws-max-instances", "5", database_url=own_database_url
    )
    yield service
    if service.process.poll() is None:
        service.stop()


def test_launches_beyond_the_account_instance_limit_fail_as_on_aws(small_account: Server) -> None:
    """Groups share the account's instances; a launch past the limit fails with EC2's text."""
    autoscaling = aws_client(small_account, "autoscaling")
    make_group(autoscaling, small_account, "a", min_size=0, max_size=5, desired=3)
    make_group(autoscaling, small_account, "b", min_size=0, max_size=5, desired=4)
    assert len(describe_group(autoscaling, "b")["Instances"]) == 2
    failed = [
        a
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName="b")["Activities"]
        if a["StatusCode"] == "Failed"
    ]
    reason = (
        "You have requested more instances (6) than your current instance limit of 5 allows "
        "for the specified instance type. Please visit http://aws.amazon.com/contact-us/"
        "ec2-request to request an adjustment to this limit. Launching EC2 instance failed."
    )
    assert len(failed) == 1  # one attempt, then a retry later: no storm of failures
    assert failed[0]["StatusMessage"] == reason
    assert failed[0]["Description"] == f"Launching a new EC2 instance.  Status Reason: {reason}"
    small_account.settle()
    assert len(autoscaling.describe_scaling_activities(AutoScalingGroupName="b")["Activities"]) == 3

    # room frees up: the retry launches what the group still lacks
    autoscaling.set_desired_capacity(AutoScalingGroupName="a", DesiredCapacity=1)
    small_account.settle()
    small_account.advance(10)
    small_account.advance(10)
    small_account.advance(10)
    assert len(describe_group(autoscaling, "a")["Instances"]) == 1
    assert len(describe_group(autoscaling, "b")["Instances"]) == 4
    small_account.stop()
    clean = run_check(small_account.database_url)
    assert clean.returncode == 0, clean.stderr


def _limits(autoscaling: Any) -> tuple[int, int, int, int]:
    found = autoscaling.describe_account_limits()
    return (
        found["MaxNumberOfAutoScalingGroups"],
        found["MaxNumberOfLaunchConfigurations"],
        found["NumberOfAutoScalingGroups"],
        found["NumberOfLaunchConfigurations"],
    )


# -- ESS ---------------------------------------------------------------------------------------


def _create(ess: Any, region: str, name: str, **sizes: Any) -> Any:
    return ess.create_scaling_group(
        m.CreateScalingGroupRequest(region_id=region, scaling_group_name=name, **sizes)
    )


def invalid(parameter: str) -> tuple[str, int, str]:
    return (
        "InvalidParameter",
        400,
        f'The specified value of parameter "{parameter}" is not valid.',
    )


def test_ess_refuses_sizes_beyond_its_limits(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    def create(**sizes: Any) -> tuple[str, int, str]:
        return ess_error_of(
            ess.create_scaling_group,
            m.CreateScalingGroupRequest(region_id=region, scaling_group_name="web", **sizes),
        )

    assert create(min_size=HUGE, max_size=HUGE) == invalid("MinSize")
    assert create(min_size=0, max_size=HUGE) == invalid("MaxSize")
    assert create(min_size=0, max_size=ESS_GROUP_SIZE + 1) == invalid("MaxSize")
    assert create(min_size=-5, max_size=-1, desired_capacity=-3) == invalid("DesiredCapacity")
    assert create(min_size=-5, max_size=1) == invalid("MinSize")
    # the 2014-08-28 API through the legacy SDK words it the same way
    with pytest.raises(Exception) as caught:
        aliyun_call(
            ess_legacy,
            server,
            region,
            "2014-08-28",
            "CreateScalingGroup",
            MinSize=0,
            MaxSize=HUGE,
            ScalingGroupName="web",
        )
    assert caught.value.get_error_code() == "InvalidParameter"  # type: ignore[attr-defined]
    assert caught.value.get_error_msg() == invalid("MaxSize")[2]  # type: ignore[attr-defined]

    group = _create(ess, region, "web", min_size=0, max_size=ESS_GROUP_SIZE).body.scaling_group_id
    other = _create(ess, region, "other", min_size=0, max_size=2, desired_capacity=1)
    modify = ess.modify_scaling_group
    assert ess_error_of(
        modify, m.ModifyScalingGroupRequest(scaling_group_id=group, min_size=1_000_000)
    ) == invalid("MinSize")
    assert ess_error_of(
        modify, m.ModifyScalingGroupRequest(scaling_group_id=group, max_size=ESS_GROUP_SIZE + 1)
    ) == invalid("MaxSize")
    assert ess_error_of(
        modify, m.ModifyScalingGroupRequest(scaling_group_id=group, min_size=-1)
    ) == invalid("MinSize")
    # the unrelated group still answers at once
    modify(
        m.ModifyScalingGroupRequest(
            scaling_group_id=other.body.scaling_group_id, max_size=3, desired_capacity=2
        )
    )
    found = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups[0]
    assert (found.min_size, found.max_size) == (0, ESS_GROUP_SIZE)


def test_ess_scaling_group_quota(ess: Any, server: Server, region: str) -> None:
    for number in range(100):
        _create(ess, region, f"g{number}", min_size=0, max_size=1)
    refused = ess_error_of(
        ess.create_scaling_group,
        m.CreateScalingGroupRequest(
            region_id=region, scaling_group_name="one-too-many", min_size=0, max_size=1
        ),
    )
    assert refused == ("QuotaExceeded.ScalingGroup", 400, "Scaling group quota exceeded.")


def test_ess_describe_limitation_reports_what_is_enforced(
    ess: Any, ess_legacy: Any, server: Server, region: str
) -> None:
    body = ess.describe_limitation(m.DescribeLimitationRequest()).body
    assert (body.max_number_of_scaling_groups, body.max_number_of_max_size) == (100, 2000)
    assert body.max_number_of_min_size == body.max_number_of_max_size == ESS_GROUP_SIZE
    assert body.max_number_of_scaling_configurations == 20
    assert body.max_number_of_scaling_rules == 20
    assert (body.max_number_of_load_balancers, body.max_number_of_dbinstances) == (5, 5)
    legacy = aliyun_call(ess_legacy, server, region, "2014-08-28", "DescribeLimitation")
    assert legacy["MaxNumberOfMaxSize"] == ESS_GROUP_SIZE
    assert legacy["MaxNumberOfScalingGroups"] == 100
    # the scaling configuration quota it reports is the one a group meets
    group = _create(ess, region, "web", min_size=0, max_size=1).body.scaling_group_id
    for _ in range(body.max_number_of_scaling_configurations):
        ess.create_scaling_configuration(
            m.CreateScalingConfigurationRequest(
                scaling_group_id=group,
                image_id=ESS_IMAGE,
                instance_type="ecs.g6.large",
            )
        )
    refused = ess_error_of(
        ess.create_scaling_configuration,
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group,
            image_id=ESS_IMAGE,
            instance_type="ecs.g6.large",
        ),
    )
    assert refused[:2] == ("QuotaExceeded.ScalingConfiguration", 400)


# -- one property over every capacity, both clouds ---------------------------------------------

CAPACITY = st.one_of(
    st.integers(min_value=-(2**31), max_value=HUGE),
    st.integers(min_value=-3, max_value=ESS_GROUP_SIZE + 3),
    st.sampled_from([0, 1, AWS_INSTANCES, AWS_INSTANCES + 1, ESS_GROUP_SIZE, HUGE, -1]),
)
_serial = iter(range(10**9))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(low=CAPACITY, high=CAPACITY, desired=st.none() | CAPACITY)
def test_aws_capacities_are_refused_exactly_outside_the_limits(
    autoscaling: Any, region: str, low: int, high: int, desired: int | None
) -> None:
    if not autoscaling.describe_launch_configurations()["LaunchConfigurations"]:
        lc(autoscaling)
    name = f"g{next(_serial)}"
    sizes = {"MinSize": low, "MaxSize": high}
    if desired is not None:
        sizes["DesiredCapacity"] = desired
    given_ = [v for v in (low, high, desired) if v is not None]
    demanded = [v for v in (low, desired) if v is not None]  # MaxSize is only a ceiling
    try:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchConfigurationName="lc",
            AvailabilityZones=[f"{region}a"],
            **sizes,
        )
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert status == 400, error.response
        if any(v < 0 for v in given_):
            assert code == "ValidationError"
            assert "Member must have value greater than or equal to 0" in str(error)
        elif any(v > AWS_INSTANCES for v in demanded):
            assert code == "LimitExceeded"
        else:
            assert code == "ValidationError"
            assert high < low or (desired is not None and not low <= desired <= high)
        return
    assert all(v >= 0 for v in given_) and all(v <= AWS_INSTANCES for v in demanded)
    assert low <= high and (desired is None or low <= desired <= high)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(low=CAPACITY, high=CAPACITY, desired=st.none() | CAPACITY)
def test_ess_capacities_are_refused_exactly_outside_the_limits(
    ess: Any, region: str, low: int, high: int, desired: int | None
) -> None:
    given_ = [v for v in (low, high, desired) if v is not None]
    try:
        made = _create(
            ess, region, f"g{next(_serial)}", min_size=low, max_size=high, desired_capacity=desired
        )
    except TeaException as error:
        assert error.status_code == 400, error.data
        if any(v < 0 for v in given_):
            assert error.code == "InvalidParameter"
        elif high < low or (desired is not None and not low <= desired <= high):
            assert error.code == "InvalidParameter.Conflict"
        else:
            assert any(v > ESS_GROUP_SIZE for v in given_)
            assert error.code == "InvalidParameter"
        return
    assert all(0 <= v <= ESS_GROUP_SIZE for v in given_)
    assert low <= high and (desired is None or low <= desired <= high)
    ess.delete_scaling_group(
        m.DeleteScalingGroupRequest(region_id=region, scaling_group_id=made.body.scaling_group_id)
    )


# -- a big group is reconciled in bounded batches ----------------------------------------------

BIG = 2000
LOCK_WAIT = 2.0


@pytest.fixture
def roomy_server(tmp_path: Path, own_database_url: str) -> Any:
    service = start_server(
        tmp_path / "data",
        "--aws-max-instances",
        str(BIG + 5),  # room for the big group and the small one beside it
        "--lock-wait-seconds",
        str(LOCK_WAIT),
        database_url=own_database_url,
    )
    yield service
    if service.process.poll() is None:
        service.stop()


def _big_group(autoscaling: Any) -> None:
    lc(autoscaling, "big-lc")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="big",
        LaunchConfigurationName="big-lc",
        MinSize=0,
        MaxSize=BIG,
        DesiredCapacity=BIG,
        AvailabilityZones=["us-east-1a", "us-east-1b", "us-east-1c"],
    )


def test_a_big_group_is_launched_in_batches_and_never_blocks_another_group(
    roomy_server: Server,
) -> None:
    once = Config(retries={"max_attempts": 1, "mode": "standard"})
    autoscaling = aws_client(roomy_server, "autoscaling", config=once)
    make_group(autoscaling, roomy_server, "small", min_size=0, max_size=3, desired=1)
    _big_group(autoscaling)

    answered: list[float] = []
    failures: list[str] = []
    done = threading.Event()

    def write_to_the_small_group() -> None:
        writer = aws_client(roomy_server, "autoscaling", config=once)
        count = 0
        while not done.is_set():
            started = time.monotonic()
            try:
                writer.set_desired_capacity(AutoScalingGroupName="small", DesiredCapacity=count % 3)
            except ClientError as error:
                failures.append(error.response["Error"]["Code"])
            answered.append(time.monotonic() - started)
            count += 1

    thread = threading.Thread(target=write_to_the_small_group)
    thread.start()
    try:
        # every batch of launches, one reconcile pass after another: minutes on a busy machine
        roomy_server.settle(timeout=600)
    finally:
        done.set()
        thread.join(timeout=60)
    assert failures == []
    assert len(answered) >= 10
    assert max(answered) < LOCK_WAIT

    # each activity's Cause names the capacity its batch started from: at most 100 a batch
    starts: Counter[int] = Counter()
    token = None
    while True:
        page = autoscaling.describe_scaling_activities(
            AutoScalingGroupName="big", MaxRecords=100, **({"NextToken": token} if token else {})
        )
        for activity in page["Activities"]:
            found = re.search(r"increasing the capacity from (\d+) to (\d+)", activity["Cause"])
            assert found is not None, activity["Cause"]
            assert int(found.group(2)) == BIG
            starts[int(found.group(1))] += 1
        token = page.get("NextToken")
        if not token:
            break
    assert sum(starts.values()) == BIG
    assert max(starts.values()) <= 100
    assert sorted(starts) == list(range(0, BIG, 100))

    roomy_server.advance(10)
    group = describe_group(autoscaling, "big")
    assert len(group["Instances"]) == BIG
    assert {i["LifecycleState"] for i in group["Instances"]} == {"InService"}
    roomy_server.stop()
    clean = run_check(roomy_server.database_url)
    assert clean.returncode == 0, clean.stderr


def test_sigterm_during_a_big_reconcile_exits_zero_within_the_graceful_limit(
    roomy_server: Server,
) -> None:
    autoscaling = aws_client(roomy_server, "autoscaling")
    _big_group(autoscaling)
    settled: list[Any] = []

    def settle() -> None:
        try:
            settled.append(roomy_server.post("/_tidewater/settle"))
        except OSError as error:  # the answer may be cut short by the stop
            settled.append(error)

    thread = threading.Thread(target=settle)
    thread.start()
    time.sleep(1.0)  # well into the launches
    started = time.monotonic()
    roomy_server.process.terminate()
    code = roomy_server.process.wait(timeout=60)
    took = time.monotonic() - started
    thread.join(timeout=60)
    assert code == 0
    assert took < GRACEFUL_SECONDS
    url = roomy_server.database_url
    clean = run_check(url)
    assert clean.returncode == 0, clean.stderr

    # a restart picks the work up where it stopped, batch by batch, and finishes it
    roomy_server.start()
    roomy_server.settle(timeout=600)
    roomy_server.advance(10)
    group = describe_group(autoscaling, "big")
    assert len(group["Instances"]) == BIG
    roomy_server.stop()
    clean = run_check(url)
    assert clean.returncode == 0, clean.stderr


def test_an_ess_request_spanning_several_batches_is_one_activity(
    ess: Any, server: Server, region: str
) -> None:
    """ESS answers one activity per request; batches underneath do not split or end it early."""
    group = ready_group(ess, server, region, min_size=0, max_size=ESS_GROUP_SIZE, desired=250)
    assert _in_service(ess, region, group) == 250
    made = ess.scale_with_adjustment(
        m.ScaleWithAdjustmentRequest(
            scaling_group_id=group, adjustment_type="TotalCapacity", adjustment_value=520
        )
    ).body.scaling_activity_id
    server.settle()
    server.advance(10)
    server.advance(10)
    assert _in_service(ess, region, group) == 520
    found = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group, page_size=50)
    ).body.scaling_activities
    assert len(found) == 2  # the enable's scale-out to 250, then this request
    by_id = {a.scaling_activity_id: a for a in found}
    assert by_id[made].status_code == "Successful"
    assert by_id[made].total_capacity == "520"
    first = next(a for a in found if a.scaling_activity_id != made)
    assert first.status_code == "Successful"
    assert first.total_capacity == "250"


def _in_service(ess: Any, region: str, group: str) -> int:
    found = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups[0]
    assert found.total_capacity == found.active_capacity
    return int(found.active_capacity)


def test_racing_creates_never_pass_a_quota(limited_server: Server) -> None:
    """Counting then inserting must be one step: concurrent creates stop at the quota."""
    autoscaling = aws_client(limited_server, "autoscaling")
    lc(autoscaling, "a")
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def create(kind: str, number: int) -> None:
        client = aws_client(limited_server, "autoscaling")
        barrier.wait()
        try:
            if kind == "group":
                client.create_auto_scaling_group(
                    AutoScalingGroupName=f"g{number}",
                    LaunchConfigurationName="a",
                    MinSize=0,
                    MaxSize=1,
                    AvailabilityZones=["us-east-1a"],
                )
            else:
                client.create_launch_configuration(
                    LaunchConfigurationName=f"lc{number}", ImageId=IMAGE, InstanceType="t3.micro"
                )
            outcomes.append(f"{kind} made")
        except ClientError as error:
            outcomes.append(f"{kind} {error.response['Error']['Code']}")

    threads = [
        threading.Thread(target=create, args=(kind, number))
        for number in range(6)
        for kind in ("group", "configuration")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert _limits(autoscaling) == (2, 2, 2, 2)
    assert sorted(outcomes) == sorted(
        ["group made"] * 2
        + ["group LimitExceeded"] * 4
        + ["configuration made"]  # "a" holds the other place
        + ["configuration LimitExceeded"] * 5
    )
