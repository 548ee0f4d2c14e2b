"""The simulated EC2 API against a real SQLite file: every operation, error text, page and timer."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel, Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from tidewater.clock import Clock
from tidewater.cloud.ports import LaunchSpec
from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.ec2 import Ec2Fault, SimEc2
from tidewater.cloud.sim.instance_types import CATALOGUE as TYPES
from tidewater.cloud.sim.timing import Timing
from tidewater.dialects.aws.ec2 import Ec2Service
from tidewater.dialects.aws.errors import AwsError
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.database import Database
from tidewater.store.tables import machines, metadata

ACCOUNT = "123456789012"
SCOPE = Scope(ACCOUNT, "us-east-1", Cloud.AWS)
AMI = "ami-0c02fb55956c7d316"
UBUNTU = "ami-0fc5d935ebf8bc3bc"
WINDOWS = "ami-0be0e902919675894"
AL2023 = "ami-0230bd60aa48260c6"
AL2023_ARM = "ami-0f403e3180720dd7e"
START = datetime(2026, 1, 1, tzinfo=UTC)
ACTIONS = (
    "RunInstances",
    "DescribeInstances",
    "TerminateInstances",
    "StopInstances",
    "StartInstances",
    "DescribeInstanceAttribute",
    "ModifyInstanceAttribute",
    "DescribeVolumes",
    "CreateTags",
    "DeleteTags",
    "DescribeTags",
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "DescribeLaunchTemplates",
    "DescribeLaunchTemplateVersions",
    "DeleteLaunchTemplate",
    "DescribeAvailabilityZones",
    "DescribeVpcs",
    "DescribeSubnets",
    "DescribeImages",
    "CreateImage",
    "RegisterImage",
    "CopyImage",
    "DeregisterImage",
    "DescribeSecurityGroups",
    "DescribeKeyPairs",
    "DescribeInstanceTypes",
    "CreateVpc",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "CreateSubnet",
    "DeleteSubnet",
    "ModifySubnetAttribute",
    "CreateInternetGateway",
    "AttachInternetGateway",
    "DetachInternetGateway",
    "DeleteInternetGateway",
    "DescribeInternetGateways",
    "DescribeRouteTables",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "DescribeSecurityGroupRules",
    "CreateKeyPair",
    "ImportKeyPair",
    "DeleteKeyPair",
)


def fuzz(examples: int) -> settings:
    """No example database: the suite must not leave files behind."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# -- the model every input and output must fit -----------------------------------------------------


@cache
def model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("ec2", "service-2"), "ec2")


def conforms(value: Any, shape: Shape, path: str = "", *, enums: bool = True) -> None:
    """Asserts `value` uses exactly the model's member names and scalar types.

    Clients do not hold requests to enums (EC2 adds instance types monthly); responses are,
    except Platform, whose model enum says "Windows" while EC2 itself sends "windows".
    """
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        for key, item in value.items():
            assert key in shape.members, f"{path}.{key} is not a member of {shape.name}"
            if item is not None:
                conforms(item, shape.members[key], f"{path}.{key}", enums=enums)
    elif kind == "list":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            conforms(item, shape.member, f"{path}[{index}]", enums=enums)
    elif kind == "string":
        assert isinstance(value, str), path
        if shape.enum and enums and shape.name != "PlatformValues":
            assert value in shape.enum, f"{path}={value!r} not in {shape.name}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif kind == "boolean":
        assert isinstance(value, bool), path
    elif kind in ("double", "float"):
        assert isinstance(value, int | float), path
    elif kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None, path


def snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


@dataclass
class World:
    db: Database
    clock: Clock
    compute: SimCompute
    sim: SimEc2

    def call(self, action: str, scope: Scope = SCOPE, **params: Any) -> Any:
        """Calls the sim as the server will, holding both sides to botocore's model."""
        operation = model().operation_model(action)
        conforms(params, operation.input_shape, action, enums=False)
        out = getattr(self.sim, snake(action))(scope, params)
        if operation.output_shape is None:
            assert out is None
        else:
            conforms(out, operation.output_shape, action)
        return out

    def fault(self, action: str, **params: Any) -> Ec2Fault:
        with pytest.raises(Ec2Fault) as info:
            self.call(action, **params)
        return info.value

    def run(self, count: int = 1, **params: Any) -> list[dict[str, Any]]:
        params = {"ImageId": AMI, "InstanceType": "t3.micro", **params}
        out = self.call("RunInstances", MinCount=count, MaxCount=count, **params)
        return list(out["Instances"])

    def instance(self, instance_id: str) -> dict[str, Any]:
        out = self.call("DescribeInstances", InstanceIds=[instance_id])
        return dict(out["Reservations"][0]["Instances"][0])

    def state(self, instance_id: str) -> str:
        return str(self.instance(instance_id)["State"]["Name"])

    def wait(self, seconds: float) -> list[str]:
        return self.compute.advance(self.clock.advance(seconds))

    def template(self, name: str = "web", **data: Any) -> dict[str, Any]:
        data = data or {"ImageId": AMI, "InstanceType": "t3.small"}
        out = self.call("CreateLaunchTemplate", LaunchTemplateName=name, LaunchTemplateData=data)
        return dict(out["LaunchTemplate"])


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def make_world(url: str) -> World:
    db = Database(url)
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    compute = SimCompute(db, clock, Timing())
    return World(db, clock, compute, SimEc2(compute))


def database_url(request: pytest.FixtureRequest, path: Path) -> str:
    if request.param == "sqlite":
        return "sqlite:///" + str(path / "sim.db")
    return str(request.getfixturevalue("sim_postgres_url"))


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    made = make_world(database_url(request, tmp_path))
    yield made
    made.db.dispose()


def tags_of(item: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}


def ids_of(out: dict[str, Any]) -> list[str]:
    return [i["InstanceId"] for r in out["Reservations"] for i in r["Instances"]]


# -- RunInstances ----------------------------------------------------------------------------------


def test_run_returns_one_reservation_with_the_fields_boto3_reads(world: World) -> None:
    world.call("CreateKeyPair", KeyName="deploy")
    out = world.call(
        "RunInstances",
        ImageId=AMI,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        KeyName="deploy",
    )
    assert out["OwnerId"] == ACCOUNT and out["ReservationId"].startswith("r-")
    [instance] = out["Instances"]
    assert re.fullmatch(r"i-[0-9a-f]{17}", instance["InstanceId"])
    assert instance["State"] == {"Code": 0, "Name": "pending"}
    assert instance["StateReason"] == {"Code": "pending", "Message": "pending"}
    assert instance["ImageId"] == AMI and instance["InstanceType"] == "t3.micro"
    assert instance["KeyName"] == "deploy"
    assert instance["LaunchTime"] == START
    assert instance["Architecture"] == "x86_64" and instance["Hypervisor"] == "xen"
    assert instance["RootDeviceType"] == "ebs" and instance["AmiLaunchIndex"] == 0
    assert instance["Monitoring"] == {"State": "disabled"}
    assert instance["Placement"]["Tenancy"] == "default"
    assert instance["VpcId"] == network.default_vpc(SCOPE)
    subnet = {s.id: s for s in network.default_subnets(SCOPE)}[instance["SubnetId"]]
    assert instance["Placement"]["AvailabilityZone"] == subnet.zone
    ip = instance["PrivateIpAddress"]
    assert ip.startswith("172.31.")
    assert instance["PrivateDnsName"] == f"ip-{ip.replace('.', '-')}.ec2.internal"
    assert instance["SecurityGroups"] == [
        {"GroupId": network.default_security_group(SCOPE), "GroupName": "default"}
    ]
    assert instance["CpuOptions"] == {"CoreCount": 1, "ThreadsPerCore": 2}
    assert "Tags" not in instance and "Platform" not in instance


def test_private_dns_names_outside_us_east_1_name_the_region(world: World) -> None:
    scope = Scope(ACCOUNT, "eu-west-1", Cloud.AWS)
    out = world.call("RunInstances", scope, ImageId=AMI, MinCount=1, MaxCount=1)
    name = out["Instances"][0]["PrivateDnsName"]
    assert name.endswith(".eu-west-1.compute.internal")
    assert out["Instances"][0]["Placement"]["AvailabilityZone"].startswith("eu-west-1")


def test_run_launches_max_count_in_one_reservation(world: World) -> None:
    out = world.call("RunInstances", ImageId=AMI, MinCount=2, MaxCount=4)
    assert [i["AmiLaunchIndex"] for i in out["Instances"]] == [0, 1, 2, 3]
    described = world.call("DescribeInstances")
    assert len(described["Reservations"]) == 1
    assert described["Reservations"][0]["ReservationId"] == out["ReservationId"]
    assert len(set(ids_of(described))) == 4


def test_run_without_a_type_launches_m1_small(world: World) -> None:
    [instance] = world.call("RunInstances", ImageId=AMI, MinCount=1, MaxCount=1)["Instances"]
    assert instance["InstanceType"] == "m1.small"


@pytest.mark.parametrize(
    ("counts", "code", "message"),
    [
        (
            {"MinCount": 0, "MaxCount": 1},
            "InvalidParameterValue",
            "Value (0) for parameter minCount is invalid. Expected a positive integer.",
        ),
        (
            {"MinCount": 3, "MaxCount": 2},
            "InvalidParameterValue",
            "Value (2) for parameter maxCount is invalid. Expected a value greater than or "
            "equal to minCount.",
        ),
        (
            {"MinCount": 101, "MaxCount": 101},
            "InstanceLimitExceeded",
            "You have requested more instances (101) than your current instance limit of 100 "
            "allows for the specified instance type. Please visit "
            "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
        ),
    ],
)
def test_run_count_errors(world: World, counts: dict[str, int], code: str, message: str) -> None:
    fault = world.fault("RunInstances", ImageId=AMI, **counts)
    assert (fault.code, fault.message, fault.status) == (code, message, 400)


def test_run_caps_max_count_at_the_limit_when_min_fits(world: World) -> None:
    out = world.call("RunInstances", ImageId=AMI, MinCount=1, MaxCount=500)
    assert len(out["Instances"]) == 100


@pytest.mark.parametrize(
    ("image", "code", "message"),
    [
        (
            "ami-0123456789abcdef0",
            "InvalidAMIID.NotFound",
            "The image id '[ami-0123456789abcdef0]' does not exist",
        ),
        ("ami-12345678", "InvalidAMIID.NotFound", "The image id '[ami-12345678]' does not exist"),
        (
            "{var.ami_id}",
            "InvalidAMIID.Malformed",
            'Invalid id: "{var.ami_id}" (expecting "ami-...")',
        ),
        ("ami-XYZ", "InvalidAMIID.Malformed", 'Invalid id: "ami-XYZ" (expecting "ami-...")'),
    ],
)
def test_run_image_errors(world: World, image: str, code: str, message: str) -> None:
    fault = world.fault("RunInstances", ImageId=image, MinCount=1, MaxCount=1)
    assert (fault.code, fault.message) == (code, message)


def test_run_without_an_image_is_missing_a_parameter(world: World) -> None:
    fault = world.fault("RunInstances", MinCount=1, MaxCount=1)
    assert (fault.code, fault.message) == (
        "MissingParameter",
        "The request must contain the parameter ImageId",
    )


def test_run_unknown_instance_type(world: World) -> None:
    fault = world.fault("RunInstances", ImageId=AMI, InstanceType="t3.mega", MinCount=1, MaxCount=1)
    assert (fault.code, fault.message) == (
        "InvalidParameterValue",
        "Invalid value 't3.mega' for InstanceType.",
    )


def test_subnet_and_zone_choose_where_instances_land(world: World) -> None:
    subnets = network.default_subnets(SCOPE)
    [by_subnet] = world.run(SubnetId=subnets[1].id)
    assert (by_subnet["SubnetId"], by_subnet["Placement"]["AvailabilityZone"]) == (
        subnets[1].id,
        subnets[1].zone,
    )
    [by_zone] = world.run(Placement={"AvailabilityZone": subnets[2].zone})
    assert by_zone["SubnetId"] == subnets[2].id
    [by_interface] = world.run(NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnets[0].id}])
    assert by_interface["SubnetId"] == subnets[0].id


def test_unknown_subnet_and_zone_are_refused(world: World) -> None:
    fault = world.fault(
        "RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, SubnetId="subnet-0123456789abcdef0"
    )
    assert (fault.code, fault.message) == (
        "InvalidSubnetID.NotFound",
        "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    )
    fault = world.fault(
        "RunInstances",
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        Placement={"AvailabilityZone": "us-east-1z"},
    )
    assert (fault.code, fault.message) == (
        "InvalidParameterValue",
        "Invalid value 'us-east-1z' for AvailabilityZone.",
    )


def test_unplaced_launches_spread_over_the_zones(world: World) -> None:
    zones = {world.run()[0]["Placement"]["AvailabilityZone"] for _ in range(3)}
    assert zones == set(network.zones("us-east-1"))


def test_tag_specifications_tag_the_instances(world: World) -> None:
    [instance] = world.run(
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "team", "Value": "ops"}],
            },
            {"ResourceType": "volume", "Tags": [{"Key": "disk", "Value": "root"}]},
        ]
    )
    assert tags_of(instance) == {"Name": "web", "team": "ops"}
    assert tags_of(world.instance(instance["InstanceId"])) == {"Name": "web", "team": "ops"}


def test_tag_specifications_are_checked(world: World) -> None:
    fault = world.fault(
        "RunInstances",
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}],
    )
    assert (fault.code, fault.message) == (
        "InvalidParameterValue",
        "'vpc' is not a valid taggable resource type for this operation.",
    )
    fault = world.fault(
        "RunInstances",
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "aws:x", "Value": "b"}]}],
    )
    assert fault.message == "Tag keys starting with 'aws:' are reserved for internal use"


def test_client_token_makes_run_idempotent(world: World) -> None:
    first = world.call("RunInstances", ImageId=AMI, MinCount=2, MaxCount=2, ClientToken="abc")
    again = world.call("RunInstances", ImageId=AMI, MinCount=2, MaxCount=2, ClientToken="abc")
    assert again["ReservationId"] == first["ReservationId"]
    assert [i["InstanceId"] for i in again["Instances"]] == [
        i["InstanceId"] for i in first["Instances"]
    ]
    assert {i["ClientToken"] for i in again["Instances"]} == {"abc"}
    assert len(ids_of(world.call("DescribeInstances"))) == 2
    other = world.call("RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, ClientToken="xyz")
    assert other["ReservationId"] != first["ReservationId"]


def test_instances_the_engine_launched_replay_under_their_token(world: World) -> None:
    machine = world.compute.launch(
        SCOPE, LaunchSpec(AMI, "t3.micro"), network.default_subnets(SCOPE)[0], token="activity-1"
    )
    out = world.call("RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, ClientToken="activity-1")
    assert [i["InstanceId"] for i in out["Instances"]] == [machine.id]


def test_overlong_tokens_and_key_names_are_refused(world: World) -> None:
    fault = world.fault("RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, ClientToken="t" * 65)
    assert fault.code == "InvalidParameterValue"
    fault = world.fault("RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, KeyName="k" * 256)
    assert (fault.code, fault.message) == (
        "InvalidKeyPair.NotFound",
        f"The key pair '{'k' * 256}' does not exist",
    )


def test_run_dry_run_launches_nothing(world: World) -> None:
    fault = world.fault("RunInstances", ImageId=AMI, MinCount=1, MaxCount=1, DryRun=True)
    assert (fault.code, fault.status) == ("DryRunOperation", 412)
    assert fault.message == "Request would have succeeded, but DryRun flag is set."
    assert world.call("DescribeInstances")["Reservations"] == []
    assert (
        world.fault(
            "RunInstances", ImageId="ami-12345678", MinCount=1, MaxCount=1, DryRun=True
        ).code
        == "InvalidAMIID.NotFound"
    )


def test_windows_images_launch_windows_instances(world: World) -> None:
    [instance] = world.run(ImageId=WINDOWS)
    assert instance["Platform"] == "windows" and instance["PlatformDetails"] == "Windows"


def test_monitoring_and_security_groups_are_reported(world: World) -> None:
    [instance] = world.run(Monitoring={"Enabled": True}, SecurityGroups=["default"])
    assert instance["Monitoring"] == {"State": "enabled"}
    assert instance["SecurityGroups"][0]["GroupName"] == "default"


# -- RunInstances from launch templates ------------------------------------------------------------


def test_run_from_a_template_takes_its_defaults(world: World) -> None:
    world.call("CreateKeyPair", KeyName="ops")
    template = world.template(
        "web",
        ImageId=UBUNTU,
        InstanceType="c5.large",
        KeyName="ops",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "role", "Value": "web"}]}],
    )
    out = world.call(
        "RunInstances",
        MinCount=1,
        MaxCount=1,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"]},
    )
    [instance] = out["Instances"]
    assert (instance["ImageId"], instance["InstanceType"], instance["KeyName"]) == (
        UBUNTU,
        "c5.large",
        "ops",
    )
    assert tags_of(instance) == {
        "role": "web",
        "aws:ec2launchtemplate:id": template["LaunchTemplateId"],
        "aws:ec2launchtemplate:version": "1",
    }


def test_request_members_override_the_template(world: World) -> None:
    world.template("web")
    world.call(
        "CreateLaunchTemplateVersion",
        LaunchTemplateName="web",
        LaunchTemplateData={"ImageId": UBUNTU, "InstanceType": "m5.large"},
    )
    [instance] = world.run(
        LaunchTemplate={"LaunchTemplateName": "web", "Version": "$Latest"}, InstanceType="r5.large"
    )
    assert (instance["ImageId"], instance["InstanceType"]) == (AMI, "r5.large")
    assert tags_of(instance)["aws:ec2launchtemplate:version"] == "2"
    out = world.call(
        "RunInstances",
        MinCount=1,
        MaxCount=1,
        LaunchTemplate={"LaunchTemplateName": "web", "Version": "$Latest"},
    )
    assert out["Instances"][0]["ImageId"] == UBUNTU


def test_run_from_a_missing_template_or_version_fails(world: World) -> None:
    template = world.template("web")
    fault = world.fault(
        "RunInstances", MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "nope"}
    )
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateName.NotFoundException",
        "The specified launch template, with template name nope, does not exist.",
    )
    fault = world.fault(
        "RunInstances",
        MinCount=1,
        MaxCount=1,
        LaunchTemplate={"LaunchTemplateId": "lt-0123456789abcdef0"},
    )
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateId.NotFound",
        "The specified launch template, with template ID lt-0123456789abcdef0, does not exist.",
    )
    lt = template["LaunchTemplateId"]
    fault = world.fault(
        "RunInstances",
        MinCount=1,
        MaxCount=1,
        LaunchTemplate={"LaunchTemplateId": lt, "Version": "7"},
    )
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateId.VersionNotFound",
        f"Could not find the specified version 7 for the launch template with ID {lt}.",
    )


# -- DescribeInstances -----------------------------------------------------------------------------


def test_describe_by_ids_and_the_not_found_texts(world: World) -> None:
    a, b = world.run(2)
    out = world.call("DescribeInstances", InstanceIds=[b["InstanceId"]])
    assert ids_of(out) == [b["InstanceId"]]
    fault = world.fault("DescribeInstances", InstanceIds=[a["InstanceId"], "i-0123456789abcdef0"])
    assert (fault.code, fault.message) == (
        "InvalidInstanceID.NotFound",
        "The instance ID 'i-0123456789abcdef0' does not exist",
    )
    fault = world.fault("DescribeInstances", InstanceIds=["i-11111111", "i-22222222", "i-33333333"])
    assert fault.message == "The instance IDs 'i-11111111, i-22222222, i-33333333' do not exist"


def test_malformed_instance_ids(world: World) -> None:
    for action in ("DescribeInstances", "TerminateInstances", "StopInstances", "StartInstances"):
        fault = world.fault(action, InstanceIds=["ma1"])
        assert (fault.code, fault.message) == ("InvalidInstanceID.Malformed", 'Invalid id: "ma1"')


def test_instance_ids_and_max_results_do_not_mix(world: World) -> None:
    [instance] = world.run()
    fault = world.fault("DescribeInstances", InstanceIds=[instance["InstanceId"]], MaxResults=5)
    assert (fault.code, fault.message) == (
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
    )


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (3, "Value ( 3 ) for parameter maxResults is invalid. Expecting a value greater than 5."),
        (
            1001,
            "Value ( 1001 ) for parameter maxResults is invalid. Expecting a value less than or "
            "equal to 1000.",
        ),
    ],
)
def test_max_results_bounds(world: World, limit: int, message: str) -> None:
    fault = world.fault("DescribeInstances", MaxResults=limit)
    assert (fault.code, fault.message) == ("InvalidParameterValue", message)


def test_filters_select_instances(world: World) -> None:
    subnets = network.default_subnets(SCOPE)
    [small] = world.run(
        SubnetId=subnets[0].id,
        InstanceType="t3.small",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}
        ],
    )
    [large] = world.run(
        SubnetId=subnets[1].id,
        InstanceType="m5.large",
        ImageId=UBUNTU,
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": "Name", "Value": "db-1"}, {"Key": "tier", "Value": "data"}],
            }
        ],
    )
    world.wait(5)
    world.call("StopInstances", InstanceIds=[large["InstanceId"]])
    cases: list[tuple[str, list[str], set[str]]] = [
        ("instance-id", [small["InstanceId"]], {small["InstanceId"]}),
        ("instance-state-name", ["running"], {small["InstanceId"]}),
        ("instance-state-name", ["stopping", "stopped"], {large["InstanceId"]}),
        ("instance-state-code", ["16"], {small["InstanceId"]}),
        ("availability-zone", [subnets[1].zone], {large["InstanceId"]}),
        ("subnet-id", [subnets[0].id], {small["InstanceId"]}),
        ("vpc-id", [network.default_vpc(SCOPE)], {small["InstanceId"], large["InstanceId"]}),
        ("image-id", [UBUNTU], {large["InstanceId"]}),
        ("instance-type", ["t3.small", "c5.large"], {small["InstanceId"]}),
        ("instance-type", ["m5.*"], {large["InstanceId"]}),
        ("tag:Name", ["web-1"], {small["InstanceId"]}),
        ("tag:Name", ["*-1"], {small["InstanceId"], large["InstanceId"]}),
        ("tag:Name", ["WEB-1"], set()),
        ("tag-key", ["tier"], {large["InstanceId"]}),
        ("tag-value", ["d?ta"], {large["InstanceId"]}),
        ("tag:missing", ["x"], set()),
    ]
    for name, values, expected in cases:
        out = world.call("DescribeInstances", Filters=[{"Name": name, "Values": values}])
        assert set(ids_of(out)) == expected, (name, values)


def test_filters_combine_and_escape_wildcards(world: World) -> None:
    [star] = world.run(
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "a*b"}]}]
    )
    world.run(
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "axb"}]}]
    )
    out = world.call("DescribeInstances", Filters=[{"Name": "tag:Name", "Values": ["a\\*b"]}])
    assert ids_of(out) == [star["InstanceId"]]
    out = world.call("DescribeInstances", Filters=[{"Name": "tag:Name", "Values": ["a*b"]}])
    assert len(ids_of(out)) == 2
    out = world.call(
        "DescribeInstances",
        Filters=[
            {"Name": "tag:Name", "Values": ["a*b"]},
            {"Name": "instance-id", "Values": [star["InstanceId"]]},
        ],
    )
    assert ids_of(out) == [star["InstanceId"]]


def test_unknown_filters_are_invalid(world: World) -> None:
    fault = world.fault("DescribeInstances", Filters=[{"Name": "owner-id", "Values": ["1"]}])
    assert (fault.code, fault.message) == (
        "InvalidParameterValue",
        "The filter 'owner-id' is invalid",
    )


def test_pages_are_read_one_at_a_time_in_sql(world: World) -> None:
    for _ in range(4):
        world.run(3)
        world.clock.advance(1)
    statements: list[str] = []
    event.listen(world.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"MaxResults": 5}
        if token:
            params["NextToken"] = token
        out = world.call("DescribeInstances", **params)
        pages += 1
        seen += ids_of(out)
        token = out.get("NextToken")
        if not token:
            break
    assert pages == 3 and len(seen) == 12 and len(set(seen)) == 12
    instance_reads = [s for s in statements if "FROM machines" in s and "machine_tags" not in s]
    assert len(instance_reads) == 3 and all("LIMIT" in s for s in instance_reads)


def test_pages_follow_filters(world: World) -> None:
    world.run(
        7, TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "k", "Value": "v"}]}]
    )
    world.run(4)
    filters = [{"Name": "tag-key", "Values": ["k"]}]
    first = world.call("DescribeInstances", Filters=filters, MaxResults=5)
    second = world.call(
        "DescribeInstances", Filters=filters, MaxResults=5, NextToken=first["NextToken"]
    )
    assert len(ids_of(first)) == 5 and len(ids_of(second)) == 2 and "NextToken" not in second


def test_text_the_store_cannot_keep_is_refused(world: World) -> None:
    fault = world.fault("DescribeInstances", Filters=[{"Name": "tag:Name", "Values": ["a\x00"]}])
    assert (fault.code, fault.message) == (
        "InvalidParameterValue",
        "Parameter values may not contain the NUL character.",
    )
    lt = world.template("web")["LaunchTemplateId"]
    fault = world.fault(
        "DescribeLaunchTemplateVersions", LaunchTemplateId=lt, Versions=["9" * 5000]
    )
    assert fault.code == "InvalidLaunchTemplateId.VersionNotFound"
    codes = [{"Name": "instance-state-code", "Values": ["9" * 255]}]
    assert world.call("DescribeInstances", Filters=codes)["Reservations"] == []
    fault = world.fault("DescribeInstances", Filters=[{**codes[0], "Values": ["9" * 5000]}])
    assert (fault.code, fault.message) == (
        "FilterLimitExceeded",
        "The maximum length for a filter value is 255 characters",
    )


def test_bad_tokens_are_refused(world: World) -> None:
    world.run(6)
    tags = world.call("DescribeTags", MaxResults=5)
    for token in ("garbage", "!!!", tags.get("NextToken") or "x", "W10"):
        fault = world.fault("DescribeInstances", NextToken=token)
        assert (fault.code, fault.message) == (
            "InvalidParameterValue",
            "Unable to parse pagination token",
        )


def test_other_accounts_and_regions_see_nothing(world: World) -> None:
    [instance] = world.run()
    for scope in (
        Scope("210987654321", "us-east-1", Cloud.AWS),
        Scope(ACCOUNT, "us-west-2", Cloud.AWS),
    ):
        assert world.call("DescribeInstances", scope)["Reservations"] == []
        with pytest.raises(Ec2Fault):
            world.call("TerminateInstances", scope, InstanceIds=[instance["InstanceId"]])


# -- state changes and their timers ----------------------------------------------------------------


def test_pending_instances_run_after_boot(world: World) -> None:
    [instance] = world.run()
    assert world.wait(4.9) == []
    assert world.state(instance["InstanceId"]) == "pending"
    world.wait(0.1)
    described = world.instance(instance["InstanceId"])
    assert described["State"] == {"Code": 16, "Name": "running"}
    assert "StateReason" not in described and described["StateTransitionReason"] == ""


def test_stop_and_start_cycle(world: World) -> None:
    [instance] = world.run()
    iid = instance["InstanceId"]
    world.wait(5)
    out = world.call("StopInstances", InstanceIds=[iid])
    assert out["StoppingInstances"] == [
        {
            "InstanceId": iid,
            "CurrentState": {"Code": 64, "Name": "stopping"},
            "PreviousState": {"Code": 16, "Name": "running"},
        }
    ]
    assert world.wait(3) == [iid]
    stopped = world.instance(iid)
    assert stopped["State"] == {"Code": 80, "Name": "stopped"}
    assert stopped["StateTransitionReason"] == "User initiated (2026-01-01 00:00:08 GMT)"
    assert stopped["StateReason"] == {
        "Code": "Client.UserInitiatedShutdown",
        "Message": "Client.UserInitiatedShutdown: User initiated shutdown",
    }
    again = world.call("StopInstances", InstanceIds=[iid])["StoppingInstances"][0]
    assert again["CurrentState"]["Name"] == again["PreviousState"]["Name"] == "stopped"
    out = world.call("StartInstances", InstanceIds=[iid])
    assert out["StartingInstances"][0]["CurrentState"] == {"Code": 0, "Name": "pending"}
    assert out["StartingInstances"][0]["PreviousState"] == {"Code": 80, "Name": "stopped"}
    stopping_while_booting = world.call("StopInstances", InstanceIds=[iid])["StoppingInstances"]
    assert stopping_while_booting[0]["CurrentState"]["Name"] == "stopping"


def test_start_from_stopped_boots_to_running(world: World) -> None:
    [instance] = world.run()
    iid = instance["InstanceId"]
    world.wait(5)
    world.call("StopInstances", InstanceIds=[iid])
    world.wait(3)
    world.call("StartInstances", InstanceIds=[iid])
    world.wait(5)
    assert world.state(iid) == "running"
    running = world.call("StartInstances", InstanceIds=[iid])["StartingInstances"][0]
    assert running["CurrentState"] == running["PreviousState"] == {"Code": 16, "Name": "running"}


def test_terminate_cycle_keeps_terminated_instances_visible(world: World) -> None:
    [instance] = world.run()
    iid = instance["InstanceId"]
    out = world.call("TerminateInstances", InstanceIds=[iid])
    assert out["TerminatingInstances"][0]["CurrentState"] == {"Code": 32, "Name": "shutting-down"}
    assert out["TerminatingInstances"][0]["PreviousState"] == {"Code": 0, "Name": "pending"}
    world.wait(3)
    gone = world.instance(iid)
    assert gone["State"] == {"Code": 48, "Name": "terminated"}
    assert gone["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    assert gone["PrivateDnsName"] == "" and "PrivateIpAddress" not in gone
    assert gone["SecurityGroups"] == []
    again = world.call("TerminateInstances", InstanceIds=[iid])["TerminatingInstances"][0]
    assert again["CurrentState"] == again["PreviousState"] == {"Code": 48, "Name": "terminated"}
    terminated = world.call(
        "DescribeInstances", Filters=[{"Name": "instance-state-name", "Values": ["terminated"]}]
    )
    assert ids_of(terminated) == [iid]


def test_state_changes_reach_the_engine(world: World) -> None:
    [instance] = world.run()
    world.wait(5)
    world.call("TerminateInstances", InstanceIds=[instance["InstanceId"]])
    assert world.compute.advance(world.clock.now()) == [instance["InstanceId"]]


def test_stop_refusals(world: World) -> None:
    [fresh] = world.run()
    fault = world.fault("StopInstances", InstanceIds=[fresh["InstanceId"]])
    assert (fault.code, fault.message) == (
        "IncorrectInstanceState",
        f"Instance '{fresh['InstanceId']}' cannot be stopped as it has never reached the "
        "'running' state.",
    )
    world.call("TerminateInstances", InstanceIds=[fresh["InstanceId"]])
    fault = world.fault("StopInstances", InstanceIds=[fresh["InstanceId"]])
    assert fault.message == (
        f"This instance '{fresh['InstanceId']}' is not in a state from which it can be stopped."
    )


def test_start_refusals(world: World) -> None:
    [instance] = world.run()
    iid = instance["InstanceId"]
    world.wait(5)
    world.call("StopInstances", InstanceIds=[iid])
    fault = world.fault("StartInstances", InstanceIds=[iid])
    assert (fault.code, fault.message) == (
        "IncorrectInstanceState",
        f"The instance '{iid}' is not in a state from which it can be started.",
    )
    world.call("TerminateInstances", InstanceIds=[iid])
    assert world.fault("StartInstances", InstanceIds=[iid]).code == "IncorrectInstanceState"


def test_one_refusal_changes_no_instance(world: World) -> None:
    [running] = world.run()
    world.wait(5)
    [fresh] = world.run()
    world.fault("StopInstances", InstanceIds=[running["InstanceId"], fresh["InstanceId"]])
    assert world.state(running["InstanceId"]) == "running"


def test_disable_api_termination_protects(world: World) -> None:
    [instance] = world.run(DisableApiTermination=True)
    fault = world.fault("TerminateInstances", InstanceIds=[instance["InstanceId"]])
    assert (fault.code, fault.message) == (
        "OperationNotPermitted",
        f"The instance '{instance['InstanceId']}' may not be terminated. Modify its "
        "'disableApiTermination' instance attribute and try again.",
    )


def test_state_change_needs_known_ids(world: World) -> None:
    [instance] = world.run()
    fault = world.fault(
        "TerminateInstances",
        InstanceIds=[instance["InstanceId"], "i-0123456789abcdef0", "i-0123456789abcdef1"],
    )
    assert fault.message == (
        "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist"
    )
    assert world.state(instance["InstanceId"]) == "pending"
    assert world.fault("TerminateInstances", InstanceIds=[]).message == (
        "The request must contain the parameter InstanceId"
    )


def test_dry_run_changes_nothing(world: World) -> None:
    [instance] = world.run()
    fault = world.fault("TerminateInstances", InstanceIds=[instance["InstanceId"]], DryRun=True)
    assert fault.code == "DryRunOperation"
    assert world.state(instance["InstanceId"]) == "pending"


# -- tags ------------------------------------------------------------------------------------------


def test_create_and_describe_tags(world: World) -> None:
    a, b = world.run(2)
    assert (
        world.call(
            "CreateTags",
            Resources=[a["InstanceId"], b["InstanceId"]],
            Tags=[{"Key": "env", "Value": "prod"}, {"Key": "Name"}],
        )
        is None
    )
    world.call("CreateTags", Resources=[a["InstanceId"]], Tags=[{"Key": "env", "Value": "dev"}])
    assert tags_of(world.instance(a["InstanceId"])) == {"env": "dev", "Name": ""}
    out = world.call("DescribeTags", Filters=[{"Name": "resource-id", "Values": [b["InstanceId"]]}])
    assert out["Tags"] == [
        {"Key": "Name", "ResourceId": b["InstanceId"], "ResourceType": "instance", "Value": ""},
        {"Key": "env", "ResourceId": b["InstanceId"], "ResourceType": "instance", "Value": "prod"},
    ]


def test_describe_tags_filters(world: World) -> None:
    a, b = world.run(2)
    world.call("CreateTags", Resources=[a["InstanceId"]], Tags=[{"Key": "env", "Value": "prod"}])
    world.call(
        "CreateTags",
        Resources=[b["InstanceId"]],
        Tags=[{"Key": "env", "Value": "dev"}, {"Key": "app", "Value": "web"}],
    )
    cases = [
        ("key", ["env"], 2),
        ("value", ["prod", "web"], 2),
        ("value", ["d*"], 1),
        ("resource-type", ["instance"], 3),
        ("resource-type", ["image"], 0),
    ]
    for name, values, count in cases:
        out = world.call("DescribeTags", Filters=[{"Name": name, "Values": values}])
        assert len(out["Tags"]) == count, name
    fault = world.fault("DescribeTags", Filters=[{"Name": "tag:env", "Values": ["x"]}])
    assert fault.message == "The filter 'tag:env' is invalid"


def test_describe_tags_pages(world: World) -> None:
    instances = world.run(4)
    world.call(
        "CreateTags",
        Resources=[i["InstanceId"] for i in instances],
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c"}],
    )
    seen: list[tuple[str, str]] = []
    params: dict[str, Any] = {"MaxResults": 5}
    while True:
        out = world.call("DescribeTags", **params)
        seen += [(t["ResourceId"], t["Key"]) for t in out["Tags"]]
        if "NextToken" not in out:
            break
        params["NextToken"] = out["NextToken"]
    assert len(seen) == 12 and len(set(seen)) == 12 and seen == sorted(seen)


def test_delete_tags_by_key_value_and_all(world: World) -> None:
    [instance] = world.run()
    iid = instance["InstanceId"]
    world.call(
        "CreateTags",
        Resources=[iid],
        Tags=[
            {"Key": "a", "Value": "1"},
            {"Key": "b", "Value": "2"},
            {"Key": "c", "Value": ""},
            {"Key": "d", "Value": "4"},
        ],
    )
    world.call("DeleteTags", Resources=[iid], Tags=[{"Key": "a", "Value": "other"}])
    world.call(
        "DeleteTags",
        Resources=[iid],
        Tags=[{"Key": "b"}, {"Key": "c", "Value": ""}, {"Key": "d", "Value": ""}],
    )
    assert tags_of(world.instance(iid)) == {"a": "1", "d": "4"}
    world.call("DeleteTags", Resources=[iid])
    assert tags_of(world.instance(iid)) == {}


def test_tagging_refusals(world: World) -> None:
    [instance] = world.run()
    fault = world.fault(
        "CreateTags", Resources=["foo-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}]
    )
    assert (fault.code, fault.message) == (
        "InvalidID",
        "The ID 'foo-0123456789abcdef0' is not valid",
    )
    fault = world.fault(
        "CreateTags", Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}]
    )
    assert (fault.code, fault.message) == (
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    )
    fault = world.fault(
        "CreateTags", Resources=["i-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}]
    )
    assert fault.code == "InvalidInstanceID.NotFound"
    fault = world.fault("DeleteTags", Resources=["i-0123456789abcdef0"])
    assert fault.message == "The instance ID 'i-0123456789abcdef0' does not exist"
    fault = world.fault(
        "CreateTags",
        Resources=[instance["InstanceId"]],
        Tags=[{"Key": "aws:cloudformation:stack", "Value": "b"}],
    )
    assert fault.code == "InvalidParameterValue"
    fault = world.fault(
        "CreateTags",
        Resources=[instance["InstanceId"]],
        Tags=[{"Key": "a", "Value": "b"}],
        DryRun=True,
    )
    assert fault.code == "DryRunOperation" and tags_of(world.instance(instance["InstanceId"])) == {}


# -- launch templates ------------------------------------------------------------------------------


def test_create_launch_template(world: World) -> None:
    out = world.call(
        "CreateLaunchTemplate",
        LaunchTemplateName="web",
        VersionDescription="first",
        LaunchTemplateData={"ImageId": AMI},
        TagSpecifications=[
            {"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "ops"}]}
        ],
    )
    template = out["LaunchTemplate"]
    assert re.fullmatch(r"lt-[0-9a-f]{17}", template["LaunchTemplateId"])
    assert template == {
        "LaunchTemplateId": template["LaunchTemplateId"],
        "LaunchTemplateName": "web",
        "CreateTime": START,
        "CreatedBy": f"arn:aws:iam::{ACCOUNT}:root",
        "DefaultVersionNumber": 1,
        "LatestVersionNumber": 1,
        "Tags": [{"Key": "team", "Value": "ops"}],
    }


@pytest.mark.parametrize("name", ["ab", "x" * 129, "bad name", "semi;colon"])
def test_launch_template_names_are_checked(world: World, name: str) -> None:
    fault = world.fault(
        "CreateLaunchTemplate", LaunchTemplateName=name, LaunchTemplateData={"ImageId": AMI}
    )
    assert fault.code == "InvalidLaunchTemplateName.MalformedException"
    assert fault.message == (
        "A launch template name must be between 3 and 128 characters, and may contain letters, "
        "numbers, and the following characters: - ( ) . / _."
    )


def test_launch_template_name_in_use_and_empty_data(world: World) -> None:
    world.template("web")
    fault = world.fault(
        "CreateLaunchTemplate", LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI}
    )
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateName.AlreadyExistsException",
        "Launch template name already in use.",
    )
    fault = world.fault("CreateLaunchTemplate", LaunchTemplateName="other", LaunchTemplateData={})
    assert (fault.code, fault.message) == (
        "MissingParameter",
        "No launch template data was provided. Launch template data is required to create a "
        "launch template.",
    )


def test_new_versions_build_on_a_source_version(world: World) -> None:
    world.call("CreateKeyPair", KeyName="ops")
    template = world.template("web", ImageId=AMI, InstanceType="t3.small", KeyName="ops")
    lt = template["LaunchTemplateId"]
    out = world.call(
        "CreateLaunchTemplateVersion",
        LaunchTemplateId=lt,
        SourceVersion="1",
        VersionDescription="bigger",
        LaunchTemplateData={"InstanceType": "m5.large"},
    )
    version = out["LaunchTemplateVersion"]
    assert version["VersionNumber"] == 2 and version["DefaultVersion"] is False
    assert version["VersionDescription"] == "bigger"
    assert version["LaunchTemplateData"] == {
        "ImageId": AMI,
        "InstanceType": "m5.large",
        "KeyName": "ops",
    }
    plain = world.call(
        "CreateLaunchTemplateVersion",
        LaunchTemplateName="web",
        LaunchTemplateData={"ImageId": UBUNTU},
    )["LaunchTemplateVersion"]
    assert plain["VersionNumber"] == 3 and plain["LaunchTemplateData"] == {"ImageId": UBUNTU}
    [described] = world.call("DescribeLaunchTemplates", LaunchTemplateIds=[lt])["LaunchTemplates"]
    assert (described["DefaultVersionNumber"], described["LatestVersionNumber"]) == (1, 3)


def test_new_version_refusals(world: World) -> None:
    lt = world.template("web")["LaunchTemplateId"]
    fault = world.fault(
        "CreateLaunchTemplateVersion", LaunchTemplateId=lt, SourceVersion="9", LaunchTemplateData={}
    )
    assert fault.message == (
        f"Could not find the specified version 9 for the launch template with ID {lt}."
    )
    fault = world.fault(
        "CreateLaunchTemplateVersion", LaunchTemplateId="lt-123", LaunchTemplateData={}
    )
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateId.Malformed",
        "The specified ID for the launch template, lt-123, is malformed.",
    )
    fault = world.fault("CreateLaunchTemplateVersion", LaunchTemplateData={})
    assert (fault.code, fault.message) == (
        "MissingParameter",
        "The request must contain the parameter launch template ID or launch template name",
    )


def test_describe_launch_templates(world: World) -> None:
    web = world.template("web")
    world.clock.advance(1)
    world.template("db1")
    everything = world.call("DescribeLaunchTemplates")["LaunchTemplates"]
    assert [t["LaunchTemplateName"] for t in everything] == ["web", "db1"]
    by_name = world.call("DescribeLaunchTemplates", LaunchTemplateNames=["db1"])["LaunchTemplates"]
    assert [t["LaunchTemplateName"] for t in by_name] == ["db1"]
    by_id = world.call("DescribeLaunchTemplates", LaunchTemplateIds=[web["LaunchTemplateId"]])
    assert by_id["LaunchTemplates"] == [web]
    filtered = world.call(
        "DescribeLaunchTemplates", Filters=[{"Name": "launch-template-name", "Values": ["w*"]}]
    )
    assert [t["LaunchTemplateName"] for t in filtered["LaunchTemplates"]] == ["web"]
    fault = world.fault("DescribeLaunchTemplates", LaunchTemplateNames=["web", "nope"])
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateName.NotFoundException",
        "At least one of the launch templates specified in the request does not exist.",
    )
    fault = world.fault("DescribeLaunchTemplates", LaunchTemplateIds=["lt-0123456789abcdef0"])
    assert fault.code == "InvalidLaunchTemplateId.NotFound"
    fault = world.fault("DescribeLaunchTemplates", Filters=[{"Name": "tag:x", "Values": ["y"]}])
    assert fault.message == "The filter 'tag:x' is invalid"


def test_describe_launch_templates_pages(world: World) -> None:
    for index in range(5):
        world.template(f"t-{index}")
        world.clock.advance(1)
    first = world.call("DescribeLaunchTemplates", MaxResults=2)
    second = world.call("DescribeLaunchTemplates", MaxResults=2, NextToken=first["NextToken"])
    third = world.call("DescribeLaunchTemplates", MaxResults=2, NextToken=second["NextToken"])
    names = [
        t["LaunchTemplateName"] for out in (first, second, third) for t in out["LaunchTemplates"]
    ]
    assert names == [f"t-{i}" for i in range(5)] and "NextToken" not in third


def test_describe_launch_template_versions(world: World) -> None:
    lt = world.template("web")["LaunchTemplateId"]
    for image in (UBUNTU, WINDOWS):
        world.call(
            "CreateLaunchTemplateVersion",
            LaunchTemplateId=lt,
            LaunchTemplateData={"ImageId": image},
        )

    def numbers(**params: Any) -> list[int]:
        out = world.call("DescribeLaunchTemplateVersions", **params)
        return [v["VersionNumber"] for v in out["LaunchTemplateVersions"]]

    assert numbers(LaunchTemplateId=lt) == [3, 2, 1]
    assert numbers(LaunchTemplateName="web", Versions=["$Latest"]) == [3]
    assert numbers(LaunchTemplateName="web", Versions=["$Default", "2"]) == [2, 1]
    assert numbers(LaunchTemplateId=lt, MinVersion="2") == [3, 2]
    assert numbers(LaunchTemplateId=lt, MaxVersion="$Default") == [1]
    assert numbers(
        LaunchTemplateId=lt, Filters=[{"Name": "is-default-version", "Values": ["true"]}]
    ) == [1]
    out = world.call("DescribeLaunchTemplateVersions", LaunchTemplateId=lt, Versions=["1"])
    [first] = out["LaunchTemplateVersions"]
    assert first["DefaultVersion"] is True and first["LaunchTemplateName"] == "web"
    assert first["LaunchTemplateData"] == {"ImageId": AMI, "InstanceType": "t3.small"}
    first_page = world.call("DescribeLaunchTemplateVersions", LaunchTemplateId=lt, MaxResults=2)
    rest = world.call(
        "DescribeLaunchTemplateVersions",
        LaunchTemplateId=lt,
        MaxResults=2,
        NextToken=first_page["NextToken"],
    )
    assert [v["VersionNumber"] for v in rest["LaunchTemplateVersions"]] == [1]


def test_versions_across_all_templates(world: World) -> None:
    world.template("web")
    world.template("db1")
    world.call(
        "CreateLaunchTemplateVersion",
        LaunchTemplateName="db1",
        LaunchTemplateData={"ImageId": UBUNTU},
    )
    out = world.call("DescribeLaunchTemplateVersions", Versions=["$Latest"])
    assert sorted(
        (v["LaunchTemplateName"], v["VersionNumber"]) for v in out["LaunchTemplateVersions"]
    ) == [("db1", 2), ("web", 1)]
    out = world.call("DescribeLaunchTemplateVersions", Versions=["$Latest", "$Default"])
    assert len(out["LaunchTemplateVersions"]) == 3


def test_version_refusals(world: World) -> None:
    lt = world.template("web")["LaunchTemplateId"]
    fault = world.fault("DescribeLaunchTemplateVersions", LaunchTemplateId=lt, Versions=["4"])
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateId.VersionNotFound",
        f"Could not find the specified version 4 for the launch template with ID {lt}.",
    )
    fault = world.fault("DescribeLaunchTemplateVersions", LaunchTemplateName="gone")
    assert (fault.code, fault.message) == (
        "InvalidLaunchTemplateName.NotFoundException",
        "The specified launch template, with template name gone, does not exist.",
    )
    fault = world.fault("DescribeLaunchTemplateVersions", LaunchTemplateId="lt-0123456789abcdef0")
    assert fault.message == (
        "The specified launch template, with template ID lt-0123456789abcdef0, does not exist."
    )
    missing = world.fault("DescribeLaunchTemplateVersions")
    numbered = world.fault("DescribeLaunchTemplateVersions", Versions=["1"])
    assert (missing.code, numbered.code) == ("MissingParameter", "InvalidParameterValue")
    assert missing.message == numbered.message
    assert missing.message.startswith(
        "To describe the launch template data for all your launch "
        "templates, for ‘--versions’ specify ‘$Latest’"
    )


def test_delete_launch_template(world: World) -> None:
    web = world.template("web")
    out = world.call("DeleteLaunchTemplate", LaunchTemplateName="web")
    assert out["LaunchTemplate"] == web
    assert world.call("DescribeLaunchTemplates")["LaunchTemplates"] == []
    fault = world.fault("DeleteLaunchTemplate", LaunchTemplateId=web["LaunchTemplateId"])
    assert fault.code == "InvalidLaunchTemplateId.NotFound"
    fault = world.fault("DeleteLaunchTemplate")
    assert fault.message == (
        "The request must contain the parameter launch template ID or launch template name"
    )
    world.template("web")  # the name is free again


def test_templates_are_per_account(world: World) -> None:
    world.template("web")
    other = Scope("210987654321", "us-east-1", Cloud.AWS)
    assert world.call("DescribeLaunchTemplates", other)["LaunchTemplates"] == []
    world.call(
        "CreateLaunchTemplate", other, LaunchTemplateName="web", LaunchTemplateData={"ImageId": AMI}
    )


# -- geography -------------------------------------------------------------------------------------


def test_availability_zones(world: World) -> None:
    zones = world.call("DescribeAvailabilityZones")["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert zones[0] == {
        "State": "available",
        "OptInStatus": "opt-in-not-required",
        "Messages": [],
        "RegionName": "us-east-1",
        "ZoneName": "us-east-1a",
        "ZoneId": "use1-az1",
        "GroupName": "us-east-1",
        "NetworkBorderGroup": "us-east-1",
        "ZoneType": "availability-zone",
    }
    one = world.call("DescribeAvailabilityZones", ZoneNames=["us-east-1b"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in one] == ["us-east-1b"]
    third = "use1-az3"
    by_id = world.call("DescribeAvailabilityZones", ZoneIds=[third])["AvailabilityZones"]
    assert [z["ZoneName"] for z in by_id] == ["us-east-1c"]
    filtered = world.call(
        "DescribeAvailabilityZones", Filters=[{"Name": "zone-name", "Values": ["*a"]}]
    )
    assert len(filtered["AvailabilityZones"]) == 1
    fault = world.fault("DescribeAvailabilityZones", ZoneNames=["us-east-1z"])
    assert (fault.code, fault.message) == (
        "InvalidParameterValue",
        "Invalid availability zone: [us-east-1z]",
    )


def test_default_vpc(world: World) -> None:
    [vpc] = world.call("DescribeVpcs")["Vpcs"]
    assert vpc["VpcId"] == network.default_vpc(SCOPE) and vpc["IsDefault"] is True
    assert vpc["CidrBlock"] == "172.31.0.0/16" and vpc["OwnerId"] == ACCOUNT
    assert world.call("DescribeVpcs", Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert not world.call("DescribeVpcs", Filters=[{"Name": "tag:Name", "Values": ["x"]}])["Vpcs"]
    fault = world.fault("DescribeVpcs", VpcIds=["vpc-0123456789abcdef0"])
    assert (fault.code, fault.message) == (
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    )


def test_default_subnets(world: World) -> None:
    subnets = world.call("DescribeSubnets")["Subnets"]
    assert [s["AvailabilityZone"] for s in subnets] == list(network.zones("us-east-1"))
    assert all(s["DefaultForAz"] and s["MapPublicIpOnLaunch"] for s in subnets)
    assert {s["AvailableIpAddressCount"] for s in subnets} == {4091}
    assert [s["CidrBlock"] for s in subnets] == [
        "172.31.0.0/20",
        "172.31.16.0/20",
        "172.31.32.0/20",
    ]
    cases = [
        ("vpc-id", [network.default_vpc(SCOPE)], 3),
        ("availability-zone", ["us-east-1c"], 1),
        ("subnet-id", [subnets[0]["SubnetId"]], 1),
        ("default-for-az", ["true"], 3),
        ("default-for-az", ["false"], 0),
    ]
    for name, values, count in cases:
        out = world.call("DescribeSubnets", Filters=[{"Name": name, "Values": values}])
        assert len(out["Subnets"]) == count, name
    assert len(world.call("DescribeSubnets", SubnetIds=[subnets[1]["SubnetId"]])["Subnets"]) == 1
    fault = world.fault("DescribeSubnets", SubnetIds=["subnet-0123456789abcdef0"])
    assert fault.message == "The subnet ID 'subnet-0123456789abcdef0' does not exist"
    assert world.fault("DescribeSubnets", Filters=[{"Name": "nope", "Values": []}]).message == (
        "The filter 'nope' is invalid"
    )


def test_default_security_group(world: World) -> None:
    [group] = world.call("DescribeSecurityGroups")["SecurityGroups"]
    sg = network.default_security_group(SCOPE)
    assert (group["GroupId"], group["GroupName"]) == (sg, "default")
    assert group["IpPermissions"][0]["UserIdGroupPairs"] == [{"GroupId": sg, "UserId": ACCOUNT}]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert world.call("DescribeSecurityGroups", GroupNames=["default"])["SecurityGroups"]
    fault = world.fault("DescribeSecurityGroups", GroupIds=["sg-0123456789abcdef0"])
    assert (fault.code, fault.message) == (
        "InvalidGroup.NotFound",
        "The security group 'sg-0123456789abcdef0' does not exist",
    )
    fault = world.fault("DescribeSecurityGroups", GroupNames=["web"])
    assert fault.message == (
        f"The security group 'web' does not exist in default VPC '{network.default_vpc(SCOPE)}'"
    )


def test_key_pairs(world: World) -> None:
    assert world.call("DescribeKeyPairs") == {"KeyPairs": []}
    assert world.call("DescribeKeyPairs", Filters=[{"Name": "key-name", "Values": ["a"]}])
    fault = world.fault("DescribeKeyPairs", KeyNames=["vockey"])
    assert (fault.code, fault.message) == (
        "InvalidKeyPair.NotFound",
        "The key pair 'vockey' does not exist",
    )


# -- catalogues ------------------------------------------------------------------------------------


def test_describe_images(world: World) -> None:
    images = world.call("DescribeImages")["Images"]
    assert len(images) == 6 and all(i["State"] == "available" for i in images)
    [windows] = world.call("DescribeImages", ImageIds=[WINDOWS])["Images"]
    assert windows["Platform"] == "windows" and windows["ImageOwnerAlias"] == "amazon"
    amazon = world.call("DescribeImages", Owners=["amazon"])["Images"]
    assert {i["ImageId"] for i in amazon} == {AMI, AL2023, AL2023_ARM, WINDOWS}
    assert world.call("DescribeImages", Owners=["self"])["Images"] == []
    canonical = world.call("DescribeImages", Owners=["099720109477"])["Images"]
    assert [i["ImageId"] for i in canonical] == [UBUNTU]
    cases = [
        ("name", ["ubuntu/images/*"], 1),
        ("platform", ["windows"], 1),
        ("architecture", ["x86_64"], 5),
        ("owner-id", ["137112412989"], 3),
        ("architecture", ["arm64"], 1),
        ("image-id", [AMI], 1),
    ]
    for name, values, count in cases:
        out = world.call("DescribeImages", Filters=[{"Name": name, "Values": values}])
        assert len(out["Images"]) == count, name


def test_describe_images_refusals(world: World) -> None:
    fault = world.fault("DescribeImages", ImageIds=["ami-0123456789abcdef0"])
    assert (fault.code, fault.message) == (
        "InvalidAMIID.NotFound",
        "The image id '[ami-0123456789abcdef0]' does not exist",
    )
    fault = world.fault("DescribeImages", ImageIds=[AMI, "ami-11111111", "ami-22222222"])
    assert fault.message == "The image ids '[ami-11111111, ami-22222222]' do not exist"
    fault = world.fault("DescribeImages", ImageIds=["ami-1", "bad"])
    assert (fault.code, fault.message) == (
        "InvalidAMIID.Malformed",
        'Invalid id: "ami-1" (expecting "ami-...")',
    )
    fault = world.fault("DescribeImages", ImageIds=[AMI], MaxResults=5)
    assert fault.message == "The parameter imageIdsSet cannot be used with the parameter maxResults"


def test_describe_instance_types(world: World) -> None:
    [t3] = world.call("DescribeInstanceTypes", InstanceTypes=["t3.micro"])["InstanceTypes"]
    assert t3["VCpuInfo"]["DefaultVCpus"] == 2 and t3["MemoryInfo"]["SizeInMiB"] == 1024
    assert t3["FreeTierEligible"] is True and t3["BurstablePerformanceSupported"] is True
    everything = world.call("DescribeInstanceTypes")["InstanceTypes"]
    assert len(everything) == len(TYPES) >= 30
    for family in ("t2", "t3", "t3a", "m5", "m6i", "c5", "c6i", "r5"):
        assert any(t["InstanceType"].startswith(family + ".") for t in everything)
    fault = world.fault("DescribeInstanceTypes", InstanceTypes=["t3.micro", "x1.huge", "y.z"])
    assert (fault.code, fault.message) == (
        "InvalidInstanceType",
        "The following supplied instance types do not exist: [x1.huge, y.z]",
    )
    big = world.call(
        "DescribeInstanceTypes", Filters=[{"Name": "vcpu-info.default-vcpus", "Values": ["16"]}]
    )["InstanceTypes"]
    assert [t["InstanceType"] for t in big] == ["m5.4xlarge"]
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"MaxResults": 10}
    while True:
        out = world.call("DescribeInstanceTypes", **params)
        pages.append(out["InstanceTypes"])
        if "NextToken" not in out:
            break
        params["NextToken"] = out["NextToken"]
    assert sum(len(p) for p in pages) == len(TYPES) and len(pages) == -(-len(TYPES) // 10)


# -- the AWS dialect -------------------------------------------------------------------------------


def test_the_dialect_serves_every_action(world: World) -> None:
    service = Ec2Service(world.sim, lambda: None)
    assert service.signing_name == "ec2" and set(service.handlers) == set(ACTIONS)
    assert all(model().operation_model(a) for a in ACTIONS)


def test_the_dialect_translates_faults_and_wakes_the_engine(world: World) -> None:
    wakes: list[int] = []
    service = Ec2Service(world.sim, lambda: wakes.append(1))
    out = service.handlers["RunInstances"](SCOPE, {"ImageId": AMI, "MinCount": 1, "MaxCount": 1})
    assert out is not None and len(wakes) == 1
    service.handlers["DescribeInstances"](SCOPE, {})
    assert len(wakes) == 1
    with pytest.raises(AwsError) as info:
        service.handlers["TerminateInstances"](SCOPE, {"InstanceIds": ["i-0123456789abcdef0"]})
    assert (info.value.code, info.value.status) == ("InvalidInstanceID.NotFound", 400)
    assert info.value.message == "The instance ID 'i-0123456789abcdef0' does not exist"
    assert len(wakes) == 1
    iid = out["Instances"][0]["InstanceId"]
    service.handlers["TerminateInstances"](SCOPE, {"InstanceIds": [iid]})
    assert len(wakes) == 2
    with pytest.raises(AwsError) as info:
        service.handlers["DescribeVpcs"](SCOPE, {"DryRun": True})
    assert (info.value.code, info.value.status) == ("DryRunOperation", 412)


# -- nothing but Ec2Fault, whatever the filters and ids --------------------------------------------

FILTER_NAMES = st.sampled_from(
    [
        "instance-id",
        "instance-state-name",
        "instance-state-code",
        "tag:Name",
        "tag:",
        "tag-key",
        "tag-value",
        "availability-zone",
        "subnet-id",
        "vpc-id",
        "image-id",
        "instance-type",
        "resource-id",
        "resource-type",
        "key",
        "value",
        "launch-template-name",
        "name",
        "owner-id",
        "platform",
        "zone-name",
        "default-for-az",
        "is-default-version",
        "group-name",
        "vcpu-info.default-vcpus",
        "key-name",
    ]
) | st.text(max_size=12)
VALUES = st.lists(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
    | st.sampled_from(["*", "?", "\\", "\\*", "[", "%", "_"]),
    max_size=3,
)
FILTERS = st.lists(st.fixed_dictionaries({"Name": FILTER_NAMES, "Values": VALUES}), max_size=3)
IDS = st.lists(
    st.text(max_size=20)
    | st.from_regex(r"i-[0-9a-f]{17}", fullmatch=True)
    | st.from_regex(r"ami-[0-9a-f]{8}", fullmatch=True)
    | st.from_regex(r"lt-[0-9a-f]{17}", fullmatch=True),
    min_size=1,
    max_size=3,
)
DESCRIBES = (
    "DescribeInstances",
    "DescribeTags",
    "DescribeLaunchTemplates",
    "DescribeSubnets",
    "DescribeVpcs",
    "DescribeImages",
    "DescribeAvailabilityZones",
    "DescribeSecurityGroups",
    "DescribeKeyPairs",
    "DescribeInstanceTypes",
)
ID_PARAMS = (
    ("DescribeInstances", "InstanceIds"),
    ("TerminateInstances", "InstanceIds"),
    ("StopInstances", "InstanceIds"),
    ("StartInstances", "InstanceIds"),
    ("CreateTags", "Resources"),
    ("DescribeImages", "ImageIds"),
    ("DescribeLaunchTemplates", "LaunchTemplateIds"),
    ("DescribeSubnets", "SubnetIds"),
    ("DescribeInstanceTypes", "InstanceTypes"),
    ("DescribeAvailabilityZones", "ZoneIds"),
)


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    made = make_world(database_url(request, tmp_path_factory.mktemp("fuzz")))
    made.run(
        3,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "a*b"}]}],
    )
    made.template("web")
    yield made
    made.db.dispose()


def quietly(call: Callable[[], Any]) -> None:
    with contextlib.suppress(Ec2Fault):
        call()


@fuzz(300)
@given(action=st.sampled_from(DESCRIBES), filters=FILTERS, token=st.none() | st.text(max_size=30))
def test_any_filter_yields_a_result_or_an_ec2_fault(
    fuzz_world: World, action: str, filters: list[dict[str, Any]], token: str | None
) -> None:
    params: dict[str, Any] = {"Filters": filters}
    if token is not None:
        params["NextToken"] = token
    quietly(lambda: getattr(fuzz_world.sim, snake(action))(SCOPE, params))


@fuzz(300)
@given(target=st.sampled_from(ID_PARAMS), ids=IDS)
def test_any_id_yields_a_result_or_an_ec2_fault(
    fuzz_world: World, target: tuple[str, str], ids: list[str]
) -> None:
    action, key = target
    params: dict[str, Any] = {key: ids, "DryRun": True}
    if action == "CreateTags":
        params["Tags"] = [{"Key": "k", "Value": "v"}]
    quietly(lambda: getattr(fuzz_world.sim, snake(action))(SCOPE, params))
    with fuzz_world.db.read() as conn:
        pending = select(func.count()).select_from(machines).where(machines.c.state == "pending")
        assert conn.execute(pending).scalar() == 3


FREE_TEXT = (
    ("DescribeLaunchTemplateVersions", "LaunchTemplateName", False),
    ("DescribeLaunchTemplateVersions", "MinVersion", False),
    ("DescribeLaunchTemplates", "LaunchTemplateNames", True),
    ("DeleteLaunchTemplate", "LaunchTemplateName", False),
    ("CreateLaunchTemplate", "LaunchTemplateName", False),
    ("RunInstances", "KeyName", False),
    ("RunInstances", "ClientToken", False),
    ("RunInstances", "InstanceType", False),
    ("DescribeImages", "Owners", True),
    ("DescribeSecurityGroups", "GroupNames", True),
    ("DescribeKeyPairs", "KeyNames", True),
    ("DescribeAvailabilityZones", "ZoneNames", True),
)
BASES: dict[str, dict[str, Any]] = {
    "DescribeLaunchTemplateVersions": {"LaunchTemplateName": "web"},
    "CreateLaunchTemplate": {"LaunchTemplateData": {"ImageId": AMI}},
    "RunInstances": {"ImageId": AMI, "MinCount": 1, "MaxCount": 1},
}


@fuzz(300)
@given(target=st.sampled_from(FREE_TEXT), value=st.text(max_size=30) | st.text(min_size=60))
def test_any_text_yields_a_result_or_an_ec2_fault(
    fuzz_world: World, target: tuple[str, str, bool], value: str
) -> None:
    action, key, listed = target
    params = {**BASES.get(action, {}), key: [value] if listed else value, "DryRun": True}
    quietly(lambda: getattr(fuzz_world.sim, snake(action))(SCOPE, params))


@fuzz(100)
@given(key=st.text(max_size=140), value=st.text(max_size=260))
def test_any_tag_yields_a_result_or_an_ec2_fault(fuzz_world: World, key: str, value: str) -> None:
    with fuzz_world.db.read() as conn:
        instance_id = conn.execute(select(machines.c.id).limit(1)).scalar_one()
    tags = [{"Key": key, "Value": value}]
    quietly(lambda: fuzz_world.sim.create_tags(SCOPE, {"Resources": [instance_id], "Tags": tags}))
    quietly(lambda: fuzz_world.sim.delete_tags(SCOPE, {"Resources": [instance_id], "Tags": tags}))
