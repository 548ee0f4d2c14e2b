"""Two Tidewater nodes on one PostgreSQL database against one node on it: describe throughput,
with the machine's CPU split between the nodes, PostgreSQL and the load generator.

On a 2-core machine two nodes cannot serve more than one: they share the same cores with the
database and wrk. The row says what a second node costs or gives, and where the CPU went.
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import compare
import soak
import wrk

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def split(nodes: list[int], run: Any) -> tuple[Any, dict[str, float]]:
    """Run `run()` and say how much of the machine's CPU each party used meanwhile (in %)."""
    pg = postgres_pids()
    before = (cpu_seconds(nodes), cpu_seconds(pg), children_cpu(), time.monotonic())
    result = run()
    after = (cpu_seconds(nodes), cpu_seconds(pg), children_cpu(), time.monotonic())
    wall = (after[3] - before[3]) * (os.cpu_count() or 1)
    shares = {
        "nodes_cpu_pct": 100 * (after[0] - before[0]) / wall,
        "postgres_cpu_pct": 100 * (after[1] - before[1]) / wall,
        "wrk_cpu_pct": 100 * (after[2] - before[2]) / wall,
    }
    return result, {k: round(v, 1) for k, v in shares.items()}


def describe_rows(seconds: float, connections: int) -> list[dict[str, Any]]:
    """DescribeAutoScalingGroups of one group through one node, then through two at once."""
    url = soak.create_database()
    rows: list[dict[str, Any]] = []
    try:
        done = soak.tidewater("migrate", "--database-url", url)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            nodes = [soak.start_node(name, url, Path(tmp)) for name in ("a", "b")]
            try:
                compare.setup_aws(nodes[0].url, 50, 10)
                params = {
                    "Action": "DescribeAutoScalingGroups",
                    "AutoScalingGroupNames.member.1": "g000",
                }
                prepared = {n.url: compare.aws_signed(n.url, params) for n in nodes}
                pids = [n.process.pid for n in nodes]
                for node in nodes:
                    wrk.run(node.url, prepared[node.url], connections, 1)  # warm-up
                one, cpu = split(
                    pids,
                    lambda: wrk.run(nodes[0].url, prepared[nodes[0].url], connections, seconds),
                )
                rows.append(
                    {
                        "workload": "DescribeAutoScalingGroups one by name, 1 node of 2",
                        "connections": connections,
                        **one,
                        **cpu,
                    }
                )
                both: dict[str, dict[str, float]] = {}

                def drive(node: soak.Node) -> None:
                    both[node.url] = wrk.run(
                        node.url, prepared[node.url], max(1, connections // 2), seconds
                    )

                def run_both() -> None:
                    threads = [threading.Thread(target=drive, args=(n,)) for n in nodes]
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join()

                _, cpu = split(pids, run_both)
                rows.append(
                    {
                        "workload": "DescribeAutoScalingGroups one by name, 2 nodes",
                        "connections": connections,
                        "per_second": round(sum(r["per_second"] for r in both.values()), 3),
                        "p50_ms": max(r["p50_ms"] for r in both.values()),
                        "p99_ms": max(r["p99_ms"] for r in both.values()),
                        "errors": sum(r["errors"] for r in both.values()),
                        **cpu,
                    }
                )
            finally:
                for node in nodes:
                    soak.stop_node(node)
    finally:
        soak.drop_database(url)
    return rows
