"""What must hold in a Tidewater database at rest; `tidewater check` reports each violation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
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

from tidewater.cloud.ports import UP
from tidewater.cloud.sim.rds import ESS_GROUP
from tidewater.domain.activity import TERMINAL, Kind
from tidewater.domain.group import GroupStatus
from tidewater.domain.instance import Lifecycle
from tidewater.store.database import Database
from tidewater.store.tables import (
    activities,
    groups,
    machines,
    members,
    sim_load_balancers,
    sim_rds_instances,
    sim_rds_ips,
    sim_slb_backends,
    sim_slbs,
    sim_target_groups,
    sim_targets,
)

TERMINAL_VALUES = [s.value for s in TERMINAL]
# A machine in these states is, or is about to be, serving; the engine's health view agrees.


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail}"


def check(db: Database, now: datetime | None = None) -> list[Violation]:
    """Every violation in the database; `now` is the wall clock that leases are measured by."""
    wall = now if now is not None else datetime.now(UTC)
    with db.read() as conn:
        attached = attachments(conn)
        return [
            *bounds(conn),
            *orphan_members(conn),
            *lost_instances(conn),
            *duplicate_launches(conn),
            *stuck_activities(conn),
            *settled_counts(conn),
            *expired_leases(conn, wall),
            *stopped_members(conn),
            *unregistered_members(conn, attached),
            *serving_standby(conn, attached),
            *left_behind(conn, attached),
        ]


def bounds(conn: Connection) -> Iterator[Violation]:
    """Every active group keeps MinSize <= DesiredCapacity <= MaxSize."""
    for row in conn.execute(
        select(
            groups.c.id, groups.c.name, groups.c.min_size, groups.c.desired, groups.c.max_size
        ).where(groups.c.status != GroupStatus.DELETING.value)
    ):
        if not row.min_size <= row.desired <= row.max_size:
            yield Violation(
                "group-bounds",
                row.id,
                f"min {row.min_size}, desired {row.desired}, max {row.max_size}",
            )


def orphan_members(conn: Connection) -> Iterator[Violation]:
    """A member is a real machine of the group's own cloud."""
    for row in conn.execute(
        select(members.c.instance_id, members.c.group_id)
        .outerjoin(machines, machines.c.id == members.c.instance_id)
        .where(machines.c.id.is_(None))
    ):
        yield Violation("member-without-machine", row.instance_id, f"in group {row.group_id}")


def lost_instances(conn: Connection) -> Iterator[Violation]:
    """A machine the service launched is a member, was let go by an activity, or is ended."""
    launched = (
        select(machines.c.id, machines.c.state, activities.c.group_id)
        .join(activities, activities.c.id == machines.c.client_token)
        .outerjoin(members, members.c.instance_id == machines.c.id)
        .where(members.c.instance_id.is_(None), machines.c.state != "terminated")
    )
    for row in conn.execute(launched):
        let_go = conn.execute(
            select(activities.c.id).where(
                activities.c.instance_id == row.id,
                activities.c.kind.in_(["detach", "terminate"]),
                activities.c.status == "Successful",
            )
        ).first()
        if let_go is None:
            yield Violation(
                "instance-lost",
                row.id,
                f"launched for group {row.group_id}, {row.state}, in no group",
            )


def duplicate_launches(conn: Connection) -> Iterator[Violation]:
    """One launch activity, one machine: the activity id is the launch's idempotency token."""
    for row in conn.execute(
        select(activities.c.id, func.count(machines.c.id).label("count"))
        .join(machines, machines.c.client_token == activities.c.id)
        .group_by(activities.c.id)
        .having(func.count(machines.c.id) > 1)
    ):
        yield Violation("duplicate-launch", row.id, f"{row.count} machines")
    # The simulated cloud forgets a terminated machine once nothing unfinished names it, so a
    # finished launch may outlive its machine; a machine that is there must carry the token.
    launched = machines.alias("launched")
    for row in conn.execute(
        select(activities.c.id, activities.c.instance_id)
        .where(activities.c.kind == "launch", activities.c.instance_id.is_not(None))
        .outerjoin(
            machines,
            and_(
                machines.c.id == activities.c.instance_id,
                machines.c.client_token == activities.c.id,
            ),
        )
        .where(
            machines.c.id.is_(None),
            or_(
                activities.c.status.not_in(TERMINAL_VALUES),
                exists().where(launched.c.id == activities.c.instance_id),
            ),
        )
    ):
        yield Violation("launch-without-token", row.id, f"instance {row.instance_id}")


def stuck_activities(conn: Connection) -> Iterator[Violation]:
    """An unfinished activity is either due to run or waits on its instances' activities."""
    for row in conn.execute(
        select(activities.c.id, activities.c.step, activities.c.parent_id).where(
            activities.c.status.not_in(TERMINAL_VALUES), activities.c.due_at.is_(None)
        )
    ):
        children = conn.execute(
            select(func.count())
            .select_from(activities)
            .where(
                activities.c.parent_id == row.id,
                activities.c.status.not_in(TERMINAL_VALUES),
            )
        ).scalar_one()
        if children == 0:
            yield Violation("activity-stuck", row.id, f"step {row.step}, nothing will move it")


def settled_counts(conn: Connection) -> Iterator[Violation]:
    """With nothing in flight, a group's counted instances match its desired capacity.

    Protected instances may stand above it (scale-in spares them); a suspended Launch or
    Terminate process may leave a gap on purpose.
    """
    busy = select(activities.c.group_id).where(activities.c.status.not_in(TERMINAL_VALUES))
    for row in conn.execute(
        select(groups).where(
            groups.c.status == GroupStatus.ACTIVE.value,
            groups.c.id.not_in(busy),
            groups.c.dirty.is_(False),
        )
    ):
        if {"Launch", "Terminate", "ReplaceUnhealthy"} & set(row.suspended):
            continue
        states = [Lifecycle.IN_SERVICE.value, Lifecycle.PENDING.value]
        counted = conn.execute(
            select(func.count())
            .select_from(members)
            .where(members.c.group_id == row.id, members.c.state.in_(states))
        ).scalar_one()
        protected = conn.execute(
            select(func.count())
            .select_from(members)
            .where(members.c.group_id == row.id, members.c.state.in_(states), members.c.protected)
        ).scalar_one()
        if not row.desired <= counted <= row.desired + protected:
            yield Violation(
                "group-count",
                row.id,
                f"desired {row.desired}, {counted} counted ({protected} protected)",
            )


# -- leases -----------------------------------------------------------------------------------


def expired_leases(conn: Connection, now: datetime) -> Iterator[Violation]:
    """An unfinished activity is held by a live lease or by nobody: a dead node lets go in time."""
    for row in conn.execute(
        select(activities.c.id, activities.c.lease_owner, activities.c.lease_until)
        .where(
            activities.c.status.not_in(TERMINAL_VALUES),
            activities.c.lease_owner.is_not(None),
            activities.c.lease_until < now,
        )
        .order_by(activities.c.seq)
    ):
        yield Violation(
            "activity-lease-expired",
            row.id,
            f"held by node {row.lease_owner}, lease ran out at {row.lease_until.isoformat()}",
        )


# -- membership: the simulated cloud and the balancers agree with the groups ---------------------

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


def settled(instance_id: ColumnElement[str]) -> ColumnElement[bool]:
    """No unfinished activity is moving this instance (one uncorrelated list, not a probe a row)."""
    moving = select(activities.c.instance_id).where(
        activities.c.instance_id.is_not(None), activities.c.status.not_in(TERMINAL_VALUES)
    )
    return instance_id.not_in(moving)


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


def stopped_members(conn: Connection) -> Iterator[Violation]:
    """An InService member runs, unless the group knowingly keeps it sick or has yet to see it."""
    # Knowingly: marked unhealthy while replacement is suspended or the group is disabled or due
    # a reconcile. Yet to see: the machine changed since the engine last observed it. `pending`
    # counts as up, as it does for the engine's health observation.
    for row in conn.execute(
        select(
            members.c.instance_id,
            members.c.group_id,
            members.c.healthy,
            machines.c.state,
            groups.c.status,
            groups.c.dirty,
            groups.c.suspended,
        )
        .join(machines, machines.c.id == members.c.instance_id)
        .join(groups, groups.c.id == members.c.group_id)
        .where(
            members.c.state == Lifecycle.IN_SERVICE.value,
            machines.c.state.not_in(UP),
            machines.c.unobserved.is_(False),
            groups.c.status != GroupStatus.DELETING.value,
            settled(members.c.instance_id),
        )
        .order_by(members.c.instance_id)
    ):
        kept = (
            row.dirty
            or row.status != GroupStatus.ACTIVE.value
            or bool({"ReplaceUnhealthy", "Terminate"} & set(row.suspended))
        )
        if row.healthy or not kept:
            yield Violation(
                "member-not-running",
                row.instance_id,
                f"InService in group {row.group_id}, machine {row.state}, "
                f"{'healthy' if row.healthy else 'unhealthy and not replaced'}",
            )


def unregistered_members(conn: Connection, attached: CTE | None) -> Iterator[Violation]:
    """An InService member serves from every balancer and whitelist its group names."""
    if attached is None:
        return
    for row in conn.execute(
        select(members.c.instance_id, members.c.group_id, attached.c.kind, attached.c.ref)
        .join(attached, attached.c.group_id == members.c.group_id)
        .join(machines, machines.c.id == members.c.instance_id)
        .where(
            members.c.state == Lifecycle.IN_SERVICE.value,
            settled(members.c.instance_id),
            ~or_(
                serving(attached, members.c.instance_id),
                whitelisted(attached, machines.c.private_ip),
            ),
        )
        .order_by(members.c.instance_id, attached.c.kind, attached.c.ref)
    ):
        yield Violation(
            "member-not-registered",
            row.instance_id,
            f"InService in group {row.group_id}, not serving from {row.kind} {row.ref}",
        )


def serving_standby(conn: Connection, attached: CTE | None) -> Iterator[Violation]:
    """A Standby member takes no traffic: out of its ELBs (draining is out), SLB weight 0."""
    if attached is None:
        return
    for row in conn.execute(
        select(members.c.instance_id, members.c.group_id, attached.c.kind, attached.c.ref)
        .join(attached, attached.c.group_id == members.c.group_id)
        .where(
            members.c.state == Lifecycle.STANDBY.value,
            settled(members.c.instance_id),
            serving(attached, members.c.instance_id),
        )
        .order_by(members.c.instance_id, attached.c.kind, attached.c.ref)
    ):
        yield Violation(
            "standby-serving",
            row.instance_id,
            f"Standby in group {row.group_id}, still serving from {row.kind} {row.ref}",
        )


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
