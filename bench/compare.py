"""Request cost of Tidewater against moto_server, the best-known peer, on the same workload.

Each request is signed once and replayed over one keep-alive connection, so the client costs
almost nothing and the numbers are the server's. Run with `make bench`; results are appended to
bench/results.jsonl and summarised in docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
LOGLEVEL = os.environ.get("BENCH_LOG_LEVEL", "warning")
IMAGE = "ami-0c02fb55956c7d316"


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
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(workdir / f"{target}.log", "wb")  # noqa: SIM115
    if target == "tidewater":
        args = [
            sys.executable,
            "-m",
            "tidewater",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(workdir / "data"),
            "--sim-boot-seconds",
            "0.2",
            "--log-level",
            LOGLEVEL,
        ]
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_up(url, "/_tidewater/health")
    else:
        args = [sys.executable, "-m", "moto.server", "-p", str(port)]
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_up(url, "/")
    return process, url


def setup(url: str, groups: int, instances: int) -> list[str]:
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
        ready = [i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService"]
        if len(ready) == instances:
            return ready
        time.sleep(0.2)
    raise RuntimeError("group never reached its desired capacity")


def signed(url: str, params: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"Version": "2011-01-01", **params}).encode()
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("test", "test"), "autoscaling", REGION).add_auth(request)
    return body, dict(request.headers.items())


def replay(
    url: str, body: bytes, headers: dict[str, str], count: int, threads: int
) -> dict[str, float]:
    host = url.split("//")[1]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(n: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, timeout=30)
        mine: list[float] = []
        bad = 0
        for _ in range(n):
            started = time.perf_counter()
            conn.request("POST", "/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            bad += response.status >= 400
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    began = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(count // threads,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


WORKLOADS: dict[str, Callable[[list[str]], dict[str, str]]] = {
    "DescribeAutoScalingGroups(50 groups)": lambda ids: {
        "Action": "DescribeAutoScalingGroups",
        "MaxRecords": "50",
    },
    "DescribeAutoScalingGroups(one by name)": lambda ids: {
        "Action": "DescribeAutoScalingGroups",
        "AutoScalingGroupNames.member.1": "g000",
    },
    "DescribeAutoScalingInstances": lambda ids: {
        "Action": "DescribeAutoScalingInstances",
        "MaxRecords": "50",
    },
    "DetachInstances(not a member, refused)": lambda ids: {
        "Action": "DetachInstances",
        "AutoScalingGroupName": "g000",
        "InstanceIds.member.1": "i-0000000000000dead",
        "ShouldDecrementDesiredCapacity": "true",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", default="tidewater,moto")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--instances", type=int, default=10)
    args = parser.parse_args()
    out = Path(__file__).with_name("results.jsonl")
    for target in args.targets.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            process, url = start(target, Path(tmp))
            try:
                ids = setup(url, args.groups, args.instances)
                for name, build in WORKLOADS.items():
                    body, headers = signed(url, build(ids))
                    replay(url, body, headers, 200, 1)  # warm up caches and code paths
                    for threads in (1, args.threads):
                        result = replay(url, body, headers, args.count, threads)
                        record: dict[str, Any] = {
                            "target": target,
                            "workload": name,
                            "threads": threads,
                            **{k: round(v, 3) for k, v in result.items()},
                            "rss_kb": rss_kb(process.pid),
                            "when": time.strftime("%Y-%m-%d"),
                            "machine": f"{platform.machine()} {os.cpu_count()} cpu",
                        }
                        print(json.dumps(record))
                        with out.open("a") as handle:
                            handle.write(json.dumps(record) + "\n")
            finally:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
