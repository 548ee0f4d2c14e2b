"""The simulated ECS API (2014-05-26) on SQLite and PostgreSQL: actions, errors, pages, timers."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from tidewater.clock import Clock
from tidewater.cloud.ports import LaunchSpec
from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.ecs import REGIONS, EcsFault, SimEcs, default_security_group
from tidewater.cloud.sim.ecs_types import CATALOGUE as TYPES
from tidewater.cloud.sim.images import ALIYUN_IMAGES
from tidewater.cloud.sim.timing import Timing
from tidewater.dialects.aliyun.ecs import EcsService
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.database import Database
from tidewater.store.tables import machines, metadata

ACCOUNT = "1234567890123456"
SCOPE = Scope(ACCOUNT, "cn-hangzhou", Cloud.ALIYUN)
IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"
UBUNTU = "ubuntu_22_04_x64_20G_alibase_20230907.vhd"
TYPE = "ecs.g6.large"
START = datetime(2026, 1, 1, tzinfo=UTC)
ACTIONS = (
    "RunInstances",
    "CreateInstance",
    "DescribeInstances",
    "DescribeInstanceStatus",
    "StartInstance",
    "StartInstances",
    "StopInstance",
    "StopInstances",
    "DeleteInstance",
    "DeleteInstances",
    "DescribeImages",
    "DescribeInstanceTypes",
    "DescribeZones",
    "DescribeRegions",
    "CreateSecurityGroup",
    "DescribeSecurityGroups",
    "DescribeSecurityGroupAttribute",
    "AuthorizeSecurityGroup",
    "DeleteSecurityGroup",
)
INCORRECT = (
    "IncorrectInstanceStatus",
    "The current status of the resource does not support this operation.",
    403,
)
NOT_FOUND = ("InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404)
ALIYUN_ID = re.compile(r"i-[0-9a-z]{20}")
MINUTE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")


def fuzz(examples: int) -> settings:
    """No example database: the suite must not leave files behind."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def wrapped(value: Any, path: str = "") -> None:
    """ECS 2014-05-26 wraps every list in a one-member object: {"Instance": [...]}."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list):
                assert len(value) == 1, f"{path}.{key} is a bare list beside {sorted(value)}"
            wrapped(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            wrapped(item, f"{path}[{index}]")


@dataclass
class World:
    db: Database
    clock: Clock
    compute: SimCompute
    sim: SimEcs

    def call(self, action: str, scope: Scope = SCOPE, /, **params: str) -> dict[str, Any]:
        """Calls the sim as the dialect does: flat string parameters, a wrapped JSON body."""
        assert all(isinstance(v, str) for v in params.values())
        out: dict[str, Any] = getattr(self.sim, snake(action))(scope, params)
        assert isinstance(out, dict) and "RequestId" not in out
        wrapped(out)
        return out

    def fault(self, action: str, scope: Scope = SCOPE, /, **params: str) -> EcsFault:
        with pytest.raises(EcsFault) as info:
            self.call(action, scope, **params)
        return info.value

    def run(self, count: int = 1, scope: Scope = SCOPE, /, **params: str) -> list[str]:
        params = {"ImageId": IMAGE, "InstanceType": TYPE, "Amount": str(count), **params}
        return list(self.call("RunInstances", scope, **params)["InstanceIdSets"]["InstanceIdSet"])

    def running(self, count: int = 1, /, **params: str) -> list[str]:
        ids = self.run(count, **params)
        self.wait(5)
        return ids

    def create(self, **params: str) -> str:
        params = {"ImageId": IMAGE, "InstanceType": TYPE, **params}
        return str(self.call("CreateInstance", **params)["InstanceId"])

    def describe(self, **params: str) -> list[dict[str, Any]]:
        return list(self.call("DescribeInstances", **params)["Instances"]["Instance"])

    def instance(self, instance_id: str) -> dict[str, Any]:
        [found] = self.describe(InstanceIds=f'["{instance_id}"]')
        return found

    def status(self, instance_id: str) -> str:
        return str(self.instance(instance_id)["Status"])

    def ids(self, **params: str) -> list[str]:
        return [i["InstanceId"] for i in self.describe(PageSize="100", **params)]

    def wait(self, seconds: float) -> list[str]:
        return self.compute.advance(self.clock.advance(seconds))

    def state(self, instance_id: str) -> str:
        with self.db.read() as conn:
            return str(
                conn.execute(select(machines.c.state).where(machines.c.id == instance_id)).scalar()
            )


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def make_world(url: str) -> World:
    db = Database(url)
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    compute = SimCompute(db, clock, Timing())
    return World(db, clock, compute, SimEcs(compute))


def database_url(request: pytest.FixtureRequest, path: Path) -> str:
    if request.param == "sqlite":
        return "sqlite:///" + str(path / "sim.db")
    return str(request.getfixturevalue("sim_postgres_url"))


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    made = make_world(database_url(request, tmp_path))
    yield made
    made.db.dispose()


def expect(fault: EcsFault, code: str, message: str, status: int = 400) -> None:
    assert (fault.code, fault.message, fault.status) == (code, message, status)


def tags_of(instance: dict[str, Any]) -> dict[str, str]:
    return {t["TagKey"]: t["TagValue"] for t in instance["Tags"]["Tag"]}


# -- RunInstances ----------------------------------------------------------------------------------


def test_run_returns_the_new_ids_in_ecs_shape(world: World) -> None:
    out = world.call("RunInstances", ImageId=IMAGE, InstanceType=TYPE, Amount="3")
    assert list(out) == ["InstanceIdSets"]
    ids = out["InstanceIdSets"]["InstanceIdSet"]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(ALIYUN_ID.fullmatch(i) for i in ids)
    assert sorted(world.ids()) == sorted(ids)


def test_run_without_amount_creates_one(world: World) -> None:
    out = world.call("RunInstances", ImageId=IMAGE, InstanceType=TYPE)
    assert len(out["InstanceIdSets"]["InstanceIdSet"]) == 1


def test_described_instances_carry_what_sdks_and_scripts_read(world: World) -> None:
    [iid] = world.run()
    instance = world.instance(iid)
    subnet = {s.id: s for s in network.default_subnets(SCOPE)}[
        instance["VpcAttributes"]["VSwitchId"]
    ]
    assert instance["InstanceId"] == iid and instance["InstanceName"] == iid
    assert instance["RegionId"] == "cn-hangzhou" and instance["ZoneId"] == subnet.zone
    assert instance["InstanceType"] == TYPE and instance["InstanceTypeFamily"] == "ecs.g6"
    assert (instance["Cpu"], instance["Memory"]) == (2, 8192)
    assert instance["ImageId"] == IMAGE and instance["OSType"] == "linux"
    assert instance["OSName"] == "Alibaba Cloud Linux 3.2104 LTS 64 bit"
    assert instance["Status"] == "Pending"
    assert instance["CreationTime"] == "2026-01-01T00:00Z" == instance["StartTime"]
    assert MINUTE_TIME.fullmatch(instance["CreationTime"])
    assert instance["ExpiredTime"] == "2099-12-31T15:59Z"
    assert instance["InstanceChargeType"] == "PostPaid"
    assert instance["InternetChargeType"] == "PayByTraffic"
    assert instance["InstanceNetworkType"] == "vpc" and instance["StoppedMode"] == "Not-applicable"
    assert instance["HostName"] == "iZ" + iid[2:] + "Z"
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", instance["SerialNumber"])
    vpc = instance["VpcAttributes"]
    assert vpc["VpcId"] == network.default_vpc(SCOPE) and vpc["VpcId"].startswith("vpc-")
    assert vpc["VSwitchId"].startswith("vsw-")
    [ip] = vpc["PrivateIpAddress"]["IpAddress"]
    assert ip.startswith("172.31.")
    assert instance["SecurityGroupIds"] == {"SecurityGroupId": [default_security_group(SCOPE)]}
    assert re.fullmatch(r"sg-[0-9a-f]{20}", default_security_group(SCOPE))
    assert instance["Tags"] == {"Tag": []}
    assert instance["PublicIpAddress"] == {"IpAddress": []}
    assert instance["DeletionProtection"] is False
    [eni] = instance["NetworkInterfaces"]["NetworkInterface"]
    assert eni["Type"] == "Primary" and eni["PrimaryIpAddress"] == ip
    assert isinstance(instance["Cpu"], int) and isinstance(instance["Memory"], int)


def test_run_with_every_option_reports_them_back(world: World) -> None:
    group = world.call("CreateSecurityGroup", SecurityGroupName="web")["SecurityGroupId"]
    [iid] = world.run(
        InstanceName="web.node_1:a-b",
        HostName="web-1.example",
        Description="the web tier",
        SecurityGroupId=group,
        KeyPairName="deploy",
        InternetChargeType="PayByBandwidth",
        InternetMaxBandwidthOut="20",
        SpotStrategy="SpotWithPriceLimit",
        SpotPriceLimit="0.98",
        UserData=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        **{"Tag.1.Key": "env", "Tag.1.Value": "prod", "Tag.2.Key": "team"},
    )
    instance = world.instance(iid)
    assert instance["InstanceName"] == "web.node_1:a-b" and instance["HostName"] == "web-1.example"
    assert instance["Description"] == "the web tier" and instance["KeyPairName"] == "deploy"
    assert instance["SecurityGroupIds"]["SecurityGroupId"] == [group]
    assert instance["InternetChargeType"] == "PayByBandwidth"
    assert (instance["InternetMaxBandwidthOut"], instance["InternetMaxBandwidthIn"]) == (20, 20)
    assert (instance["SpotStrategy"], instance["SpotPriceLimit"]) == ("SpotWithPriceLimit", 0.98)


def test_deletion_protection_is_kept_and_refused_on_spot_and_prepaid(world: World) -> None:
    [iid] = world.run(DeletionProtection="true")
    assert world.instance(iid)["DeletionProtection"] is True
    message = (
        "Deletion protection is only valid for postPaid instance, not for prePaid or spot instance."
    )
    for extra in ({"SpotStrategy": "SpotAsPriceGo"}, {"InstanceChargeType": "PrePaid"}):
        fault = world.fault(
            "RunInstances", ImageId=IMAGE, InstanceType=TYPE, DeletionProtection="True", **extra
        )
        expect(fault, "InvalidChargeType.ValueNotSupported", message, 403)


def test_spot_with_a_price_limit_keeps_the_price(world: World) -> None:
    [iid] = world.run(SpotStrategy="SpotWithPriceLimit", SpotPriceLimit="0.5")
    assert world.instance(iid)["SpotPriceLimit"] == 0.5
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, SpotPriceLimit="cheap")
    expect(fault, "InvalidSpotPriceLimit", "The specified SpotPriceLimitis not valid.")


def test_run_with_bandwidth_gets_a_public_ip_and_create_does_not(world: World) -> None:
    [iid] = world.run(InternetMaxBandwidthOut="5")
    [address] = world.instance(iid)["PublicIpAddress"]["IpAddress"]
    assert re.fullmatch(r"47\.\d+\.\d+\.\d+", address)
    created = world.create(InternetMaxBandwidthOut="5")
    assert world.instance(created)["PublicIpAddress"] == {"IpAddress": []}


def test_tags_are_bound_and_described(world: World) -> None:
    [iid] = world.run(**{"Tag.1.Key": "env", "Tag.1.Value": "prod", "Tag.3.Key": "empty"})
    assert tags_of(world.instance(iid)) == {"env": "prod", "empty": ""}


def test_vswitch_and_zone_choose_the_placement(world: World) -> None:
    subnets = network.default_subnets(SCOPE)
    [by_switch] = world.run(VSwitchId=subnets[1].id)
    assert world.instance(by_switch)["ZoneId"] == subnets[1].zone
    [by_zone] = world.run(ZoneId=subnets[2].zone)
    assert world.instance(by_zone)["VpcAttributes"]["VSwitchId"] == subnets[2].id
    [both] = world.run(ZoneId=subnets[0].zone, VSwitchId=subnets[0].id)
    assert world.instance(both)["ZoneId"] == subnets[0].zone


def test_unplaced_launches_land_in_the_first_zones_default_vswitch(world: World) -> None:
    """Where a scaling group without vSwitches launches too, so the two can be attached."""
    first = network.default_subnets(SCOPE)[0]
    for _ in range(3):
        instance = world.instance(world.run()[0])
        assert instance["ZoneId"] == first.zone == "cn-hangzhou-a"
        assert instance["VpcAttributes"]["VSwitchId"] == first.id


def test_one_batch_lands_in_one_vswitch(world: World) -> None:
    world.run(5)
    assert len({i["VpcAttributes"]["VSwitchId"] for i in world.describe()}) == 1


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("RunInstances", "Specified virtual switch does not exist."),
        ("CreateInstance", "The VSwitchId provided does not exist in our records."),
    ],
)
def test_unknown_vswitch(world: World, action: str, message: str) -> None:
    fault = world.fault(action, ImageId=IMAGE, InstanceType=TYPE, VSwitchId="vsw-nope")
    expect(fault, "InvalidVSwitchId.NotFound", message, 404)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("RunInstances", "The specified zoneId does not exist."),
        ("CreateInstance", "The specified ZoneId does not exist."),
    ],
)
def test_unknown_zone(world: World, action: str, message: str) -> None:
    fault = world.fault(action, ImageId=IMAGE, InstanceType=TYPE, ZoneId="cn-hangzhou-z")
    expect(fault, "InvalidZoneId.NotFound", message, 404)


def test_vswitch_outside_the_zone(world: World) -> None:
    subnets = network.default_subnets(SCOPE)
    fault = world.fault(
        "RunInstances",
        ImageId=IMAGE,
        InstanceType=TYPE,
        VSwitchId=subnets[0].id,
        ZoneId=subnets[1].zone,
    )
    expect(
        fault, "InvalidParameter.Mismatch", "Specified virtual switch is not in the specified zone."
    )


def test_vswitches_of_another_region_do_not_exist_here(world: World) -> None:
    other = network.default_subnets(Scope(ACCOUNT, "cn-beijing", Cloud.ALIYUN))[0]
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, VSwitchId=other.id)
    assert fault.code == "InvalidVSwitchId.NotFound"


@pytest.mark.parametrize(
    ("params", "code", "message", "status"),
    [
        (
            {"InstanceType": TYPE},
            "MissingParameter",
            "The input parameter ImageId that is mandatory for processing this request is not "
            "supplied.",
            400,
        ),
        (
            {"ImageId": IMAGE},
            "MissingParameter",
            "The input parameter InstanceType that is mandatory for processing this request is "
            "not supplied.",
            400,
        ),
        (
            {"ImageId": "m-bp67acfmxazb4p0000", "InstanceType": TYPE},
            "InvalidImageId.NotFound",
            "The specified ImageId does not exist.",
            404,
        ),
        (
            {"ImageId": IMAGE, "InstanceType": "ecs.g6.mega"},
            "InvalidInstanceType.ValueNotSupported",
            "The specified InstanceType does not exist or beyond the permitted range.",
            400,
        ),
        (
            {"ImageId": "ami-0c02fb55956c7d316", "InstanceType": TYPE},
            "InvalidImageId.NotFound",
            "The specified ImageId does not exist.",
            404,
        ),
    ],
)
def test_run_requires_a_known_image_and_type(
    world: World, params: dict[str, str], code: str, message: str, status: int
) -> None:
    expect(world.fault("RunInstances", **params), code, message, status)
    assert world.ids() == []


@pytest.mark.parametrize("amount", ["0", "101", "-1", "two", "1.5", "٣"])
def test_amount_is_one_to_one_hundred(world: World, amount: str) -> None:
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, Amount=amount)
    expect(fault, "InvalidParameter", "The specified parameter Amount is not valid.")


def test_amount_of_one_hundred_is_allowed(world: World) -> None:
    assert len(world.run(100)) == 100


@pytest.mark.parametrize("minimum", ["0", "4", "x"])
def test_min_amount_must_fit_under_amount(world: World, minimum: str) -> None:
    fault = world.fault(
        "RunInstances", ImageId=IMAGE, InstanceType=TYPE, Amount="3", MinAmount=minimum
    )
    expect(fault, "InvalidMinAmount.Malformed", "The specified parameter MinAmount is not valid.")
    assert len(world.run(3, MinAmount="2")) == 3


@pytest.mark.parametrize(
    "name", ["a", "1web", "-web", "web server", "web/1", "x" * 129, "http://x"]
)
def test_malformed_instance_names(world: World, name: str) -> None:
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, InstanceName=name)
    expect(
        fault,
        "InvalidInstanceName.Malformed",
        'The specified parameter "InstanceName" is not valid.',
    )


def test_names_may_be_chinese(world: World) -> None:
    [iid] = world.run(InstanceName="网站服务器-1")
    assert world.instance(iid)["InstanceName"] == "网站服务器-1"


@pytest.mark.parametrize("host", ["a", "-web", "web-", "web..1", "web--1", "web_1", "x" * 65, ".a"])
def test_malformed_host_names(world: World, host: str) -> None:
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, HostName=host)
    expect(fault, "InvalidHostName.Malformed", 'The specified parameter "HostName" is not valid.')


@pytest.mark.parametrize("text", ["a", "x" * 257, "http://example.com", "https://a"])
def test_malformed_descriptions(world: World, text: str) -> None:
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, Description=text)
    expect(
        fault, "InvalidDescription.Malformed", 'The specified parameter "Description" is not valid.'
    )


def test_unique_suffix_numbers_names_and_hostnames(world: World) -> None:
    ids = world.run(3, InstanceName="web", HostName="web", UniqueSuffix="True")
    described = {i["InstanceId"]: i for i in world.describe()}
    assert [described[i]["InstanceName"] for i in ids] == ["web001", "web002", "web003"]
    assert [described[i]["HostName"] for i in ids] == ["web001", "web002", "web003"]
    [single] = world.run(1, InstanceName="solo", UniqueSuffix="True")
    assert world.instance(single)["InstanceName"] == "solo"


def test_sequential_name_patterns(world: World) -> None:
    ids = world.run(2, InstanceName="k8s-node-[1,4]-alibabacloud", HostName="node[,2]")
    described = {i["InstanceId"]: i for i in world.describe()}
    assert [described[i]["InstanceName"] for i in ids] == [
        "k8s-node-0001-alibabacloud",
        "k8s-node-0002-alibabacloud",
    ]
    assert [described[i]["HostName"] for i in ids] == ["node00", "node01"]
    [plain] = world.run(1, InstanceName="db[]")
    assert world.instance(plain)["InstanceName"] == "db000000"


@pytest.mark.parametrize("name", ["web-[a,2]", "web-[1,7]", "web-[1,2", "a[1]b[2]", "web]"])
def test_malformed_name_patterns(world: World, name: str) -> None:
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, InstanceName=name)
    expect(
        fault,
        "InvalidInstanceName.CustomMalformed",
        "Customized section of instance or host name is invalid, please use valid format: "
        "[], [,], [m,], [,n], [m,n].",
    )


def test_unique_suffix_needs_three_places(world: World) -> None:
    params = {"ImageId": IMAGE, "InstanceType": TYPE, "Amount": "2", "UniqueSuffix": "True"}
    fault = world.fault("RunInstances", InstanceName="w" * 126, **params)
    expect(
        fault,
        "InvalidParams.InstanceNameExceed",
        "The uniqueSuffix takes three naming places, please shorten your InstanceName.",
        403,
    )
    fault = world.fault("RunInstances", HostName="h" * 62, **params)
    expect(
        fault,
        "InvalidParams.HostnameExceed",
        "The uniqueSuffix takes three naming places, please shorten your Hostname.",
        403,
    )


@pytest.mark.parametrize(
    ("tags", "code", "message"),
    [
        (
            {"Tag.1.Value": "v"},
            "InvalidTag.Mismatch",
            "The specified Tag.n.Key and Tag.n.Value are not match.",
        ),
        (
            {"Tag.21.Key": "k"},
            "InvalidTagCount",
            "The specified tags are beyond the permitted range.",
        ),
        (
            {"Tag.0.Key": "k"},
            "InvalidTagCount",
            "The specified tags are beyond the permitted range.",
        ),
        ({"Tag.1.Key": ""}, "InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid."),
        (
            {"Tag.1.Key": "acs:autoscaling:x"},
            "InvalidTagKey.Malformed",
            "The specified Tag.n.Key is not valid.",
        ),
        (
            {"Tag.1.Key": "aliyun-x"},
            "InvalidTagKey.Malformed",
            "The specified Tag.n.Key is not valid.",
        ),
        (
            {"Tag.1.Key": "k" * 129},
            "InvalidTagKey.Malformed",
            "The specified Tag.n.Key is not valid.",
        ),
        (
            {"Tag.1.Key": "see http://x"},
            "InvalidTagKey.Malformed",
            "The specified Tag.n.Key is not valid.",
        ),
        (
            {"Tag.1.Key": "k", "Tag.1.Value": "v" * 129},
            "InvalidTagValue.Malformed",
            "The specified Tag.n.Value is not valid.",
        ),
        (
            {"Tag.1.Key": "k", "Tag.1.Value": "acs:x"},
            "InvalidTagValue.Malformed",
            "The specified Tag.n.Value is not valid.",
        ),
        (
            {"Tag.1.Key": "k", "Tag.2.Key": "k"},
            "Duplicate.TagKey",
            "The Tag.N.Key contain duplicate key.",
        ),
    ],
)
def test_tag_errors(world: World, tags: dict[str, str], code: str, message: str) -> None:
    expect(world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, **tags), code, message)


def test_twenty_tags_fit(world: World) -> None:
    tags = {f"Tag.{n}.Key": f"k{n}" for n in range(1, 21)}
    [iid] = world.run(**tags)
    assert len(tags_of(world.instance(iid))) == 20


@pytest.mark.parametrize(
    ("params", "code", "message", "status"),
    [
        (
            {"InstanceChargeType": "Monthly"},
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records",
            404,
        ),
        (
            {"InternetChargeType": "Free"},
            "InvalidInternetChargeType.ValueNotSupported",
            "The specified InternetChargeType is not valid.",
            400,
        ),
        (
            {"SpotStrategy": "Cheap"},
            "InvalidSpotStrategy",
            "The specified SpotStrategy is not valid.",
            400,
        ),
        (
            {"InternetMaxBandwidthOut": "101"},
            "InvalidParameter",
            'The specified parameter "InternetMaxBandwidthOut" is not valid.',
            400,
        ),
        (
            {"InternetMaxBandwidthIn": "0"},
            "InvalidParameter",
            'The specified parameter "InternetMaxBandwidthIn" is not valid.',
            400,
        ),
        (
            {"UniqueSuffix": "yes"},
            "InvalidParameter",
            'The specified parameter "UniqueSuffix" is not valid.',
            400,
        ),
        (
            {"InstanceChargeType": "PrePaid"},
            "InvalidPeriod",
            "The specified period is not valid.",
            400,
        ),
        (
            {"InstanceChargeType": "PrePaid", "Period": "10"},
            "InvalidPeriod",
            "The specified period is not valid.",
            400,
        ),
        (
            {"InstanceChargeType": "PrePaid", "Period": "1", "PeriodUnit": "Year"},
            "InvalidPeriod",
            "The specified period is not valid.",
            400,
        ),
        (
            {"UserData": "not base64!"},
            "InvalidUserData.Base64FormatInvalid",
            "The specified UserData is not valid.",
            400,
        ),
        (
            {"UserData": "QUJD" * 9000},
            "InvalidUserData.SizeExceeded",
            'The specified parameter "UserData" exceeds the size.',
            400,
        ),
        (
            {"ClientToken": "t" * 65},
            "InvalidClientToken.ValueNotSupported",
            "The ClientToken provided is invalid.",
            400,
        ),
        (
            {"ClientToken": "tökén"},
            "InvalidClientToken.ValueNotSupported",
            "The ClientToken provided is invalid.",
            400,
        ),
        (
            {"KeyPairName": "k" * 129},
            "InvalidKeyPairName.NotFound",
            "The specified parameter KeyPairName does not exist in our records.",
            404,
        ),
        (
            {"SecurityGroupId": "sg-1", "SecurityGroupIds.1": "sg-2"},
            "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            "The parameters SecurityGroupId and SecurityGroupIds.N cannot be specified at the "
            "same time.",
            400,
        ),
        (
            {"InstanceName": "ok-name", "Amount": "2", "DryRun": "maybe"},
            "InvalidParameter",
            'The specified parameter "DryRun" is not valid.',
            400,
        ),
        (
            {"NulName": "a\x00b"},
            "InvalidParameter",
            'The specified parameter "NulName" is not valid.',
            400,
        ),
    ],
)
def test_run_parameter_errors(
    world: World, params: dict[str, str], code: str, message: str, status: int
) -> None:
    fault = world.fault("RunInstances", ImageId=IMAGE, InstanceType=TYPE, **params)
    expect(fault, code, message, status)
    assert world.ids() == []


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("RunInstances", "The SecurityGroupId provided does not exist in our records."),
        ("CreateInstance", "The specified SecurityGroupId does not exist."),
    ],
)
def test_malformed_security_groups_do_not_exist(world: World, action: str, message: str) -> None:
    for group in ("default", "sg_1", "SG-ABC", "sg-bp15ed6xe1yxeycg7abc"):
        fault = world.fault(action, ImageId=IMAGE, InstanceType=TYPE, SecurityGroupId=group)
        expect(fault, "InvalidSecurityGroupId.NotFound", message, 404)


def test_several_security_groups(world: World) -> None:
    a, b = (world.call("CreateSecurityGroup")["SecurityGroupId"] for _ in range(2))
    [iid] = world.run(**{"SecurityGroupIds.1": a, "SecurityGroupIds.2": b})
    assert world.instance(iid)["SecurityGroupIds"]["SecurityGroupId"] == [a, b]


def test_dry_run_validates_and_creates_nothing(world: World) -> None:
    for action in ("RunInstances", "CreateInstance"):
        fault = world.fault(action, ImageId=IMAGE, InstanceType=TYPE, DryRun="True")
        expect(fault, "DryRunOperation", "Request validation has been passed with DryRun flag set.")
        fault = world.fault(action, ImageId="nope", InstanceType=TYPE, DryRun="True")
        assert fault.code == "InvalidImageId.NotFound"
    assert world.ids() == []


def test_client_token_replays_the_same_instances(world: World) -> None:
    first = world.run(3, ClientToken="abc-123")
    again = world.run(3, ClientToken="abc-123")
    other = world.run(3, ClientToken="abc-1234")
    assert first == again and set(first).isdisjoint(other)
    assert len(world.ids()) == 6
    world.wait(5)
    world.call("DeleteInstances", Force="True", **{"InstanceId.1": first[0]})
    assert world.run(3, ClientToken="abc-123") == first  # released ones are still the answer


def test_client_token_replays_create_instance(world: World) -> None:
    first = world.create(ClientToken="create-1")
    assert world.create(ClientToken="create-1") == first
    assert len(world.ids()) == 1


def test_client_tokens_are_per_region(world: World) -> None:
    here = world.run(ClientToken="t")
    there = world.run(1, Scope(ACCOUNT, "cn-beijing", Cloud.ALIYUN), ClientToken="t")
    assert here != there


def test_prepaid_instances_expire_and_resist_release(world: World) -> None:
    out = world.call(
        "RunInstances",
        ImageId=IMAGE,
        InstanceType=TYPE,
        InstanceChargeType="PrePaid",
        Period="1",
    )
    [iid] = out["InstanceIdSets"]["InstanceIdSet"]
    assert re.fullmatch(r"[0-9a-f]{12}", out["OrderId"])
    instance = world.instance(iid)
    assert instance["InstanceChargeType"] == "PrePaid" and instance["SaleCycle"] == "Month"
    assert instance["ExpiredTime"] == "2026-01-31T16:00Z"
    world.wait(5)
    fault = world.fault("DeleteInstance", InstanceId=iid, Force="True")
    expect(
        fault,
        "ChargeTypeViolation",
        "The operation is not permitted due to charge type of the instance.",
        403,
    )
    world.call(
        "DeleteInstances", Force="True", TerminateSubscription="True", **{"InstanceId.1": iid}
    )
    assert world.ids() == []
    weekly = world.create(InstanceChargeType="PrePaid", Period="2", PeriodUnit="Week")
    assert world.instance(weekly)["ExpiredTime"] == "2026-01-15T16:00Z"


# -- CreateInstance --------------------------------------------------------------------------------


def test_create_instance_is_stopped_until_started(world: World) -> None:
    out = world.call("CreateInstance", ImageId=IMAGE, InstanceType="ecs.t6-c1m1.large")
    assert list(out) == ["InstanceId"] and ALIYUN_ID.fullmatch(out["InstanceId"])
    iid = out["InstanceId"]
    instance = world.instance(iid)
    assert instance["Status"] == "Stopped" and instance["StartTime"] == ""
    assert instance["StoppedMode"] == "KeepCharging"
    assert instance["CreditSpecification"] == "Standard"
    assert world.wait(60) == []  # no timer runs for a created instance
    assert world.call("StartInstance", InstanceId=iid) == {}
    assert world.status(iid) == "Starting"
    assert world.instance(iid)["StartTime"] == "2026-01-01T00:01Z"
    assert world.wait(5) == [iid]
    assert world.status(iid) == "Running"


def test_create_instance_starts_at_the_same_instant_as_starting(world: World) -> None:
    iid = world.create()
    world.call("StartInstance", InstanceId=iid)
    assert world.status(iid) == "Starting"
    assert world.ids(Status="Starting") == [iid] and world.ids(Status="Pending") == []


def test_create_instance_errors(world: World) -> None:
    expect(
        world.fault("CreateInstance", InstanceType=TYPE),
        "MissingParameter",
        "The input parameter ImageId that is mandatory for processing this request is not "
        "supplied.",
    )
    expect(
        world.fault("CreateInstance", ImageId=IMAGE, InstanceType="t3.micro"),
        "InvalidInstanceType.ValueNotSupported",
        "The specified InstanceType does not exist or beyond the permitted range.",
    )
    assert world.ids() == []


# -- the clock -------------------------------------------------------------------------------------


def test_pending_then_starting_then_running(world: World) -> None:
    [iid] = world.run()
    assert world.status(iid) == "Pending"
    assert world.wait(2) == []
    assert world.status(iid) == "Pending"
    world.clock.advance(1)
    assert world.status(iid) == "Starting"  # past half the boot, before the timer fires
    assert world.wait(2) == [iid]
    assert world.status(iid) == "Running"


def test_stop_then_stopped_then_start_again(world: World) -> None:
    [iid] = world.running()
    assert world.call("StopInstance", InstanceId=iid) == {}
    assert world.status(iid) == "Stopping"
    assert world.wait(3) == [iid]
    instance = world.instance(iid)
    assert instance["Status"] == "Stopped" and instance["StoppedMode"] == "KeepCharging"
    world.call("StartInstance", InstanceId=iid)
    assert world.status(iid) == "Starting"
    world.wait(5)
    instance = world.instance(iid)
    assert instance["Status"] == "Running" and instance["StoppedMode"] == "Not-applicable"
    assert instance["StartTime"] == "2026-01-01T00:00Z"  # 8 seconds in, same minute


def test_stopped_mode_is_reported(world: World) -> None:
    [iid] = world.running()
    world.call("StopInstance", InstanceId=iid, StoppedMode="StopCharging", ForceStop="True")
    assert world.instance(iid)["StoppedMode"] == "StopCharging"
    world.wait(3)
    assert world.instance(iid)["StoppedMode"] == "StopCharging"


def test_released_instances_disappear(world: World) -> None:
    [iid] = world.running()
    world.call("DeleteInstance", InstanceId=iid, Force="True")
    assert world.state(iid) == "shutting-down"
    assert world.ids() == [] and world.call("DescribeInstances")["TotalCount"] == 0
    assert world.wait(3) == [iid]
    assert world.state(iid) == "terminated" and world.ids() == []
    expect(world.fault("StartInstance", InstanceId=iid), *NOT_FOUND)
    expect(world.fault("DeleteInstance", InstanceId=iid, Force="True"), *NOT_FOUND)


# -- DescribeInstances -----------------------------------------------------------------------------


def test_pages_and_counts(world: World) -> None:
    for _ in range(5):
        world.run(5)
        world.clock.advance(1)
    seen: list[str] = []
    for number, expected in ((1, 10), (2, 10), (3, 5), (4, 0)):
        out = world.call("DescribeInstances", PageNumber=str(number), PageSize="10")
        assert (out["TotalCount"], out["PageNumber"], out["PageSize"]) == (25, number, 10)
        page = [i["InstanceId"] for i in out["Instances"]["Instance"]]
        assert len(page) == expected
        seen += page
    assert len(set(seen)) == 25
    default = world.call("DescribeInstances")
    assert (default["PageNumber"], default["PageSize"]) == (1, 10)
    assert [i["InstanceId"] for i in default["Instances"]["Instance"]] == seen[:10]


def test_a_page_is_one_query_plus_a_count(world: World) -> None:
    world.run(12, **{"Tag.1.Key": "k"})
    statements: list[str] = []
    event.listen(world.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    out = world.call("DescribeInstances", PageSize="5", PageNumber="2")
    assert len(out["Instances"]["Instance"]) == 5 and out["TotalCount"] == 12
    reads = [s for s in statements if "FROM machines" in s and "FROM machine_tags" not in s]
    assert len(reads) == 2
    assert sum("count(" in s.lower() for s in reads) == 1
    assert sum("LIMIT" in s for s in reads) == 1
    assert sum("FROM machine_tags" in s for s in statements) == 1


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"PageSize": "101"}, "PageSize"),
        ({"PageSize": "0"}, "PageSize"),
        ({"PageSize": "ten"}, "PageSize"),
        ({"PageNumber": "0"}, "PageNumber"),
        ({"PageNumber": "2147483648"}, "PageNumber"),
        ({"InstanceIds": "i-1,i-2"}, "InstanceIds"),
        ({"InstanceIds": '{"a": 1}'}, "InstanceIds"),
        ({"InstanceIds": "[1, 2]"}, "InstanceIds"),
        ({"InstanceIds": str([f"i-{n}" for n in range(101)]).replace("'", '"')}, "InstanceIds"),
        ({"PrivateIpAddresses": "172.31.0.1"}, "PrivateIpAddresses"),
        ({"DryRun": "1"}, "DryRun"),
    ],
)
def test_describe_parameter_errors(world: World, params: dict[str, str], name: str) -> None:
    fault = world.fault("DescribeInstances", **params)
    expect(fault, "InvalidParameter", f'The specified parameter "{name}" is not valid.')


def test_page_size_one_hundred_is_allowed(world: World) -> None:
    world.run(3)
    assert world.call("DescribeInstances", PageSize="100")["TotalCount"] == 3


@pytest.mark.parametrize(
    ("params", "code", "message", "status"),
    [
        ({"Status": "running"}, "InvalidStatus.NotFound", "The specified Status is not found", 404),
        (
            {"InstanceChargeType": "Free"},
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records",
            404,
        ),
        (
            {"InternetChargeType": "Free"},
            "InvalidInternetChargeType.ValueNotSupported",
            "The specified InternetChargeType is not valid",
            404,
        ),
        (
            {"InstanceNetworkType": "vlan"},
            "InvalidNetworkType.NotFound",
            "The specified InstanceNetworkType is not found",
            404,
        ),
        (
            {"Tag.1.Value": "v"},
            "InvalidTag.Mismatch",
            "The specified Tag.n.Key and Tag.n.Value are not match.",
            400,
        ),
        (
            {"Tag.21.Key": "k"},
            "InvalidTagCount",
            "The specified tags are beyond the permitted range.",
            400,
        ),
        (
            {"DryRun": "True"},
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
            400,
        ),
    ],
)
def test_describe_filter_errors(
    world: World, params: dict[str, str], code: str, message: str, status: int
) -> None:
    expect(world.fault("DescribeInstances", **params), code, message, status)


def test_instance_ids_filter_ignores_unknown_ids(world: World) -> None:
    ids = world.run(3)
    wanted = f'["{ids[0]}", "{ids[2]}", "i-00000000000000000000", "garbage"]'
    out = world.call("DescribeInstances", InstanceIds=wanted)
    assert sorted(i["InstanceId"] for i in out["Instances"]["Instance"]) == sorted([ids[0], ids[2]])
    assert out["TotalCount"] == 2
    assert world.call("DescribeInstances", InstanceIds="[]")["TotalCount"] == 0
    nothing = world.call("DescribeInstances", InstanceIds='["i-00000000000000000000"]')
    assert nothing == {
        "Instances": {"Instance": []},
        "TotalCount": 0,
        "PageNumber": 1,
        "PageSize": 10,
    }


def test_placement_filters(world: World) -> None:
    subnets = network.default_subnets(SCOPE)
    a = world.run(2, VSwitchId=subnets[0].id)
    b = world.run(1, VSwitchId=subnets[1].id)
    assert sorted(world.ids(ZoneId=subnets[0].zone)) == sorted(a)
    assert world.ids(VSwitchId=subnets[1].id) == b
    assert sorted(world.ids(VpcId=network.default_vpc(SCOPE))) == sorted(a + b)
    assert world.ids(VpcId="vpc-other") == [] and world.ids(ZoneId="cn-hangzhou-z") == []
    ip = world.instance(b[0])["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
    assert world.ids(PrivateIpAddresses=f'["{ip}"]') == b


def test_status_filters(world: World) -> None:
    [stopped] = world.running()
    world.call("StopInstance", InstanceId=stopped)
    world.wait(3)
    [running] = world.running()
    [stopping] = world.running()
    world.call("StopInstance", InstanceId=stopping)
    world.call("StartInstance", InstanceId=stopped)
    [pending] = world.run()
    world.wait(1)
    assert world.ids(Status="Running") == [running]
    assert world.ids(Status="Stopping") == [stopping]
    assert world.ids(Status="Starting") == [stopped]
    assert world.ids(Status="Pending") == [pending]
    assert world.ids(Status="Stopped") == []
    world.wait(2)  # the fresh instance is past half its boot now
    assert sorted(world.ids(Status="Starting")) == sorted([stopped, pending])
    assert world.ids(Status="Stopped") == [stopping]


def test_name_filters_take_a_star_wildcard(world: World) -> None:
    web = world.run(2, InstanceName="web-[1,2]")
    [db] = world.run(1, InstanceName="db-01")
    [odd] = world.run(1, InstanceName="a_b.c")
    [unnamed] = world.run()
    assert sorted(world.ids(InstanceName="web-*")) == sorted(web)
    assert world.ids(InstanceName="db-01") == [db]
    assert sorted(world.ids(InstanceName="*-01")) == sorted([web[0], db])
    assert world.ids(InstanceName="WEB-*") == []  # case-sensitive
    assert world.ids(InstanceName="a_b*") == [odd]
    assert world.ids(InstanceName="a%b*") == [] and world.ids(InstanceName="a?b*") == []
    assert world.ids(InstanceName="a[_]b*") == []
    assert world.ids(InstanceName=unnamed) == [unnamed]  # the default name is the id
    assert world.ids(InstanceName="*") == world.ids()


def test_type_image_and_key_filters(world: World) -> None:
    [g6] = world.run(InstanceType="ecs.g6.xlarge", KeyPairName="deploy")
    [c7] = world.run(InstanceType="ecs.c7.large", ImageId=UBUNTU)
    [t5] = world.run(InstanceType="ecs.t5-lc1m1.small")
    assert world.ids(InstanceType="ecs.c7.large") == [c7]
    assert world.ids(InstanceTypeFamily="ecs.g6") == [g6]
    assert world.ids(InstanceTypeFamily="ecs.t5") == [t5]
    assert world.ids(InstanceTypeFamily="ecs.g") == [] and world.ids(InstanceTypeFamily="%") == []
    assert world.ids(ImageId=UBUNTU) == [c7]
    assert world.ids(KeyPairName="deploy") == [g6]
    assert world.instance(t5)["InstanceTypeFamily"] == "ecs.t5"


def test_security_group_filter(world: World) -> None:
    first, second = (world.call("CreateSecurityGroup")["SecurityGroupId"] for _ in range(2))
    [a] = world.run(SecurityGroupId=first)
    [b] = world.run(**{"SecurityGroupIds.1": second, "SecurityGroupIds.2": first})
    [default] = world.run()
    assert sorted(world.ids(SecurityGroupId=first)) == sorted([a, b])
    assert world.ids(SecurityGroupId=second) == [b]
    assert world.ids(SecurityGroupId=default_security_group(SCOPE)) == [default]
    assert world.ids(SecurityGroupId=first[:-1]) == []


def test_charge_and_network_filters(world: World) -> None:
    [prepaid] = world.run(InstanceChargeType="PrePaid", Period="1")
    [bandwidth] = world.run(InternetChargeType="PayByBandwidth")
    [plain] = world.run()
    assert world.ids(InstanceChargeType="PrePaid") == [prepaid]
    assert sorted(world.ids(InstanceChargeType="PostPaid")) == sorted([bandwidth, plain])
    assert world.ids(InternetChargeType="PayByBandwidth") == [bandwidth]
    assert len(world.ids(InternetChargeType="PayByTraffic")) == 2
    assert world.ids(InstanceNetworkType="classic") == []
    assert len(world.ids(InstanceNetworkType="vpc")) == 3


def test_tag_filters(world: World) -> None:
    [both] = world.run(**{"Tag.1.Key": "env", "Tag.1.Value": "prod", "Tag.2.Key": "team"})
    [env] = world.run(**{"Tag.1.Key": "env", "Tag.1.Value": "dev"})
    world.run()
    assert sorted(world.ids(**{"Tag.1.Key": "env"})) == sorted([both, env])
    assert world.ids(**{"Tag.1.Key": "env", "Tag.1.Value": "dev"}) == [env]
    assert world.ids(**{"Tag.1.Key": "env", "Tag.2.Key": "team"}) == [both]
    assert world.ids(**{"Tag.1.key": "env", "Tag.1.value": "prod"}) == [both]
    assert world.ids(**{"Tag.1.Key": "env", "Tag.1.Value": "staging"}) == []
    assert world.ids(**{"Tag.1.Key": "Env"}) == []


def test_describes_stay_in_their_scope(world: World) -> None:
    [mine] = world.run()
    world.run(1, Scope(ACCOUNT, "cn-beijing", Cloud.ALIYUN))
    world.run(1, Scope("999", "cn-hangzhou", Cloud.ALIYUN))
    aws = Scope(ACCOUNT, "cn-hangzhou", Cloud.AWS)
    world.compute.launch(
        aws, LaunchSpec("ami-0c02fb55956c7d316", "t3.micro"), network.default_subnets(aws)[0], "x"
    )
    assert world.ids() == [mine]
    assert world.call("DescribeInstanceStatus")["TotalCount"] == 1
    expect(
        world.fault("StopInstance", Scope(ACCOUNT, "cn-beijing", Cloud.ALIYUN), InstanceId=mine),
        *NOT_FOUND,
    )


def test_engine_made_machines_render_with_ecs_defaults(world: World) -> None:
    subnet = network.default_subnets(SCOPE)[2]
    machine = world.compute.launch(SCOPE, LaunchSpec(IMAGE, "ecs.c6.xlarge"), subnet, "activity")
    world.compute.tag(SCOPE, [machine.id], {"acs:autoscaling:scalingGroupId": "asg-1"})
    instance = world.instance(machine.id)
    assert ALIYUN_ID.fullmatch(machine.id)
    assert instance["InstanceName"] == machine.id and instance["Status"] == "Pending"
    assert (instance["Cpu"], instance["Memory"]) == (4, 8192)
    assert instance["SecurityGroupIds"] == {"SecurityGroupId": []}
    assert tags_of(instance) == {"acs:autoscaling:scalingGroupId": "asg-1"}
    assert instance["ZoneId"] == subnet.zone
    world.wait(5)
    assert world.status(machine.id) == "Running"


# -- DescribeInstanceStatus ------------------------------------------------------------------------


def test_instance_status_pages_and_filters(world: World) -> None:
    subnets = network.default_subnets(SCOPE)
    first = world.run(3, VSwitchId=subnets[0].id)
    world.clock.advance(1)
    world.run(2, VSwitchId=subnets[1].id)
    out = world.call("DescribeInstanceStatus", PageSize="2", PageNumber="2")
    assert (out["TotalCount"], out["PageNumber"], out["PageSize"]) == (5, 2, 2)
    assert [set(s) for s in out["InstanceStatuses"]["InstanceStatus"]] == [
        {"InstanceId", "Status"}
    ] * 2
    zone = world.call("DescribeInstanceStatus", ZoneId=subnets[0].zone)
    assert sorted(s["InstanceId"] for s in zone["InstanceStatuses"]["InstanceStatus"]) == sorted(
        first
    )
    world.wait(5)
    world.call("StopInstance", InstanceId=first[0])
    picked = world.call(
        "DescribeInstanceStatus", **{"InstanceId.1": first[0], "InstanceId.2": first[1]}
    )
    assert {s["InstanceId"]: s["Status"] for s in picked["InstanceStatuses"]["InstanceStatus"]} == {
        first[0]: "Stopping",
        first[1]: "Running",
    }
    assert world.call("DescribeInstanceStatus", PageSize="50")["PageSize"] == 50
    expect(
        world.fault("DescribeInstanceStatus", PageSize="51"),
        "InvalidParameter",
        'The specified parameter "PageSize" is not valid.',
    )
    many = {f"InstanceId.{n}": f"i-{n}" for n in range(1, 102)}
    expect(
        world.fault("DescribeInstanceStatus", **many),
        "InvalidParameter.TooManyInstanceIds",
        "Instance ids cannot be more than 100.",
        403,
    )


# -- Start / Stop ----------------------------------------------------------------------------------


def test_start_and_stop_refuse_the_wrong_states(world: World) -> None:
    [iid] = world.run()
    expect(world.fault("StopInstance", InstanceId=iid), *INCORRECT)  # Pending
    expect(world.fault("StartInstance", InstanceId=iid), *INCORRECT)
    world.wait(5)
    expect(world.fault("StartInstance", InstanceId=iid), *INCORRECT)  # Running
    world.call("StopInstance", InstanceId=iid)
    expect(world.fault("StopInstance", InstanceId=iid), *INCORRECT)  # Stopping
    expect(world.fault("StartInstance", InstanceId=iid), *INCORRECT)
    world.wait(3)
    expect(world.fault("StopInstance", InstanceId=iid), *INCORRECT)  # Stopped
    world.call("StartInstance", InstanceId=iid)
    expect(world.fault("StopInstance", InstanceId=iid), *INCORRECT)  # Starting


@pytest.mark.parametrize("action", ["StartInstance", "StopInstance", "DeleteInstance"])
def test_single_instance_actions_need_a_known_id(world: World, action: str) -> None:
    expect(world.fault(action, InstanceId="i-00000000000000000000"), *NOT_FOUND)
    expect(
        world.fault(action),
        "MissingParameter",
        'The input parameter "InstanceId" that is mandatory for processing this request is not '
        "supplied.",
    )


def test_stop_instance_options_are_checked(world: World) -> None:
    [iid] = world.running()
    for name, value in (("StoppedMode", "Sleep"), ("ForceStop", "perhaps"), ("ConfirmStop", "y")):
        expect(
            world.fault("StopInstance", InstanceId=iid, **{name: value}),
            "InvalidParameter",
            f'The specified parameter "{name}" is not valid.',
        )
    expect(
        world.fault("StopInstance", InstanceId=iid, DryRun="True"),
        "DryRunOperation",
        "Request validation has been passed with DryRun flag set.",
    )
    assert world.status(iid) == "Running"


def test_batch_start_and_stop_report_each_instance(world: World) -> None:
    ids = world.running(3)
    out = world.call("StopInstances", **{f"InstanceId.{n}": i for n, i in enumerate(ids, 1)})
    assert out == {
        "InstanceResponses": {
            "InstanceResponse": [
                {
                    "Code": "200",
                    "Message": "success",
                    "InstanceId": i,
                    "PreviousStatus": "Running",
                    "CurrentStatus": "Stopping",
                }
                for i in ids
            ]
        }
    }
    world.wait(3)
    out = world.call("StartInstances", **{"InstanceId.2": ids[1], "InstanceId.1": ids[0]})
    responses = out["InstanceResponses"]["InstanceResponse"]
    assert [(r["InstanceId"], r["PreviousStatus"], r["CurrentStatus"]) for r in responses] == [
        (ids[0], "Stopped", "Starting"),
        (ids[1], "Stopped", "Starting"),
    ]
    assert [world.status(i) for i in ids] == ["Starting", "Starting", "Stopped"]


def test_all_together_fails_the_whole_batch(world: World) -> None:
    ids = world.running(2)
    world.call("StopInstance", InstanceId=ids[1])
    fault = world.fault("StopInstances", **{"InstanceId.1": ids[0], "InstanceId.2": ids[1]})
    expect(fault, *INCORRECT)
    assert world.status(ids[0]) == "Running"
    fault = world.fault(
        "StopInstances",
        BatchOptimization="AllTogether",
        **{"InstanceId.1": ids[0], "InstanceId.2": "i-00000000000000000000"},
    )
    expect(fault, *NOT_FOUND)
    assert world.status(ids[0]) == "Running"


def test_success_first_moves_what_it_can(world: World) -> None:
    ids = world.running(2)
    world.call("StopInstance", InstanceId=ids[1])
    out = world.call(
        "StopInstances",
        BatchOptimization="SuccessFirst",
        **{"InstanceId.1": ids[0], "InstanceId.2": ids[1], "InstanceId.3": "i-0"},
    )
    assert out["InstanceResponses"]["InstanceResponse"] == [
        {
            "Code": "200",
            "Message": "success",
            "InstanceId": ids[0],
            "PreviousStatus": "Running",
            "CurrentStatus": "Stopping",
        },
        {
            "Code": "IncorrectInstanceStatus",
            "Message": "The current status of the resource does not support this operation.",
            "InstanceId": ids[1],
            "PreviousStatus": "Stopping",
            "CurrentStatus": "Stopping",
        },
        {
            "Code": "InvalidInstanceId.NotFound",
            "Message": "The specified InstanceId does not exist.",
            "InstanceId": "i-0",
            "PreviousStatus": "",
            "CurrentStatus": "",
        },
    ]
    assert world.status(ids[0]) == "Stopping"


def test_batch_errors(world: World) -> None:
    expect(
        world.fault("StopInstances"),
        "InvalidInstanceId.NotFound",
        "InstanceId should not be null.",
        403,
    )
    for action in ("StartInstances", "DeleteInstances"):
        expect(
            world.fault(action),
            "MissingParameter",
            'The input parameter "InstanceId" that is mandatory for processing this request is '
            "not supplied.",
        )
    many = {f"InstanceId.{n}": f"i-{n}" for n in range(1, 102)}
    for action in ("StartInstances", "StopInstances", "DeleteInstances"):
        expect(
            world.fault(action, **many),
            "InvalidParameter.TooManyInstanceIds",
            "Instance ids cannot be more than 100.",
            403,
        )
    expect(
        world.fault("StartInstances", BatchOptimization="Some", **{"InstanceId.1": "i-1"}),
        "InvalidParameter",
        'The specified parameter "BatchOptimization" is not valid.',
    )


def test_batch_dry_runs_move_nothing(world: World) -> None:
    [iid] = world.running()
    for action in ("StopInstances", "DeleteInstances"):
        expect(
            world.fault(action, DryRun="True", Force="True", **{"InstanceId.1": iid}),
            "DRYRUN.SUCCESS",
            "This request is a dryrun request with successful result.",
        )
    assert world.status(iid) == "Running"
    expect(
        world.fault("StopInstances", DryRun="True", **{"InstanceId.1": "i-0"}),
        *NOT_FOUND,
    )


def test_duplicate_ids_in_a_batch_count_once(world: World) -> None:
    [iid] = world.running()
    out = world.call("StopInstances", **{"InstanceId.1": iid, "InstanceId.2": iid})
    assert len(out["InstanceResponses"]["InstanceResponse"]) == 1


# -- Delete ----------------------------------------------------------------------------------------


def test_delete_a_running_instance_needs_force(world: World) -> None:
    [iid] = world.running()
    expect(world.fault("DeleteInstance", InstanceId=iid), *INCORRECT)
    expect(world.fault("DeleteInstance", InstanceId=iid, Force="False"), *INCORRECT)
    assert world.call("DeleteInstance", InstanceId=iid, Force="True") == {}
    assert world.ids() == []


def test_delete_a_stopped_instance_without_force(world: World) -> None:
    iid = world.create()
    assert world.call("DeleteInstance", InstanceId=iid) == {}
    assert world.ids() == []


def test_delete_refuses_initializing_and_protected_instances(world: World) -> None:
    [iid] = world.run()
    expect(
        world.fault("DeleteInstance", InstanceId=iid, Force="True"),
        "IncorrectInstanceStatus.Initializing",
        "The specified instance status does not support this operation.",
        403,
    )
    [protected] = world.running(DeletionProtection="True")
    for action, params in (
        ("DeleteInstance", {"InstanceId": protected}),
        ("DeleteInstances", {"InstanceId.1": protected}),
    ):
        expect(
            world.fault(action, Force="True", **params),
            "InvalidOperation.DeletionProtection",
            "The operation is not allowed due to deletion protection.",
            403,
        )
    assert protected in world.ids()


def test_delete_instances_is_all_or_nothing(world: World) -> None:
    ids = world.running(3)
    expect(
        world.fault(
            "DeleteInstances", **{"InstanceId.1": ids[0], "InstanceId.2": "i-00000000000000000000"}
        ),
        *NOT_FOUND,
    )
    expect(world.fault("DeleteInstances", **{"InstanceId.1": ids[0]}), *INCORRECT)
    assert sorted(world.ids()) == sorted(ids)
    out = world.call(
        "DeleteInstances", Force="True", **{f"InstanceId.{n}": i for n, i in enumerate(ids, 1)}
    )
    assert out == {} and world.ids() == []
    assert sorted(world.wait(3)) == sorted(ids)


def test_delete_dry_run(world: World) -> None:
    [iid] = world.running()
    expect(
        world.fault("DeleteInstance", InstanceId=iid, Force="True", DryRun="True"),
        "DryRunOperation",
        "Request validation has been passed with DryRun flag set.",
    )
    assert world.ids() == [iid]


# -- DescribeImages --------------------------------------------------------------------------------


def test_describe_images_lists_the_catalogue(world: World) -> None:
    out = world.call("DescribeImages")
    assert (out["TotalCount"], out["PageNumber"], out["PageSize"]) == (4, 1, 10)
    assert out["RegionId"] == "cn-hangzhou"
    images = out["Images"]["Image"]
    assert [i["ImageId"] for i in images] == [i.id for i in ALIYUN_IMAGES]
    first = images[0]
    assert first["ImageOwnerAlias"] == "system" and first["Status"] == "Available"
    assert first["OSType"] == "linux" and first["Architecture"] == "x86_64"
    assert first["Platform"] == "Aliyun" and first["Size"] == 20
    assert first["OSName"] == "Alibaba Cloud Linux 3.2104 LTS 64 bit"
    assert first["Usage"] == "none" and first["IsSupportCloudinit"] is True
    [disk] = first["DiskDeviceMappings"]["DiskDeviceMapping"]
    assert disk["Size"] == "20" and disk["Type"] == "system"


def test_describe_images_filters_and_pages(world: World) -> None:
    world.run(ImageId=UBUNTU)
    ids = ",".join([IMAGE, UBUNTU, "m-unknown"])
    assert world.call("DescribeImages", ImageId=ids)["TotalCount"] == 2
    assert world.call("DescribeImages", ImageId="m-unknown")["TotalCount"] == 0
    used = world.call("DescribeImages", Usage="instance")["Images"]["Image"]
    assert [i["ImageId"] for i in used] == [UBUNTU]
    assert world.call("DescribeImages", Usage="none")["TotalCount"] == 3
    assert world.call("DescribeImages", ImageOwnerAlias="self")["TotalCount"] == 0
    assert world.call("DescribeImages", ImageOwnerAlias="system,self")["TotalCount"] == 4
    assert world.call("DescribeImages", OSType="windows")["TotalCount"] == 0
    assert world.call("DescribeImages", Architecture="arm64")["TotalCount"] == 0
    assert world.call("DescribeImages", Status="Deprecated")["TotalCount"] == 0
    assert world.call("DescribeImages", ImageName="ubuntu")["TotalCount"] == 1
    assert world.call("DescribeImages", InstanceType=TYPE)["TotalCount"] == 4
    second = world.call("DescribeImages", PageSize="3", PageNumber="2")
    assert len(second["Images"]["Image"]) == 1 and second["TotalCount"] == 4


@pytest.mark.parametrize(
    ("params", "code", "message", "status"),
    [
        (
            {"ImageOwnerAlias": "amazon"},
            "InvalidImageOwnerAlias.ValueNotSupported",
            "The specified ImageOwnerAlias value is not supported.",
            400,
        ),
        ({"OSType": "macos"}, "InvalidOSType", "The specifed OSType is not valid", 404),
        (
            {"Architecture": "sparc"},
            "InvalidArchitecture",
            "The specifed Architecture is not valid",
            404,
        ),
        ({"Usage": "busy"}, "InvalidUsage", "The specifed Usage is not valid", 404),
        (
            {"InstanceType": "t3.micro"},
            "InvalidInstanceType.ValueNotSupported",
            "The specified InstanceType does not exist or beyond the permitted range.",
            400,
        ),
        (
            {"PageSize": "101"},
            "InvalidParameter",
            'The specified parameter "PageSize" is not valid.',
            400,
        ),
        (
            {"DryRun": "True"},
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
            400,
        ),
    ],
)
def test_describe_images_errors(
    world: World, params: dict[str, str], code: str, message: str, status: int
) -> None:
    expect(world.fault("DescribeImages", **params), code, message, status)


# -- DescribeInstanceTypes -------------------------------------------------------------------------


def test_describe_instance_types(world: World) -> None:
    out = world.call("DescribeInstanceTypes")
    kinds = out["InstanceTypes"]["InstanceType"]
    assert len(kinds) == len(TYPES) >= 25 and out["NextToken"] == ""
    g6 = next(k for k in kinds if k["InstanceTypeId"] == "ecs.g6.large")
    assert g6["CpuCoreCount"] == 2 and g6["MemorySize"] == 8.0
    assert isinstance(g6["MemorySize"], float) and isinstance(g6["CpuCoreCount"], int)
    assert g6["InstanceTypeFamily"] == "ecs.g6" and g6["InstanceFamilyLevel"] == "EnterpriseLevel"
    assert (g6["EniQuantity"], g6["EniPrivateIpAddressQuantity"]) == (2, 6)
    t5 = next(k for k in kinds if k["InstanceTypeId"] == "ecs.t5-lc1m1.small")
    assert t5["InstanceTypeFamily"] == "ecs.t5" and t5["InstanceFamilyLevel"] == "CreditEntryLevel"
    assert (t5["CpuCoreCount"], t5["MemorySize"], t5["BaselineCredit"]) == (1, 1.0, 6)
    for family in ("ecs.t5", "ecs.t6", "ecs.g6", "ecs.g7", "ecs.c6", "ecs.c7", "ecs.r6", "ecs.u1"):
        assert any(k["InstanceTypeFamily"] == family for k in kinds), family
    for required in ("ecs.t5-lc1m1.small", "ecs.t6-c1m1.large", "ecs.u1-c1m1.large"):
        assert required in TYPES
    for size in ("large", "xlarge", "2xlarge"):
        assert f"ecs.g6.{size}" in TYPES and f"ecs.g7.{size}" in TYPES


def test_describe_instance_types_filters_and_pages(world: World) -> None:
    asked = world.call(
        "DescribeInstanceTypes",
        **{
            "InstanceTypes.1": "ecs.c7.large",
            "InstanceTypes.2": "ecs.r6.xlarge",
            "InstanceTypes.3": "x",
        },
    )
    assert [k["InstanceTypeId"] for k in asked["InstanceTypes"]["InstanceType"]] == [
        "ecs.c7.large",
        "ecs.r6.xlarge",
    ]
    family = world.call("DescribeInstanceTypes", InstanceTypeFamily="ecs.g7")
    assert len(family["InstanceTypes"]["InstanceType"]) == 3
    big = world.call("DescribeInstanceTypes", MinimumCpuCoreCount="16")
    assert [k["InstanceTypeId"] for k in big["InstanceTypes"]["InstanceType"]] == ["ecs.g6.4xlarge"]
    small = world.call("DescribeInstanceTypes", MaximumCpuCoreCount="1", MaximumMemorySize="1.5")
    assert {k["InstanceTypeId"] for k in small["InstanceTypes"]["InstanceType"]} == {
        "ecs.t5-lc1m1.small",
        "ecs.s6-c1m1.small",
    }
    roomy = world.call("DescribeInstanceTypes", MinimumMemorySize="64")
    assert {k["InstanceTypeId"] for k in roomy["InstanceTypes"]["InstanceType"]} == {
        "ecs.g6.4xlarge",
        "ecs.r6.2xlarge",
    }
    seen: list[str] = []
    params: dict[str, str] = {"MaxResults": "10"}
    while True:
        out = world.call("DescribeInstanceTypes", **params)
        seen += [k["InstanceTypeId"] for k in out["InstanceTypes"]["InstanceType"]]
        if not out["NextToken"]:
            break
        params["NextToken"] = out["NextToken"]
    assert seen == list(TYPES)
    for name, value in (
        ("NextToken", "bogus"),
        ("MaxResults", "0"),
        ("MinimumCpuCoreCount", "-1"),
        ("MaximumMemorySize", "lots"),
    ):
        expect(
            world.fault("DescribeInstanceTypes", **{name: value}),
            "InvalidParameter",
            f'The specified parameter "{name}" is not valid.',
        )


# -- DescribeZones / DescribeRegions ---------------------------------------------------------------


def test_describe_zones(world: World) -> None:
    zones = world.call("DescribeZones")["Zones"]["Zone"]
    assert [z["ZoneId"] for z in zones] == list(network.zones("cn-hangzhou", Cloud.ALIYUN))
    first = zones[0]
    assert first["LocalName"] == "华东1 可用区 A"
    assert "Instance" in first["AvailableResourceCreation"]["ResourceTypes"]
    assert TYPE in first["AvailableInstanceTypes"]["InstanceTypes"]
    assert "cloud_essd" in first["AvailableDiskCategories"]["DiskCategories"]
    english = world.call("DescribeZones", AcceptLanguage="en-US", Verbose="false")["Zones"]["Zone"]
    assert english[1]["LocalName"] == "Hangzhou Zone B"
    assert "AvailableInstanceTypes" not in english[1] and "AvailableResources" not in english[1]
    singapore = Scope(ACCOUNT, "ap-southeast-1", Cloud.ALIYUN)
    zone = world.call("DescribeZones", singapore, AcceptLanguage="en-US")["Zones"]["Zone"][2]
    assert (zone["ZoneId"], zone["LocalName"]) == ("ap-southeast-1-c", "Singapore Zone C")


@pytest.mark.parametrize(
    ("params", "code", "message", "status"),
    [
        (
            {"AcceptLanguage": "fr"},
            "InvalidAcceptLanguage.NotFound",
            "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.",
            404,
        ),
        (
            {"InstanceChargeType": "Free"},
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records",
            404,
        ),
        (
            {"SpotStrategy": "Cheap"},
            "InvalidSpotStrategy",
            "The specified SpotStrategy is not valid.",
            400,
        ),
    ],
)
def test_describe_zones_errors(
    world: World, params: dict[str, str], code: str, message: str, status: int
) -> None:
    expect(world.fault("DescribeZones", **params), code, message, status)


def test_describe_regions(world: World) -> None:
    regions = world.call("DescribeRegions")["Regions"]["Region"]
    assert len(regions) == len(REGIONS) >= 20
    hangzhou = next(r for r in regions if r["RegionId"] == "cn-hangzhou")
    assert hangzhou == {
        "RegionId": "cn-hangzhou",
        "LocalName": "华东1（杭州）",
        "RegionEndpoint": "ecs.cn-hangzhou.aliyuncs.com",
        "Status": "available",
    }
    english = world.call("DescribeRegions", AcceptLanguage="en-US")["Regions"]["Region"]
    assert next(r for r in english if r["RegionId"] == "ap-southeast-1")["LocalName"] == "Singapore"
    for region in ("cn-beijing", "cn-shanghai", "cn-shenzhen", "us-west-1", "eu-central-1"):
        assert any(r["RegionId"] == region for r in regions)
    test_region = Scope(ACCOUNT, "tw-test-1", Cloud.ALIYUN)
    listed = world.call("DescribeRegions", test_region)["Regions"]["Region"]
    assert listed[-1]["RegionId"] == "tw-test-1" and len(listed) == len(REGIONS) + 1
    expect(
        world.fault("DescribeRegions", AcceptLanguage="de"),
        "InvalidAcceptLanguage.NotFound",
        "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.",
        404,
    )


# -- the Alibaba dialect ---------------------------------------------------------------------------


def test_the_dialect_serves_every_action(world: World) -> None:
    service = EcsService(world.sim, lambda: None)
    assert (service.product, service.version) == ("Ecs", "2014-05-26")
    assert set(service.handlers) == set(ACTIONS)


def test_the_dialect_translates_faults_and_wakes_the_engine(world: World) -> None:
    wakes: list[int] = []
    service = EcsService(world.sim, lambda: wakes.append(1))
    out = service.handlers["RunInstances"](SCOPE, {"ImageId": IMAGE, "InstanceType": TYPE})
    [iid] = out["InstanceIdSets"]["InstanceIdSet"]
    assert len(wakes) == 1
    service.handlers["DescribeInstances"](SCOPE, {})
    service.handlers["DescribeZones"](SCOPE, {})
    assert len(wakes) == 1
    with pytest.raises(AliyunError) as info:
        service.handlers["StopInstance"](SCOPE, {"InstanceId": iid})
    assert (info.value.code, info.value.message, info.value.status) == INCORRECT
    with pytest.raises(AliyunError) as info:
        service.handlers["RunInstances"](
            SCOPE, {"ImageId": IMAGE, "InstanceType": TYPE, "DryRun": "True"}
        )
    assert (info.value.code, info.value.status) == ("DryRunOperation", 400)
    assert len(wakes) == 1
    world.wait(5)
    service.handlers["StopInstances"](SCOPE, {"InstanceId.1": iid})
    service.handlers["CreateInstance"](SCOPE, {"ImageId": IMAGE, "InstanceType": TYPE})
    assert len(wakes) == 3


# -- nothing but EcsFault, whatever the parameters -------------------------------------------------

KNOWN_NAMES = (
    "RegionId",
    "ImageId",
    "InstanceType",
    "Amount",
    "MinAmount",
    "VSwitchId",
    "ZoneId",
    "VpcId",
    "SecurityGroupId",
    "SecurityGroupIds.1",
    "InstanceName",
    "HostName",
    "Description",
    "UniqueSuffix",
    "ClientToken",
    "Tag.1.Key",
    "Tag.1.Value",
    "Tag.2.key",
    "Tag.25.Key",
    "InstanceIds",
    "PrivateIpAddresses",
    "InstanceId",
    "InstanceId.1",
    "InstanceId.2",
    "InstanceTypes.1",
    "InstanceTypeFamily",
    "Status",
    "PageNumber",
    "PageSize",
    "MaxResults",
    "NextToken",
    "ForceStop",
    "StoppedMode",
    "Force",
    "TerminateSubscription",
    "BatchOptimization",
    "InstanceChargeType",
    "InternetChargeType",
    "InternetMaxBandwidthOut",
    "InternetMaxBandwidthIn",
    "InstanceNetworkType",
    "SpotStrategy",
    "SpotPriceLimit",
    "DeletionProtection",
    "Period",
    "PeriodUnit",
    "UserData",
    "KeyPairName",
    "ImageOwnerAlias",
    "OSType",
    "Architecture",
    "Usage",
    "ImageName",
    "AcceptLanguage",
    "Verbose",
    "MinimumCpuCoreCount",
    "MaximumMemorySize",
)
VALUES = st.sampled_from(
    [
        "",
        "True",
        "false",
        "1",
        "0",
        "-5",
        "100",
        "101",
        "99999999999999999999",
        "1e3",
        "[]",
        '["i-0"]',
        "[1]",
        "{}",
        "null",
        "*",
        "%",
        "_",
        "[",
        "web-[1,4]",
        IMAGE,
        TYPE,
        "cn-hangzhou-a",
        "sg-abc",
        "PrePaid",
        "Running",
        "Pending",
        "SuccessFirst",
        "StopCharging",
        "Week",
        "zh-CN",
        "\x00",
        "\ud800",
        "a" * 300,
    ]
) | st.text(max_size=40)
PARAMS = st.dictionaries(st.sampled_from(KNOWN_NAMES) | st.text(max_size=12), VALUES, max_size=8)


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    made = make_world(database_url(request, tmp_path_factory.mktemp("fuzz")))
    made.run(3, InstanceName="seed", **{"Tag.1.Key": "k", "Tag.1.Value": "v"})
    yield made
    made.db.dispose()


def quietly(world: World, action: str, params: dict[str, str]) -> None:
    """Straight to the sim: fuzzed keys may be anything, even a World.call argument's name."""
    with contextlib.suppress(EcsFault):
        wrapped(getattr(world.sim, snake(action))(SCOPE, params))


@fuzz(400)
@given(action=st.sampled_from(ACTIONS), params=PARAMS)
def test_any_parameters_yield_a_result_or_an_ecs_fault(
    fuzz_world: World, action: str, params: dict[str, str]
) -> None:
    quietly(fuzz_world, action, params)


@fuzz(150)
@given(
    base=st.sampled_from(
        [
            {"ImageId": IMAGE, "InstanceType": TYPE, "DryRun": "True"},
            {"ImageId": IMAGE, "InstanceType": TYPE, "Amount": "2"},
        ]
    ),
    params=PARAMS,
)
def test_any_launch_options_yield_instances_or_an_ecs_fault(
    fuzz_world: World, base: dict[str, str], params: dict[str, str]
) -> None:
    params = {**params, **base}
    quietly(fuzz_world, "RunInstances", params)
    quietly(fuzz_world, "CreateInstance", params)


@fuzz(150)
@given(key=st.text(max_size=140), value=st.text(max_size=140), name=st.text(max_size=140))
def test_any_tags_and_names_yield_a_result_or_an_ecs_fault(
    fuzz_world: World, key: str, value: str, name: str
) -> None:
    params = {"Tag.1.Key": key, "Tag.1.Value": value, "InstanceName": name, "HostName": name}
    quietly(fuzz_world, "RunInstances", {"ImageId": IMAGE, "InstanceType": TYPE, **params})
    quietly(fuzz_world, "DescribeInstances", params)


def test_fuzzing_left_the_seed_instances_alone(fuzz_world: World) -> None:
    with fuzz_world.db.read() as conn:
        named = conn.execute(
            select(func.count())
            .select_from(machines)
            .where(machines.c.attributes["name"].as_string() == "seed")
        ).scalar()
    assert named == 3


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["run", "create", "start", "stop", "delete", "wait"]),
        st.integers(0, 7),
    ),
    max_size=14,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=OPERATIONS)
def test_machines_in_use_stay_counted_whatever_the_api_does(
    world: World, steps: list[tuple[str, int]]
) -> None:
    """The kept count the instance quota reads equals counting pending and running machines,
    after any run, create (stopped), start, stop, delete or wait, refused ones included."""
    made: list[str] = []
    for operation, pick in steps:
        chosen = made[pick % len(made)] if made else None
        with contextlib.suppress(EcsFault):
            if operation == "run":
                made += world.run()
            elif operation == "create":
                made.append(world.create())
            elif operation == "wait":
                world.wait(pick)
            elif chosen is not None and operation == "start":
                world.call("StartInstance", InstanceId=chosen)
            elif chosen is not None and operation == "stop":
                world.call("StopInstance", InstanceId=chosen, ForceStop="true")
            elif chosen is not None and operation == "delete":
                world.call("DeleteInstance", InstanceId=chosen, Force="true")
        with world.db.read() as conn:
            counted = conn.execute(
                select(func.count())
                .select_from(machines)
                .where(machines.c.state.in_(["pending", "running"]))
            ).scalar_one()
        assert world.compute.in_use(SCOPE) == counted, (operation, chosen)
