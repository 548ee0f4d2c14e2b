"""EC2's hold on its rows: which machines a request sees, which state may become which, and
the launch templates it stores. No wire names: handlers read and render around these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select, update

from tidewater.cloud.sim import compute
from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    ids_not_found,
    malformed_template_id,
    missing,
    template_not_found,
    version_not_found,
)
from tidewater.cloud.sim.ec2.params import TEMPLATE_ID
from tidewater.cloud.sim.kit.rows import of_cloud
from tidewater.cloud.sim.kit.service import SimService
from tidewater.domain.scope import Scope
from tidewater.store.tables import launch_templates, machines

STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
GONE = ("shutting-down", "terminated")


class Ec2State(SimService):
    """What every EC2 handler family stands on: the sim's machines, clock and timing."""

    @staticmethod
    def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
        return of_cloud(machines, scope)

    def _rows(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = conn.execute(
            select(machines).where(*self._in_scope(scope), machines.c.id.in_(list(ids)))
        ).all()
        return {row.id: row for row in rows}

    def _existing(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = self._rows(conn, scope, ids)
        missing = [i for i in ids if i not in rows]
        if missing:
            raise ids_not_found("InvalidInstanceID.NotFound", "instance", missing)
        return rows


# -- transitions: from which states an instance may be moved --------------------------------------


def may_terminate(row: Row[Any]) -> None:
    if row.state not in GONE and (row.attributes or {}).get("disable_api_termination"):
        raise Ec2Fault(
            "OperationNotPermitted",
            f"The instance '{row.id}' may not be terminated. Modify its "
            "'disableApiTermination' instance attribute and try again.",
        )


def may_stop(row: Row[Any]) -> None:
    if row.state in GONE:
        raise Ec2Fault(
            "IncorrectInstanceState",
            f"This instance '{row.id}' is not in a state from which it can be stopped.",
        )
    if row.state == "pending" and not _has_run(row):
        raise Ec2Fault(
            "IncorrectInstanceState",
            f"Instance '{row.id}' cannot be stopped as it has never reached the 'running' state.",
        )
    if row.state not in ("stopping", "stopped") and (row.attributes or {}).get("disable_api_stop"):
        # worded as disableApiTermination's refusal is (inferred: no public capture)
        raise Ec2Fault(
            "OperationNotPermitted",
            f"The instance '{row.id}' may not be stopped. Modify its 'disableApiStop' instance "
            "attribute and try again.",
        )


def may_start(row: Row[Any]) -> None:
    if row.state in ("stopping", *GONE):
        raise Ec2Fault(
            "IncorrectInstanceState",
            f"The instance '{row.id}' is not in a state from which it can be started.",
        )


def mark_started(conn: Connection, rows: list[Row[Any]]) -> None:
    """Remembers that these have run, so a stop while they boot again is allowed."""
    for row in rows:
        conn.execute(
            update(machines)
            .where(machines.c.id == row.id)
            .values(attributes={**(row.attributes or {}), "started": True})
        )


def _has_run(row: Row[Any]) -> bool:
    """A pending instance has run before if it was started again, not freshly launched."""
    return bool((row.attributes or {}).get("started")) or row.changed_at > row.launched_at


# -- launch templates -----------------------------------------------------------------------------


def template_row(
    conn: Connection,
    scope: Scope,
    template_id: str | None,
    name: str | None,
    *,
    lock: bool = False,
) -> Row[Any]:
    query = select(launch_templates).where(
        launch_templates.c.account == scope.account, launch_templates.c.region == scope.region
    )
    if template_id:
        if not TEMPLATE_ID.fullmatch(template_id):
            raise malformed_template_id(template_id)
        query = query.where(launch_templates.c.id == template_id)
    elif name:
        query = query.where(launch_templates.c.name == name)
    else:
        raise missing("launch template ID or launch template name")
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is not None:
        return row
    if template_id:
        raise template_not_found(template_id)
    raise Ec2Fault(
        "InvalidLaunchTemplateName.NotFoundException",
        f"The specified launch template, with template name {name}, does not exist.",
    )


def version_number(template: Row[Any], version: Any) -> int:
    text = str(version)
    number = compute.version_number(text, template.default_version, template.latest_version)
    if not text or number is None:
        raise version_not_found(text, template.id)
    return number


def version_data(conn: Connection, template: Row[Any], number: int) -> dict[str, Any]:
    data = compute.stored_version(conn, template.id, number)
    if data is None:
        raise version_not_found(str(number), template.id)
    return data
