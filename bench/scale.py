"""Whether Tidewater stays flat at 10,000 groups and 100,000 instances in one account (issue 14).

Building that many instances through the API would take hours, so the database is seeded in
process: the app factory builds Tidewater on it, the engine's own commands create one template
group per cloud and the runner settles it (launch activities, simulated machines, tags, the
settled group's activity history), and then the rows those commands inserted are copied once
per further group with every id, name and address replaced. `tidewater check` must then find no
violation, and the real server serves the result.

Measured at a baseline (10 groups, 100 instances per cloud) and at the chosen size:
- the in-process cost of one page of each describe handler (median of several repeats),
- the same pages through the real server with wrk (requests signed before the run),
- one runner pass that reconciles one changed group (SetDesiredCapacity then one tick), in
  process, and an idle pass,
- server start-up to the first answered request, and its RSS after serving.

Run `python bench/scale.py` (small), or `python bench/scale.py --groups 10000 --instances
100000`; rows go to bench/results.jsonl only with `--record`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, insert, select

sys.path.insert(0, str(Path(__file__).parent))

from tidewater.app import Tidewater, build, check
from tidewater.cloud.sim.compute import IN_USE, private_ip
from tidewater.config import Settings
from tidewater.dialects.aliyun import ess_api
from tidewater.dialects.aliyun.ess import EssService
from tidewater.dialects.aws.autoscaling import AutoScalingService
from tidewater.domain.scope import Cloud, Scope
from tidewater.store import service_clock
from tidewater.store.tables import groups, machines, metadata, sim_machine_counts

RESULTS = Path(__file__).with_name("results.jsonl")
REGION, ESS_REGION = "us-east-1", "cn-hangzhou"
IMAGE, ECS_IMAGE = "ami-0c02fb55956c7d316", "aliyun_3_x64_20G_alibase_20230727.vhd"
BASELINE = (10, 100)  # groups, instances: the size every other is compared against
PAGE = 50
GROUP_PAGE = 10  # a groups page the baseline fills too: the same ten groups of ten at each size
# Rows the template's commands touch but do not own: never copied per group.
SHARED = {"alembic_version", "service_clock", "access_keys", "signature_nonces"}
# Columns whose values name something of the template group: each gets a fresh value per copy.
NAMING = {
    "id",
    "instance_id",
    "machine_id",
    "group_id",
    "activity_id",
    "parent_id",
    "client_token",
    "token",
    "hook_id",
    "handle",
}
PLANS = os.environ.get("SCALE_PLANS") == "1"  # list the statements whose plan scans a table
LIMITS = {"aws_max_groups": 1_000_000, "aws_max_instances": 1_000_000}


def settings(data: Path, url: str | None = None) -> Settings:
    """What the seeder and the measured server share; quotas wide enough for the size."""
    return Settings(
        data_dir=data, database_url=url, runner="manual", sim_boot_seconds=0.2, **LIMITS
    )


# -- seeding ----------------------------------------------------------------------------------


def snapshot(tw: Tidewater) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table the template may touch, by primary key."""
    taken: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    with tw.db.read() as conn:
        for table in metadata.sorted_tables:
            if table.name in SHARED:
                continue
            keys = [c.name for c in table.primary_key.columns]
            taken[table.name] = {
                tuple(row[k] for k in keys): dict(row)
                for row in conn.execute(select(table)).mappings()
            }
    return taken


def settle(tw: Tidewater) -> None:
    """Move the service clock and run the runner until nothing is left to do."""
    for _ in range(50):
        moved = tw.runner.drain()
        service_clock.advance(tw.db, tw.clock, 30)
        if not moved and not tw.runner.drain():
            return
    raise RuntimeError("the template group never settled")


def account(tw: Tidewater) -> str:
    with tw.db.read() as conn:
        return str(conn.exec_driver_sql("SELECT account FROM access_keys").scalar_one())


def make_aws(tw: Tidewater, name: str, size: int) -> None:
    """One AWS group of `size` InService instances, through the Auto Scaling handlers."""
    aws, scope = AutoScalingService(tw.ctx), Scope(account(tw), REGION, Cloud.AWS)
    if not aws.DescribeLaunchConfigurations(scope, {})["LaunchConfigurations"]:
        aws.CreateLaunchConfiguration(
            scope,
            {"LaunchConfigurationName": "lc", "ImageId": IMAGE, "InstanceType": "t3.micro"},
        )
    aws.CreateAutoScalingGroup(
        scope,
        {
            "AutoScalingGroupName": name,
            "LaunchConfigurationName": "lc",
            "MinSize": 0,
            "MaxSize": max(size, 1) * 2,
            "DesiredCapacity": size,
            "AvailabilityZones": [f"{REGION}a", f"{REGION}b"],
            "Tags": [{"Key": "team", "Value": "scale", "PropagateAtLaunch": True}],
        },
    )


def ess(tw: Tidewater, action: str, **params: Any) -> Any:
    """One ESS call through its handler, parsed as the wire would be."""
    scope = Scope(account(tw), ESS_REGION, Cloud.ALIYUN)
    query = {"RegionId": ESS_REGION, **{k: str(v) for k, v in params.items()}}
    return EssService(tw.ctx).handlers[action](scope, ess_api.parse(action, "2014-08-28", query))


def make_ess(tw: Tidewater, name: str, size: int) -> None:
    """One ESS group of `size` InService instances, through the ESS handlers."""
    made = ess(
        tw,
        "CreateScalingGroup",
        ScalingGroupName=name,
        MinSize=0,
        MaxSize=max(size, 1) * 2,
        DesiredCapacity=size,
    )
    group = made["ScalingGroupId"]
    ess(
        tw,
        "CreateScalingConfiguration",
        ScalingGroupId=group,
        ImageId=ECS_IMAGE,
        InstanceType="ecs.g6.large",
    )
    ess(tw, "EnableScalingGroup", ScalingGroupId=group)


def fresh(value: str, cloud: Cloud) -> str:
    """A new value of the same shape: a uuid, an instance id, a prefixed id of that length."""
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value):
        return str(uuid.uuid4())
    prefix, _, tail = value.rpartition("-")
    if not tail:
        return value
    alphabet = (
        "0123456789abcdef"
        if re.fullmatch(r"[0-9a-f]+", tail)
        else ("0123456789abcdefghijklmnopqrstuvwxyz")
    )
    made = "".join(secrets.choice(alphabet) for _ in tail)
    return f"{prefix}-{made}" if prefix else made


class Template:
    """The rows one group's creation and settling inserted, to be copied with fresh names."""

    def __init__(
        self, rows: dict[str, list[dict[str, Any]]], name: str, cloud: Cloud, names: str
    ) -> None:
        self.rows, self.name, self.cloud, self.names = rows, name, cloud, names
        tokens = {
            v
            for table in rows.values()
            for row in table
            for column, v in row.items()
            if column in NAMING and isinstance(v, str) and len(v) >= 8
        }
        self.tokens = sorted(tokens | {name}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(t) for t in self.tokens))
        self.machines = {r["id"]: r for r in rows.get("machines", [])}

    def copy(self, n: int) -> dict[str, list[dict[str, Any]]]:
        """The template's rows for group number `n`: every name and id replaced."""
        mapping = {t: fresh(t, self.cloud) for t in self.tokens}
        mapping[self.name] = f"{self.names}{n:05d}"

        def swap(value: Any) -> Any:
            if isinstance(value, str):
                return self.pattern.sub(lambda m: mapping[m.group(0)], value)
            if isinstance(value, (dict, list)):
                return json.loads(swap(json.dumps(value)))
            return value

        made: dict[str, list[dict[str, Any]]] = {}
        for table, rows in self.rows.items():
            serial = [c.name for c in metadata.tables[table].columns if c.autoincrement is True]
            made[table] = [{k: swap(v) for k, v in row.items() if k not in serial} for row in rows]
        for row in made.get("machines", []):  # the address follows the id, as at launch
            old = next(k for k, v in mapping.items() if v == row["id"])
            row["private_ip"] = readdress(self.machines[old]["private_ip"], old, row["id"])
        return made


def readdress(address: str, old: str, new: str) -> str:
    """The address the simulated cloud would have given `new` in `old`'s subnet."""
    for index in range(16):
        if private_ip(index, old) == address:
            return private_ip(index, new)
    return address


def template(
    tw: Tidewater, make: Callable[[Tidewater, str, int], None], cloud: Cloud, per: int, names: str
) -> Template:
    """Create and settle group number 0, and keep what its creation inserted."""
    before = snapshot(tw)
    name = f"{names}{0:05d}"
    make(tw, name, per)
    settle(tw)
    after = snapshot(tw)
    added = {
        table: [row for key, row in rows.items() if key not in before[table]]
        for table, rows in after.items()
    }
    added = {table: rows for table, rows in added.items() if rows}
    added.pop("launch_configurations", None)  # shared by every AWS group, made once
    added.pop("sim_machine_counts", None)  # one row per scope: counted again once seeded
    return Template(added, name, cloud, names)


def seed(
    data: Path, groups_per_cloud: int, instances: int, clouds: list[Cloud], url: str | None = None
) -> float:
    """Seed `data` (or the database at `url`) with each cloud's groups; returns the seconds."""
    started = time.perf_counter()
    tw = build(settings(data, url))
    per = max(instances // groups_per_cloud, 0)
    makers = {Cloud.AWS: (make_aws, "g"), Cloud.ALIYUN: (make_ess, "e")}
    for cloud in clouds:
        make, names = makers[cloud]
        shape = template(tw, make, cloud, per, names)
        tables = {name: metadata.tables[name] for name in shape.rows}
        order = [t for t in metadata.sorted_tables if t.name in tables]
        for chunk in chunks(range(1, groups_per_cloud), 500):
            copies = [shape.copy(n) for n in chunk]
            with tw.db.write() as conn:
                for table in order:
                    rows = [row for copy in copies for row in copy[table.name]]
                    if rows:
                        conn.execute(insert(table), rows)
    with tw.db.write() as conn:  # the copies' machines, in the kept count as a launch puts them
        recount(conn)
    tw.db.dispose()
    return time.perf_counter() - started


def recount(conn: Any) -> None:
    """The machines in use of every scope, counted afresh into the kept count."""
    scope = (machines.c.account, machines.c.region, machines.c.cloud)
    conn.execute(delete(sim_machine_counts))
    conn.execute(
        insert(sim_machine_counts).from_select(
            ["account", "region", "cloud", "in_use"],
            select(*scope, func.count()).where(machines.c.state.in_(IN_USE)).group_by(*scope),
        )
    )


def chunks(numbers: range, size: int) -> Iterator[range]:
    for start in range(numbers.start, numbers.stop, size):
        yield range(start, min(start + size, numbers.stop))


# -- measuring in process ---------------------------------------------------------------------


def timed(call: Callable[[], Any], repeats: int = 5, calls: int = 40) -> float:
    """Microseconds per call: the best of `repeats` runs of `calls` calls (others' load on a
    shared machine only ever adds)."""
    call()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        runs.append((time.perf_counter() - started) / calls * 1e6)
    return min(runs)


def pages(tw: Tidewater, clouds: list[Cloud]) -> dict[str, Callable[[], Any]]:
    """One describe page of each kind, as the handlers serve it."""
    aws = AutoScalingService(tw.ctx)
    essapi = EssService(tw.ctx).handlers
    who = account(tw)
    found: dict[str, Callable[[], Any]] = {}
    if Cloud.AWS in clouds:
        scope = Scope(who, REGION, Cloud.AWS)
        found["DescribeAutoScalingGroups 10/page"] = lambda: aws.DescribeAutoScalingGroups(
            scope, {"MaxRecords": GROUP_PAGE}
        )
        found["DescribeAutoScalingGroups one by name"] = lambda: aws.DescribeAutoScalingGroups(
            scope, {"AutoScalingGroupNames": ["g00000"]}
        )
        found["DescribeAutoScalingInstances 50/page"] = lambda: aws.DescribeAutoScalingInstances(
            scope, {"MaxRecords": PAGE}
        )
    if Cloud.ALIYUN in clouds:
        scope = Scope(who, ESS_REGION, Cloud.ALIYUN)

        def page(action: str, number: int, size: int = PAGE) -> Callable[[], Any]:
            query = {"RegionId": ESS_REGION, "PageSize": str(size), "PageNumber": str(number)}
            parsed = ess_api.parse(action, "2014-08-28", query)
            return lambda: essapi[action](scope, parsed)

        found["ESS DescribeScalingGroups 10/page"] = page("DescribeScalingGroups", 1, GROUP_PAGE)
        found["ESS DescribeScalingInstances 50/page"] = page("DescribeScalingInstances", 1)
        found["ESS DescribeScalingGroups past the last page"] = page(
            "DescribeScalingGroups", 10**6, GROUP_PAGE
        )
    return found


def reconcile_cost(tw: Tidewater, rounds: int = 20) -> dict[str, float]:
    """One runner pass that reconciles one changed group, and one idle pass, in microseconds."""
    aws = AutoScalingService(tw.ctx)
    scope = Scope(account(tw), REGION, Cloud.AWS)
    with tw.db.read() as conn:
        name, desired = conn.execute(
            select(groups.c.name, groups.c.desired).where(groups.c.cloud == "aws").limit(1)
        ).one()
    changed, idle = [], []
    for n in range(rounds):
        aws.SetDesiredCapacity(
            scope, {"AutoScalingGroupName": name, "DesiredCapacity": desired + (n + 1) % 2}
        )
        started = time.perf_counter()
        tw.runner.tick()
        changed.append((time.perf_counter() - started) * 1e6)
        settle(tw)
        started = time.perf_counter()
        tw.runner.tick()
        idle.append((time.perf_counter() - started) * 1e6)
    return {
        "reconcile_pass_us": statistics.median(changed),
        "reconcile_pass_min_us": min(changed),
        "idle_pass_us": statistics.median(idle),
    }


def scans(tw: Tidewater, work: Callable[[], Any]) -> list[str]:
    """The statements `work` runs whose SQLite plan reads a whole table, with that plan."""
    seen: dict[str, tuple[Any, ...] | dict[str, Any]] = {}

    def catch(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            seen.setdefault(statement, params)

    event.listen(tw.db.engine, "before_cursor_execute", catch)
    try:
        work()
    finally:
        event.remove(tw.db.engine, "before_cursor_execute", catch)
    found = []
    with tw.db.engine.connect() as conn:
        for statement, params in seen.items():
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            wide = [
                row[-1]
                for row in plan
                if (re.match(r"SCAN (?!CONSTANT)", row[-1]) and "USING" not in row[-1])
                or "TEMP B-TREE" in row[-1]
            ]
            if wide:
                found.append(" ".join(statement.split())[:400] + "\n    " + "; ".join(wide))
    return found


def in_process(data: Path, clouds: list[Cloud]) -> dict[str, Any]:
    tw = build(settings(data))
    try:
        started = time.perf_counter()
        violations = check(tw.db)
        checked = time.perf_counter() - started
        measured: dict[str, Any] = {
            "check_violations": [str(v) for v in violations][:10],
            "check_seconds": round(checked, 2),
            "pages_us": {name: round(timed(call), 1) for name, call in pages(tw, clouds).items()},
        }
        if Cloud.AWS in clouds:
            measured.update({k: round(v, 1) for k, v in reconcile_cost(tw).items()})
        if PLANS and tw.db.dialect == "sqlite":
            work = [*pages(tw, clouds).values(), lambda: reconcile_cost(tw, 2)]
            measured["scans"] = scans(tw, lambda: [call() for call in work])
        if check(tw.db):
            measured["check_after_reconcile"] = "violations"
        return measured
    finally:
        tw.db.dispose()


# -- measuring the real server ----------------------------------------------------------------


def serve(
    data: Path, log: Path, database: str | None = None
) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the server on the seeded database; seconds until it first answers."""
    import compare

    port = compare.free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "tidewater", "serve", "--port", str(port)]
    args += ["--data-dir", str(data), "--sim-boot-seconds", "0.2", "--log-level", "warning"]
    args += ["--database-url", database] if database else []
    args += ["--aws-max-groups", str(LIMITS["aws_max_groups"])]
    args += ["--aws-max-instances", str(LIMITS["aws_max_instances"])]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    while time.perf_counter() - started < 120:
        try:
            urllib.request.urlopen(url + "/_tidewater/health", timeout=1)
            return process, url, time.perf_counter() - started
        except urllib.error.HTTPError:
            return process, url, time.perf_counter() - started
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:]) from None
            time.sleep(0.005)
    process.kill()
    raise RuntimeError("the server did not come up")


def workloads(clouds: list[Cloud]) -> list[Any]:
    """The wrk rows: the same pages as in process, so both sizes render the same rows."""
    from compare import Workload, aws_signed, ess_signed

    found = []
    if Cloud.AWS in clouds:
        found += [
            Workload(
                "DescribeAutoScalingGroups, one group by name",
                ("tidewater",),
                lambda url, n: aws_signed(
                    url,
                    {
                        "Action": "DescribeAutoScalingGroups",
                        "AutoScalingGroupNames.member.1": "g00000",
                    },
                ),
            ),
            Workload(
                f"DescribeAutoScalingGroups, {GROUP_PAGE} groups per page",
                ("tidewater",),
                lambda url, n: aws_signed(
                    url, {"Action": "DescribeAutoScalingGroups", "MaxRecords": str(GROUP_PAGE)}
                ),
            ),
            Workload(
                f"DescribeAutoScalingInstances, {PAGE} per page",
                ("tidewater",),
                lambda url, n: aws_signed(
                    url, {"Action": "DescribeAutoScalingInstances", "MaxRecords": str(PAGE)}
                ),
            ),
        ]
    if Cloud.ALIYUN in clouds:
        found += [
            Workload(
                f"ESS DescribeScalingGroups, {GROUP_PAGE} per page",
                ("tidewater",),
                lambda url, n: ess_signed(
                    {"Action": "DescribeScalingGroups", "PageSize": GROUP_PAGE}, n
                ),
            ),
            Workload(
                f"ESS DescribeScalingInstances, {PAGE} per page",
                ("tidewater",),
                lambda url, n: ess_signed(
                    {"Action": "DescribeScalingInstances", "PageSize": PAGE}, n
                ),
            ),
        ]
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU a process has used so far, user and system."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 3)


def over_http(data: Path, clouds: list[Cloud], seconds: float) -> dict[str, Any]:
    import compare
    import wrk

    wrk.ensure()
    process, url, startup = serve(data, data.parent / "server.log")
    before_serving = cpu_seconds(process.pid)  # start-up's own CPU: others' load cannot add to it
    try:
        rows: dict[str, Any] = {}
        for workload in workloads(clouds):
            result = compare.measure(url, workload, 4, seconds, 1)
            rows[workload.name] = {k: round(v, 2) for k, v in result.items()}
        return {
            "startup_s": round(startup, 3),
            "startup_cpu_s": before_serving,
            "rss_mb": compare.rss_kb(process.pid) // 1024,
            "wrk": rows,
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(
    size: tuple[int, int], clouds: list[Cloud], seconds: float, http: bool
) -> dict[str, Any]:
    groups_n, instances = size
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        seeded = seed(data, groups_n, instances, clouds)
        found: dict[str, Any] = {
            "groups": groups_n,
            "instances": instances,
            "clouds": [c.value for c in clouds],
            "seed_s": round(seeded, 1),
            "db_mb": sum(f.stat().st_size for f in data.iterdir()) // 2**20,
        }
        found.update(in_process(data, clouds))
        if http:
            found.update(over_http(data, clouds, seconds))
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=200, help="groups per cloud")
    parser.add_argument("--instances", type=int, default=2000, help="instances per cloud")
    parser.add_argument("--clouds", default="aws,aliyun")
    parser.add_argument("--seconds", type=float, default=3.0, help="each wrk run's length")
    parser.add_argument("--no-http", action="store_true", help="in-process measures only")
    parser.add_argument("--record", action="store_true", help="append rows to results.jsonl")
    args = parser.parse_args()
    clouds = [Cloud(c) for c in args.clouds.split(",")]
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    made = []
    for size in (BASELINE, (args.groups, args.instances)):
        row = {
            "run": run_id,
            "workload": "scale",
            **measure(size, clouds, args.seconds, not args.no_http),
        }
        row["machine"] = f"{platform.machine()} {os.cpu_count()} cpu"
        print(json.dumps(row), flush=True)
        made.append(row)
    small, large = made
    for name, cost in large["pages_us"].items():
        ratio = cost / small["pages_us"][name]
        print(f"{name}: {small['pages_us'][name]:.0f} us -> {cost:.0f} us ({ratio:.2f}x)")
    if "reconcile_pass_us" in large:
        print(
            f"reconcile pass: {small['reconcile_pass_us']:.0f} -> "
            f"{large['reconcile_pass_us']:.0f} us"
        )
    if args.record:
        with RESULTS.open("a") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in made)


if __name__ == "__main__":
    main()
