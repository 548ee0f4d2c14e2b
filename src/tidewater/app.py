"""The app factory: builds every part of one process from its settings; nothing is global."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.applications import Starlette

from tidewater.clock import Clock
from tidewater.cloud.ports import Agreement
from tidewater.cloud.sim.agreement import SimAgreement
from tidewater.cloud.sim.balancers import SimBalancers
from tidewater.cloud.sim.cloudwatch import SimCloudWatch
from tidewater.cloud.sim.cloudwatch.alarms import SimAlarms
from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.compute import new_instance_id as sim_instance_id
from tidewater.cloud.sim.ec2 import SimEc2
from tidewater.cloud.sim.ecs import SimEcs
from tidewater.cloud.sim.images import ImageCatalogue, load_seed
from tidewater.cloud.sim.rds import SimRds
from tidewater.cloud.sim.slb import SimSlb
from tidewater.cloud.sim.sqs import SimSqs
from tidewater.cloud.sim.sqs.notices import SqsNotices
from tidewater.cloud.sim.ssm import SimSsm
from tidewater.cloud.sim.timing import Timing
from tidewater.cloud.sim.traffic import SimTraffic
from tidewater.cloud.sim.vpc import SimVpc
from tidewater.config import Settings
from tidewater.console import Console, explorer
from tidewater.console.session import Sessions
from tidewater.dialects.aliyun import ess_api
from tidewater.dialects.aliyun import profile as aliyun_profile
from tidewater.dialects.aliyun.ecs import EcsService
from tidewater.dialects.aliyun.ess import EssService
from tidewater.dialects.aliyun.rds import RdsService
from tidewater.dialects.aliyun.slb import SlbService
from tidewater.dialects.aliyun.vpc import VpcService
from tidewater.dialects.aws import profile as aws_profile
from tidewater.dialects.aws.autoscaling import AutoScalingService
from tidewater.dialects.aws.cloudwatch import CloudWatchCbor, CloudWatchJson, CloudWatchService
from tidewater.dialects.aws.ec2 import Ec2Service
from tidewater.dialects.aws.elb import ElbService
from tidewater.dialects.aws.elbv2 import Elbv2Service
from tidewater.dialects.aws.json_protocol import JsonProtocol
from tidewater.dialects.aws.protocol import Protocol
from tidewater.dialects.aws.sqs import SqsJson, SqsService, addressed
from tidewater.dialects.aws.sqs_query import SqsQuery
from tidewater.dialects.aws.ssm import SsmService
from tidewater.domain import limits
from tidewater.domain.scope import Cloud
from tidewater.engine import invariants, queries
from tidewater.engine.context import Context
from tidewater.engine.keys import KeyRing
from tidewater.engine.nonces import NonceLedger
from tidewater.engine.reset import reset
from tidewater.engine.runner import Runner
from tidewater.server.aliyun import AliyunFront, AliyunProduct
from tidewater.server.aws import AwsFront, Product
from tidewater.server.connections import guarded
from tidewater.server.http import build_http
from tidewater.server.limits import Gate, Limits, connection_limit, open_files
from tidewater.store import schema, service_clock
from tidewater.store.checks import Violation
from tidewater.store.database import Database

log = logging.getLogger("tidewater.app")


class SchemaBehind(RuntimeError):
    """The database holds data from an older Tidewater; `tidewater migrate` must run first."""


@dataclass
class Tidewater:
    settings: Settings
    db: Database
    clock: Clock
    ctx: Context
    runner: Runner
    http: Starlette
    protocol: type[asyncio.Protocol]  # what uvicorn speaks HTTP with: ours, with its limits


def check(
    db: Database, now: datetime | None = None, cloud: Agreement | None = None
) -> list[Violation]:
    """What `tidewater check` reports: the engine's invariants, then the cloud's agreement."""
    return [*invariants.check(db, now), *(cloud or SimAgreement()).violations(db)]


def prepare_database(db: Database) -> None:
    """Create a fresh database's schema; refuse to serve an existing one that is behind."""
    state = schema.behind(db)
    if state is None:
        return
    current, head = state
    if current is None and not db.has_tables():
        schema.upgrade(db)
        return
    raise SchemaBehind(
        f"the database schema is at revision {current or 'none'} but this Tidewater needs {head}; "
        "run `tidewater migrate` first"
    )


def build(
    settings: Settings,
    clock: Clock | None = None,
    new_instance_id: Callable[[Cloud], str] | None = None,
) -> Tidewater:
    settings.check()
    seeded = load_seed(settings.images, settings.aws_account_id) if settings.images else []
    db = Database(settings.url, lock_wait=settings.lock_wait_seconds)
    prepare_database(db)
    clock = clock or Clock()
    service_clock.restore(db, clock)
    timing = Timing(
        boot=settings.sim_boot_seconds,
        stop=settings.sim_stop_seconds,
        shutdown=settings.sim_shutdown_seconds,
        scale=settings.sim_time_scale,
    )
    compute = SimCompute(
        db, clock, timing, new_instance_id or sim_instance_id, ImageCatalogue(seeded)
    )
    slb, rds = SimSlb(compute), SimRds(compute)
    balancers = SimBalancers(compute)
    ssm = SimSsm(compute)
    compute.resolve_image = ssm.resolve_image  # resolve:ssm: image ids, read at launch
    traffic = SimTraffic(balancers=balancers, slb=slb, rds=rds)
    queues = SimSqs(compute)
    aws_limits = dataclasses.replace(
        limits.AWS,
        groups=settings.aws_max_groups,
        launch_configurations=settings.aws_max_launch_configurations,
        group_size=settings.aws_max_instances,
        instances=settings.aws_max_instances,
    )
    cloudwatch = SimCloudWatch(compute)
    cloudwatch_alarms = SimAlarms(cloudwatch, settings.cloudwatch_max_alarms)
    ctx = Context(
        db=db,
        clock=clock,
        compute=compute,
        traffic=traffic,
        node=settings.node,
        notices=SqsNotices(queues),  # hook notifications go to the simulated SQS
        alarms=cloudwatch_alarms,  # the runner evaluates CloudWatch's alarms on the clock
        metrics=cloudwatch,  # ESS event-triggered tasks read the same metrics store
        quotas={Cloud.AWS: aws_limits, Cloud.ALIYUN: limits.ESS},
        profiles={Cloud.AWS: aws_profile.AWS, Cloud.ALIYUN: aliyun_profile.ESS},
    )
    runner = Runner(ctx, lease_seconds=settings.lease_seconds, sweep_seconds=settings.sweep_seconds)
    ctx.wake = runner.wake
    keys = KeyRing(ctx)
    retired = keys.seed(settings.access_key_id, settings.secret_access_key, settings.aws_account_id)
    if retired:
        log.warning("retired access keys no longer configured: %s", ", ".join(retired))
    sqs = SqsService(queues)
    metrics = CloudWatchService(cloudwatch, cloudwatch_alarms)
    aws = AwsFront(
        [
            Product(Protocol("autoscaling"), AutoScalingService(ctx)),
            Product(Protocol("ec2"), Ec2Service(SimEc2(compute), runner.wake)),
            Product(Protocol("elb"), ElbService(balancers)),
            Product(Protocol("elbv2"), Elbv2Service(balancers)),
            Product(JsonProtocol("ssm"), SsmService(ssm)),
            Product(SqsQuery(), sqs, addressed, sqs.waiting),
            Product(SqsJson(), sqs, addressed, sqs.waiting),
            Product(CloudWatchCbor(), metrics),
            Product(CloudWatchJson(), metrics),
        ],
        keys,
        Clock(),
    )

    async def shutdown() -> None:
        db.dispose()

    ecs = EcsService(SimEcs(compute), runner.wake)
    slb_api, rds_api = SlbService(slb, runner.wake), RdsService(rds, runner.wake)
    vpc_api = VpcService(SimVpc(compute))
    ess_handlers = EssService(ctx).handlers
    ess = AliyunProduct("Ess", "ess.aliyuncs.com", ess_handlers, ess_api.parse, ess_api.shape)
    aliyun = AliyunFront(
        {
            ecs.version: AliyunProduct(ecs.product, "ecs.aliyuncs.com", ecs.handlers),
            slb_api.version: AliyunProduct(slb_api.product, "slb.aliyuncs.com", slb_api.handlers),
            rds_api.version: AliyunProduct(rds_api.product, "rds.aliyuncs.com", rds_api.handlers),
            vpc_api.version: AliyunProduct(vpc_api.product, "vpc.aliyuncs.com", vpc_api.handlers),
            **{version: ess for version in ess_api.VERSIONS},
        },
        keys,
        Clock(),
        NonceLedger(db),
        lambda account, group: queries.region_of_group(ctx, account, group),
    )
    bounds = Limits(
        read_seconds=settings.read_timeout_seconds,
        connections=connection_limit(settings.max_connections, open_files()),
    )
    gate = Gate(aws, aliyun, bounds)
    console = Console(
        Sessions(keys.lookup),
        lambda account: queries.regions_in_use(ctx, account),
        [
            explorer.ess_api(tuple(sorted(ess_handlers))),
            *(
                explorer.AliyunApi(api.product, api.version, tuple(sorted(api.handlers)))
                for api in (ecs, slb_api, rds_api, vpc_api)
            ),
        ],
        clock.now,
    )
    http = build_http(
        aws,
        aliyun,
        runner,
        clock,
        lambda seconds: service_clock.advance(db, clock, seconds),
        gate=gate,
        auto_runner=settings.runner == "auto",
        on_shutdown=shutdown,
        info={"database": db.dialect, "node": settings.node, "runner": settings.runner},
        account=settings.aws_account_id,
        wipe=lambda share: reset(db, share),
        test_endpoints=settings.serves_test_endpoints,
        console=console.routes(),
    )
    return Tidewater(settings, db, clock, ctx, runner, http, guarded(gate))
