"""Soak: two Tidewater nodes on one PostgreSQL database under mixed AWS and ESS traffic for minutes.

Creates a throwaway database (or uses --database-url), migrates it, starts two `tidewater serve`
processes on it with the runner on and a real, fast clock, and lets many threads drive both
nodes with boto3 and both Alibaba Cloud SDKs: describes, capacity changes, detach/attach, standby,
termination, protection, on groups behind Classic ELBs, target groups and SLBs. It samples each
node's RSS and how many instances EC2 and ECS DescribeInstances list (terminated EC2 instances
stay listed for an hour of the simulated clock, released ECS ones not at all, so both counts
level off), then stops the traffic, waits until every activity has ended, stops the nodes with
SIGTERM and runs `tidewater check`. Run with `make soak` (SOAK_ARGS="--seconds 60 --clients 8");
each run appends one JSON line to bench/soak.jsonl and exits 1 naming every failed criterion.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import boto3
from alibabacloud_ess20220222 import models as ess_models
from alibabacloud_ess20220222.client import Client as EssClient
from alibabacloud_tea_openapi.models import Config as TeaConfig
from alibabacloud_tea_util.models import RuntimeOptions
from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import AcsRequest, CommonRequest
from aliyunsdkess.request.v20140828.DescribeScalingActivitiesRequest import (
    DescribeScalingActivitiesRequest,
)
from aliyunsdkess.request.v20140828.DescribeScalingGroupsRequest import (
    DescribeScalingGroupsRequest,
)
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from Tea.exceptions import TeaException

POSTGRES = os.environ.get(
    "TIDEWATER_SOAK_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AWS_REGION = "us-east-1"
ESS_REGION = "cn-hangzhou"
AMI = "ami-0c02fb55956c7d316"
ECS_IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"
TIME_SCALE = "0.05"  # every simulated delay 20x shorter: boot 0.25 s, ELB draining 1.5-3 s
AWS_GROUPS, ESS_GROUPS, MAX_SIZE, START_SIZE = 4, 3, 8, 3
POOL_CAP = 40  # free (detached) instances kept for attaching; older ones are terminated
RIPE_SECONDS = 3.0  # a detached instance is attached again only after its detach had this long
AWS_SHARE = 0.6  # share of steps that use the AWS APIs; the rest use ESS
RSS_EVERY = 5.0
WARMUP_SECONDS = 60.0  # capped at a third of the run, so short runs still have a window
MEMORY_BOUND = 0.20  # RSS may grow at most this much from the first sample after warm-up
THROUGHPUT_BOUND = 0.30  # the last 30 s may serve at most this much less than the first after it
SETTLE_SECONDS = 180.0
TERMINAL = ("Successful", "Warning", "Failed", "Cancelled", "Rejected")
RUNTIME = RuntimeOptions(autoretry=False, read_timeout=60000, connect_timeout=5000)
AWS_ACTIONS = {
    "describe_groups": 16,
    "describe_activities": 8,
    "desired": 8,
    "detach": 8,
    "attach": 8,
    "standby": 6,
    "exit_standby": 6,
    "terminate": 5,
    "protect": 5,
}
ESS_ACTIONS = {
    "describe_groups": 8,
    "describe_instances": 10,
    "describe_activities": 8,
    "desired": 1,  # each change starts a scaling activity, and ESS refuses others meanwhile
    "remove": 8,
    "attach": 8,
    "detach": 4,
    "standby": 6,
    "exit_standby": 6,
}
RESETS = ("Connection aborted", "Connection reset", "RemoteDisconnected")
_local = threading.local()  # ResourceContention answers seen by the call in hand, per thread


# -- the database and the nodes -----------------------------------------------------------------


def engine_for(url: str, **options: Any) -> Engine:
    """A SQLAlchemy engine on psycopg 3, whichever spelling of the URL was given."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, **options)


def create_database() -> str:
    """CREATE DATABASE tidewater_soak_<random> on the machine's server; returns its URL."""
    name = "tidewater_soak_" + secrets.token_hex(6)
    server = engine_for(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    server.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """DROP the database create_database made, even if a node still holds a connection."""
    server = engine_for(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"))
    server.dispose()


def tidewater(*args: str) -> subprocess.CompletedProcess[str]:
    """Run one `python -m tidewater` command to completion and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "tidewater", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "1000"},  # one violation per line
    )


def revision() -> str:
    """The checkout's commit, with "+dirty" when src/ has uncommitted changes (read-only git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+dirty" if dirty else head or "unknown"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    """One `tidewater serve` process: its name, address, log and RSS samples."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    rss: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, KiB)

    @property
    def host(self) -> str:
        """host:port, as the Alibaba SDKs want the endpoint."""
        return self.url.removeprefix("http://")


def start_node(name: str, url: str, workdir: Path) -> Node:
    """Start `tidewater serve` on the shared database and wait until it is healthy."""
    port = free_port()
    log = workdir / f"{name}.log"
    args = [
        *(sys.executable, "-m", "tidewater", "serve", "--port", str(port)),
        *("--database-url", url, "--data-dir", str(workdir / name), "--node", name),
        *("--runner", "auto", "--sim-time-scale", TIME_SCALE, "--log-level", "warning"),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    node = Node(name, f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            node_json(node, "GET", "/_tidewater/health")
            return node
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not become healthy; see {log}")


def node_json(node: Node, method: str, path: str) -> dict[str, Any]:
    """Call one of a node's /_tidewater/ endpoints."""
    request = urllib.request.Request(
        node.url + path, method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sample(nodes: list[Node]) -> None:
    """Record each live node's RSS now."""
    for node in nodes:
        if node.process.poll() is None:
            node.rss.append((time.monotonic(), rss_kib(node.process.pid)))


def listed_now(node: Node) -> tuple[int, int]:
    """How many instances EC2 DescribeInstances (every page) and ECS DescribeInstances list."""
    ec2 = boto_client("ec2", node, None)
    ec2_count = sum(
        len(reservation["Instances"])
        for page in ec2.get_paginator("describe_instances").paginate(
            PaginationConfig={"PageSize": 1000}
        )
        for reservation in page["Reservations"]
    )
    client = legacy_client(node)
    answer = client.do_action_with_exception(
        rpc(node.host, "2014-05-26", "DescribeInstances", PageSize="1")
    )
    return ec2_count, int(json.loads(answer)["TotalCount"])


def sample_listed(node: Node, listed: list[tuple[float, int, int]]) -> None:
    """Record what the clouds list now; a failed look is skipped, the traffic tally has it."""
    try:
        ec2_count, ecs_count = listed_now(node)
    except Exception as error:  # a sample is best effort
        print(f"listing instances failed: {error!r}", file=sys.stderr)
        return
    listed.append((time.monotonic(), ec2_count, ecs_count))


def sample_every(
    nodes: list[Node], stop: threading.Event, listed: list[tuple[float, int, int]]
) -> None:
    """Sample RSS and the clouds' listings every RSS_EVERY seconds until told to stop."""
    while not stop.wait(RSS_EVERY):
        sample(nodes)
        sample_listed(nodes[0], listed)


def stop_node(node: Node) -> int | None:
    """SIGTERM a node and wait for it; its exit code (None if it had to be killed)."""
    if node.process.poll() is not None:
        return node.process.returncode
    node.process.send_signal(signal.SIGTERM)
    try:
        return node.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        node.process.kill()
        node.process.wait(timeout=30)
        return None


# -- counting what the clients saw --------------------------------------------------------------


@dataclass
class Tally:
    """Every HTTP response and every SDK call the clients saw, shared by the worker threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)  # every response, retries included
    codes: Counter[str] = field(default_factory=Counter)  # error code of every error response
    by_node: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)  # "cloud Operation outcome"
    latencies: list[float] = field(default_factory=list)  # seconds per call, retries included
    retried_calls: int = 0  # calls botocore retried for any reason
    contention_retried: int = 0  # calls that got past ResourceContention by retrying
    contention_exhausted: int = 0  # calls whose last answer was still ResourceContention
    server_errors: list[str] = field(default_factory=list)  # 5xx other than ResourceContention
    unanswered: list[str] = field(default_factory=list)  # attempts without an HTTP answer
    transport_errors: list[str] = field(default_factory=list)  # calls that never got one
    bugs: list[str] = field(default_factory=list)  # exceptions in this script's own steps

    def response(self, node: str, status: int, code: str | None, detail: str) -> None:
        """Count one HTTP response (each retry is one) by status, code and node."""
        with self.lock:
            self.statuses[str(status)] += 1
            self.by_node[node] += 1
            if code:
                self.codes[code] += 1
            if status >= 500 and code != "ResourceContention":
                self.server_errors.append(detail)

    def no_answer(self, detail: str) -> None:
        """Count one attempt that got no HTTP answer (refused, reset, timed out)."""
        with self.lock:
            self.unanswered.append(detail)

    def transport(self, detail: str) -> None:
        """Count one call that ended without an HTTP answer, its retries included."""
        with self.lock:
            self.transport_errors.append(detail)

    def call(self, name: str, seconds: float, retries: int, contention: int, outcome: str) -> None:
        """Count one SDK call: its latency, its retries and how it ended."""
        with self.lock:
            self.latencies.append(seconds)
            self.operations[f"{name} {outcome}"] += 1
            self.retried_calls += retries > 0
            if contention and outcome == "ResourceContention":
                self.contention_exhausted += 1
            elif contention:
                self.contention_retried += 1

    def requests(self) -> int:
        """HTTP requests sent: every answered one and every unanswered one."""
        return sum(self.statuses.values()) + len(self.unanswered)


def on_aws_response(
    tally: Tally,
    node: str,
    event_name: str,
    response_dict: dict[str, Any] | None,
    parsed_response: dict[str, Any] | None,
    exception: Exception | None,
    **_: Any,
) -> None:
    """botocore's response-received hook: runs once per attempt, so retries are counted too."""
    operation = event_name.rsplit(".", 1)[-1]
    if response_dict is None:
        tally.no_answer(f"{node} aws {operation}: {exception!r}")
        return
    status = int(response_dict["status_code"])
    error = (parsed_response or {}).get("Error", {}) if status >= 300 else {}
    code = error.get("Code")
    if code == "ResourceContention":
        _local.contention = getattr(_local, "contention", 0) + 1
    request_id = response_dict["headers"].get("x-amzn-requestid", "?")
    detail = (
        f"{node} aws {operation} {status} {code}: {error.get('Message')} (request {request_id})"
    )
    tally.response(node, status, code, detail)


# -- clients and accounted calls ----------------------------------------------------------------


@dataclass
class NodeClients:
    """One thread's clients for one node: boto3, the tea ESS SDK and the legacy core SDK."""

    node: str
    host: str
    autoscaling: Any
    ec2: Any
    ess: EssClient
    legacy: AcsClient


def boto_client(service: str, node: Node, tally: Tally | None, attempts: int = 5) -> Any:
    """A boto3 client on a node, standard retries; with a tally, every attempt is counted."""
    client = boto3.session.Session().client(
        service,
        region_name=AWS_REGION,
        endpoint_url=node.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(
            retries={"max_attempts": attempts, "mode": "standard"},
            read_timeout=60,
            max_pool_connections=4,
        ),
    )
    if tally is not None:
        client.meta.events.register(
            "response-received",
            lambda **kw: on_aws_response(tally, node.name, **kw),
        )
    return client


def tea_client(node: Node) -> EssClient:
    """alibabacloud-ess20220222 (ACS3 signatures) on a node."""
    config = TeaConfig(
        access_key_id="test",
        access_key_secret="test",
        region_id=ESS_REGION,
        endpoint=node.host,
        protocol="http",
    )
    return EssClient(config)


def legacy_client(node: Node) -> AcsClient:
    """aliyun-python-sdk-core (API 2014-08-28, HMAC-SHA1) on a node, without its own retries."""
    client = AcsClient("test", "test", ESS_REGION, auto_retry=False, timeout=60, connect_timeout=5)
    client.add_endpoint(ESS_REGION, "Ess", node.host)
    return client


def clients_for(node: Node, tally: Tally) -> NodeClients:
    """Every client one worker thread needs for one node."""
    return NodeClients(
        node.name,
        node.host,
        boto_client("autoscaling", node, tally),
        boto_client("ec2", node, tally),
        tea_client(node),
        legacy_client(node),
    )


def aws(tally: Tally, client: Any, method: str, **params: Any) -> dict[str, Any] | None:
    """One boto3 call, counted; its answer, or None when it ended in an error."""
    _local.contention = 0
    operation = client.meta.method_to_api_mapping[method]
    started = time.perf_counter()
    answer: dict[str, Any] | None = None
    try:
        answer = getattr(client, method)(**params)
        meta, outcome = answer["ResponseMetadata"], "ok"
    except ClientError as error:
        meta, outcome = error.response.get("ResponseMetadata", {}), error.response["Error"]["Code"]
    except BotoCoreError as error:
        meta, outcome = {}, "transport"  # each attempt was counted by on_aws_response
        tally.transport(f"aws {operation}: {error!r}")
    retries = int(meta.get("RetryAttempts", 0))
    tally.call(
        f"aws {operation}", time.perf_counter() - started, retries, _local.contention, outcome
    )
    return answer


def retry_reset(tally: Tally, label: str, call: Callable[[], Any]) -> Any:
    """Run an Alibaba SDK call; once more after a reset connection, as botocore would.

    The server closes a kept-alive connection after 5 idle seconds; a request sent on it at that
    moment is reset. The Alibaba SDKs run here with their own retries off (the legacy one would
    also retry 5xx answers and hide them), so this one retry stands in for botocore's.
    """
    try:
        return call()
    except Exception as error:
        text = f"{error!r} {error}"
        if getattr(error, "status_code", None) or not any(r in text for r in RESETS):
            raise
        tally.no_answer(f"{label}: {error}")
        return call()


def tea(tally: Tally, c: NodeClients, method: str, request: Any) -> Any | None:
    """One alibabacloud-ess20220222 call, counted; its body, or None when it failed."""
    operation = "".join(part.title() for part in method.split("_"))
    started = time.perf_counter()
    body = None
    try:
        call = getattr(c.ess, f"{method}_with_options")
        answer = retry_reset(tally, f"{c.node} ess {operation}", lambda: call(request, RUNTIME))
        body, outcome = answer.body, "ok"
        tally.response(c.node, int(answer.status_code), None, "")
    except TeaException as error:
        status = getattr(error, "status_code", None) or (error.data or {}).get("statusCode")
        if status:
            outcome = str(error.code)
            request_id = (error.data or {}).get("RequestId", "?")
            detail = (
                f"{c.node} ess {operation} {status} {error.code}: {error.message} ({request_id})"
            )
            tally.response(c.node, int(status), outcome, detail)
        else:
            outcome = "transport"
            tally.no_answer(f"{c.node} ess {operation}: {error!r}")
            tally.transport(f"{c.node} ess {operation}: {error!r}")
    except OSError as error:
        outcome = "transport"
        tally.no_answer(f"{c.node} ess {operation}: {error!r}")
        tally.transport(f"{c.node} ess {operation}: {error!r}")
    tally.call(f"ess {operation}", time.perf_counter() - started, 0, 0, outcome)
    return body


def legacy(tally: Tally, c: NodeClients, request: AcsRequest) -> dict[str, Any] | None:
    """One aliyun-python-sdk-core call, counted; its JSON answer, or None when it failed."""
    operation = request.get_action_name()
    started = time.perf_counter()
    body = None
    try:
        label = f"{c.node} legacy {operation}"
        body = json.loads(
            retry_reset(tally, label, lambda: c.legacy.do_action_with_exception(request))
        )
        outcome = "ok"
        tally.response(c.node, 200, None, "")
    except ServerException as error:
        outcome, status = error.get_error_code(), int(error.get_http_status())
        detail = (
            f"{c.node} legacy {operation} {status} {outcome}: {error.get_error_msg()} "
            f"({error.get_request_id()})"
        )
        tally.response(c.node, status, outcome, detail)
    except ClientException as error:
        outcome = "transport"
        tally.no_answer(f"{c.node} legacy {operation}: {error}")
        tally.transport(f"{c.node} legacy {operation}: {error}")
    tally.call(f"legacy {operation}", time.perf_counter() - started, 0, 0, outcome)
    return body


def rpc(host: str, version: str, action: str, **params: Any) -> CommonRequest:
    """A legacy-SDK CommonRequest for ECS or SLB on a node, as scripts without those SDKs do."""
    request = CommonRequest(domain=host, version=version, action_name=action)
    request.set_protocol_type("http")
    request.add_query_param("RegionId", ESS_REGION)
    for key, value in params.items():
        request.add_query_param(key, value)
    return request


# -- the world the traffic works on -------------------------------------------------------------


class Pool:
    """Instances out of every group, attached again once their detach has had time to finish."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.free: deque[tuple[float, str]] = deque()

    def add(self, instance_id: str) -> str | None:
        """Keep a freed instance; returns the oldest one when the pool is over its cap."""
        with self.lock:
            self.free.append((time.monotonic(), instance_id))
            return self.free.popleft()[1] if len(self.free) > POOL_CAP else None

    def take(self) -> str | None:
        """The oldest instance that has been free for RIPE_SECONDS, if any."""
        with self.lock:
            if self.free and time.monotonic() - self.free[0][0] >= RIPE_SECONDS:
                return self.free.popleft()[1]
            return None

    def give_back(self, instance_id: str) -> None:
        """An attach was refused: the instance is still free (a refusal changes nothing)."""
        with self.lock:
            self.free.append((time.monotonic(), instance_id))


@dataclass
class World:
    """The groups the workers change and the instances free to attach."""

    aws_groups: list[str]
    ess_groups: list[str]
    ec2_pool: Pool = field(default_factory=Pool)
    ecs_pool: Pool = field(default_factory=Pool)


def setup_aws(node: Node) -> list[str]:
    """Groups behind a Classic ELB with connection draining and a target group with a listener."""
    autoscaling = boto_client("autoscaling", node, None)
    elb, elbv2 = boto_client("elb", node, None), boto_client("elbv2", node, None)
    ec2 = boto_client("ec2", node, None)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    zones = [f"{AWS_REGION}a", f"{AWS_REGION}b"]
    alb = elbv2.create_load_balancer(Name="soak", Subnets=subnets)["LoadBalancers"][0]
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="soak", ImageId=AMI, InstanceType="t3.micro"
    )
    names = []
    for n in range(AWS_GROUPS):
        name = f"soak-{n}"
        elb.create_load_balancer(
            LoadBalancerName=name,
            AvailabilityZones=zones,
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        )
        elb.modify_load_balancer_attributes(
            LoadBalancerName=name,
            LoadBalancerAttributes={"ConnectionDraining": {"Enabled": True, "Timeout": 30}},
        )
        target_group = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        elbv2.modify_target_group_attributes(
            TargetGroupArn=target_group,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "60"}],
        )
        elbv2.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=8000 + n,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchConfigurationName="soak",
            MinSize=0,
            MaxSize=MAX_SIZE,
            DesiredCapacity=START_SIZE,
            AvailabilityZones=zones,
            LoadBalancerNames=[name],
            TargetGroupARNs=[target_group],
        )
        names.append(name)
    return names


def setup_ess(node: Node, pool: Pool) -> list[str]:
    """ESS groups with an SLB each, plus a few ECS instances of our own to attach."""
    ess, client = tea_client(node), legacy_client(node)

    def call(version: str, action: str, **params: Any) -> Any:
        return json.loads(
            client.do_action_with_exception(rpc(node.host, version, action, **params))
        )

    groups = []
    for n in range(ESS_GROUPS):
        lb = call("2014-05-15", "CreateLoadBalancer", AddressType="intranet")["LoadBalancerId"]
        group = ess.create_scaling_group(
            ess_models.CreateScalingGroupRequest(
                region_id=ESS_REGION,
                scaling_group_name=f"soak-{n}",
                min_size=0,
                max_size=MAX_SIZE,
                desired_capacity=START_SIZE,
                load_balancer_ids=json.dumps([lb]),
            )
        ).body.scaling_group_id
        ess.create_scaling_configuration(
            ess_models.CreateScalingConfigurationRequest(
                scaling_group_id=group, image_id=ECS_IMAGE, instance_type="ecs.g6.large"
            )
        )
        ess.enable_scaling_group(
            ess_models.EnableScalingGroupRequest(region_id=ESS_REGION, scaling_group_id=group)
        )
        groups.append(str(group))
    zone = call("2014-05-26", "DescribeZones")["Zones"]["Zone"][0]["ZoneId"]
    own = call(
        "2014-05-26",
        "RunInstances",
        ImageId=ECS_IMAGE,
        InstanceType="ecs.g6.large",
        ZoneId=zone,
        Amount=4,
    )["InstanceIdSets"]["InstanceIdSet"]
    for instance_id in own:
        pool.add(instance_id)
    return groups


# -- the traffic --------------------------------------------------------------------------------


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    """One action, drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def aws_step(rng: random.Random, pick: Callable[[], NodeClients], world: World, t: Tally) -> None:
    """One AWS action on a random group, through a random node; changes look first."""
    action, name = weighted(rng, AWS_ACTIONS), rng.choice(world.aws_groups)
    group = {"AutoScalingGroupName": name}
    if action == "describe_groups":
        aws(t, pick().autoscaling, "describe_auto_scaling_groups")
    elif action == "describe_activities":
        aws(t, pick().autoscaling, "describe_scaling_activities", **group, MaxRecords=20)
    elif action == "desired":
        desired = rng.randint(1, MAX_SIZE)
        aws(t, pick().autoscaling, "set_desired_capacity", **group, DesiredCapacity=desired)
    elif action == "attach":
        instance_id = world.ec2_pool.take()
        if instance_id is not None:
            attach = {**group, "InstanceIds": [instance_id]}
            if aws(t, pick().autoscaling, "attach_instances", **attach) is None:
                world.ec2_pool.give_back(instance_id)
    else:
        aws_change(rng, pick, world, t, action, name)


def aws_change(
    rng: random.Random,
    pick: Callable[[], NodeClients],
    world: World,
    t: Tally,
    action: str,
    name: str,
) -> None:
    """Describe one group, then change one of its instances as a script would."""
    found = aws(t, pick().autoscaling, "describe_auto_scaling_groups", AutoScalingGroupNames=[name])
    if not found or not found["AutoScalingGroups"]:
        return
    members = found["AutoScalingGroups"][0]["Instances"]
    state = "Standby" if action == "exit_standby" else "InService"
    candidates = [i["InstanceId"] for i in members if i["LifecycleState"] == state]
    if not candidates:
        return
    victim, client, coin = rng.choice(candidates), pick(), rng.random() < 0.5
    one: dict[str, Any] = {"AutoScalingGroupName": name, "InstanceIds": [victim]}
    decrement = {"ShouldDecrementDesiredCapacity": coin}
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "detach": ("detach_instances", {**one, **decrement}),
        "standby": ("enter_standby", {**one, **decrement}),
        "exit_standby": ("exit_standby", one),
        "terminate": (
            "terminate_instance_in_auto_scaling_group",
            {"InstanceId": victim, **decrement},
        ),
        "protect": ("set_instance_protection", {**one, "ProtectedFromScaleIn": coin}),
    }
    method, params = calls[action]
    done = aws(t, client.autoscaling, method, **params)
    evicted = world.ec2_pool.add(victim) if done and action == "detach" else None
    if evicted is not None:
        aws(t, client.ec2, "terminate_instances", InstanceIds=[evicted])


def ess_step(rng: random.Random, pick: Callable[[], NodeClients], world: World, t: Tally) -> None:
    """One ESS action on a random group, through a random node and a random SDK."""
    action, group = weighted(rng, ESS_ACTIONS), rng.choice(world.ess_groups)
    if action == "describe_groups":
        legacy(t, pick(), DescribeScalingGroupsRequest())
    elif action == "describe_activities":
        request = DescribeScalingActivitiesRequest()
        request.set_ScalingGroupId(group)
        request.set_PageSize(10)
        legacy(t, pick(), request)
    elif action == "desired":
        desired = rng.randint(1, MAX_SIZE)
        modify = ess_models.ModifyScalingGroupRequest(
            scaling_group_id=group, desired_capacity=desired
        )
        tea(t, pick(), "modify_scaling_group", modify)
    elif action == "attach":
        instance_id = world.ecs_pool.take()
        if instance_id is not None:
            attach = ess_models.AttachInstancesRequest(
                region_id=ESS_REGION,
                scaling_group_id=group,
                instance_ids=[instance_id],
                entrusted=rng.random() < 0.3,
            )
            if tea(t, pick(), "attach_instances", attach) is None:
                world.ecs_pool.give_back(instance_id)
    else:
        ess_change(rng, pick, world, t, action, group)


def ess_change(
    rng: random.Random,
    pick: Callable[[], NodeClients],
    world: World,
    t: Tally,
    action: str,
    group: str,
) -> None:
    """List one ESS group's instances, then remove, detach or move one of them."""
    listing = ess_models.DescribeScalingInstancesRequest(
        region_id=ESS_REGION, scaling_group_id=group, page_size=50
    )
    found = tea(t, pick(), "describe_scaling_instances", listing)
    if found is None or action == "describe_instances":
        return
    state = "Standby" if action == "exit_standby" else "InService"
    candidates = [i for i in found.scaling_instances or [] if i.lifecycle_state == state]
    if not candidates:
        return
    victim, client = rng.choice(candidates), pick()
    one: dict[str, Any] = {"scaling_group_id": group, "instance_ids": [victim.instance_id]}
    decrease = rng.random() < 0.5
    calls: dict[str, tuple[str, Callable[[], Any]]] = {
        "remove": (
            "remove_instances",
            lambda: ess_models.RemoveInstancesRequest(
                region_id=ESS_REGION, decrease_desired_capacity=decrease, **one
            ),
        ),
        "detach": ("detach_instances", lambda: ess_models.DetachInstancesRequest(**one)),
        "standby": ("enter_standby", lambda: ess_models.EnterStandbyRequest(**one)),
        "exit_standby": ("exit_standby", lambda: ess_models.ExitStandbyRequest(**one)),
    }
    method, build = calls[action]
    done = tea(t, client, method, build()) is not None
    # ESS releases what it created or was entrusted with and hands back only the rest
    handed_back = victim.creation_type == "Attached" and not victim.entrusted
    freed = done and (action == "detach" or (action == "remove" and handed_back))
    evicted = world.ecs_pool.add(victim.instance_id) if freed else None
    if evicted is not None:
        release = rpc(client.host, "2014-05-26", "DeleteInstance", InstanceId=evicted, Force="true")
        legacy(t, client, release)


def worker(
    index: int,
    nodes: list[Node],
    world: World,
    tally: Tally,
    ready: threading.Barrier,
    stop: threading.Event,
) -> None:
    """One client thread: builds its clients, then random steps through random nodes."""
    rng = random.Random(index)
    clients = [clients_for(node, tally) for node in nodes]
    ready.wait()

    def pick() -> NodeClients:
        return rng.choice(clients)

    while not stop.is_set():
        try:
            if rng.random() < AWS_SHARE:
                aws_step(rng, pick, world, tally)
            else:
                ess_step(rng, pick, world, tally)
        except Exception as error:  # a bug in this script, not an answer from the service
            with tally.lock:
                tally.bugs.append(repr(error))
            time.sleep(0.5)


# -- the end of the run -------------------------------------------------------------------------


def pending(db: Engine) -> tuple[int, int]:
    """Unfinished activities and groups the reconciler still has to look at."""
    with db.connect() as conn:
        busy = conn.execute(
            text("SELECT count(*) FROM activities WHERE NOT (status = ANY(:done))"),
            {"done": list(TERMINAL)},
        ).scalar_one()
        dirty = conn.execute(text("SELECT count(*) FROM groups WHERE dirty")).scalar_one()
    return int(busy), int(dirty)


def unfinished(db: Engine) -> list[dict[str, Any]]:
    """The activities still unfinished, as rows to print and record."""
    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, cloud, group_name, kind, instance_id, status, step, parent_id,"
                " due_at, lease_owner, lease_until, started_at FROM activities"
                " WHERE NOT (status = ANY(:done)) ORDER BY seq LIMIT 20"
            ),
            {"done": list(TERMINAL)},
        )
        return [{k: str(v) for k, v in row._mapping.items()} for row in rows]


def settle(nodes: list[Node], url: str) -> tuple[bool, float, list[dict[str, Any]]]:
    """Ask both nodes to settle until nothing is unfinished twice in a row; (ok, secs, left)."""
    db = engine_for(url)
    began, quiet = time.monotonic(), 0
    try:
        while time.monotonic() - began < SETTLE_SECONDS:
            for node in nodes:
                try:
                    node_json(node, "POST", "/_tidewater/settle")
                except (OSError, urllib.error.HTTPError) as error:
                    print(f"settle on {node.name} failed: {error!r}", file=sys.stderr)
            quiet = quiet + 1 if pending(db) == (0, 0) else 0
            if quiet >= 2:
                return True, time.monotonic() - began, []
            time.sleep(1.0)
        return False, time.monotonic() - began, unfinished(db)
    finally:
        db.dispose()


def log_summary(node: Node) -> tuple[Counter[str], int, list[str]]:
    """A node's ERROR/CRITICAL messages counted, its WARNING count, and its first error in full."""
    errors: Counter[str] = Counter()
    warnings, first, in_first = 0, list[str](), False
    for line in node.log.read_text(errors="replace").splitlines():
        parts = line.split(" ", 4)  # date, time, level, logger, message
        logged = len(parts) == 5 and line[:2] == "20"
        if logged and parts[2] in ("ERROR", "CRITICAL"):
            errors[f"{node.name} {parts[3]} {parts[4]}"] += 1
            in_first = not first
        elif logged:
            warnings += parts[2] == "WARNING"
            in_first = False
        if in_first and len(first) < 80:
            first.append(f"{node.name}: {line}")
    return errors, warnings, first


def memory(node: Node, began: float, warmup: float, ended: float) -> dict[str, float]:
    """RSS (MiB) at start, after warm-up, at the end of traffic; growth and slope after warm-up."""
    during = [(t - began, kib / 1024) for t, kib in node.rss if t <= ended + 1]
    start = during[0][1]
    window = [s for s in during if s[0] >= warmup] or during[-1:]
    warm, end = window[0][1], window[-1][1]
    slope = 0.0
    if len(window) >= 2:
        xs, ys = [s[0] / 60 for s in window], [s[1] for s in window]
        slope = statistics.linear_regression(xs, ys).slope
    return {
        "start_mib": round(start, 1),
        "warm_mib": round(warm, 1),
        "end_mib": round(end, 1),
        "final_mib": round(node.rss[-1][1] / 1024, 1),
        "growth_pct": round((end - warm) / warm * 100, 1),
        "slope_mib_per_min": round(slope, 2),
        "samples": len(window),
    }


def listing(listed: list[tuple[float, int, int]], began: float, warmup: float) -> dict[str, Any]:
    """Instances listed by EC2 and ECS: at the start, after warm-up, at the end, the most seen."""
    if not listed:
        return {}
    window = [s for s in listed if s[0] - began >= warmup] or listed[-1:]
    out: dict[str, Any] = {}
    for index, name in ((1, "ec2"), (2, "ecs")):
        out[name] = {
            "start": listed[0][index],
            "warm": window[0][index],
            "end": listed[-1][index],
            "max": max(s[index] for s in listed),
        }
    out["samples"] = len(listed)
    return out


def throughput(counted: list[tuple[float, int]], began: float, warmup: float) -> dict[str, Any]:
    """Requests a second in each window between progress lines; first after warm-up and last."""
    windows = [
        (round(b[0] - began), round((b[1] - a[1]) / (b[0] - a[0]), 1))
        for a, b in pairwise(counted)
        if b[0] - a[0] >= 5  # a sliver at the end says nothing
    ]
    if not windows:
        return {}
    warm = [rate for end, rate in windows if end > warmup] or [windows[-1][1]]
    return {
        "windows": windows,
        "first": warm[0],
        "last": windows[-1][1],
        "change_pct": round((windows[-1][1] - warm[0]) / warm[0] * 100, 1) if warm[0] else 0.0,
    }


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` of the sorted list, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000 if ordered else 0.0


def verdict(record: dict[str, Any], tally: Tally) -> list[str]:
    """Every reason this run fails; empty when it passes."""
    reasons = []
    if tally.server_errors:
        reasons.append(
            f"{len(tally.server_errors)} 5xx answers other than ResourceContention, e.g. "
            + "; ".join(tally.server_errors[:3])
        )
    if tally.transport_errors:
        reasons.append(
            f"{len(tally.transport_errors)} calls got no HTTP answer even retried, e.g. "
            + "; ".join(tally.transport_errors[:3])
        )
    if tally.bugs:
        reasons.append(f"{len(tally.bugs)} errors in the soak script itself: {tally.bugs[:3]}")
    if not record["settled"]:
        reasons.append(
            f"activities did not settle in {SETTLE_SECONDS:.0f} s; still unfinished: "
            f"{record['unsettled']}"
        )
    for name, code in record["exit_codes"].items():
        if code != 0:
            reasons.append(f"node {name} exited with {code} (died during the run or on SIGTERM)")
    if record["check"]["exit"] != 0:
        reasons.append(f"tidewater check exited {record['check']['exit']}")
    if record["log_errors"]:
        reasons.append(
            f"{sum(record['log_errors'].values())} ERROR lines in the node logs: "
            + "; ".join(list(record["log_errors"])[:3])
        )
    rates = record["throughput"]
    if rates and rates["last"] < rates["first"] * (1 - THROUGHPUT_BOUND):
        reasons.append(
            f"throughput fell {-rates['change_pct']} % after warm-up "
            f"({rates['first']} -> {rates['last']} req/s, bound {THROUGHPUT_BOUND:.0%})"
        )
    for name, mem in record["memory"].items():
        if mem["growth_pct"] > MEMORY_BOUND * 100:
            reasons.append(
                f"{name} RSS grew {mem['growth_pct']} % after warm-up "
                f"({mem['warm_mib']} -> {mem['end_mib']} MiB, bound {MEMORY_BOUND:.0%})"
            )
    return reasons


def report(record: dict[str, Any], problems: list[str], tally: Tally) -> None:
    """Print the summary a person reads after the run."""
    print(f"\n== soak: {record['seconds']} s, {record['clients']} clients, 2 nodes ==")
    print(
        f"calls {record['calls']}, HTTP requests {record['requests']} "
        f"({record['per_second']} req/s), p50 {record['p50_ms']} ms, p99 {record['p99_ms']} ms"
    )
    print(f"statuses {record['statuses']}   by node {record['by_node']}")
    print(f"error codes {record['codes']}")
    print(
        f"ResourceContention: {record['contention_responses']} answers, "
        f"{record['contention_retried_calls']} calls retried past it, "
        f"{record['contention_exhausted']} calls still contended after "
        "5 attempts (or an empty retry quota); "
        f"{record['retried_calls']} calls retried in all"
    )
    print(f"5xx other than ResourceContention: {record['server_errors_other']}")
    for line in tally.server_errors[:10]:
        print(f"  {line}")
    print(
        f"attempts without an HTTP answer: {len(tally.unanswered)} "
        f"({len(tally.transport_errors)} calls ended without one)"
    )
    for line in tally.unanswered[:10]:
        print(f"  no answer: {line}")
    for name, mem in record["memory"].items():
        print(f"memory {name}: {mem}")
    print(f"instances listed (DescribeInstances): {record['listed']}")
    print(f"throughput (req/s per window, by end second): {record['throughput']}")
    print(f"settled {record['settled']} in {record['settle_seconds']} s")
    print(f"node exit codes after SIGTERM {record['exit_codes']}")
    print(f"tidewater check exit {record['check']['exit']}: {record['check']['rules']}")
    print("  " + "\n  ".join(record["check"]["output"].splitlines()[:20]))
    errors = sum(record["log_errors"].values())
    print(f"server logs: {errors} errors, {record['log_warnings']} warnings")
    for message, count in record["log_errors"].items():
        print(f"  {count} x {message}")
    for line in problems:
        print(f"  {line}")
    print("operations:")
    for key, count in sorted(tally.operations.items()):
        print(f"  {key}: {count}")


def progress(
    tally: Tally, nodes: list[Node], elapsed: float, listed: list[tuple[float, int, int]]
) -> None:
    """One line of progress: requests and failures so far, each node's latest RSS, and how many
    instances EC2 and ECS list."""
    rss = ", ".join(f"{n.name} {n.rss[-1][1] / 1024:.0f} MiB" for n in nodes if n.rss)
    shown = f"; listed EC2 {listed[-1][1]}, ECS {listed[-1][2]}" if listed else ""
    print(
        f"[{elapsed:4.0f} s] {tally.requests()} requests, "
        f"{tally.codes.get('ResourceContention', 0)} ResourceContention, "
        f"{len(tally.server_errors)} other 5xx, {len(tally.unanswered)} unanswered; {rss}{shown}",
        flush=True,
    )


def run(args: argparse.Namespace, url: str, workdir: Path) -> int:
    """Migrate, start both nodes, drive them, settle, stop, check, record; the exit code."""
    commit = revision()  # the code the nodes start with, even if the checkout moves meanwhile
    migrated = tidewater("migrate", "--database-url", url)
    if migrated.returncode != 0:
        print(migrated.stdout + migrated.stderr, file=sys.stderr)
        return 2
    nodes: list[Node] = []
    stop_sampling = threading.Event()
    listed: list[tuple[float, int, int]] = []
    try:
        nodes = [start_node(name, url, workdir) for name in ("soak-a", "soak-b")]
        sample(nodes)
        world = World(setup_aws(nodes[0]), [])
        world.ess_groups = setup_ess(nodes[1], world.ecs_pool)
        time.sleep(3)  # the groups' first instances boot (0.25 s simulated) and register
        tally, stop, ready = Tally(), threading.Event(), threading.Barrier(args.clients + 1)
        workers = [
            threading.Thread(target=worker, args=(i, nodes, world, tally, ready, stop), daemon=True)
            for i in range(args.clients)
        ]
        for thread in workers:
            thread.start()
        ready.wait(timeout=300)  # every client built: the traffic starts now
        began, next_report = time.monotonic(), 30.0
        counted = [(began, 0)]  # (when, requests so far): throughput window by window
        sample(nodes)
        sample_listed(nodes[0], listed)
        threading.Thread(
            target=sample_every, args=(nodes, stop_sampling, listed), daemon=True
        ).start()
        while time.monotonic() - began < args.seconds:
            if any(node.process.poll() is not None for node in nodes):
                print("a node died during the run; stopping the traffic", file=sys.stderr)
                break
            time.sleep(1)
            if time.monotonic() - began >= next_report:
                counted.append((time.monotonic(), tally.requests()))
                progress(tally, nodes, next_report, listed)
                next_report += 30
        sample(nodes)
        sample_listed(nodes[0], listed)
        ended = time.monotonic()
        counted.append((ended, tally.requests()))
        stop.set()
        for thread in workers:
            thread.join(timeout=120)
        settled, settle_seconds, left = settle(nodes, url)
        health = {
            n.name: node_json(n, "GET", "/_tidewater/health")
            for n in nodes
            if n.process.poll() is None
        }
        sample(nodes)
    finally:
        stop_sampling.set()
        exit_codes = {node.name: stop_node(node) for node in nodes}
    checked = tidewater("check", "--database-url", url)
    (workdir / "check.txt").write_text(checked.stderr)
    violations = [
        line.removeprefix("violation ")
        for line in checked.stderr.splitlines()
        if line.startswith("violation ")
    ]
    log_errors, warnings, problems = Counter[str](), 0, list[str]()
    for node in nodes:
        errors, count, first = log_summary(node)
        log_errors += errors
        warnings += count
        problems += first
    warmup = min(WARMUP_SECONDS, args.seconds / 3)
    seconds = ended - began
    record: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        "commit": commit,
        "seconds": round(seconds, 1),
        "clients": args.clients,
        "calls": len(tally.latencies),
        "requests": tally.requests(),
        "per_second": round(tally.requests() / seconds, 1),
        "statuses": dict(tally.statuses),
        "codes": dict(tally.codes),
        "by_node": dict(tally.by_node),
        "served_by_node": {name: h.get("requests", {}) for name, h in health.items()},
        "server_errors_other": len(tally.server_errors),
        "unanswered_attempts": len(tally.unanswered),
        "transport_errors": len(tally.transport_errors),
        "contention_responses": tally.codes.get("ResourceContention", 0),
        "contention_retried_calls": tally.contention_retried,
        "contention_exhausted": tally.contention_exhausted,
        "retried_calls": tally.retried_calls,
        "p50_ms": round(percentile(tally.latencies, 0.50), 1),
        "p99_ms": round(percentile(tally.latencies, 0.99), 1),
        "warmup_seconds": warmup,
        "memory": {n.name: memory(n, began, warmup, ended) for n in nodes},
        "listed": listing(listed, began, warmup),
        "throughput": throughput(counted, began, warmup),
        "settled": settled,
        "settle_seconds": round(settle_seconds, 1),
        "unsettled": left,
        "exit_codes": exit_codes,
        "check": {
            "exit": checked.returncode,
            "rules": dict(Counter(v.split(":")[0] for v in violations)),
            "output": checked.stderr.strip()[:4000],
        },
        "log_errors": dict(log_errors),
        "log_warnings": warnings,
    }
    reasons = verdict(record, tally)
    record["passed"], record["reasons"] = not reasons, reasons
    report(record, problems, tally)
    with Path(__file__).with_name("soak.jsonl").open("a") as out:
        out.write(json.dumps(record) + "\n")
    if reasons:
        print(f"\nSOAK FAILED (logs kept in {workdir}):", file=sys.stderr)
        for reason in reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 1
    if log_errors:
        print(f"\nsoak passed, but the servers logged errors (logs kept in {workdir})")
        return 0
    print("\nsoak passed")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main() -> None:
    """Parse the options, make (and afterwards drop) the database, run the soak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long the traffic runs")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client threads")
    parser.add_argument(
        "--database-url", help="use this existing PostgreSQL database instead of a fresh one"
    )
    args = parser.parse_args()
    url = args.database_url or create_database()
    workdir = Path(tempfile.mkdtemp(prefix="tidewater-soak-"))
    print(f"database {make_url(url).database}, logs in {workdir}")
    try:
        code = run(args, url, workdir)  # removes the logs when there is nothing in them to read
    finally:
        if not args.database_url:
            drop_database(url)
    sys.exit(code)


if __name__ == "__main__":
    main()
