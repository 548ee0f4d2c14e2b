"""The simulated Classic ELB and ELBv2 on SQLite and PostgreSQL: operations, errors, timelines."""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from tests.test_sim_ec2 import ACCOUNT, START, conforms, database_url, fuzz, snake
from tidewater.clock import Clock
from tidewater.cloud.ports import LaunchSpec
from tidewater.cloud.sim import network
from tidewater.cloud.sim.balancers import BalancerFault, SimBalancers
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.timing import Timing
from tidewater.dialects.aws.elb import ElbService
from tidewater.dialects.aws.elbv2 import Elbv2Service
from tidewater.dialects.aws.errors import AwsError
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.database import Database
from tidewater.store.tables import metadata, sim_load_balancers

SCOPE = Scope(ACCOUNT, "us-east-1", Cloud.AWS)
OTHER = Scope("210987654321", "us-east-1", Cloud.AWS)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
HTTP = [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}]
ZONES = ["us-east-1a", "us-east-1b"]
CHECK = 10.0  # the sim's default initial health-check time, unscaled
BOOT = 5.0


@cache
def model(product: str) -> ServiceModel:
    return ServiceModel(Loader().load_service_model(product, "service-2"), product)


@dataclass
class World:
    db: Database
    clock: Clock
    compute: SimCompute
    sim: SimBalancers

    def call(self, product: str, action: str, scope: Scope = SCOPE, **params: Any) -> Any:
        """Calls the sim as the dialect will, holding both sides to botocore's model."""
        operation = model(product).operation_model(action)
        conforms(params, operation.input_shape, action, enums=False)
        prefix = "clb" if product == "elb" else "elbv2"
        out = getattr(self.sim, f"{prefix}_{snake(action)}")(scope, params)
        conforms(out, operation.output_shape, action)
        return out

    def clb(self, action: str, **params: Any) -> Any:
        return self.call("elb", action, **params)

    def v2(self, action: str, **params: Any) -> Any:
        return self.call("elbv2", action, **params)

    def fault(self, product: str, action: str, **params: Any) -> BalancerFault:
        with pytest.raises(BalancerFault) as info:
            self.call(product, action, **params)
        return info.value

    def wait(self, seconds: float) -> None:
        self.compute.advance(self.clock.advance(seconds))

    def machines(self, count: int = 1, *, running: bool = True) -> list[str]:
        subnet = network.default_subnets(SCOPE)[0]
        ids = [
            self.compute.launch(
                SCOPE, LaunchSpec("ami-0c02fb55956c7d316", "t3.micro"), subnet, t
            ).id
            for t in (secrets.token_hex(8) for _ in range(count))
        ]
        if running:
            self.wait(BOOT)
        return ids

    def classic(self, name: str = "web", **params: Any) -> str:
        params = {"Listeners": HTTP, "AvailabilityZones": ZONES, **params}
        return str(self.clb("CreateLoadBalancer", LoadBalancerName=name, **params)["DNSName"])

    def alb(self, name: str = "app", **params: Any) -> dict[str, Any]:
        return dict(self.v2("CreateLoadBalancer", Name=name, **params)["LoadBalancers"][0])

    def group(self, name: str = "tg", **params: Any) -> dict[str, Any]:
        params = {"Protocol": "HTTP", "Port": 80, **params}
        return dict(self.v2("CreateTargetGroup", Name=name, **params)["TargetGroups"][0])

    def listen(self, lb: str, tg: str, port: int = 80) -> dict[str, Any]:
        actions = [{"Type": "forward", "TargetGroupArn": tg}]
        out = self.v2(
            "CreateListener", LoadBalancerArn=lb, Protocol="HTTP", Port=port, DefaultActions=actions
        )
        return dict(out["Listeners"][0])

    def classic_health(self, name: str = "web", **params: Any) -> list[dict[str, Any]]:
        return list(
            self.clb("DescribeInstanceHealth", LoadBalancerName=name, **params)["InstanceStates"]
        )

    def target_health(self, arn: str) -> list[dict[str, Any]]:
        out = self.v2("DescribeTargetHealth", TargetGroupArn=arn)
        return list(out["TargetHealthDescriptions"])


def make_world(url: str) -> World:
    db = Database(url)
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    compute = SimCompute(db, clock, Timing())
    return World(db, clock, compute, SimBalancers(compute))


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    made = make_world(database_url(request, tmp_path))
    yield made
    made.db.dispose()


def states(health: list[dict[str, Any]]) -> dict[str, str]:
    return {h["InstanceId"]: h["State"] for h in health}


# -- Classic: load balancers ---------------------------------------------------------------------


def test_classic_create_returns_a_dns_name_and_describes_every_field(world: World) -> None:
    dns = world.classic()
    assert re.fullmatch(r"web-\d{10}\.us-east-1\.elb\.amazonaws\.com", dns)
    [lb] = world.clb("DescribeLoadBalancers")["LoadBalancerDescriptions"]
    assert lb["LoadBalancerName"] == "web" and lb["DNSName"] == dns
    assert lb["ListenerDescriptions"] == [
        {
            "Listener": {
                "Protocol": "HTTP",
                "LoadBalancerPort": 80,
                "InstanceProtocol": "HTTP",
                "InstancePort": 8080,
            },
            "PolicyNames": [],
        }
    ]
    assert lb["AvailabilityZones"] == ZONES and len(lb["Subnets"]) == 2
    assert lb["VPCId"] == network.default_vpc(SCOPE)
    assert lb["Instances"] == [] and lb["Scheme"] == "internet-facing"
    assert lb["HealthCheck"]["Target"] == "TCP:8080" and lb["CreatedTime"] == START


def test_classic_create_with_subnets_and_internal_scheme(world: World) -> None:
    subnet = network.default_subnets(SCOPE)[2]
    dns = world.classic("inner", AvailabilityZones=None, Subnets=[subnet.id], Scheme="internal")
    assert dns.startswith("internal-inner-")
    [lb] = world.clb("DescribeLoadBalancers", LoadBalancerNames=["inner"])[
        "LoadBalancerDescriptions"
    ]
    assert lb["AvailabilityZones"] == [subnet.zone] and lb["Subnets"] == [subnet.id]


def test_classic_create_is_idempotent_with_the_same_parameters(world: World) -> None:
    assert world.classic() == world.classic()
    fault = world.fault(
        "elb",
        "CreateLoadBalancer",
        LoadBalancerName="web",
        Listeners=HTTP,
        AvailabilityZones=["us-east-1a"],
    )
    assert (fault.code, fault.message, fault.status) == (
        "DuplicateLoadBalancerName",
        "Load Balancer named web already exists and it is configured with different parameters.",
        400,
    )


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"LoadBalancerName": "a" * 33},
            "ValidationError",
            "LoadBalancer name cannot be longer than 32 characters",
        ),
        (
            {"LoadBalancerName": "bad_name"},
            "ValidationError",
            "LoadBalancer name cannot contain characters that are not letters, or digits or "
            "the dash.",
        ),
        (
            {"AvailabilityZones": None},
            "ValidationError",
            "Either AvailabilityZones or SubnetIds must be specified",
        ),
        (
            {"AvailabilityZones": ["us-east-1z"]},
            "ValidationError",
            "Invalid Availability Zone: us-east-1z",
        ),
        (
            {"AvailabilityZones": None, "Subnets": ["subnet-00000000"]},
            "SubnetNotFound",
            "One or more subnets could not be found.",
        ),
        (
            {"Listeners": [{"Protocol": "FTP", "LoadBalancerPort": 21, "InstancePort": 21}]},
            "ValidationError",
            "Invalid LoadBalancer protocol: FTP",
        ),
        (
            {"Listeners": [{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 80}]},
            "ValidationError",
            "SSLCertificateId is required for HTTPS and SSL listeners",
        ),
        (
            {"Listeners": HTTP + HTTP},
            "DuplicateListener",
            "A listener already exists for port 80",
        ),
    ],
)
def test_classic_create_refusals(
    world: World, params: dict[str, Any], code: str, message: str
) -> None:
    params = {"LoadBalancerName": "web", "Listeners": HTTP, "AvailabilityZones": ZONES, **params}
    params = {k: v for k, v in params.items() if v is not None}
    fault = world.fault("elb", "CreateLoadBalancer", **params)
    assert (fault.code, fault.message) == (code, message)


def test_classic_describe_unknown_name_and_other_ops_use_their_own_texts(world: World) -> None:
    fault = world.fault("elb", "DescribeLoadBalancers", LoadBalancerNames=["nope"])
    assert (fault.code, fault.message) == ("LoadBalancerNotFound", "Cannot find Load Balancer nope")
    cases: list[tuple[str, dict[str, Any]]] = [
        ("RegisterInstancesWithLoadBalancer", {"Instances": []}),
        ("DeregisterInstancesFromLoadBalancer", {"Instances": []}),
        ("DescribeInstanceHealth", {}),
        ("DescribeLoadBalancerAttributes", {}),
        ("ModifyLoadBalancerAttributes", {"LoadBalancerAttributes": {}}),
    ]
    for action, extra in cases:
        fault = world.fault("elb", action, LoadBalancerName="nope", **extra)
        assert (fault.code, fault.message) == (
            "LoadBalancerNotFound",
            "There is no ACTIVE Load Balancer named 'nope'",
        )


def test_classic_pages_by_marker(world: World) -> None:
    for index in range(5):
        world.classic(f"lb-{index}")
    names: list[str] = []
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"PageSize": 2}
        if marker:
            params["Marker"] = marker
        out = world.clb("DescribeLoadBalancers", **params)
        names += [lb["LoadBalancerName"] for lb in out["LoadBalancerDescriptions"]]
        marker = out.get("NextMarker")
        if marker is None:
            break
    assert names == [f"lb-{i}" for i in range(5)]
    fault = world.fault("elb", "DescribeLoadBalancers", Marker="garbage")
    assert (fault.code, fault.message) == ("ValidationError", "Invalid Marker")


def test_classic_delete_is_idempotent_and_scoped(world: World) -> None:
    world.classic()
    assert world.call("elb", "DescribeLoadBalancers", OTHER)["LoadBalancerDescriptions"] == []
    world.clb("DeleteLoadBalancer", LoadBalancerName="web")
    world.clb("DeleteLoadBalancer", LoadBalancerName="web")
    assert world.clb("DescribeLoadBalancers")["LoadBalancerDescriptions"] == []


# -- Classic: instances, health, draining ---------------------------------------------------------


def test_classic_register_health_timeline(world: World) -> None:
    world.classic()
    [a, b] = world.machines(2)
    out = world.clb(
        "RegisterInstancesWithLoadBalancer",
        LoadBalancerName="web",
        Instances=[{"InstanceId": a}, {"InstanceId": b}],
    )
    assert out["Instances"] == [{"InstanceId": a}, {"InstanceId": b}] or {
        i["InstanceId"] for i in out["Instances"]
    } == {a, b}
    health = world.classic_health()
    assert states(health) == {a: "OutOfService", b: "OutOfService"}
    assert health[0]["ReasonCode"] == "ELB"
    assert health[0]["Description"] == "Instance registration is still in progress."
    world.wait(CHECK)
    health = world.classic_health()
    assert states(health) == {a: "InService", b: "InService"}
    assert health[0]["ReasonCode"] == "N/A" and health[0]["Description"] == "N/A"
    world.compute.stop(SCOPE, [b])
    [state] = world.classic_health(Instances=[{"InstanceId": b}])
    assert state["State"] == "OutOfService" and state["ReasonCode"] == "Instance"
    assert world.sim.healthy(SCOPE, a) is True and world.sim.healthy(SCOPE, b) is False
    [lb] = world.clb("DescribeLoadBalancers")["LoadBalancerDescriptions"]
    assert {i["InstanceId"] for i in lb["Instances"]} == {a, b}


def test_classic_register_refuses_missing_and_idle_instances(world: World) -> None:
    world.classic()
    [pending] = world.machines(running=False)
    fault = world.fault(
        "elb",
        "RegisterInstancesWithLoadBalancer",
        LoadBalancerName="web",
        Instances=[{"InstanceId": "i-0123456789abcdef0"}],
    )
    assert (fault.code, fault.message) == (
        "InvalidInstance",
        "Could not find EC2 instance i-0123456789abcdef0.",
    )
    fault = world.fault(
        "elb",
        "RegisterInstancesWithLoadBalancer",
        LoadBalancerName="web",
        Instances=[{"InstanceId": pending}],
    )
    assert (fault.code, fault.message) == (
        "InvalidInstance",
        f"EC2 instance {pending} is not in running state.",
    )


def test_classic_deregister_without_draining_is_gone_at_once(world: World) -> None:
    world.classic()
    [a] = world.machines()
    world.sim.register(SCOPE, "clb", "web", [a])
    out = world.clb(
        "DeregisterInstancesFromLoadBalancer", LoadBalancerName="web", Instances=[{"InstanceId": a}]
    )
    assert out["Instances"] == []
    assert world.classic_health() == []
    [state] = world.classic_health(Instances=[{"InstanceId": a}])
    assert state["Description"] == "Instance is not currently registered with the LoadBalancer."
    assert world.sim.deregister(SCOPE, "clb", "web", [a]) is None
    assert world.sim.drained(SCOPE, "clb", "web", [a])


def test_classic_connection_draining_holds_the_instance_for_the_timeout(world: World) -> None:
    world.classic()
    world.clb(
        "ModifyLoadBalancerAttributes",
        LoadBalancerName="web",
        LoadBalancerAttributes={"ConnectionDraining": {"Enabled": True, "Timeout": 60}},
    )
    [a] = world.machines()
    world.sim.register(SCOPE, "clb", "web", [a])
    ends = world.sim.deregister(SCOPE, "clb", "web", [a])
    assert ends is not None and (ends - world.clock.now()).total_seconds() == 60
    assert world.sim.deregister(SCOPE, "clb", "web", [a]) == ends  # idempotent
    [lb] = world.clb("DescribeLoadBalancers")["LoadBalancerDescriptions"]
    assert lb["Instances"] == []
    [state] = world.classic_health()
    assert (state["State"], state["ReasonCode"], state["Description"]) == (
        "OutOfService",
        "ELB",
        "Instance deregistration currently in progress.",
    )
    assert not world.sim.drained(SCOPE, "clb", "web", [a])
    world.wait(59.9)
    assert not world.sim.drained(SCOPE, "clb", "web", [a])
    world.wait(0.1)
    assert world.sim.drained(SCOPE, "clb", "web", [a])
    assert world.classic_health() == []
    assert world.sim.healthy(SCOPE, a) is None


def test_classic_attributes_default_and_modify(world: World) -> None:
    world.classic()
    attributes = world.clb("DescribeLoadBalancerAttributes", LoadBalancerName="web")[
        "LoadBalancerAttributes"
    ]
    assert attributes["ConnectionDraining"] == {"Enabled": False, "Timeout": 300}
    assert attributes["CrossZoneLoadBalancing"] == {"Enabled": False}
    assert attributes["ConnectionSettings"] == {"IdleTimeout": 60}
    assert attributes["AccessLog"] == {"Enabled": False}
    out = world.clb(
        "ModifyLoadBalancerAttributes",
        LoadBalancerName="web",
        LoadBalancerAttributes={
            "CrossZoneLoadBalancing": {"Enabled": True},
            "ConnectionSettings": {"IdleTimeout": 120},
            "ConnectionDraining": {"Enabled": True},
        },
    )
    assert out["LoadBalancerName"] == "web"
    again = world.clb("DescribeLoadBalancerAttributes", LoadBalancerName="web")
    assert again["LoadBalancerAttributes"] == out["LoadBalancerAttributes"]
    assert again["LoadBalancerAttributes"]["ConnectionDraining"] == {
        "Enabled": True,
        "Timeout": 300,
    }
    assert again["LoadBalancerAttributes"]["ConnectionSettings"] == {"IdleTimeout": 120}


# -- ELBv2: load balancers ------------------------------------------------------------------------


def test_v2_create_describes_an_active_application_load_balancer(world: World) -> None:
    lb = world.alb()
    assert re.fullmatch(
        rf"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/app/[0-9a-f]{{16}}",
        lb["LoadBalancerArn"],
    )
    assert lb["State"] == {"Code": "active"} and lb["Type"] == "application"
    assert lb["DNSName"].endswith(".us-east-1.elb.amazonaws.com")
    assert lb["VpcId"] == network.default_vpc(SCOPE) and len(lb["AvailabilityZones"]) == 3
    assert world.alb() == lb  # idempotent
    fault = world.fault("elbv2", "CreateLoadBalancer", Name="app", Scheme="internal")
    assert (fault.code, fault.message) == (
        "DuplicateLoadBalancerName",
        "A load balancer with the same name 'app' exists, but with different settings",
    )
    nlb = world.alb("net", Type="network")
    assert "/net/net/" in nlb["LoadBalancerArn"] and ".elb.us-east-1." in nlb["DNSName"]


def test_v2_describe_errors_and_paging(world: World) -> None:
    arns = [world.alb(f"lb-{i}")["LoadBalancerArn"] for i in range(3)]
    out = world.v2("DescribeLoadBalancers", PageSize=2)
    assert len(out["LoadBalancers"]) == 2
    rest = world.v2("DescribeLoadBalancers", Marker=out["NextMarker"])
    assert [lb["LoadBalancerArn"] for lb in out["LoadBalancers"] + rest["LoadBalancers"]] == arns
    assert "NextMarker" not in rest
    fault = world.fault("elbv2", "DescribeLoadBalancers", Names=["lb-0", "x", "y"])
    assert (fault.code, fault.message) == (
        "LoadBalancerNotFound",
        "Load balancers '[x, y]' not found",
    )
    fault = world.fault("elbv2", "DescribeLoadBalancers", LoadBalancerArns=[arns[0] + "0"])
    assert (fault.code, fault.message) == (
        "LoadBalancerNotFound",
        "One or more load balancers not found",
    )
    world.v2("DeleteLoadBalancer", LoadBalancerArn=arns[0])
    world.v2("DeleteLoadBalancer", LoadBalancerArn=arns[0])
    assert len(world.v2("DescribeLoadBalancers")["LoadBalancers"]) == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"Name": "a" * 33}, "Load balancer name cannot be longer than '32' characters"),
        (
            {"Subnets": [network.default_subnets(SCOPE)[0].id]},
            "At least two subnets in two different Availability Zones must be specified",
        ),
    ],
)
def test_v2_create_refusals(world: World, params: dict[str, Any], message: str) -> None:
    fault = world.fault("elbv2", "CreateLoadBalancer", **{"Name": "app", **params})
    assert (fault.code, fault.message) == ("ValidationError", message)


# -- ELBv2: target groups -------------------------------------------------------------------------


def test_target_group_create_defaults_and_duplicates(world: World) -> None:
    tg = world.group()
    assert re.fullmatch(
        rf"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/tg/[0-9a-f]{{16}}",
        tg["TargetGroupArn"],
    )
    assert tg["VpcId"] == network.default_vpc(SCOPE) and tg["TargetType"] == "instance"
    assert tg["HealthCheckPath"] == "/" and tg["Matcher"] == {"HttpCode": "200"}
    assert tg["HealthCheckIntervalSeconds"] == 30 and tg["HealthyThresholdCount"] == 5
    assert tg["LoadBalancerArns"] == []
    assert world.group() == tg
    fault = world.fault("elbv2", "CreateTargetGroup", Name="tg", Protocol="HTTP", Port=81)
    assert (fault.code, fault.message) == (
        "DuplicateTargetGroupName",
        "A target group with the same name 'tg' exists, but with different settings",
    )
    fault = world.fault("elbv2", "CreateTargetGroup", Name="t" * 33, Protocol="HTTP", Port=80)
    assert fault.message == "Target group name cannot be longer than '32' characters"


def test_target_group_describe_delete_and_in_use(world: World) -> None:
    tg = world.group()["TargetGroupArn"]
    lb = world.alb()["LoadBalancerArn"]
    listener = world.listen(lb, tg)
    assert listener["Port"] == 80 and listener["ListenerArn"].split(":")[-1].startswith(
        "listener/app/app/"
    )
    [described] = world.v2("DescribeTargetGroups", LoadBalancerArn=lb)["TargetGroups"]
    assert described["LoadBalancerArns"] == [lb]
    fault = world.fault("elbv2", "DescribeTargetGroups", Names=["tg", "nope"])
    assert (fault.code, fault.message) == (
        "TargetGroupNotFound",
        "One or more target groups not found",
    )
    fault = world.fault("elbv2", "DeleteTargetGroup", TargetGroupArn=tg)
    assert (fault.code, fault.message) == (
        "ResourceInUse",
        f"Target group '{tg}' is currently in use by a listener or a rule",
    )
    fault = world.fault(
        "elbv2",
        "CreateListener",
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {"Type": "forward", "TargetGroupArn": tg},
            {"Type": "forward", "TargetGroupArn": tg},
        ],
    )
    assert fault.code == "DuplicateListener"
    [seen] = world.v2("DescribeListeners", LoadBalancerArn=lb)["Listeners"]
    assert seen == listener
    world.v2("DeleteListener", ListenerArn=listener["ListenerArn"])
    fault = world.fault("elbv2", "DeleteListener", ListenerArn=listener["ListenerArn"])
    assert fault.code == "ListenerNotFound"
    world.v2("DeleteTargetGroup", TargetGroupArn=tg)
    world.v2("DeleteTargetGroup", TargetGroupArn=tg)
    assert world.v2("DescribeTargetGroups")["TargetGroups"] == []
    assert not world.sim.exists(SCOPE, "target_group", tg)


def test_target_group_ops_on_an_unknown_arn(world: World) -> None:
    arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/x/0000000000000000"
    for action, extra in [
        ("RegisterTargets", {"Targets": [{"Id": "i-0123456789abcdef0"}]}),
        ("DeregisterTargets", {"Targets": [{"Id": "i-0123456789abcdef0"}]}),
        ("DescribeTargetHealth", {}),
        ("DescribeTargetGroupAttributes", {}),
        (
            "ModifyTargetGroupAttributes",
            {"Attributes": [{"Key": "stickiness.enabled", "Value": "true"}]},
        ),
    ]:
        fault = world.fault("elbv2", action, TargetGroupArn=arn, **extra)
        assert (fault.code, fault.message) == (
            "TargetGroupNotFound",
            f"Target groups '{arn}' not found",
        )


def test_register_targets_refusals(world: World) -> None:
    tg = world.group()["TargetGroupArn"]
    [pending] = world.machines(running=False)
    cases = [
        (
            "i-0123456789abcdef0",
            "InvalidTarget",
            "The following targets are not valid instances: 'i-0123456789abcdef0'",
        ),
        (
            pending,
            "InvalidTarget",
            "The following targets are not in a running state and cannot be registered: "
            f"'{pending}'",
        ),
        ("web-1", "ValidationError", "Instance ID 'web-1' is not valid"),
    ]
    for target, code, message in cases:
        fault = world.fault("elbv2", "RegisterTargets", TargetGroupArn=tg, Targets=[{"Id": target}])
        assert (fault.code, fault.message) == (code, message)
    world.wait(BOOT)
    elsewhere = world.group("far", VpcId="vpc-0123456789abcdef0")["TargetGroupArn"]
    fault = world.fault(
        "elbv2", "RegisterTargets", TargetGroupArn=elsewhere, Targets=[{"Id": pending}]
    )
    assert fault.message == (
        "The following targets are not in the target group VPC 'vpc-0123456789abcdef0': "
        f"'{pending}'"
    )


def test_target_health_timeline_with_deregistration_delay(world: World) -> None:
    tg = world.group()["TargetGroupArn"]
    [a, b] = world.machines(2)
    world.v2("RegisterTargets", TargetGroupArn=tg, Targets=[{"Id": a}, {"Id": b, "Port": 8080}])
    [first, _] = world.target_health(tg)
    assert first["TargetHealth"] == {
        "State": "unused",
        "Reason": "Target.NotInUse",
        "Description": "Target group is not configured to receive traffic from the load balancer",
    }
    assert world.sim.healthy(SCOPE, a) is True
    world.listen(world.alb()["LoadBalancerArn"], tg)
    health = world.target_health(tg)
    assert [h["TargetHealth"]["State"] for h in health] == ["initial", "initial"]
    assert health[0]["TargetHealth"]["Reason"] == "Elb.RegistrationInProgress"
    [other] = [h for h in health if h["Target"]["Id"] == b]
    assert other["Target"] == {"Id": b, "Port": 8080} and other["HealthCheckPort"] == "8080"
    world.wait(CHECK)
    assert [h["TargetHealth"] for h in world.target_health(tg)] == [{"State": "healthy"}] * 2
    world.v2(
        "ModifyTargetGroupAttributes",
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
    )
    world.v2("DeregisterTargets", TargetGroupArn=tg, Targets=[{"Id": a}])
    by_id = {h["Target"]["Id"]: h["TargetHealth"] for h in world.target_health(tg)}
    assert by_id[a] == {
        "State": "draining",
        "Reason": "Target.DeregistrationInProgress",
        "Description": "Target deregistration is in progress",
    }
    assert world.sim.healthy(SCOPE, a) is None
    world.wait(29)
    assert not world.sim.drained(SCOPE, "target_group", tg, [a])
    world.wait(1)
    assert world.sim.drained(SCOPE, "target_group", tg, [a])
    assert [h["Target"]["Id"] for h in world.target_health(tg)] == [b]
    out = world.v2("DescribeTargetHealth", TargetGroupArn=tg, Targets=[{"Id": a}])
    assert out["TargetHealthDescriptions"][0]["TargetHealth"]["Reason"] == "Target.NotRegistered"
    world.compute.stop(SCOPE, [b])
    assert world.target_health(tg)[0]["TargetHealth"]["State"] == "unhealthy"
    assert world.sim.healthy(SCOPE, b) is False


def test_target_group_attributes(world: World) -> None:
    tg = world.group()["TargetGroupArn"]
    attributes = {
        a["Key"]: a["Value"]
        for a in world.v2("DescribeTargetGroupAttributes", TargetGroupArn=tg)["Attributes"]
    }
    assert attributes["deregistration_delay.timeout_seconds"] == "300"
    assert attributes["stickiness.enabled"] == "false"
    out = world.v2(
        "ModifyTargetGroupAttributes",
        TargetGroupArn=tg,
        Attributes=[{"Key": "stickiness.enabled", "Value": "true"}],
    )
    assert {"Key": "stickiness.enabled", "Value": "true"} in out["Attributes"]
    fault = world.fault(
        "elbv2",
        "ModifyTargetGroupAttributes",
        TargetGroupArn=tg,
        Attributes=[{"Key": "nope", "Value": "1"}],
    )
    assert (fault.code, fault.message) == (
        "ValidationError",
        "Target group attribute key 'nope' is not recognized",
    )
    fault = world.fault(
        "elbv2",
        "ModifyTargetGroupAttributes",
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "4000"}],
    )
    assert fault.code == "ValidationError"


# -- the engine-facing port -----------------------------------------------------------------------


def test_port_exists_usable_register_deregister_drained(world: World) -> None:
    world.classic()
    tg = world.group()["TargetGroupArn"]
    assert world.sim.exists(SCOPE, "clb", "web") and world.sim.usable(SCOPE, "clb", "web")
    assert world.sim.exists(SCOPE, "target_group", tg)
    assert not world.sim.exists(SCOPE, "clb", "nope")
    assert not world.sim.exists(OTHER, "target_group", tg)
    [a] = world.machines()
    assert world.sim.healthy(SCOPE, a) is None
    world.sim.register(SCOPE, "target_group", tg, [a, "i-0123456789abcdef0"])
    world.sim.register(SCOPE, "target_group", tg, [a])
    world.sim.register(SCOPE, "clb", "web", [a])
    assert [h["Target"]["Id"] for h in world.target_health(tg)] == [a]
    assert not world.sim.drained(SCOPE, "target_group", tg, [a])
    ends = world.sim.deregister(SCOPE, "target_group", tg, [a])
    assert ends is not None and (ends - world.clock.now()).total_seconds() == 300
    world.sim.register(SCOPE, "target_group", tg, [a])  # back from draining: registered again
    assert world.target_health(tg)[0]["TargetHealth"]["State"] == "unused"
    assert world.sim.deregister(SCOPE, "clb", "web", [a]) is None
    assert world.sim.deregister(SCOPE, "clb", "nope", [a]) is None
    assert world.sim.drained(SCOPE, "clb", "nope", [a])
    with pytest.raises(BalancerFault):
        world.sim.register(SCOPE, "clb", "nope", [a])


def test_port_usable_reads_in_the_callers_transaction(world: World) -> None:
    world.classic()
    tg = world.group()["TargetGroupArn"]
    with world.db.write() as conn:
        assert world.sim.usable(SCOPE, "clb", "web", within=conn)
        assert world.sim.usable(SCOPE, "target_group", tg, within=conn)
        conn.execute(
            update(sim_load_balancers)
            .where(sim_load_balancers.c.name == "web")
            .values(name="renamed")
        )
        assert not world.sim.usable(SCOPE, "clb", "web", within=conn)
        assert world.sim.usable(SCOPE, "clb", "renamed", within=conn)
        assert world.sim.usable(SCOPE, "clb", "web")  # another connection: the committed name
        conn.rollback()
    assert world.sim.usable(SCOPE, "clb", "web")


def test_port_delays_follow_the_timing_scale(tmp_path: Path) -> None:
    db = Database("sqlite:///" + str(tmp_path / "scaled.db"))
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    compute = SimCompute(db, clock, Timing(scale=0.1))
    sim = SimBalancers(compute)
    world = World(db, clock, compute, sim)
    tg = world.group()["TargetGroupArn"]
    world.listen(world.alb()["LoadBalancerArn"], tg)
    [a] = world.machines()
    sim.register(SCOPE, "target_group", tg, [a])
    world.wait(1.0)
    assert world.target_health(tg)[0]["TargetHealth"] == {"State": "healthy"}
    ends = sim.deregister(SCOPE, "target_group", tg, [a])
    assert ends is not None and (ends - clock.now()).total_seconds() == 30
    db.dispose()


# -- the dialects ---------------------------------------------------------------------------------


def test_dialects_translate_faults_and_name_their_versions(world: World) -> None:
    classic, v2 = ElbService(world.sim), Elbv2Service(world.sim)
    assert classic.signing_name == v2.signing_name == "elasticloadbalancing"
    assert (classic.api_version, v2.api_version) == ("2012-06-01", "2015-12-01")
    for service, product in ((classic, "elb"), (v2, "elbv2")):
        for action in service.handlers:
            model(product).operation_model(action)
    with pytest.raises(AwsError) as info:
        classic.handlers["DescribeLoadBalancers"](SCOPE, {"LoadBalancerNames": ["x"]})
    assert (info.value.code, info.value.message, info.value.status) == (
        "LoadBalancerNotFound",
        "Cannot find Load Balancer x",
        400,
    )
    out = v2.handlers["DescribeLoadBalancers"](SCOPE, {})
    assert out == {"LoadBalancers": []}


# -- fuzzing --------------------------------------------------------------------------------------

CLASSIC_ACTIONS = [
    "CreateLoadBalancer",
    "DescribeLoadBalancers",
    "DeleteLoadBalancer",
    "RegisterInstancesWithLoadBalancer",
    "DeregisterInstancesFromLoadBalancer",
    "DescribeInstanceHealth",
    "ModifyLoadBalancerAttributes",
    "DescribeLoadBalancerAttributes",
]
V2_ACTIONS = [
    "CreateLoadBalancer",
    "DescribeLoadBalancers",
    "DeleteLoadBalancer",
    "CreateTargetGroup",
    "DescribeTargetGroups",
    "DeleteTargetGroup",
    "RegisterTargets",
    "DeregisterTargets",
    "DescribeTargetHealth",
    "ModifyTargetGroupAttributes",
    "DescribeTargetGroupAttributes",
    "CreateListener",
    "DescribeListeners",
    "DeleteListener",
]
WORDS = st.sampled_from(
    [
        "web",
        "tg",
        "app",
        "",
        "-",
        "a" * 40,
        "HTTP",
        "TCP",
        "us-east-1a",
        "i-0123456789abcdef0",
        "stickiness.enabled",
        "deregistration_delay.timeout_seconds",
        "true",
        "300",
        "forward",
        "\x00",
        "vpc-0123456789abcdef0",
        "eyJ0ZyI6MX0=",
    ]
) | st.text(max_size=20)


def values(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that fit a botocore shape (types, not constraints: the codec checks those)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 3:
            return st.just({})
        members = {k: values(m, depth + 1) for k, m in shape.members.items()}
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(values(shape.member, depth + 1), max_size=3)
    if kind in ("integer", "long"):
        return st.integers(-5, 70000)
    if kind == "boolean":
        return st.booleans()
    if kind == "string" and shape.enum:
        return st.sampled_from(list(shape.enum)) | WORDS
    return WORDS


@fuzz(300)
@given(data=st.data())
def test_any_model_shaped_input_yields_a_result_or_a_balancer_fault(
    world: World, data: st.DataObject
) -> None:
    product = data.draw(st.sampled_from(["elb", "elbv2"]))
    action = data.draw(st.sampled_from(CLASSIC_ACTIONS if product == "elb" else V2_ACTIONS))
    params = data.draw(values(model(product).operation_model(action).input_shape))
    prefix = "clb" if product == "elb" else "elbv2"
    with contextlib.suppress(BalancerFault):
        getattr(world.sim, f"{prefix}_{snake(action)}")(SCOPE, params)
