"""The commands that operate a running Tidewater over its signed APIs (`tidewater groups`, …).

They read the endpoint from --endpoint or TIDEWATER_URL and sign with the keys the SDKs would
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET), falling back
to the service's default test key pair. A refusal prints the cloud's code and message and
exits 1; a waited-for activity that does not succeed exits 1 too.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from tidewater.remote import Aws, Ess, Refused, Remote, Target


def _console(stderr: bool = False) -> Console:
    """Piped or redirected, a table keeps whole rows: rich folds to 80 columns when there is no
    terminal to ask, which cut ids and descriptions short for scripts."""
    console = Console(stderr=stderr)
    if console.is_terminal or "COLUMNS" in os.environ:
        return console
    return Console(stderr=stderr, width=240)


out = _console()
err = _console(stderr=True)

GROUP_COLUMNS = ("name", "min", "desired", "max", "in_service", "pending", "leaving", "standby")
INSTANCE_COLUMNS = ("id", "state", "health", "zone", "type", "protected")
ACTIVITY_COLUMNS = ("id", "group", "status", "progress", "started", "ended", "description")

Endpoint = Annotated[
    str,
    typer.Option(envvar="TIDEWATER_URL", help="The service's address."),
]
Cloud = Annotated[str, typer.Option(help="aws or aliyun.")]
Region = Annotated[
    str | None,
    typer.Option(help="Default: AWS_DEFAULT_REGION, or ALIBABA_CLOUD_REGION_ID for aliyun."),
]
Output = Annotated[str, typer.Option("--output", "-o", help="table or json.")]
DEFAULT_URL = "http://127.0.0.1:4580"


def remote(cloud: str, endpoint: str, region: str | None) -> Remote:
    """The client for one cloud, signed with the keys its SDKs would find."""
    env = os.environ.get
    if cloud == "aws":
        return Aws(
            Target(
                endpoint,
                region or env("AWS_DEFAULT_REGION") or env("AWS_REGION") or "us-east-1",
                env("AWS_ACCESS_KEY_ID") or "test",
                env("AWS_SECRET_ACCESS_KEY") or "test",
            )
        )
    if cloud == "aliyun":
        return Ess(
            Target(
                endpoint,
                region or env("ALIBABA_CLOUD_REGION_ID") or "cn-hangzhou",
                env("ALIBABA_CLOUD_ACCESS_KEY_ID") or "test",
                env("ALIBABA_CLOUD_ACCESS_KEY_SECRET") or "test",
            )
        )
    raise typer.BadParameter("--cloud must be aws or aliyun")


def table(rows: list[dict[str, Any]], columns: tuple[str, ...], title: str) -> Table:
    shown = Table(title=title, title_justify="left")
    for column in columns:
        shown.add_column(column.replace("_", " "))
    for row in rows:
        shown.add_row(*(_cell(row.get(column)) for column in columns))
    return shown


def show(rows: list[dict[str, Any]], columns: tuple[str, ...], title: str, output: str) -> None:
    if output == "json":
        out.print_json(json.dumps(rows))
    elif output == "table":
        out.print(table(rows, columns, title))
    else:
        raise typer.BadParameter("--output must be table or json")


def answered(work: Callable[[], Any]) -> Any:
    """The call's answer, or the cloud's refusal printed as it came and exit 1."""
    try:
        return work()
    except Refused as refused:
        err.print(f"[red]{refused.code}[/red]: {refused.message}")
        raise typer.Exit(1) from None
    except OSError as unreachable:
        err.print(f"[red]cannot reach the service[/red]: {unreachable}")
        raise typer.Exit(2) from None


def register(cli: typer.Typer) -> None:
    """Add the commands to the `tidewater` command."""

    @cli.command()
    def groups(
        cloud: Cloud = "aws",
        region: Region = None,
        endpoint: Endpoint = DEFAULT_URL,
        output: Output = "table",
    ) -> None:
        """Scaling groups with their capacity and instances by state."""
        client = remote(cloud, endpoint, region)
        show(answered(client.groups), GROUP_COLUMNS, "groups", output)

    @cli.command()
    def instances(
        group: Annotated[str, typer.Argument(help="A group's name (ESS: or its id).")],
        cloud: Cloud = "aws",
        region: Region = None,
        endpoint: Endpoint = DEFAULT_URL,
        output: Output = "table",
    ) -> None:
        """A group's instances: lifecycle state, health, zone and protection."""
        client = remote(cloud, endpoint, region)
        show(answered(lambda: client.instances(group)), INSTANCE_COLUMNS, group, output)

    @cli.command()
    def activities(
        group: Annotated[str | None, typer.Argument(help="Only this group's.")] = None,
        follow: Annotated[bool, typer.Option(help="A live table until interrupted.")] = False,
        interval: Annotated[float, typer.Option(help="Seconds between looks.")] = 1.0,
        cloud: Cloud = "aws",
        region: Region = None,
        endpoint: Endpoint = DEFAULT_URL,
        output: Output = "table",
    ) -> None:
        """Scaling activities, newest first; with --follow, as they change."""
        client = remote(cloud, endpoint, region)
        if not follow:
            show(answered(lambda: client.activities(group)), ACTIVITY_COLUMNS, "activities", output)
            return
        title = f"activities of {group}" if group else "activities"
        with Live(console=out, auto_refresh=False) as live:
            try:
                while True:
                    rows = answered(lambda: client.activities(group))
                    live.update(table(rows, ACTIVITY_COLUMNS, title), refresh=True)
                    time.sleep(interval)
            except KeyboardInterrupt:
                return

    @cli.command()
    def detach(
        group: Annotated[str, typer.Argument(help="The group's name.")],
        ids: Annotated[list[str], typer.Argument(help="Instance ids.")],
        decrement: Annotated[
            bool, typer.Option(help="Lower the desired capacity instead of replacing them.")
        ] = False,
        wait: Annotated[bool, typer.Option(help="Follow the activities to their end.")] = False,
        region: Region = None,
        endpoint: Endpoint = DEFAULT_URL,
        output: Output = "table",
    ) -> None:
        """Detach instances from an AWS group (DetachInstances)."""
        client = remote("aws", endpoint, region)
        started = answered(lambda: client.take_out(group, ids, decrement))
        finish(client, group, started, wait, output)

    @cli.command()
    def remove(
        group: Annotated[str, typer.Argument(help="The group's id or name.")],
        ids: Annotated[list[str], typer.Argument(help="Instance ids.")],
        decrease: Annotated[
            bool, typer.Option(help="Lower the desired capacity (ESS's default).")
        ] = True,
        wait: Annotated[bool, typer.Option(help="Follow the activity to its end.")] = False,
        region: Region = None,
        endpoint: Endpoint = DEFAULT_URL,
        output: Output = "table",
    ) -> None:
        """Remove instances from an ESS group (RemoveInstances)."""
        client = remote("aliyun", endpoint, region)
        started = answered(lambda: client.take_out(group, ids, decrease))
        finish(client, group, started, wait, output)


def finish(client: Remote, group: str, ids: list[str], wait: bool, output: str) -> None:
    """Show the activities a request started; with `wait`, follow them to their end."""
    rows = answered(lambda: client.activities(group, ids))
    if wait:
        rows = follow_to_end(client, group, ids)
    show(rows, ACTIVITY_COLUMNS, "activities", output)
    if wait and any(row["status"] != "Successful" for row in rows):
        raise typer.Exit(1)


def follow_to_end(client: Remote, group: str, ids: list[str]) -> list[dict[str, Any]]:
    """Poll the activities until each has ended, with a progress bar apiece."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        console=err,
    ) as progress:
        bars = {i: progress.add_task(i, total=100, status="") for i in ids}
        while True:
            rows: list[dict[str, Any]] = answered(lambda: client.activities(group, ids))
            for row in rows:
                bar = bars.get(row["id"])
                if bar is not None:
                    progress.update(bar, completed=row["progress"], status=row["status"])
            if rows and all(row["status"] in client.done for row in rows):
                return rows
            time.sleep(0.2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)
