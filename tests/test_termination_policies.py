"""AWS termination policies through boto3: which instances a scale-in takes.

Groups here have one zone, so zone balance (which comes first) never decides; each test mixes
launch sources so that a policy that judged by launch time alone would pick another instance.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import IMAGE, describe_group

NAME = "mixed"


def ids(autoscaling: Any) -> set[str]:
    return {i["InstanceId"] for i in describe_group(autoscaling, NAME)["Instances"]}


def grow(autoscaling: Any, server: Server, desired: int, **source: Any) -> set[str]:
    """Point the group at a launch source and add instances from it: the new ones."""
    before = ids(autoscaling)
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=NAME, DesiredCapacity=desired, **source
    )
    server.settle()
    server.advance(100)
    return ids(autoscaling) - before


def scale_in(autoscaling: Any, server: Server, desired: int) -> set[str]:
    before = ids(autoscaling)
    autoscaling.set_desired_capacity(AutoScalingGroupName=NAME, DesiredCapacity=desired)
    server.settle()
    server.advance(100)
    after = ids(autoscaling)
    assert len(after) == desired
    return before - after


def configurations(autoscaling: Any, server: Server, *names: str) -> None:
    """Launch configurations made in the order given, so the first is the oldest."""
    for name in names:
        autoscaling.create_launch_configuration(
            LaunchConfigurationName=name, ImageId=IMAGE, InstanceType="t3.micro"
        )
        server.advance(5)


def template(ec2: Any, name: str, versions: int = 1) -> str:
    data = {"ImageId": IMAGE, "InstanceType": "t3.micro"}
    made = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)
    template_id = str(made["LaunchTemplate"]["LaunchTemplateId"])
    for _ in range(versions - 1):
        ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData=data)
    return template_id


def start(autoscaling: Any, server: Server, policies: list[str], **source: Any) -> set[str]:
    region = autoscaling.meta.region_name
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=NAME,
        MinSize=0,
        MaxSize=6,
        DesiredCapacity=1,
        AvailabilityZones=[f"{region}a"],
        TerminationPolicies=policies,
        **source,
    )
    server.settle()
    server.advance(100)
    return ids(autoscaling)


@pytest.mark.parametrize("policy", ["OldestLaunchConfiguration", "Default"])
def test_the_oldest_of_the_other_configurations_goes_first(
    autoscaling: Any, server: Server, policy: str
) -> None:
    """b's instance is older, but a is the older configuration; c, current, stays."""
    configurations(autoscaling, server, "lc-a", "lc-b", "lc-c")
    b = start(autoscaling, server, [policy], LaunchConfigurationName="lc-b")
    a = grow(autoscaling, server, 2, LaunchConfigurationName="lc-a")
    c = grow(autoscaling, server, 4, LaunchConfigurationName="lc-c")
    assert len(c) == 2
    assert scale_in(autoscaling, server, 3) == a
    assert scale_in(autoscaling, server, 2) == b


def test_the_current_configuration_stays_though_it_is_the_oldest(
    autoscaling: Any, server: Server
) -> None:
    """AWS ends what is not the group's current source first, however old the current one is."""
    configurations(autoscaling, server, "lc-a", "lc-b")
    a1 = start(autoscaling, server, ["OldestLaunchConfiguration"], LaunchConfigurationName="lc-a")
    b = grow(autoscaling, server, 2, LaunchConfigurationName="lc-b")
    grow(autoscaling, server, 3, LaunchConfigurationName="lc-a")
    assert scale_in(autoscaling, server, 2) == b
    assert scale_in(autoscaling, server, 1) == a1  # then the oldest instance of it


@pytest.mark.parametrize("moved_on", [True, False])
def test_the_oldest_template_version_goes_first(
    autoscaling: Any, ec2: Any, server: Server, moved_on: bool
) -> None:
    """Version 1 joined after version 2 but goes first, whether the group has moved on to
    another template (every version of the old one then goes before the current one's) or
    stays on this template's latest version."""
    old = template(ec2, "tpl-old", versions=2)
    current = template(ec2, "tpl-new") if moved_on else old
    v2 = start(
        autoscaling,
        server,
        ["OldestLaunchTemplate"],
        LaunchTemplate={"LaunchTemplateId": old, "Version": "2"},
    )
    v1 = grow(autoscaling, server, 2, LaunchTemplate={"LaunchTemplateId": old, "Version": "1"})
    grow(autoscaling, server, 3, LaunchTemplate={"LaunchTemplateId": current, "Version": "$Latest"})
    assert scale_in(autoscaling, server, 2) == v1
    if moved_on:
        assert scale_in(autoscaling, server, 1) == v2


def test_default_ends_a_configuration_before_a_template(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    """Default: of two sources neither current, the launch configuration's instance goes first,
    though the template's instance is the one nearest its next instance hour."""
    other, current = template(ec2, "tpl-other"), template(ec2, "tpl-current")
    configurations(autoscaling, server, "lc-a")
    by_template = start(
        autoscaling,
        server,
        ["Default"],
        LaunchTemplate={"LaunchTemplateId": other, "Version": "$Latest"},
    )
    by_configuration = grow(autoscaling, server, 2, LaunchConfigurationName="lc-a")
    grow(autoscaling, server, 3, LaunchTemplate={"LaunchTemplateId": current})
    assert scale_in(autoscaling, server, 2) == by_configuration
    assert scale_in(autoscaling, server, 1) == by_template


@pytest.mark.parametrize(
    ("policies", "gone"),
    [
        (["OldestInstance"], "first"),
        (["NewestInstance"], "last"),
        (["AllocationStrategy", "NewestInstance"], "last"),
        (["OldestInstance", "NewestInstance"], "first"),
        (["NewestInstance", "OldestLaunchConfiguration"], "last"),
    ],
)
def test_instance_age_policies(
    autoscaling: Any, server: Server, policies: list[str], gone: str
) -> None:
    """One configuration throughout: only the instances' own ages tell them apart."""
    configurations(autoscaling, server, "lc-a")
    first = start(autoscaling, server, policies, LaunchConfigurationName="lc-a")
    grow(autoscaling, server, 2)
    last = grow(autoscaling, server, 3)
    assert scale_in(autoscaling, server, 2) == (first if gone == "first" else last)


def test_closest_to_next_instance_hour(autoscaling: Any, server: Server) -> None:
    """At 3,700 s the first instance is 100 s into its second hour; of the ones 2,700 s and
    2,600 s into their first, the middle one is nearest its next hour: neither oldest nor newest."""
    configurations(autoscaling, server, "lc-a")
    start(autoscaling, server, ["ClosestToNextInstanceHour"], LaunchConfigurationName="lc-a")
    server.advance(900)  # with start's 100: the next one joins 1,000 s after the first
    middle = grow(autoscaling, server, 2)
    grow(autoscaling, server, 4)  # 1,100 s after the first
    server.advance(2500)
    assert scale_in(autoscaling, server, 3) == middle
