"""Whether the simulated cloud agrees with the groups: balancers and whitelists hold the members.

`tidewater check` asks this through the `Agreement` port, after the engine's own invariants.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    values,
)

from tidewater.cloud.sim.compute import IN_USE
from tidewater.cloud.sim.rds import ESS_GROUP
from tidewater.domain.activity import Kind
from tidewater.domain.group import GroupStatus
from tidewater.domain.instance import Lifecycle
from tidewater.store.checks import TERMINAL_VALUES, Violation, settled
from tidewater.store.database import Database
from tidewater.store.tables import (
    activities,
    groups,
    machines,
    members,
    sim_load_balancers,
    sim_machine_counts,
    sim_rds_instances,
    sim_rds_ips,
    sim_slb_backends,
    sim_slbs,
    sim_target_groups,
    sim_targets,
)


class SimAgreement:
    """The `Agreement` port of the simulated cloud: its tables against the groups' members."""

    def violations(self, db: Database) -> list[Violation]:
        """Every member a balancer or whitelist misses, and every leaver one still holds."""
        with db.read() as conn:
            attached = attachments(conn)
            return [
                *unregistered_members(conn, attached),
                *serving_standby(conn, attached),
                *left_behind(conn, attached),
                *miscounted(conn),
            ]


def miscounted(conn: Connection) -> Iterator[Violation]:
    """The kept count of machines in use is what counting them gives, scope by scope."""
    scope = (machines.c.account, machines.c.region, machines.c.cloud)
    counted = {
        (row.account, row.region, row.cloud): row.n
        for row in conn.execute(
            select(*scope, func.count().label("n"))
            .where(machines.c.state.in_(IN_USE))
            .group_by(*scope)
        )
    }
    kept = {
        (row.account, row.region, row.cloud): row.in_use
        for row in conn.execute(select(sim_machine_counts))
    }
    for key in sorted(counted.keys() | kept.keys()):
        if counted.get(key, 0) != kept.get(key, 0):
            yield Violation(
                "instance-count",
                "/".join(key),
                f"{kept.get(key, 0)} kept in use, {counted.get(key, 0)} pending or running",
            )


ELB = ("clb", "target_group")
LEFT = (Kind.DETACH.value, Kind.TERMINATE.value)


def attachments(conn: Connection) -> CTE | None:
    """Each live group's balancers and whitelists, as rows to join; a deleted one holds nobody."""
    # `owner` is what sim_targets names: a Classic ELB's ARN (groups name it), else the ref.
    named = [
        (row.id, row.account, row.region, target["kind"], target["ref"])
        for row in conn.execute(
            select(groups.c.id, groups.c.account, groups.c.region, groups.c.targets).where(
                groups.c.status != GroupStatus.DELETING.value
            )
        )
        for target in row.targets or ()
    ]
    if not named:
        return None
    given = (
        values(
            column("group_id", String),
            column("account", String),
            column("region", String),
            column("kind", String),
            column("ref", String),
            name="named",
        )
        .data(named)
        .cte("named")
    )
    classic = sim_load_balancers
    scoped_to = [given.c.account == classic.c.account, given.c.region == classic.c.region]
    return (
        select(
            given.c.group_id,
            given.c.kind,
            given.c.ref,
            func.coalesce(classic.c.arn, given.c.ref).label("owner"),
        )
        .outerjoin(
            classic,
            and_(
                given.c.kind == "clb",
                classic.c.family == "classic",
                classic.c.name == given.c.ref,
                *scoped_to,
            ),
        )
        .where(
            or_(
                classic.c.arn.is_not(None),
                and_(
                    given.c.kind == "target_group",
                    exists().where(sim_target_groups.c.arn == given.c.ref),
                ),
                and_(given.c.kind == "slb", exists().where(sim_slbs.c.id == given.c.ref)),
                and_(
                    given.c.kind == "rds",
                    exists().where(sim_rds_instances.c.id == given.c.ref),
                ),
            )
        )
        .cte("attached")
    )


def serving(attached: CTE, instance_id: ColumnElement[str]) -> ColumnElement[bool]:
    """The target sends it traffic: an ELB registration not draining, an SLB weight above 0."""
    return or_(
        and_(
            attached.c.kind.in_(ELB),
            exists().where(
                sim_targets.c.owner == attached.c.owner,
                sim_targets.c.instance_id == instance_id,
                sim_targets.c.draining_until.is_(None),
            ),
        ),
        and_(
            attached.c.kind == "slb",
            exists().where(
                sim_slb_backends.c.lb_id == attached.c.ref,
                sim_slb_backends.c.server_id == instance_id,
                sim_slb_backends.c.weight > 0,
            ),
        ),
    )


def whitelisted(
    attached: CTE, ip: ColumnElement[str], group: str | None = None
) -> ColumnElement[bool]:
    """The DB instance's whitelist (or its `group`) names this private IP."""
    entries = literal(",") + sim_rds_ips.c.ips + literal(",")
    return and_(
        attached.c.kind == "rds",
        exists().where(
            sim_rds_ips.c.db_id == attached.c.ref,
            entries.contains(literal(",") + ip + literal(",")),
            *([sim_rds_ips.c.name == group] if group is not None else []),
        ),
    )


def settled_members(attached: CTE, state: Lifecycle, wrong: ColumnElement[bool]) -> Select[Any]:
    """Settled members in `state`, one row per target of their group where `wrong` holds."""
    return (
        select(
            members.c.instance_id,
            members.c.group_id,
            members.c.state,
            attached.c.kind,
            attached.c.ref,
        )
        .join(attached, attached.c.group_id == members.c.group_id)
        .where(members.c.state == state.value, settled(members.c.instance_id), wrong)
        .order_by(members.c.instance_id, attached.c.kind, attached.c.ref)
    )


def report(conn: Connection, query: Select[Any], rule: str, doing: str) -> Iterator[Violation]:
    """One violation per member and target the query finds."""
    for row in conn.execute(query):
        yield Violation(
            rule,
            row.instance_id,
            f"{row.state} in group {row.group_id}, {doing} {row.kind} {row.ref}",
        )


def unregistered_members(conn: Connection, attached: CTE | None) -> Iterator[Violation]:
    """An InService member serves from every balancer and whitelist its group names."""
    if attached is None:
        return
    missing = ~or_(
        serving(attached, members.c.instance_id),
        whitelisted(attached, machines.c.private_ip),
    )
    query = settled_members(attached, Lifecycle.IN_SERVICE, missing)
    query = query.join(machines, machines.c.id == members.c.instance_id)
    yield from report(conn, query, "member-not-registered", "not serving from")


def serving_standby(conn: Connection, attached: CTE | None) -> Iterator[Violation]:
    """A Standby member takes no traffic: out of its ELBs (draining is out), SLB weight 0."""
    if attached is None:
        return
    query = settled_members(attached, Lifecycle.STANDBY, serving(attached, members.c.instance_id))
    yield from report(conn, query, "standby-serving", "still serving from")


def left_behind(conn: Connection, attached: CTE | None) -> Iterator[Violation]:
    """An instance a group let go left the group's balancers and whitelists along with it."""
    # Only what the group itself could have left there counts, not what a user added since: an
    # ELB registration no newer than the leaving, any SLB backend, an IP in the whitelist group
    # ESS manages that no member's machine also has (private IPs can repeat). The simulated cloud
    # may have forgotten the machine itself (terminated, released): what it left still counts.
    if attached is None:
        return
    others = machines.alias("others")
    shared_ip = exists().where(
        members.c.instance_id == others.c.id,
        others.c.private_ip == machines.c.private_ip,
        others.c.account == machines.c.account,
        others.c.region == machines.c.region,
    )
    still_elb = and_(
        attached.c.kind.in_(ELB),
        exists().where(
            sim_targets.c.owner == attached.c.owner,
            sim_targets.c.instance_id == activities.c.instance_id,
            sim_targets.c.draining_until.is_(None),
            or_(
                activities.c.ended_at.is_(None),
                sim_targets.c.registered_at <= activities.c.ended_at,
            ),
        ),
    )
    still_slb = and_(
        attached.c.kind == "slb",
        exists().where(
            sim_slb_backends.c.lb_id == attached.c.ref,
            sim_slb_backends.c.server_id == activities.c.instance_id,
        ),
    )
    still_rds = and_(whitelisted(attached, machines.c.private_ip, ESS_GROUP), ~shared_ip)
    for row in conn.execute(
        select(
            activities.c.instance_id.label("id"),
            activities.c.group_id,
            attached.c.kind,
            attached.c.ref,
        )
        .distinct()
        .select_from(activities)
        .outerjoin(machines, machines.c.id == activities.c.instance_id)
        .join(attached, attached.c.group_id == activities.c.group_id)
        .where(
            activities.c.kind.in_(LEFT),
            activities.c.status.in_(TERMINAL_VALUES),
            activities.c.instance_id.is_not(None),
            ~exists().where(members.c.instance_id == activities.c.instance_id),
            or_(still_elb, still_slb, still_rds),
        )
        .order_by(activities.c.instance_id, attached.c.kind, attached.c.ref)
    ):
        yield Violation(
            "left-but-registered",
            row.id,
            f"let go by group {row.group_id}, still in {row.kind} {row.ref}",
        )
