"""The simulated SLB (2014-05-15) and RDS (2014-08-15) on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from tidewater.clock import Clock
from tidewater.cloud.ports import Target
from tidewater.cloud.sim import network
from tidewater.cloud.sim.balancers import SimBalancers
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.ecs import SimEcs
from tidewater.cloud.sim.rds import ESS_GROUP, RdsFault, SimRds, sim_rds_instances
from tidewater.cloud.sim.slb import SimSlb, SlbFault
from tidewater.cloud.sim.timing import Timing
from tidewater.cloud.sim.traffic import SimTraffic
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.rds import RdsService
from tidewater.dialects.aliyun.slb import SlbService
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.attachments import check_usable
from tidewater.engine.context import Context
from tidewater.store.database import Database
from tidewater.store.tables import machines, metadata, sim_slbs

ACCOUNT = "1234567890123456"
SCOPE = Scope(ACCOUNT, "cn-hangzhou", Cloud.ALIYUN)
OTHER = Scope("6543210987654321", "cn-hangzhou", Cloud.ALIYUN)
IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"
TYPE = "ecs.g6.large"
START = datetime(2026, 1, 1, tzinfo=UTC)
SLB_ACTIONS = (
    "CreateLoadBalancer",
    "DescribeLoadBalancers",
    "DescribeLoadBalancerAttribute",
    "AddBackendServers",
    "RemoveBackendServers",
    "SetBackendServers",
    "DescribeHealthStatus",
    "SetLoadBalancerStatus",
    "DeleteLoadBalancer",
)
RDS_ACTIONS = (
    "CreateDBInstance",
    "DescribeDBInstances",
    "DescribeDBInstanceIPArrayList",
    "ModifySecurityIps",
    "RestartDBInstance",
    "DeleteDBInstance",
)
LB_ID = re.compile(r"lb-[0-9a-z]{20}")
DB_ID = re.compile(r"rm-[0-9a-z]{20}")
LB_NOT_FOUND = (
    "InvalidLoadBalancerId.NotFound",
    "The specified LoadBalancerId does not exist.",
    404,
)
DB_NOT_FOUND = (
    "InvalidDBInstanceId.NotFound",
    "The DBInstanceId provided does not exist in records.",
    400,
)
DB_STATE = (
    "IncorrectDBInstanceState",
    "Current DB instance state does not support this operation.",
    403,
)
MALFORMED = (
    "BackendServersMalformed",
    "the specified parameter BackendServers is unavailable.",
    400,
)
BAD_BACKENDS = ("InvalidParameter", "The specified BackendServers is invalid.", 400)
MYSQL = {
    "Engine": "MySQL",
    "EngineVersion": "8.0",
    "DBInstanceClass": "mysql.n2.medium.1",
    "DBInstanceStorage": "20",
    "DBInstanceNetType": "Intranet",
    "PayType": "Postpaid",
}


def missing(name: str) -> tuple[str, str, int]:
    return (
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        "supplied.",
        400,
    )


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def method_name(action: str) -> str:
    return {
        "CreateDBInstance": "create_db_instance",
        "DescribeDBInstances": "describe_db_instances",
        "DescribeDBInstanceIPArrayList": "describe_db_instance_ip_array_list",
        "RestartDBInstance": "restart_db_instance",
        "DeleteDBInstance": "delete_db_instance",
    }.get(action) or re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def wrapped(value: Any, path: str = "") -> None:
    """2014-era RPC wraps every list in a one-member object: {"LoadBalancer": [...]}."""
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
    ecs: SimEcs
    slb: SimSlb
    rds: SimRds

    def call(self, action: str, scope: Scope = SCOPE, /, **params: str) -> dict[str, Any]:
        sim: Any = self.rds if action in RDS_ACTIONS else self.slb
        out: dict[str, Any] = getattr(sim, method_name(action))(scope, params)
        assert isinstance(out, dict) and "RequestId" not in out
        wrapped(out)
        return out

    def fault(self, action: str, scope: Scope = SCOPE, /, **params: str) -> tuple[str, str, int]:
        kind: type[RdsFault | SlbFault] = RdsFault if action in RDS_ACTIONS else SlbFault
        with pytest.raises(kind) as info:
            self.call(action, scope, **params)
        fault = info.value
        assert isinstance(fault, RdsFault | SlbFault)
        return (fault.code, fault.message, fault.status)

    def wait(self, seconds: float) -> None:
        self.compute.advance(self.clock.advance(seconds))

    def instances(self, count: int = 1, scope: Scope = SCOPE) -> list[str]:
        out = self.ecs.run_instances(
            scope, {"ImageId": IMAGE, "InstanceType": TYPE, "Amount": str(count)}
        )
        return list(out["InstanceIdSets"]["InstanceIdSet"])

    def running(self, count: int = 1, scope: Scope = SCOPE) -> list[str]:
        ids = self.instances(count, scope)
        self.wait(5)
        return ids

    def lb(self, **params: str) -> str:
        return str(self.call("CreateLoadBalancer", **params)["LoadBalancerId"])

    def backends(self, lb_id: str) -> list[dict[str, Any]]:
        out = self.call("DescribeLoadBalancerAttribute", LoadBalancerId=lb_id)
        return list(out["BackendServers"]["BackendServer"])

    def db_instance(self, **params: str) -> str:
        return str(self.call("CreateDBInstance", **{**MYSQL, **params})["DBInstanceId"])

    def running_db(self, **params: str) -> str:
        db_id = self.db_instance(**params)
        self.clock.advance(60)
        return db_id

    def db_status(self, db_id: str) -> str:
        [item] = self.call("DescribeDBInstances", DBInstanceId=db_id)["Items"]["DBInstance"]
        return str(item["DBInstanceStatus"])

    def groups(self, db_id: str) -> dict[str, str]:
        out = self.call("DescribeDBInstanceIPArrayList", DBInstanceId=db_id)
        return {
            g["DBInstanceIPArrayName"]: g["SecurityIPList"]
            for g in out["Items"]["DBInstanceIPArray"]
        }

    def ip(self, instance_id: str) -> str:
        with self.db.read() as conn:
            return str(
                conn.execute(
                    select(machines.c.private_ip).where(machines.c.id == instance_id)
                ).scalar()
            )


def servers(*ids: str, **fields: Any) -> str:
    return json.dumps([{"ServerId": i, **fields} for i in ids])


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def make_world(url: str) -> World:
    db = Database(url)
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    compute = SimCompute(db, clock, Timing())
    return World(db, clock, compute, SimEcs(compute), SimSlb(compute), SimRds(compute))


def database_url(request: pytest.FixtureRequest, path: Path) -> str:
    if request.param == "sqlite":
        return "sqlite:///" + str(path / "sim.db")
    return str(request.getfixturevalue("sim_postgres_url"))


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    made = make_world(database_url(request, tmp_path))
    yield made
    made.db.dispose()


# -- SLB: CreateLoadBalancer ----------------------------------------------------------------------


def test_an_intranet_load_balancer_sits_in_the_default_vswitch(world: World) -> None:
    out = world.call("CreateLoadBalancer", LoadBalancerName="web", AddressType="intranet")
    assert LB_ID.fullmatch(out["LoadBalancerId"])
    first = network.default_subnets(SCOPE)[0]
    assert out["VSwitchId"] == first.id and out["VpcId"] == network.default_vpc(SCOPE)
    assert out["NetworkType"] == "vpc" and out["LoadBalancerName"] == "web"
    assert out["Address"].startswith("172.31.") and out["AddressIPVersion"] == "ipv4"
    assert out["ResourceGroupId"].startswith("rg-")
    attribute = world.call("DescribeLoadBalancerAttribute", LoadBalancerId=out["LoadBalancerId"])
    assert attribute["LoadBalancerStatus"] == "active"
    assert attribute["AddressType"] == "intranet" and attribute["MasterZoneId"] == first.zone
    assert attribute["SlaveZoneId"] != first.zone
    assert attribute["CreateTime"] == "2026-01-01T00:00:00Z"
    assert attribute["CreateTimeStamp"] == int(START.timestamp() * 1000)
    assert attribute["BackendServers"] == {"BackendServer": []}
    assert attribute["ListenerPortsAndProtocal"] == {"ListenerPortAndProtocal": []}


def test_an_internet_load_balancer_is_classic_by_default(world: World) -> None:
    out = world.call("CreateLoadBalancer")
    assert out["NetworkType"] == "classic" and out["VpcId"] == "" and out["VSwitchId"] == ""
    assert out["Address"].startswith("47.")
    assert out["LoadBalancerName"] == out["LoadBalancerId"]


def test_a_chosen_vswitch_or_zone_places_the_load_balancer(world: World) -> None:
    second = network.default_subnets(SCOPE)[1]
    out = world.call("CreateLoadBalancer", VSwitchId=second.id, AddressType="intranet")
    assert out["VSwitchId"] == second.id
    lb = world.call("CreateLoadBalancer", AddressType="intranet", MasterZoneId=second.zone)
    assert lb["VSwitchId"] == second.id


@pytest.mark.parametrize(
    "params",
    [
        {"AddressType": "public"},
        {"LoadBalancerSpec": "slb.s9.huge"},
        {"VSwitchId": "vsw-nope"},
        {"VpcId": "vpc-nope"},
        {"MasterZoneId": "cn-beijing-a"},
        {"MasterZoneId": "cn-hangzhou-a", "SlaveZoneId": "cn-hangzhou-a"},
        {"LoadBalancerName": "a" * 81},
        {"LoadBalancerName": "\x00"},
    ],
)
def test_bad_create_parameters_are_invalid(world: World, params: dict[str, str]) -> None:
    assert world.fault("CreateLoadBalancer", **params) == (
        "InvalidParameter",
        "The specified parameter is not valid.",
        400,
    )


# -- SLB: DescribeLoadBalancers -------------------------------------------------------------------


def test_describe_filters_and_pages(world: World) -> None:
    ids = [world.lb(LoadBalancerName=f"lb{n}") for n in range(5)]
    out = world.call("DescribeLoadBalancers")
    assert out["TotalCount"] == 5 and out["PageNumber"] == 1 and out["PageSize"] == 50
    listed = [lb["LoadBalancerId"] for lb in out["LoadBalancers"]["LoadBalancer"]]
    assert sorted(listed) == sorted(ids)
    pages = [
        world.call("DescribeLoadBalancers", PageSize="2", PageNumber=str(n)) for n in (1, 2, 3, 4)
    ]
    paged = [lb["LoadBalancerId"] for p in pages for lb in p["LoadBalancers"]["LoadBalancer"]]
    assert paged == listed and [len(p["LoadBalancers"]["LoadBalancer"]) for p in pages] == [
        2,
        2,
        1,
        0,
    ]
    two = world.call("DescribeLoadBalancers", LoadBalancerId=f"{ids[0]},{ids[3]},lb-unknown")
    assert two["TotalCount"] == 2
    named = world.call("DescribeLoadBalancers", LoadBalancerName="lb2")
    assert [lb["LoadBalancerId"] for lb in named["LoadBalancers"]["LoadBalancer"]] == [ids[2]]
    world.call("SetLoadBalancerStatus", LoadBalancerId=ids[1], LoadBalancerStatus="inactive")
    inactive = world.call("DescribeLoadBalancers", LoadBalancerStatus="inactive")
    assert [lb["LoadBalancerId"] for lb in inactive["LoadBalancers"]["LoadBalancer"]] == [ids[1]]
    unknown = world.call("DescribeLoadBalancers", LoadBalancerId="lb-nothing")
    assert unknown["TotalCount"] == 0 and unknown["LoadBalancers"] == {"LoadBalancer": []}
    assert world.call("DescribeLoadBalancers", AddressType="intranet")["TotalCount"] == 0
    assert world.call("DescribeLoadBalancers", NetworkType="classic")["TotalCount"] == 5


def test_describe_by_server_and_scope(world: World) -> None:
    [iid] = world.running()
    lb = world.lb()
    world.lb()
    world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(iid))
    out = world.call("DescribeLoadBalancers", ServerId=iid)
    assert [x["LoadBalancerId"] for x in out["LoadBalancers"]["LoadBalancer"]] == [lb]
    assert world.call("DescribeLoadBalancers", OTHER)["TotalCount"] == 0
    assert world.fault("DescribeLoadBalancerAttribute", OTHER, LoadBalancerId=lb) == LB_NOT_FOUND


@pytest.mark.parametrize(
    "params",
    [
        {"PageSize": "0"},
        {"PageSize": "101"},
        {"PageNumber": "0"},
        {"PageNumber": "x"},
        {"LoadBalancerStatus": "sleeping"},
        {"AddressType": "x"},
        {"NetworkType": "x"},
        {"LoadBalancerId": ",".join(f"lb-{n}" for n in range(21))},
    ],
)
def test_describe_refuses_bad_filters(world: World, params: dict[str, str]) -> None:
    assert world.fault("DescribeLoadBalancers", **params)[0] == "InvalidParameter"


# -- SLB: backend servers --------------------------------------------------------------------------


def test_add_backend_servers_returns_the_full_set(world: World) -> None:
    a, b, c = world.running(3)
    lb = world.lb()
    out = world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(a, Weight="50"))
    assert out == {
        "LoadBalancerId": lb,
        "BackendServers": {"BackendServer": [{"ServerId": a, "Weight": "50", "Type": "ecs"}]},
    }
    body = json.dumps([{"ServerId": b}, {"ServerId": c, "Weight": 0, "Type": "ecs"}])
    out = world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=body)
    assert [(s["ServerId"], s["Weight"]) for s in out["BackendServers"]["BackendServer"]] == [
        (a, "50"),
        (b, "100"),
        (c, "0"),
    ]
    assert world.backends(lb) == [
        {"ServerId": a, "Weight": 50, "Type": "ecs"},
        {"ServerId": b, "Weight": 100, "Type": "ecs"},
        {"ServerId": c, "Weight": 0, "Type": "ecs"},
    ]


def test_the_same_server_twice_in_one_call_counts_once(world: World) -> None:
    [a] = world.running()
    lb = world.lb()
    body = json.dumps([{"ServerId": a, "Weight": "10"}, {"ServerId": a, "Weight": "20"}])
    out = world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=body)
    assert out["BackendServers"]["BackendServer"] == [
        {"ServerId": a, "Weight": "10", "Type": "ecs"}
    ]


def test_adding_a_present_server_again_is_refused(world: World) -> None:
    [a] = world.running()
    lb = world.lb()
    world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(a))
    fault = world.fault("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(a))
    assert fault == BAD_BACKENDS


def test_backends_must_be_running_instances_of_the_account(world: World) -> None:
    lb = world.lb()
    [pending] = world.instances()
    assert world.fault("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(pending)) == (
        "ObtainIpFail",
        "The specified BackendServers is invalid; some of the specified backend servers do not "
        "exist or are not running.",
        400,
    )
    not_found = ("InvalidServerId.NotFound", "The specified ServerId does not exist.", 404)
    assert (
        world.fault("AddBackendServers", LoadBalancerId=lb, BackendServers=servers("i-nothing"))
        == not_found
    )
    [foreign] = world.running(1, OTHER)
    assert (
        world.fault("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(foreign))
        == not_found
    )
    world.wait(5)
    world.ecs.stop_instance(SCOPE, {"InstanceId": pending})
    world.wait(5)
    fault = world.fault("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(pending))
    assert fault[0] == "ObtainIpFail"
    assert world.backends(lb) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("not json", MALFORMED),
        ("{}", MALFORMED),
        ('["i-1"]', MALFORMED),
        ("[" * 5000, MALFORMED),
        ("[]", BAD_BACKENDS),
        ('[{"Weight": "1"}]', BAD_BACKENDS),
        ('[{"ServerId": 5}]', BAD_BACKENDS),
        ('[{"ServerId": "i-1", "Weight": "101"}]', BAD_BACKENDS),
        ('[{"ServerId": "i-1", "Weight": -1}]', BAD_BACKENDS),
        ('[{"ServerId": "i-1", "Weight": true}]', BAD_BACKENDS),
        ('[{"ServerId": "i-1", "Weight": "ten"}]', BAD_BACKENDS),
        ('[{"ServerId": "i-1", "Type": "eni"}]', BAD_BACKENDS),
        (
            '[{"ServerId": "i-1", "Port": "0"}]',
            (
                "InvalidParameter",
                "The specified BackendServers is invalid, as the Port value should be in "
                "[1, 65535].",
                400,
            ),
        ),
        (
            servers(*[f"i-{n}" for n in range(21)]),
            (
                "TooManyBackendServers",
                "The total number of input real servers exceeds max supported number: 20",
                400,
            ),
        ),
    ],
)
def test_backend_servers_parameter_errors(
    world: World, body: str, expected: tuple[str, str, int]
) -> None:
    lb = world.lb()
    for action in ("AddBackendServers", "RemoveBackendServers", "SetBackendServers"):
        assert world.fault(action, LoadBalancerId=lb, BackendServers=body) == expected


def test_missing_parameters_and_unknown_load_balancers(world: World) -> None:
    missing = (
        "MissingParameter",
        'The input parameter "LoadBalancerId" that is mandatory for processing this request is '
        "not supplied.",
        400,
    )
    for action in SLB_ACTIONS[2:]:
        assert world.fault(action, BackendServers="[]", LoadBalancerStatus="active") == missing
        assert (
            world.fault(
                action,
                LoadBalancerId="lb-nothing",
                BackendServers=servers("i-1"),
                LoadBalancerStatus="active",
            )
            == LB_NOT_FOUND
        )
    lb = world.lb()
    for action in ("AddBackendServers", "RemoveBackendServers", "SetBackendServers"):
        assert world.fault(action, LoadBalancerId=lb)[:2] == (
            "MissingParameter",
            'The input parameter "BackendServers" that is mandatory for processing this request '
            "is not supplied.",
        )


def test_remove_ignores_strangers_and_returns_what_remains(world: World) -> None:
    a, b = world.running(2)
    lb = world.lb()
    world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(a, b))
    out = world.call("RemoveBackendServers", LoadBalancerId=lb, BackendServers=servers(a, "i-x"))
    assert out == {
        "LoadBalancerId": lb,
        "BackendServers": {"BackendServer": [{"ServerId": b, "Weight": 100, "Type": "ecs"}]},
    }
    out = world.call("RemoveBackendServers", LoadBalancerId=lb, BackendServers=servers(b))
    assert out["BackendServers"] == {"BackendServer": []}


def test_set_backend_servers_changes_weights_of_present_servers(world: World) -> None:
    a, b = world.running(2)
    lb = world.lb()
    world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(a, b))
    out = world.call("SetBackendServers", LoadBalancerId=lb, BackendServers=servers(b, Weight=7))
    assert [(s["ServerId"], s["Weight"]) for s in out["BackendServers"]["BackendServer"]] == [
        (a, "100"),
        (b, "7"),
    ]
    assert world.fault("SetBackendServers", LoadBalancerId=lb, BackendServers=servers("i-x")) == (
        BAD_BACKENDS
    )


def test_health_follows_the_machines_the_weight_and_the_status(world: World) -> None:
    a, b, c = world.running(3)
    lb = world.lb()
    body = json.dumps(
        [{"ServerId": a, "Port": 8080}, {"ServerId": b}, {"ServerId": c, "Weight": 0}]
    )
    world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=body)
    world.ecs.stop_instance(SCOPE, {"InstanceId": b})

    def health(**params: str) -> list[tuple[str, str, int, int]]:
        out = world.call("DescribeHealthStatus", LoadBalancerId=lb, **params)
        return [
            (s["ServerId"], s["ServerHealthStatus"], s["Port"], s["ListenerPort"])
            for s in out["BackendServers"]["BackendServer"]
        ]

    assert health() == [
        (a, "normal", 8080, 8080),
        (b, "abnormal", 80, 80),
        (c, "unavailable", 80, 80),
    ]
    out = world.call("DescribeHealthStatus", LoadBalancerId=lb)
    assert out["BackendServers"]["BackendServer"][0]["ServerIp"] == world.ip(a)
    assert [h[3] for h in health(ListenerPort="443")] == [443, 443, 443]
    world.call("SetLoadBalancerStatus", LoadBalancerId=lb, LoadBalancerStatus="inactive")
    assert {h[1] for h in health()} == {"unavailable"}
    assert world.fault("DescribeHealthStatus", LoadBalancerId=lb, ListenerPort="70000")[0] == (
        "InvalidParameter"
    )


def test_set_status_and_delete(world: World) -> None:
    [a] = world.running()
    lb = world.lb()
    world.call("AddBackendServers", LoadBalancerId=lb, BackendServers=servers(a))
    assert (
        world.call("SetLoadBalancerStatus", LoadBalancerId=lb, LoadBalancerStatus="inactive") == {}
    )
    attribute = world.call("DescribeLoadBalancerAttribute", LoadBalancerId=lb)
    assert attribute["LoadBalancerStatus"] == "inactive"
    assert world.fault("SetLoadBalancerStatus", LoadBalancerId=lb, LoadBalancerStatus="locked") == (
        "InvalidParameter",
        "The specified parameter is not valid.",
        400,
    )
    assert world.fault("SetLoadBalancerStatus", LoadBalancerId=lb)[0] == "MissingParameter"
    assert world.call("DeleteLoadBalancer", LoadBalancerId=lb) == {}
    assert world.fault("DeleteLoadBalancer", LoadBalancerId=lb) == LB_NOT_FOUND
    assert world.call("DescribeLoadBalancers")["TotalCount"] == 0
    assert not world.slb.slb_exists(SCOPE, lb)


# -- SLB: the engine-facing port ----------------------------------------------------------------


def test_slb_port_is_idempotent(world: World) -> None:
    a, b = world.running(2)
    lb = world.lb()
    slb = world.slb
    assert slb.slb_exists(SCOPE, lb) and slb.slb_usable(SCOPE, lb)
    assert not slb.slb_exists(OTHER, lb) and not slb.slb_usable(SCOPE, "lb-nothing")
    slb.slb_add(SCOPE, lb, [a, b], 50)
    slb.slb_add(SCOPE, lb, [a, b], 50)
    assert slb.slb_backends(SCOPE, lb) == {a: 50, b: 50}
    slb.slb_weight(SCOPE, lb, [a, "i-stranger"], 0)
    slb.slb_weight(SCOPE, lb, [a], 0)
    assert slb.slb_backends(SCOPE, lb) == {a: 0, b: 50}
    slb.slb_add(SCOPE, lb, [a], 60)
    assert slb.slb_backends(SCOPE, lb) == {a: 60, b: 50}
    slb.slb_remove(SCOPE, lb, [a])
    slb.slb_remove(SCOPE, lb, [a])
    assert slb.slb_backends(SCOPE, lb) == {b: 50}
    slb.slb_add(OTHER, lb, [a], 10)
    slb.slb_remove(OTHER, lb, [b])
    slb.slb_weight(OTHER, lb, [b], 1)
    slb.slb_add(SCOPE, "lb-nothing", [a], 10)
    assert slb.slb_backends(SCOPE, lb) == {b: 50}
    assert world.backends(lb) == [{"ServerId": b, "Weight": 50, "Type": "ecs"}]
    world.call("SetLoadBalancerStatus", LoadBalancerId=lb, LoadBalancerStatus="inactive")
    assert slb.slb_exists(SCOPE, lb) and not slb.slb_usable(SCOPE, lb)


def test_the_usable_check_reads_in_the_callers_transaction(world: World) -> None:
    """RemoveInstances asks whether its SLB and DB instance can take the change while it holds
    its write transaction; the answer comes from that transaction, uncommitted changes and all."""
    lb, db_id = world.lb(), world.running_db()
    traffic = SimTraffic(SimBalancers(world.compute), world.slb, world.rds)
    ctx = Context(world.db, world.clock, world.compute, traffic)
    slb, rds = [Target("slb", lb)], [Target("rds", db_id)]
    with world.db.write() as conn:
        check_usable(ctx, SCOPE, slb + rds, within=conn)
        conn.execute(update(sim_slbs).where(sim_slbs.c.id == lb).values(status="inactive"))
        conn.execute(
            update(sim_rds_instances)
            .where(sim_rds_instances.c.id == db_id)
            .values(status="Rebooting", due_at=None)
        )
        # another connection still reads the committed state: both look usable there
        assert world.slb.slb_usable(SCOPE, lb) and world.rds.rds_usable(SCOPE, db_id)
        with pytest.raises(Refusal) as balancer:
            check_usable(ctx, SCOPE, slb, within=conn)
        with pytest.raises(Refusal) as whitelist:
            check_usable(ctx, SCOPE, rds, within=conn)
        conn.rollback()
    assert (balancer.value.reason, balancer.value.facts) == ("slb.unusable", {"ref": lb})
    assert (whitelist.value.reason, whitelist.value.facts) == ("rds.unusable", {"ref": db_id})
    with world.db.read() as conn:
        check_usable(ctx, SCOPE, slb + rds, within=conn)  # rolled back: both usable again


# -- RDS: CreateDBInstance and the status timeline ----------------------------------------------


def test_create_db_instance_then_running_after_the_delay(world: World) -> None:
    out = world.call("CreateDBInstance", **MYSQL)
    db_id = out["DBInstanceId"]
    assert DB_ID.fullmatch(db_id)
    assert out["Port"] == "3306" and out["ConnectionString"] == f"{db_id}.mysql.rds.aliyuncs.com"
    assert out["OrderId"].isdigit()
    assert world.db_status(db_id) == "Creating"
    assert not world.rds.rds_usable(SCOPE, db_id) and world.rds.rds_exists(SCOPE, db_id)
    world.clock.advance(59)
    assert world.db_status(db_id) == "Creating"
    world.clock.advance(1)
    assert world.db_status(db_id) == "Running" and world.rds.rds_usable(SCOPE, db_id)
    [item] = world.call("DescribeDBInstances", DBInstanceId=db_id)["Items"]["DBInstance"]
    assert item["Engine"] == "MySQL" and item["EngineVersion"] == "8.0"
    assert item["DBInstanceClass"] == "mysql.n2.medium.1" and item["PayType"] == "Postpaid"
    assert item["VpcId"] == network.default_vpc(SCOPE)
    assert item["ZoneId"] == "cn-hangzhou-a" and item["CreateTime"] == "2026-01-01T00:00:00Z"
    assert item["MutriORsignle"] is False and item["LockMode"] == "Unlock"
    assert world.groups(db_id) == {"default": "127.0.0.1"}


def test_the_delay_follows_timing_scale(tmp_path: Path) -> None:
    db = Database("sqlite:///" + str(tmp_path / "fast.db"))
    metadata.create_all(db.engine)
    clock = Clock(frozen_at=START)
    rds = SimRds(SimCompute(db, clock, Timing(scale=0.1)))
    db_id = rds.create_db_instance(SCOPE, MYSQL)["DBInstanceId"]
    assert not rds.rds_usable(SCOPE, db_id)
    clock.advance(6)
    assert rds.rds_usable(SCOPE, db_id)
    db.dispose()


def test_other_engines_and_placement(world: World) -> None:
    second = network.default_subnets(SCOPE)[1]
    out = world.call(
        "CreateDBInstance",
        **{
            **MYSQL,
            "Engine": "PostgreSQL",
            "EngineVersion": "14.0",
            "DBInstanceClass": "pg.n2.small.1",
        },
        VSwitchId=second.id,
        SecurityIPList="10.0.0.0/8,192.168.1.1",
        DBInstanceDescription="orders",
    )
    assert out["Port"] == "5432" and ".pg.rds.aliyuncs.com" in out["ConnectionString"]
    [item] = world.call("DescribeDBInstances", DBInstanceId=out["DBInstanceId"])["Items"][
        "DBInstance"
    ]
    assert item["ZoneId"] == second.zone and item["VSwitchId"] == second.id
    assert item["DBInstanceDescription"] == "orders"
    assert world.groups(out["DBInstanceId"]) == {"default": "10.0.0.0/8,192.168.1.1"}


def test_a_repeated_client_token_replays(world: World) -> None:
    first = world.call("CreateDBInstance", **MYSQL, ClientToken="token-1")
    again = world.call("CreateDBInstance", **MYSQL, ClientToken="token-1")
    assert first == again
    assert world.call("DescribeDBInstances")["TotalRecordCount"] == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"Engine": ""},
            missing("Engine")[:2],
        ),
        (
            {"EngineVersion": ""},
            missing("EngineVersion")[:2],
        ),
        (
            {"DBInstanceClass": ""},
            missing("DBInstanceClass")[:2],
        ),
        (
            {"DBInstanceStorage": ""},
            missing("DBInstanceStorage")[:2],
        ),
        (
            {"Engine": "Oracle"},
            ("InvalidParameter", 'The specified value of parameter "Engine" is not valid.'),
        ),
        (
            {"EngineVersion": "4.0"},
            (
                "InvalidEngineVersion.Malformed",
                "The specified parameter EngineVersion is not valid.",
            ),
        ),
        (
            {"DBInstanceClass": "big"},
            (
                "InvalidDBInstanceClass.Malformed",
                "The specified parameter DBInstanceClass is not valid.",
            ),
        ),
        (
            {"DBInstanceStorage": "1"},
            (
                "InvalidParameter",
                'The specified value of parameter "DBInstanceStorage" is not valid.',
            ),
        ),
        (
            {"DBInstanceNetType": "Both"},
            (
                "InvalidParameter",
                'The specified value of parameter "DBInstanceNetType" is not valid.',
            ),
        ),
        (
            {"PayType": "Free"},
            ("InvalidParameter", 'The specified value of parameter "PayType" is not valid.'),
        ),
        (
            {"InstanceNetworkType": "Classic"},
            (
                "InvalidParam.InstanceNetworkType",
                "Creation of classic network instances is not supported.",
            ),
        ),
        (
            {"SecurityIPList": "1.2.3"},
            (
                "InvalidSecurityIPList.Format",
                "The specified parameter securityIPList is not valid.",
            ),
        ),
        (
            {"ZoneId": "cn-beijing-a"},
            ("InvalidZone.NotSupported", "The Specified Zone not supported."),
        ),
        (
            {"VSwitchId": "vsw-nope"},
            ("InvalidVSwitchId.Format", "The specified vswitch Id format is incorrect."),
        ),
        (
            {"ZoneId": "cn-hangzhou-b", "VSwitchId": "FIRST"},
            ("InvalidZoneId.NotSupported", "The Specified vpc Zone not supported."),
        ),
    ],
)
def test_create_db_instance_errors(
    world: World, params: dict[str, str], expected: tuple[str, str]
) -> None:
    if params.get("VSwitchId") == "FIRST":
        params = {**params, "VSwitchId": network.default_subnets(SCOPE)[0].id}
    assert world.fault("CreateDBInstance", **{**MYSQL, **params}) == (*expected, 400)


# -- RDS: DescribeDBInstances ------------------------------------------------------------------


def test_describe_db_instances_pages_and_filters(world: World) -> None:
    ids = [world.db_instance() for _ in range(5)]
    out = world.call("DescribeDBInstances")
    assert out["TotalRecordCount"] == 5 and out["PageRecordCount"] == 5 and out["PageNumber"] == 1
    listed = [i["DBInstanceId"] for i in out["Items"]["DBInstance"]]
    assert sorted(listed) == sorted(ids)
    pages = [
        world.call("DescribeDBInstances", PageSize="2", PageNumber=str(n)) for n in (1, 2, 3, 4)
    ]
    assert [p["PageRecordCount"] for p in pages] == [2, 2, 1, 0]
    assert [i["DBInstanceId"] for p in pages for i in p["Items"]["DBInstance"]] == listed
    assert (
        world.call("DescribeDBInstances", DBInstanceId=f"{ids[0]},{ids[1]}")["TotalRecordCount"]
        == 2
    )
    world.clock.advance(60)
    world.call("RestartDBInstance", DBInstanceId=ids[2])
    rebooting = world.call("DescribeDBInstances", DBInstanceStatus="Rebooting")
    assert [i["DBInstanceId"] for i in rebooting["Items"]["DBInstance"]] == [ids[2]]
    assert world.call("DescribeDBInstances", DBInstanceStatus="Running")["TotalRecordCount"] == 4
    assert world.call("DescribeDBInstances", Engine="PostgreSQL")["TotalRecordCount"] == 0
    assert world.call("DescribeDBInstances", OTHER)["TotalRecordCount"] == 0


def test_describe_db_instances_with_an_unknown_id_is_an_error(world: World) -> None:
    db_id = world.db_instance()
    assert world.fault("DescribeDBInstances", DBInstanceId="rm-nothing") == DB_NOT_FOUND
    assert world.fault("DescribeDBInstances", DBInstanceId=f"{db_id},rm-nothing") == DB_NOT_FOUND
    assert world.fault("DescribeDBInstances", OTHER, DBInstanceId=db_id) == DB_NOT_FOUND
    for params in ({"PageSize": "101"}, {"DBInstanceStatus": "Sleeping"}, {"Engine": "x"}):
        assert world.fault("DescribeDBInstances", **params)[0] == "InvalidParameter"


# -- RDS: whitelists ----------------------------------------------------------------------------


def test_modify_security_ips_cover_append_delete(world: World) -> None:
    db_id = world.running_db()
    assert world.call("ModifySecurityIps", DBInstanceId=db_id, SecurityIps="10.0.0.1")[
        "TaskId"
    ].isdigit()
    assert world.groups(db_id) == {"default": "10.0.0.1"}
    world.call(
        "ModifySecurityIps",
        DBInstanceId=db_id,
        SecurityIps="10.0.0.2,10.0.0.1",
        ModifyMode="Append",
        DBInstanceIPArrayName="Default",
    )
    assert world.groups(db_id) == {"default": "10.0.0.1,10.0.0.2"}
    world.call("ModifySecurityIps", DBInstanceId=db_id, SecurityIps="10.0.0.1", ModifyMode="Delete")
    assert world.groups(db_id) == {"default": "10.0.0.2"}
    world.call(
        "ModifySecurityIps",
        DBInstanceId=db_id,
        SecurityIps="192.168.0.0/16",
        DBInstanceIPArrayName="apps",
        DBInstanceIPArrayAttribute="hidden",
    )
    out = world.call("DescribeDBInstanceIPArrayList", DBInstanceId=db_id)
    assert out["Items"]["DBInstanceIPArray"] == [
        {
            "DBInstanceIPArrayName": "default",
            "DBInstanceIPArrayAttribute": "",
            "SecurityIPType": "IPv4",
            "SecurityIPList": "10.0.0.2",
        },
        {
            "DBInstanceIPArrayName": "apps",
            "DBInstanceIPArrayAttribute": "hidden",
            "SecurityIPType": "IPv4",
            "SecurityIPList": "192.168.0.0/16",
        },
    ]
    fault = world.fault(
        "ModifySecurityIps", DBInstanceId=db_id, SecurityIps="10.0.0.2", ModifyMode="Delete"
    )
    assert fault == ("SecurityIPList.Format", "Specified SecurityIPList is not valid.", 400)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"SecurityIps": ""},
            missing("SecurityIps"),
        ),
        (
            {"SecurityIps": "1.2.3.4,x"},
            ("SecurityIPList.Format", "Specified SecurityIPList is not valid.", 400),
        ),
        (
            {"SecurityIps": "1.2.3.4,1.2.3.4"},
            (
                "InvalidSecurityIPList.Duplicate",
                "Specified security IP list is not valid: Duplicate IP address in the list.",
                400,
            ),
        ),
        (
            {"ModifyMode": "Replace"},
            (
                "InvalidParameter",
                'The specified value of parameter "ModifyMode" is not valid.',
                400,
            ),
        ),
        (
            {"DBInstanceIPArrayName": "9bad"},
            (
                "InvalidParameter",
                'The specified value of parameter "DBInstanceIPArrayName" is not valid.',
                400,
            ),
        ),
        (
            {"DBInstanceIPArrayAttribute": "shown"},
            ("InvalidIPArrayAttribute.Format", "The format of the IP attribute is invalid.", 400),
        ),
        ({"DBInstanceId": "rm-nothing"}, DB_NOT_FOUND),
        (
            {"DBInstanceId": ""},
            missing("DBInstanceId"),
        ),
    ],
)
def test_modify_security_ips_errors(
    world: World, params: dict[str, str], expected: tuple[str, str, int]
) -> None:
    db_id = world.running_db()
    base = {"DBInstanceId": db_id, "SecurityIps": "10.0.0.1"}
    assert world.fault("ModifySecurityIps", **{**base, **params}) == expected


def test_too_many_whitelist_groups(world: World) -> None:
    db_id = world.running_db()
    for n in range(199):
        world.rds.modify_security_ips(
            SCOPE,
            {"DBInstanceId": db_id, "SecurityIps": "10.0.0.1", "DBInstanceIPArrayName": f"g{n}"},
        )
    assert world.fault(
        "ModifySecurityIps",
        DBInstanceId=db_id,
        SecurityIps="10.0.0.1",
        DBInstanceIPArrayName="last",
    ) == (
        "InvalidSecurityIPListGroup.QuotaExceeded",
        "Specified security IP list group is not valid: Exceeding the allowed amount of group.",
        400,
    )


def test_whitelists_need_a_running_instance(world: World) -> None:
    db_id = world.db_instance()
    assert world.fault("ModifySecurityIps", DBInstanceId=db_id, SecurityIps="10.0.0.1") == DB_STATE
    assert world.fault("DescribeDBInstanceIPArrayList", DBInstanceId="rm-nothing") == DB_NOT_FOUND


# -- RDS: restart and delete --------------------------------------------------------------------


def test_restart_reboots_for_a_while(world: World) -> None:
    db_id = world.db_instance()
    assert world.fault("RestartDBInstance", DBInstanceId=db_id) == DB_STATE
    world.clock.advance(60)
    assert world.call("RestartDBInstance", DBInstanceId=db_id) == {}
    assert world.db_status(db_id) == "Rebooting" and not world.rds.rds_usable(SCOPE, db_id)
    assert world.fault("RestartDBInstance", DBInstanceId=db_id) == DB_STATE
    world.clock.advance(9)
    assert world.db_status(db_id) == "Rebooting"
    world.clock.advance(1)
    assert world.db_status(db_id) == "Running" and world.rds.rds_usable(SCOPE, db_id)
    assert world.fault("RestartDBInstance", DBInstanceId="rm-nothing") == DB_NOT_FOUND


def test_delete_db_instance(world: World) -> None:
    db_id = world.db_instance()
    assert world.fault("DeleteDBInstance", DBInstanceId=db_id) == DB_STATE
    world.clock.advance(60)
    assert world.call("DeleteDBInstance", DBInstanceId=db_id) == {}
    assert world.fault("DeleteDBInstance", DBInstanceId=db_id) == DB_NOT_FOUND
    assert not world.rds.rds_exists(SCOPE, db_id)
    assert world.call("DescribeDBInstances")["TotalRecordCount"] == 0
    with world.db.read() as conn:
        assert conn.execute(select(sim_rds_instances)).all() == []


# -- RDS: the engine-facing port ----------------------------------------------------------------


def test_rds_port_keeps_instance_ips_in_the_ess_group(world: World) -> None:
    a, b = world.running(2)
    db_id = world.running_db()
    rds = world.rds
    rds.rds_allow(SCOPE, db_id, [a, b])
    rds.rds_allow(SCOPE, db_id, [a, "i-stranger"])
    assert rds.rds_whitelist(SCOPE, db_id) == {
        "default": ["127.0.0.1"],
        ESS_GROUP: [world.ip(a), world.ip(b)],
    }
    assert world.groups(db_id)[ESS_GROUP] == f"{world.ip(a)},{world.ip(b)}"
    rds.rds_revoke(SCOPE, db_id, [a])
    rds.rds_revoke(SCOPE, db_id, [a])
    assert rds.rds_whitelist(SCOPE, db_id)[ESS_GROUP] == [world.ip(b)]
    rds.rds_revoke(SCOPE, db_id, [b])
    assert rds.rds_whitelist(SCOPE, db_id) == {"default": ["127.0.0.1"]}
    rds.rds_allow(OTHER, db_id, [a])
    rds.rds_allow(SCOPE, "rm-nothing", [a])
    assert rds.rds_whitelist(SCOPE, db_id) == {"default": ["127.0.0.1"]}
    assert not rds.rds_exists(OTHER, db_id) and not rds.rds_usable(OTHER, db_id)


# -- the dialects ------------------------------------------------------------------------------


def test_the_dialects_turn_faults_into_aliyun_errors_and_wake(world: World) -> None:
    wakes: list[int] = []
    slb = SlbService(world.slb, lambda: wakes.append(1))
    rds = RdsService(world.rds, lambda: wakes.append(1))
    assert (slb.product, slb.version, rds.product, rds.version) == (
        "Slb",
        "2014-05-15",
        "Rds",
        "2014-08-15",
    )
    assert set(slb.handlers) == set(SLB_ACTIONS) and set(rds.handlers) == set(RDS_ACTIONS)
    lb = slb.handlers["CreateLoadBalancer"](SCOPE, {})["LoadBalancerId"]
    with pytest.raises(AliyunError) as info:
        slb.handlers["DeleteLoadBalancer"](SCOPE, {"LoadBalancerId": "lb-nothing"})
    assert (info.value.code, info.value.status) == ("InvalidLoadBalancerId.NotFound", 404)
    slb.handlers["SetLoadBalancerStatus"](
        SCOPE, {"LoadBalancerId": lb, "LoadBalancerStatus": "active"}
    )
    with pytest.raises(AliyunError) as info:
        rds.handlers["RestartDBInstance"](SCOPE, {"DBInstanceId": "rm-nothing"})
    assert info.value.message == DB_NOT_FOUND[1]
    rds.handlers["DescribeDBInstances"](SCOPE, {})
    assert len(wakes) == 1


# -- fuzz ----------------------------------------------------------------------------------------

KNOWN_NAMES = [
    "LoadBalancerId",
    "LoadBalancerName",
    "AddressType",
    "VSwitchId",
    "VpcId",
    "MasterZoneId",
    "SlaveZoneId",
    "LoadBalancerSpec",
    "BackendServers",
    "LoadBalancerStatus",
    "ListenerPort",
    "ServerId",
    "NetworkType",
    "PageNumber",
    "PageSize",
    "DBInstanceId",
    "Engine",
    "EngineVersion",
    "DBInstanceClass",
    "DBInstanceStorage",
    "DBInstanceNetType",
    "PayType",
    "SecurityIPList",
    "SecurityIps",
    "ModifyMode",
    "DBInstanceIPArrayName",
    "DBInstanceIPArrayAttribute",
    "DBInstanceStatus",
    "ZoneId",
    "ClientToken",
    "InstanceNetworkType",
    "DBInstanceDescription",
]
VALUES = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "100",
        "101",
        "99999999999999999999",
        "[]",
        "{}",
        "null",
        "[{}]",
        '[{"ServerId": "i-1"}]',
        '[{"ServerId": "i-1", "Weight": "50", "Port": "80"}]',
        '[{"ServerId": null, "Weight": [1]}]',
        '[{"ServerId": "i-1", "Weight": 1.5}]',
        "active",
        "inactive",
        "intranet",
        "internet",
        "MySQL",
        "8.0",
        "mysql.n2.medium.1",
        "Cover",
        "Append",
        "Delete",
        "Default",
        "10.0.0.1",
        "10.0.0.0/33",
        "1.2.3.4,1.2.3.4",
        "cn-hangzhou-a",
        "Running",
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
    yield made
    made.db.dispose()


def quietly(world: World, action: str, params: dict[str, str]) -> None:
    kind = RdsFault if action in RDS_ACTIONS else SlbFault
    sim: Any = world.rds if action in RDS_ACTIONS else world.slb
    with contextlib.suppress(kind):
        wrapped(getattr(sim, method_name(action))(SCOPE, params))


@fuzz(300)
@given(action=st.sampled_from(SLB_ACTIONS + RDS_ACTIONS), params=PARAMS)
def test_any_parameters_yield_a_result_or_the_products_fault(
    fuzz_world: World, action: str, params: dict[str, str]
) -> None:
    quietly(fuzz_world, action, params)


@fuzz(100)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(["ServerId", "Weight", "Type", "Port"]) | st.text(max_size=4),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_backend_servers_json_yields_a_result_or_an_slb_fault(
    fuzz_world: World, body: Any
) -> None:
    lb = fuzz_world.lb()
    text = json.dumps(body)
    for action in ("AddBackendServers", "RemoveBackendServers", "SetBackendServers"):
        quietly(fuzz_world, action, {"LoadBalancerId": lb, "BackendServers": text})
