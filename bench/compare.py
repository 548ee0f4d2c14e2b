"""Request cost of Tidewater against moto_server, the best-known peer, and against the bare stack.

Three servers run one after the other on the same machine with the same data: the bare stack's
ceiling (bench/ceiling.py), Tidewater on its defaults (durable SQLite in WAL, the runner on) and
moto_server. wrk sends requests signed before the run (bench/wrk.py), so the client costs almost
nothing; each row is the median of several runs after a warm-up. Activity rows (bench/
activities.py) time what a user waits for. Run with `make bench`; every row is appended to
bench/results.jsonl with the run's id, and a row more than 20% slower than the last run's is
called out at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).parent))

import activities
import nodes
import wrk
from wrk import Prepared

REGION = "us-east-1"
ESS_REGION = "cn-hangzhou"
ECS_IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"
LOGLEVEL = os.environ.get("BENCH_LOG_LEVEL", "warning")
IMAGE = "ami-0c02fb55956c7d316"
RESULTS = Path(__file__).with_name("results.jsonl")
REGRESSION = 0.20  # a row this much slower than the last run's is called out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, probe: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + probe, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start(target: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start one server on a free port; its log goes to the work directory."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(workdir / f"{target}.log", "wb")  # noqa: SIM115
    python = sys.executable
    if target == "tidewater":
        args = [python, "-m", "tidewater", "serve", "--port", str(port)]
        args += ["--data-dir", str(workdir / "data"), "--sim-boot-seconds", "0.2"]
        args += ["--log-level", LOGLEVEL]
        probe = "/_tidewater/health"
    elif target == "moto":
        args, probe = [python, "-m", "moto.server", "-p", str(port)], "/"
    else:
        args = [python, "-m", "uvicorn", "ceiling:app", "--port", str(port), "--no-access-log"]
        args += ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning"]
        probe = "/"
    process = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parent
    )
    wait_up(url, probe)
    return process, url


def setup_aws(url: str, groups: int, instances: int) -> None:
    """`groups` groups, the first with `instances` InService instances, the others with one."""
    autoscaling = boto3.client(
        "autoscaling",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId=IMAGE, InstanceType="t3.micro"
    )
    for n in range(groups):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"g{n:03d}",
            LaunchConfigurationName="lc",
            MinSize=0,
            MaxSize=instances,
            DesiredCapacity=instances if n == 0 else 1,
            AvailabilityZones=[f"{REGION}a", f"{REGION}b"],
            Tags=[{"Key": "team", "Value": f"t{n % 5}", "PropagateAtLaunch": True}],
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["g000"])[
            "AutoScalingGroups"
        ][0]
        ready = [i for i in group["Instances"] if i["LifecycleState"] == "InService"]
        if len(ready) == instances:
            return
        time.sleep(0.2)
    raise RuntimeError("group never reached its desired capacity")


def ess_call(url: str, action: str, **params: Any) -> Any:
    """One signed ESS 2014-08-28 RPC call (HMAC-SHA1, as aliyun-python-sdk-core signs it)."""
    path = ess_path(action, params)
    with urllib.request.urlopen(url + path, timeout=30) as response:
        return json.loads(response.read())


def ess_path(action: str, params: dict[str, Any], version: str = "2014-08-28") -> str:
    query = {"Action": action, "Version": version, "RegionId": ESS_REGION}
    query.update({k: str(v) for k, v in params.items()})
    path, _ = get_signed_url(query, "test", "test", "JSON", "GET", {})
    return str(path)


def setup_ess(url: str, groups: int, instances: int) -> None:
    """The same shape on ESS: the first group with `instances` InService, the others with one."""
    made = []
    for n in range(groups):
        group = ess_call(
            url,
            "CreateScalingGroup",
            ScalingGroupName=f"e{n:03d}",
            MinSize=0,
            MaxSize=instances,
            DesiredCapacity=instances if n == 0 else 1,
        )["ScalingGroupId"]
        ess_call(
            url,
            "CreateScalingConfiguration",
            ScalingGroupId=group,
            ImageId=ECS_IMAGE,
            InstanceType="ecs.g6.large",
        )
        ess_call(url, "EnableScalingGroup", ScalingGroupId=group)
        made.append(group)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = ess_call(url, "DescribeScalingInstances", ScalingGroupId=made[0], PageSize=50)
        ready = [
            i
            for i in found["ScalingInstances"]["ScalingInstance"]
            if i["LifecycleState"] == "InService"
        ]
        if len(ready) == instances:
            return
        time.sleep(0.2)
    raise RuntimeError("ESS group never reached its desired capacity")


def aws_signed(url: str, params: dict[str, str]) -> list[Prepared]:
    """One SigV4-signed Query request; wrk may send it again and again."""
    body = urlencode({"Version": "2011-01-01", **params})
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("test", "test"), "autoscaling", REGION).add_auth(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return [Prepared("POST", "/", headers, body)]


def ess_signed(params: dict[str, Any], count: int) -> list[Prepared]:
    """`count` ESS requests, each with its own nonce: none may be sent twice."""
    action = params.pop("Action")
    return [Prepared("GET", ess_path(action, dict(params)), {}) for _ in range(count)]


@dataclass(frozen=True)
class Workload:
    """One row: which servers it runs on and the requests it sends."""

    name: str
    targets: tuple[str, ...]
    requests: Callable[[str, int], list[Prepared]]  # (url, how many it may need)


AWS = ("tidewater", "moto")
WORKLOADS = (
    Workload("bare stack", ("ceiling",), lambda url, n: [Prepared("POST", "/", {}, "x=1")]),
    Workload(
        "DescribeAutoScalingGroups, one group by name",
        AWS,
        lambda url, n: aws_signed(
            url,
            {"Action": "DescribeAutoScalingGroups", "AutoScalingGroupNames.member.1": "g000"},
        ),
    ),
    Workload(
        "DescribeAutoScalingGroups, 50 groups per page",
        AWS,
        lambda url, n: aws_signed(url, {"Action": "DescribeAutoScalingGroups", "MaxRecords": "50"}),
    ),
    Workload(
        "DescribeAutoScalingInstances, 50 per page",
        AWS,
        lambda url, n: aws_signed(
            url, {"Action": "DescribeAutoScalingInstances", "MaxRecords": "50"}
        ),
    ),
    Workload(
        "DetachInstances, refused (not a member)",
        AWS,
        lambda url, n: aws_signed(
            url,
            {
                "Action": "DetachInstances",
                "AutoScalingGroupName": "g000",
                "InstanceIds.member.1": "i-0000000000000dead",
                "ShouldDecrementDesiredCapacity": "true",
            },
        ),
    ),
    Workload(
        "SetDesiredCapacity, accepted",
        AWS,
        lambda url, n: aws_signed(
            url,
            {
                "Action": "SetDesiredCapacity",
                "AutoScalingGroupName": "g001",
                "DesiredCapacity": "1",
            },
        ),
    ),
    Workload(
        "ESS DescribeScalingGroups, 50 per page",
        ("tidewater",),
        lambda url, n: ess_signed({"Action": "DescribeScalingGroups", "PageSize": 50}, n),
    ),
    Workload(
        "ESS DescribeScalingInstances, 50 per page",
        ("tidewater",),
        lambda url, n: ess_signed({"Action": "DescribeScalingInstances", "PageSize": 50}, n),
    ),
)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(
    url: str, workload: Workload, connections: int, seconds: float, runs: int
) -> dict[str, float]:
    """The median of `runs` runs after a one-second warm-up, by requests per second."""
    budget = int(8000 * (seconds + 1) * 1.5)  # requests a nonce'd workload may need per run
    wrk.run(url, workload.requests(url, budget), connections, 1)
    results = [
        wrk.run(url, workload.requests(url, budget), connections, seconds) for _ in range(runs)
    ]
    results.sort(key=lambda r: r["per_second"])
    return results[len(results) // 2]


def last_run(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
    """The newest recorded run's rows, by (target, workload, connections)."""
    runs = [r for r in rows if r.get("run") and "target" in r]  # not the scale rows
    if not runs:
        return {}
    newest = runs[-1]["run"]
    return {(r["target"], r["workload"], r["connections"]): r for r in runs if r["run"] == newest}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", default="ceiling,tidewater,moto")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", default="1,4")
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--only", default="", help="run only workloads whose name contains this")
    parser.add_argument("--no-record", action="store_true", help="print, do not append results")
    parser.add_argument(
        "--activities",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time activities (bench/activities.py), on SQLite and PostgreSQL",
    )
    parser.add_argument(
        "--nodes",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also compare two nodes on one PostgreSQL with one (bench/nodes.py)",
    )
    args = parser.parse_args()
    wrk.ensure()
    before = (
        last_run([json.loads(line) for line in RESULTS.read_text().splitlines() if line])
        if RESULTS.exists()
        else {}
    )
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    made: list[dict[str, Any]] = []
    for target in args.targets.split(","):
        chosen = [
            w
            for w in WORKLOADS
            if target in w.targets and (args.only in w.name or target == "ceiling")
        ]
        if not chosen:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            process, url = start(target, Path(tmp))
            try:
                if target != "ceiling":
                    setup_aws(url, args.groups, args.instances)
                if target == "tidewater":
                    setup_ess(url, args.groups, args.instances)
                for workload in chosen:
                    for connections in (int(c) for c in args.connections.split(",")):
                        result = measure(url, workload, connections, args.seconds, args.runs)
                        record: dict[str, Any] = {
                            "run": run_id,
                            "target": target,
                            "workload": workload.name,
                            "connections": connections,
                            **{k: round(v, 3) for k, v in result.items()},
                            "rss_kb": rss_kb(process.pid),
                            "machine": f"{platform.machine()} {os.cpu_count()} cpu",
                        }
                        print(json.dumps(record), flush=True)
                        made.append(record)
            finally:
                process.terminate()
                process.wait(timeout=30)
    if args.activities:
        made += activities.rows(run_id, args.targets.split(","), max(args.seconds, 5.0))
    if args.nodes and "tidewater" in args.targets.split(","):
        for row in nodes.describe_rows(args.seconds, 4):
            record = {"run": run_id, "target": "tidewater-postgresql", **row}
            print(json.dumps(record), flush=True)
            made.append(record)
    if not args.no_record:
        with RESULTS.open("a") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in made)
    report(made, before)


def report(made: list[dict[str, Any]], before: dict[tuple[str, str, int], dict[str, Any]]) -> None:
    """A table of this run: each Tidewater row against moto and the ceiling, and regressions."""
    by = {(r["target"], r["workload"], r["connections"]): r for r in made}
    ceiling = {r["connections"]: r["per_second"] for r in made if r["target"] == "ceiling"}
    print("\n| workload | conns | Tidewater req/s (p50, p99 ms) | moto req/s (p99 ms) |", end="")
    print(" × moto | % ceiling |")
    print("|---|---|---|---|---|---|")
    requests = {w.name for w in WORKLOADS}
    for (target, name, conns), row in by.items():
        if target != "tidewater" or name not in requests:
            continue
        peer = by.get(("moto", name, conns))
        ratio = f"{row['per_second'] / peer['per_second']:.1f}×" if peer else "—"
        share = f"{100 * row['per_second'] / ceiling[conns]:.0f}%" if conns in ceiling else "—"
        theirs = f"{peer['per_second']:.0f} ({peer['p99_ms']:.1f})" if peer else "—"
        print(
            f"| {name} | {conns} | {row['per_second']:.0f} ({row['p50_ms']:.1f}, "
            f"{row['p99_ms']:.1f}) | {theirs} | {ratio} | {share} |"
        )
    for conns, rate in sorted(ceiling.items()):
        print(f"| bare stack (ceiling) | {conns} | {rate:.0f} | | | 100% |")
    for conns, speed in sorted(machine_speed(made, before).items()):
        if abs(speed - 1) > 0.1:
            print(f"the machine ran at {speed:.2f}x the last run's speed ({conns} conns, ceiling)")
    for (target, name, conns), was, now in regressions(made, before):
        print(f"REGRESSION: {target} {name} ({conns} conns): {was:.0f} -> {now:.0f} req/s")


Key = tuple[str, str, int]


def machine_speed(
    made: list[dict[str, Any]], before: dict[Key, dict[str, Any]]
) -> dict[int, float]:
    """How fast the machine ran against the last run, by the bare stack's ceiling."""
    now = {r["connections"]: r["per_second"] for r in made if r["target"] == "ceiling"}
    was = {k[2]: r["per_second"] for k, r in before.items() if k[0] == "ceiling"}
    return {c: now[c] / was[c] for c in now if was.get(c)}


def regressions(
    made: list[dict[str, Any]], before: dict[Key, dict[str, Any]]
) -> list[tuple[Key, float, float]]:
    """Rows more than REGRESSION slower than the last run's once both are scaled by their
    run's ceiling, so a slower machine is not taken for slower code."""
    speed = machine_speed(made, before)
    slower = []
    for row in made:
        key = (row["target"], row["workload"], row["connections"])
        if key[0] == "ceiling" or key not in before or "per_second" not in row:
            continue
        was, now = before[key]["per_second"], row["per_second"]
        if now < (1 - REGRESSION) * was * speed.get(key[2], 1.0):
            slower.append((key, was, now))
    return slower


if __name__ == "__main__":
    main()
