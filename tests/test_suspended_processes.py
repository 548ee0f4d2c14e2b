"""Each suspended AWS process does what the Auto Scaling user guide says, and stops on resume."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.conftest import ClientFactory, Server
from tests.helpers import classic_elb, describe_group, error_of, instance_ids, make_group

Cli = Callable[..., subprocess.CompletedProcess[str]]


def now_of(server: Server) -> datetime:
    return datetime.fromisoformat(server.post("/_tidewater/clock?seconds=0")["now"])


def settle_twice(server: Server) -> None:
    """Let what is due run, then two passes of ten seconds: an end, then its replacement."""
    server.settle()
    server.advance(10)
    server.advance(10)


def health(autoscaling: Any, name: str = "web") -> dict[str, str]:
    return {
        i["InstanceId"]: i["HealthStatus"] for i in describe_group(autoscaling, name)["Instances"]
    }


def test_suspension_reason_all_processes_and_the_nine_types(
    autoscaling: Any, server: Server
) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    first = f"User suspended at {now_of(server):%Y-%m-%dT%H:%M:%SZ}"
    assert describe_group(autoscaling, "web")["SuspendedProcesses"] == [
        {"ProcessName": "Launch", "SuspensionReason": first}
    ]
    server.advance(65)
    autoscaling.suspend_processes(AutoScalingGroupName="web")
    later = f"User suspended at {now_of(server):%Y-%m-%dT%H:%M:%SZ}"
    suspended = describe_group(autoscaling, "web")["SuspendedProcesses"]
    reasons = {p["ProcessName"]: p["SuspensionReason"] for p in suspended}
    assert len(suspended) == 10 and "RemoveFromLoadBalancerLowPriority" in reasons
    assert reasons["Launch"] == first != later == reasons["Terminate"], (
        "a suspension keeps its time"
    )
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    assert {p["ProcessName"]: p["SuspensionReason"] for p in suspended}["Terminate"] == later
    autoscaling.resume_processes(AutoScalingGroupName="web")
    assert describe_group(autoscaling, "web")["SuspendedProcesses"] == []
    assert [
        p["ProcessName"] for p in autoscaling.describe_scaling_process_types()["Processes"]
    ] == [
        "AZRebalance",
        "AddToLoadBalancer",
        "AlarmNotification",
        "HealthCheck",
        "InstanceRefresh",
        "Launch",
        "ReplaceUnhealthy",
        "ScheduledActions",
        "Terminate",
    ]
    bad = error_of(
        autoscaling.resume_processes, AutoScalingGroupName="web", ScalingProcesses=["ScaleIn"]
    )
    assert (bad["Code"], bad["Message"]) == (
        "ValidationError",
        "Process type ScaleIn is not valid.",
    )


def test_health_check_suspended_lets_members_stop_for_maintenance(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    group = make_group(autoscaling, server, desired=2)
    kept, other = instance_ids(group)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["HealthCheck"])
    ec2.stop_instances(InstanceIds=[kept])
    settle_twice(server)
    assert health(autoscaling) == {kept: "Healthy", other: "Healthy"}, "no EC2 check marks it"
    # a person's own health report still counts, and ReplaceUnhealthy still acts on it
    autoscaling.set_instance_health(InstanceId=kept, HealthStatus="Healthy")
    assert health(autoscaling)[kept] == "Healthy"
    ec2.start_instances(InstanceIds=[kept])
    server.advance(10)
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["HealthCheck"])
    settle_twice(server)
    assert health(autoscaling) == {kept: "Healthy", other: "Healthy"}, "kept through maintenance"


def test_health_check_resumed_finds_a_machine_still_stopped(
    autoscaling: Any, ec2: Any, server: Server
) -> None:
    group = make_group(autoscaling, server, desired=2)
    sick, other = instance_ids(group)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["HealthCheck"])
    ec2.stop_instances(InstanceIds=[sick])
    server.advance(10)
    assert health(autoscaling)[sick] == "Healthy"
    autoscaling.set_instance_health(InstanceId=other, HealthStatus="Unhealthy")
    settle_twice(server)
    assert other not in health(autoscaling), "a custom health check still replaces"
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["HealthCheck"])
    settle_twice(server)
    after = describe_group(autoscaling, "web")
    assert sick not in health(autoscaling) and len(instance_ids(after)) == 2


def test_add_to_load_balancer_suspended_leaves_its_launches_out_for_good(
    client: ClientFactory, autoscaling: Any, server: Server
) -> None:
    region = autoscaling.meta.region_name
    elb = client("elb")
    classic_elb(elb, "front", [f"{region}a", f"{region}b"])
    group = make_group(autoscaling, server, min_size=0, desired=1, LoadBalancerNames=["front"])
    [first] = instance_ids(group)

    def registered() -> set[str]:
        [lb] = elb.describe_load_balancers(LoadBalancerNames=["front"])["LoadBalancerDescriptions"]
        return {i["InstanceId"] for i in lb["Instances"]}

    assert registered() == {first}
    autoscaling.suspend_processes(
        AutoScalingGroupName="web", ScalingProcesses=["AddToLoadBalancer"]
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=2)
    server.settle()
    server.advance(10)
    [second] = set(instance_ids(describe_group(autoscaling, "web"))) - {first}
    assert registered() == {first}, "launched and in service, but not in the balancer"
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["AddToLoadBalancer"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    server.settle()
    server.advance(10)
    [third] = set(instance_ids(describe_group(autoscaling, "web"))) - {first, second}
    assert registered() == {first, third}, "resuming does not register what launched meanwhile"
    elb.register_instances_with_load_balancer(
        LoadBalancerName="front", Instances=[{"InstanceId": second}]
    )
    assert registered() == {first, second, third}, "registered by hand"
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=0)
    server.settle()
    server.advance(10)
    assert registered() == set() and describe_group(autoscaling, "web")["Instances"] == []


def test_terminate_suspended_stops_scale_in_and_replacement_but_not_a_users_terminate(
    autoscaling: Any, server: Server
) -> None:
    group = make_group(autoscaling, server, min_size=0, desired=3)
    one, two, three = instance_ids(group)
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Terminate"])
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    autoscaling.set_instance_health(InstanceId=one, HealthStatus="Unhealthy")
    server.settle()
    server.advance(10)
    assert instance_ids(describe_group(autoscaling, "web")) == [one, two, three]
    assert health(autoscaling)[one] == "Unhealthy", "marked, not replaced"
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=two, ShouldDecrementDesiredCapacity=False
    )
    server.settle()
    server.advance(10)
    assert two not in health(autoscaling), "TerminateInstanceInAutoScalingGroup still ends it"
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["Terminate"])
    settle_twice(server)
    left = describe_group(autoscaling, "web")
    assert one not in health(autoscaling) and len(instance_ids(left)) == 1


def test_launch_suspended_refuses_attach_and_exit_standby_and_replaces_nothing(
    autoscaling: Any, server: Server
) -> None:
    region = autoscaling.meta.region_name  # one zone: nothing to rebalance when one rests
    group = make_group(autoscaling, server, min_size=0, desired=3, zones=[f"{region}a"])
    resting, sick, _ = instance_ids(group)
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[resting], ShouldDecrementDesiredCapacity=True
    )
    server.settle()
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    refused = error_of(autoscaling.exit_standby, AutoScalingGroupName="web", InstanceIds=[resting])
    assert (refused["Code"], refused["Message"]) == (
        "ValidationError",
        "The Launch process is suspended for AutoScalingGroup web.",
    )
    autoscaling.set_instance_health(InstanceId=sick, HealthStatus="Unhealthy")
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    server.settle()
    server.advance(10)
    suspended = describe_group(autoscaling, "web")
    assert sick not in health(autoscaling), "ReplaceUnhealthy still terminates"
    assert len(instance_ids(suspended)) == 1 and suspended["DesiredCapacity"] == 3
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["Launch"])
    server.settle()
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "web"))) == 3
    autoscaling.exit_standby(AutoScalingGroupName="web", InstanceIds=[resting])


def test_az_rebalance_with_terminate_suspended_launches_and_keeps_the_extra(
    autoscaling: Any, server: Server
) -> None:
    region = autoscaling.meta.region_name
    group = make_group(autoscaling, server, min_size=0, max_size=4, desired=4)
    in_a = [i["InstanceId"] for i in group["Instances"] if i["AvailabilityZone"] == f"{region}a"]
    autoscaling.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["Terminate"])
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=in_a, ShouldDecrementDesiredCapacity=True
    )
    settle_twice(server)
    grown = describe_group(autoscaling, "web")
    zones = sorted(i["AvailabilityZone"] for i in grown["Instances"])
    assert grown["DesiredCapacity"] == 2
    assert zones == [f"{region}a", f"{region}b", f"{region}b"], "launched, nothing ended"
    autoscaling.resume_processes(AutoScalingGroupName="web", ScalingProcesses=["Terminate"])
    settle_twice(server)
    zones = sorted(i["AvailabilityZone"] for i in describe_group(autoscaling, "web")["Instances"])
    assert zones == [f"{region}a", f"{region}b"]


def test_cli_suspends_and_resumes(aws_cli: Cli, autoscaling: Any, server: Server) -> None:
    make_group(autoscaling, server, min_size=0, desired=0)
    done = aws_cli(
        "autoscaling",
        "suspend-processes",
        "--auto-scaling-group-name",
        "web",
        "--scaling-processes",
        "HealthCheck",
        "ReplaceUnhealthy",
    )
    assert done.returncode == 0, done.stderr
    shown = aws_cli(
        "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "web"
    )
    [group] = json.loads(shown.stdout)["AutoScalingGroups"]
    assert [p["ProcessName"] for p in group["SuspendedProcesses"]] == [
        "HealthCheck",
        "ReplaceUnhealthy",
    ]
    assert all(
        p["SuspensionReason"].startswith("User suspended at ") for p in group["SuspendedProcesses"]
    )
    done = aws_cli("autoscaling", "resume-processes", "--auto-scaling-group-name", "web")
    assert done.returncode == 0, done.stderr
    assert describe_group(autoscaling, "web")["SuspendedProcesses"] == []
    wrong = aws_cli(
        "autoscaling",
        "suspend-processes",
        "--auto-scaling-group-name",
        "web",
        "--scaling-processes",
        "Nope",
    )
    assert wrong.returncode != 0 and "Process type Nope is not valid." in wrong.stderr
