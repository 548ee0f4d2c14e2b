"""The `tidewater` command: serve the APIs, migrate or check the database they keep; the
commands that operate a running service are in `operate`."""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import signal
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel

from tidewater import operate
from tidewater.config import Settings

cli = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    help="A self-hosted Auto Scaling service for AWS and Alibaba Cloud clients.",
)
err = Console(stderr=True)


GRACEFUL_SECONDS = 10  # SIGTERM: requests in flight get this long, then the process exits


def env(name: str) -> str:
    return f"TIDEWATER_{name}"


@cli.command()
def serve(
    host: Annotated[
        str, typer.Option(envvar=env("HOST"), help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar=env("PORT"))] = 4580,
    data_dir: Annotated[
        Path, typer.Option(envvar=env("DATA_DIR"), help="Where the embedded SQLite lives.")
    ] = Path(".tidewater"),
    database_url: Annotated[
        str | None, typer.Option(envvar=env("DATABASE_URL"), help="sqlite:///… or postgresql://…")
    ] = None,
    access_key_id: Annotated[str, typer.Option(envvar=env("ACCESS_KEY_ID"))] = "test",
    secret_access_key: Annotated[str, typer.Option(envvar=env("SECRET_ACCESS_KEY"))] = "test",
    aws_account_id: Annotated[str, typer.Option(envvar=env("AWS_ACCOUNT_ID"))] = "000000000000",
    sim_boot_seconds: Annotated[float, typer.Option(envvar=env("SIM_BOOT_SECONDS"))] = 5.0,
    sim_stop_seconds: Annotated[float, typer.Option(envvar=env("SIM_STOP_SECONDS"))] = 3.0,
    sim_shutdown_seconds: Annotated[float, typer.Option(envvar=env("SIM_SHUTDOWN_SECONDS"))] = 3.0,
    sim_time_scale: Annotated[
        float,
        typer.Option(
            envvar=env("SIM_TIME_SCALE"),
            help="Multiply every simulated delay (0.1 = ten times faster).",
        ),
    ] = 1.0,
    runner: Annotated[
        str,
        typer.Option(
            envvar=env("RUNNER"),
            help="auto, or manual: activities move only on /_tidewater/settle.",
        ),
    ] = "auto",
    frozen_clock: Annotated[
        bool,
        typer.Option(
            envvar=env("FROZEN_CLOCK"), help="Stop time; only /_tidewater/clock moves it."
        ),
    ] = False,
    node: Annotated[
        str | None,
        typer.Option(
            envvar=env("NODE"),
            help="This process's name in leases; unique among live nodes (default: host name).",
        ),
    ] = None,
    lease_seconds: Annotated[
        float,
        typer.Option(
            envvar=env("LEASE_SECONDS"),
            help="How long a node that stops answering keeps the activities it runs.",
        ),
    ] = 30.0,
    lock_wait_seconds: Annotated[
        float,
        typer.Option(
            envvar=env("LOCK_WAIT_SECONDS"),
            help="How long a change waits for a busy group before ResourceContention.",
        ),
    ] = 5.0,
    sweep_seconds: Annotated[
        float,
        typer.Option(
            envvar=env("SWEEP_SECONDS"),
            help="How often the runner looks for due work without being woken.",
        ),
    ] = 0.5,
    read_timeout_seconds: Annotated[
        float,
        typer.Option(
            envvar=env("READ_TIMEOUT_SECONDS"),
            help="A request's head, then its body, must arrive within this many seconds.",
        ),
    ] = 30.0,
    max_connections: Annotated[
        int,
        typer.Option(
            envvar=env("MAX_CONNECTIONS"),
            help="Open connections allowed; beyond it idle ones are closed to make room.",
        ),
    ] = 1000,
    aws_max_groups: Annotated[
        int,
        typer.Option(
            envvar=env("AWS_MAX_GROUPS"),
            help="Auto Scaling groups an AWS account may have per region.",
        ),
    ] = 500,
    aws_max_launch_configurations: Annotated[
        int,
        typer.Option(
            envvar=env("AWS_MAX_LAUNCH_CONFIGURATIONS"),
            help="Launch configurations an AWS account may have per region.",
        ),
    ] = 200,
    aws_max_instances: Annotated[
        int,
        typer.Option(
            envvar=env("AWS_MAX_INSTANCES"),
            help="The AWS account's instance limit: pending and running instances per "
            "region, and the most MinSize or DesiredCapacity may name.",
        ),
    ] = 1000,
    cloudwatch_max_alarms: Annotated[
        int,
        typer.Option(
            envvar=env("CLOUDWATCH_MAX_ALARMS"),
            help="CloudWatch metric alarms an AWS account may have per region.",
        ),
    ] = 10_000,
    images: Annotated[
        Path | None,
        typer.Option(
            envvar=env("IMAGES"),
            help="A JSON list of images (id, name, architecture, platform, owner, region) the "
            "simulated clouds serve beside their built-in ones, so real image ids launch.",
        ),
    ] = None,
    test_endpoints: Annotated[
        bool,
        typer.Option(
            envvar=env("TEST_ENDPOINTS"),
            help="Serve /_tidewater/clock, settle, reset, load and /moto-api/reset even when "
            "listening beyond loopback (they always are on loopback).",
        ),
    ] = False,
    log_level: Annotated[str, typer.Option(envvar=env("LOG_LEVEL"))] = "info",
) -> None:
    """Serve the Auto Scaling APIs and the simulated cloud on one port."""
    import uvicorn

    from tidewater.app import SchemaBehind, build
    from tidewater.clock import Clock

    settings = Settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        aws_account_id=aws_account_id,
        sim_boot_seconds=sim_boot_seconds,
        sim_stop_seconds=sim_stop_seconds,
        sim_shutdown_seconds=sim_shutdown_seconds,
        sim_time_scale=sim_time_scale,
        runner=runner,
        frozen_clock=frozen_clock,
        node=node or socket.gethostname(),
        lease_seconds=lease_seconds,
        lock_wait_seconds=lock_wait_seconds,
        sweep_seconds=sweep_seconds,
        read_timeout_seconds=read_timeout_seconds,
        max_connections=max_connections,
        aws_max_groups=aws_max_groups,
        aws_max_launch_configurations=aws_max_launch_configurations,
        aws_max_instances=aws_max_instances,
        cloudwatch_max_alarms=cloudwatch_max_alarms,
        images=images,
        test_endpoints=test_endpoints,
    )
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if log_level.lower() != "debug":  # a fresh database's migrations are not news
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings.check()
        clock = Clock(frozen_at=Clock().now() if frozen_clock else None)
        service = build(settings, clock)
        # what start-up built (botocore's models above all) lives as long as the process:
        # kept out of the collector's full passes, which otherwise walk it every time
        gc.freeze()
    except (ValueError, SchemaBehind) as problem:
        err.print(f"[red]tidewater:[/red] {problem}")
        raise typer.Exit(2) from None
    err.print(welcome(settings))
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then delivers the signal again to the
    # handlers it found; by then every request is answered and every lease handed back, so
    # the process ends normally (exit 0) instead of dying of the repeated signal.
    for handled in (signal.SIGTERM, signal.SIGINT):
        signal.signal(handled, lambda *_: None)
    config = uvicorn.Config(
        service.http,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        # SDKs keep idle connections for a long time (the legacy Alibaba one for ever); closing
        # them after uvicorn's 5 s default races their next request into a connection reset
        timeout_keep_alive=75,
        # our httptools protocol: bounded heads, a read timeout, idle sockets making room
        http=service.protocol,
    )
    work = service.runner  # `runner` already names the --runner option

    class Server(uvicorn.Server):
        """Halts the runner the moment the signal arrives, not after the requests in flight.

        A settle in flight drains the runner; halting it first lets that request answer at
        once, so the whole shutdown fits in the graceful limit however much work is queued.
        """

        def handle_exit(self, sig: int, frame: Any) -> None:
            work.halt()
            super().handle_exit(sig, frame)

    Server(config).run()


def welcome(settings: Settings) -> Panel:
    """What a person needs on first start: where it is and how to point the SDKs at it."""
    url = f"http://{settings.host}:{settings.port}"
    key = settings.access_key_id
    secret = "test" if settings.default_credentials else "<your secret>"
    keys = f"{key} / {secret}"
    if settings.default_credentials:
        keys += (
            " [yellow](the defaults: TIDEWATER_ACCESS_KEY_ID and\n"
            "          TIDEWATER_SECRET_ACCESS_KEY change them)[/yellow]"
        )
    testing = "served" if settings.serves_test_endpoints else "off (not on loopback)"
    lines = [
        f"[bold]Tidewater[/bold] is serving on [bold cyan]{url}[/bold cyan]",
        f"database  {settings.url.split('@')[-1]}",
        f"keys      {keys}",
        f"console   [bold cyan]{url}/console/[/bold cyan] (sign in with the keys)",
        "",
        "[bold]AWS[/bold]: boto3, the aws CLI and the JS SDK read",
        f"  export AWS_ENDPOINT_URL={url}",
        f"  export AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret}",
        "  export AWS_DEFAULT_REGION=us-east-1",
        "[bold]Alibaba Cloud[/bold]: both SDKs take",
        f'  endpoint="{settings.host}:{settings.port}", protocol="http",',
        f'  access_key_id="{key}", access_key_secret="{secret}"',
        "",
        f"test endpoints (/_tidewater/clock, settle, reset): {testing}",
    ]
    return Panel("\n".join(lines), expand=False)


@cli.command()
def migrate(
    data_dir: Annotated[Path, typer.Option(envvar=env("DATA_DIR"))] = Path(".tidewater"),
    database_url: Annotated[str | None, typer.Option(envvar=env("DATABASE_URL"))] = None,
) -> None:
    """Bring the database schema up to this version of Tidewater."""
    from tidewater.store import schema
    from tidewater.store.database import Database

    db = Database(Settings(data_dir=data_dir, database_url=database_url).url)
    before = schema.current(db)
    schema.upgrade(db)
    err.print(f"schema at {schema.current(db)} (was {before or 'empty'})")
    db.dispose()


@cli.command()
def check(
    data_dir: Annotated[Path, typer.Option(envvar=env("DATA_DIR"))] = Path(".tidewater"),
    database_url: Annotated[str | None, typer.Option(envvar=env("DATABASE_URL"))] = None,
    output: operate.Output = "table",
) -> None:
    """Verify the database's invariants; exit 1 naming each violation."""
    from tidewater.app import check as verify
    from tidewater.store.database import Database

    db = Database(Settings(data_dir=data_dir, database_url=database_url).url)
    violations = verify(db)
    db.dispose()
    if output == "json":
        found = [dataclasses.asdict(violation) for violation in violations]
        operate.out.print_json(json.dumps(found))
    else:
        for violation in violations:
            err.print(f"[red]violation[/red] {violation}")
    if violations:
        raise typer.Exit(1)
    err.print("all invariants hold")


operate.register(cli)


def main() -> None:
    cli()
