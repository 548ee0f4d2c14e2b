"""What a user waits for: activities that have nothing to wait for, timed from the request's answer.

Two workloads, each against Tidewater on SQLite, Tidewater on PostgreSQL (a throwaway database on
the machine's server) and moto_server:
- cycles: detach (decrementing) -> gone from the group -> attach -> InService, `clients` Python
  clients each on its own group, no balancers; cycles per second.
- latency: one client; for each kind of activity the time from the request's answer until the
  client's polling sees its outcome, and the server's own StartTime -> EndTime of the activity
  (DescribeScalingActivities on AWS; on ESS, which shows minutes, read from the database),
  p50 and p99. AWS detach, attach, enter and exit standby; ESS
  RemoveInstances and AttachInstances (Tidewater only: no peer speaks ESS).

`rows()` is what bench/compare.py calls; run alone for a quick look:
`python bench/activities.py --targets tidewater,tidewater-postgresql,moto --seconds 5`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).parent))

import compare

POSTGRES = os.environ.get(
    "TIDEWATER_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TARGETS = ("tidewater", "tidewater-postgresql", "moto")
ECS_VERSION = "2014-05-26"


def autoscaling(url: str) -> Any:
    return boto3.client(
        "autoscaling",
        region_name=compare.REGION,
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@contextlib.contextmanager
def postgresql() -> Iterator[str]:
    """A throwaway database on the machine's PostgreSQL, migrated; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "tidewater_act_" + secrets.token_hex(6)
    server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        import subprocess

        subprocess.run(
            [sys.executable, "-m", "tidewater", "migrate", "--database-url", url],
            check=True,
            capture_output=True,
        )
        yield url
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()


@contextlib.contextmanager
def serving(target: str) -> Iterator[tuple[Any, str, str | None]]:
    """One server of `target` on a free port (the PostgreSQL one on a fresh database), and the
    database it keeps (none for moto)."""
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        kind = "moto" if target == "moto" else "tidewater"
        database = None if kind == "moto" else f"sqlite:///{Path(tmp) / 'data' / 'tidewater.db'}"
        if target == "tidewater-postgresql":
            database = os.environ["TIDEWATER_DATABASE_URL"] = stack.enter_context(postgresql())
        try:
            process, url = compare.start(kind, Path(tmp))
        finally:
            os.environ.pop("TIDEWATER_DATABASE_URL", None)
        try:
            yield process, url, database
        finally:
            process.terminate()
            process.wait(timeout=30)


def aws_groups(client: Any, count: int, prefix: str) -> dict[str, str]:
    """`count` groups of one InService instance each, no balancers; group name -> instance id."""
    with contextlib.suppress(Exception):
        client.create_launch_configuration(
            LaunchConfigurationName="lc", ImageId=compare.IMAGE, InstanceType="t3.micro"
        )
    names = [f"{prefix}{n}" for n in range(count)]
    for name in names:
        client.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchConfigurationName="lc",
            MinSize=0,
            MaxSize=2,
            DesiredCapacity=1,
            AvailabilityZones=[f"{compare.REGION}a"],
        )
    ids: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while len(ids) < count and time.monotonic() < deadline:
        found = client.describe_auto_scaling_groups(AutoScalingGroupNames=names)
        for group in found["AutoScalingGroups"]:
            ready = [i for i in group["Instances"] if i["LifecycleState"] == "InService"]
            if ready:
                ids[group["AutoScalingGroupName"]] = ready[0]["InstanceId"]
        time.sleep(0.05)
    if len(ids) < count:
        raise RuntimeError("groups never reached InService")
    return ids


def state(client: Any, instance: str) -> str | None:
    found = client.describe_auto_scaling_instances(InstanceIds=[instance])["AutoScalingInstances"]
    return str(found[0]["LifecycleState"]) if found else None


def polls(check: Callable[[], bool], limit: float = 30.0) -> int:
    """Poll as fast as the client can until `check` holds; how many calls it took."""
    deadline, made = time.perf_counter() + limit, 1
    while not check():
        if time.perf_counter() > deadline:
            raise RuntimeError("the outcome never showed")
        made += 1
    return made


def until(check: Callable[[], bool], limit: float = 30.0) -> float:
    """Poll until `check` holds; when it did (perf_counter)."""
    polls(check, limit)
    return time.perf_counter()


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used: what a cycle costs the server, however
    loaded the machine is (a wall-clock rate is not)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cycles(url: str, clients: int, seconds: float, pid: int) -> dict[str, float | None]:
    """detach (decrement) -> gone -> attach -> InService, one client per group; cycles/s, the
    server's and the clients' CPU milliseconds per cycle, and the calls a cycle took (polls
    included): the clients share one Python process, so their CPU bounds what any server allows."""
    ids = aws_groups(autoscaling(url), clients, "c")
    counts = [0] * clients
    calls = [0] * clients
    stop = time.perf_counter() + seconds
    failures: list[BaseException] = []

    def work(n: int) -> None:
        client, group = autoscaling(url), f"c{n}"
        instance = ids[group]
        try:
            while time.perf_counter() < stop:
                client.detach_instances(
                    AutoScalingGroupName=group,
                    InstanceIds=[instance],
                    ShouldDecrementDesiredCapacity=True,
                )
                calls[n] += 2 + polls(lambda: state(client, instance) is None)
                client.attach_instances(AutoScalingGroupName=group, InstanceIds=[instance])
                calls[n] += polls(lambda: state(client, instance) == "InService")
                counts[n] += 1
        except BaseException as error:  # reported below, not swallowed
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    began, cpu, own = time.perf_counter(), cpu_seconds(pid), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    done = max(1, sum(counts))
    return {
        "per_second": sum(counts) / (time.perf_counter() - began),
        "cycles": sum(counts),
        "server_cpu_ms_per_cycle": (cpu_seconds(pid) - cpu) * 1000 / done,
        "client_cpu_ms_per_cycle": (time.process_time() - own) * 1000 / done,
        "calls_per_cycle": sum(calls) / done,
    }


def percentiles(values: list[float]) -> tuple[float | None, float | None]:
    """p50 and p99; none when nothing was measured (moto keeps no times)."""
    ordered = sorted(values)
    if not ordered:
        return None, None
    return (
        ordered[len(ordered) // 2],
        ordered[min(len(ordered) - 1, max(0, int(len(ordered) * 0.99) - 1))],
    )


def summary(
    client_ms: list[float], server_ms: list[float], elapsed: float
) -> dict[str, float | None]:
    p50, p99 = percentiles(client_ms)
    s50, s99 = percentiles(server_ms)
    return {
        "per_second": len(client_ms) / elapsed,
        "p50_ms": p50,
        "p99_ms": p99,
        "server_p50_ms": s50,
        "server_p99_ms": s99,
        "count": len(client_ms),
    }


def aws_server_ms(client: Any, group: str) -> dict[str, list[float]]:
    """StartTime -> EndTime of each ended activity of `group`, by the description's first word."""
    spans: dict[str, list[float]] = {}
    pages = client.get_paginator("describe_scaling_activities")
    for page in pages.paginate(AutoScalingGroupName=group):
        for activity in page["Activities"]:
            if activity["StatusCode"] == "Successful" and "EndTime" in activity:
                took = (activity["EndTime"] - activity["StartTime"]).total_seconds() * 1000
                spans.setdefault(_kind(activity["Description"]), []).append(took)
    return spans


def _kind(description: str) -> str:
    """Which of the timed requests an AWS activity's description names."""
    for words, kind in KINDS:
        if description.startswith(words):
            return kind
    return description


KINDS = (
    ("Detaching", "detach"),
    ("Attaching", "attach"),
    ("Moving EC2 instance to Standby", "standby"),
    ("Moving EC2 instance out of Standby", "unstandby"),
)


# Each AWS round trip a latency run repeats on its own group: the request out and its outcome,
# then the request back and its outcome (the instance's state once its activity has ended)
ROUND_TRIPS = (
    ("detach", "detach_instances", None, "attach", "attach_instances", "InService"),
    ("standby", "enter_standby", "Standby", "unstandby", "exit_standby", "InService"),
)


def aws_latency(url: str, seconds: float) -> dict[str, dict[str, float | None]]:
    """One client: detach/attach, then enter/exit standby, each timed from its answer."""
    client = autoscaling(url)
    ids = aws_groups(client, len(ROUND_TRIPS), "lat")
    out: dict[str, dict[str, float | None]] = {}
    for n, (away, leave, left, back, come, came) in enumerate(ROUND_TRIPS):
        group, instance = f"lat{n}", ids[f"lat{n}"]
        waits: dict[str, list[float]] = {away: [], back: []}
        steps = (
            (away, leave, {"ShouldDecrementDesiredCapacity": True}, left),
            (back, come, {}, came),
        )
        stop = time.perf_counter() + seconds / len(ROUND_TRIPS)
        began = time.perf_counter()
        while time.perf_counter() < stop:
            for kind, action, extra, outcome in steps:
                getattr(client, action)(AutoScalingGroupName=group, InstanceIds=[instance], **extra)
                answered = time.perf_counter()
                shown = until(lambda i=instance, o=outcome: state(client, i) == o)
                waits[kind].append((shown - answered) * 1000)
        elapsed = time.perf_counter() - began
        spans = aws_server_ms(client, group)
        for kind, waited in waits.items():
            out[f"AWS {kind} activity"] = summary(waited, spans.get(kind, []), elapsed)
    return out


def ess(url: str, action: str, version: str = "2014-08-28", **params: Any) -> Any:
    with compare.urllib.request.urlopen(url + compare.ess_path(action, params, version)) as answer:
        return json.loads(answer.read())


def ess_latency(url: str, seconds: float, database: str) -> dict[str, dict[str, float | None]]:
    """One client: RemoveInstances and AttachInstances of an ECS instance of our own. ESS shows
    times to the minute, so the server's spans are read from the database itself."""
    group = ess(url, "CreateScalingGroup", ScalingGroupName="lat", MinSize=0, MaxSize=2)[
        "ScalingGroupId"
    ]
    ess(
        url,
        "CreateScalingConfiguration",
        ScalingGroupId=group,
        ImageId=compare.ECS_IMAGE,
        InstanceType="ecs.g6.large",
    )
    ess(url, "EnableScalingGroup", ScalingGroupId=group)
    [instance] = ess(
        url,
        "RunInstances",
        ECS_VERSION,
        ImageId=compare.ECS_IMAGE,
        InstanceType="ecs.g6.large",
        Amount=1,
    )["InstanceIdSets"]["InstanceIdSet"]

    def running() -> bool:
        found = ess(url, "DescribeInstances", ECS_VERSION, InstanceIds=json.dumps([instance]))
        return bool(found["Instances"]["Instance"][0]["Status"] == "Running")

    until(running)

    def member() -> str | None:
        found = ess(url, "DescribeScalingInstances", ScalingGroupId=group, PageSize=50)
        states = [i["LifecycleState"] for i in found["ScalingInstances"]["ScalingInstance"]]
        return states[0] if states else None

    waits: dict[str, list[float]] = {"attach": [], "remove": []}
    stop = time.perf_counter() + seconds
    began = time.perf_counter()
    while time.perf_counter() < stop:
        for kind, action, outcome in (
            ("attach", "AttachInstances", "InService"),
            ("remove", "RemoveInstances", None),
        ):
            ess(url, action, ScalingGroupId=group, **{"InstanceId.1": instance})
            answered = time.perf_counter()
            waits[kind].append((until(lambda o=outcome: member() == o) - answered) * 1000)
    elapsed = time.perf_counter() - began
    spans = database_ms(database, group)
    return {
        f"ESS {kind} activity": summary(waits[kind], spans.get(kind, []), elapsed) for kind in waits
    }


def database_ms(database: str, group: str) -> dict[str, list[float]]:
    """started_at -> ended_at of each ended request activity of `group` as the server stored it
    (ESS renders minutes only), by kind: the request's own activity, not its instances'."""
    from sqlalchemy import create_engine, select

    from tidewater.store.tables import activities as table

    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(table.c.kind, table.c.started_at, table.c.ended_at).where(
                    table.c.group_id == group,
                    table.c.parent_id.is_(None),
                    table.c.status == "Successful",
                    table.c.ended_at.is_not(None),
                )
            ).all()
    finally:
        engine.dispose()
    spans: dict[str, list[float]] = {}
    for kind, started, ended in found:
        spans.setdefault(kind, []).append((ended - started).total_seconds() * 1000)
    return spans


def rows(
    run_id: str,
    targets: list[str],
    seconds: float,
    clients: int = 4,
    only: str = "",
    postgresql: bool = True,
) -> list[dict[str, Any]]:
    """Every activity row for `targets` (compare.py's names: `ceiling` has none; `tidewater`
    brings `tidewater-postgresql` along unless told not to), as JSON lines, then a table."""
    wanted = set(targets)
    if postgresql and "tidewater" in wanted:
        wanted.add("tidewater-postgresql")
    made: list[dict[str, Any]] = []
    for target in (t for t in TARGETS if t in wanted):
        with serving(target) as (process, url, database):
            results: dict[str, dict[str, float | None]] = {}
            if only in ("", "cycles"):
                results[f"detach/attach cycles, {clients} clients"] = cycles(
                    url, clients, seconds, process.pid
                )
            if only in ("", "latency"):
                results.update(aws_latency(url, seconds))
                if database is not None:
                    results.update(ess_latency(url, seconds, database))
            for name, result in results.items():
                record: dict[str, Any] = {
                    "run": run_id,
                    "target": target,
                    "workload": name,
                    "connections": clients if "cycles" in name else 1,
                    **{k: None if v is None else round(v, 3) for k, v in result.items()},
                    "rss_kb": compare.rss_kb(process.pid),
                }
                print(json.dumps(record), flush=True)
                made.append(record)
    table(made)
    return made


def table(made: list[dict[str, Any]]) -> None:
    """Cycles per second and activity latency side by side, target by target."""
    print("\n| activity workload | target | per s | client p50 / p99 ms | server p50 / p99 ms |")
    print("|---|---|---|---|---|")
    for row in made:

        def ms(a: str, b: str, r: dict[str, Any] = row) -> str:
            return "—" if r.get(a) is None else f"{r[a]:.1f} / {r[b]:.1f}"

        print(
            f"| {row['workload']} | {row['target']} | {row['per_second']:.1f} | "
            f"{ms('p50_ms', 'p99_ms')} | {ms('server_p50_ms', 'server_p99_ms')} |"
        )
    print("\n| cycles | target | server CPU ms | clients' CPU ms | calls |")
    print("|---|---|---|---|---|")
    for row in made:
        if "client_cpu_ms_per_cycle" in row:
            print(
                f"| per cycle | {row['target']} | {row['server_cpu_ms_per_cycle']:.1f} | "
                f"{row['client_cpu_ms_per_cycle']:.1f} | {row['calls_per_cycle']:.1f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--only", choices=("", "cycles", "latency"), default="")
    args = parser.parse_args()
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    rows(run_id, args.targets.split(","), args.seconds, args.clients, args.only, postgresql=False)


if __name__ == "__main__":
    main()
