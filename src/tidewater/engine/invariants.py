"""What must hold in a Tidewater database at rest; `tidewater check` reports each violation.

These are the engine's own rules. Whether the cloud agrees with the groups (balancers,
whitelists) is the cloud's to say, behind the `Agreement` port.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from tidewater.cloud.ports import UP
from tidewater.domain.activity import Status
from tidewater.domain.group import GroupStatus
from tidewater.domain.instance import COUNTED, Lifecycle
from tidewater.domain.lifecycle_hook import WAITS, Transition, held_at
from tidewater.domain.processes import BY_CLOUD, Gate
from tidewater.domain.scope import Cloud
from tidewater.engine.refresh import ACTIVE as ACTIVE_REFRESHES
from tidewater.engine.refresh import surplus as refresh_surplus
from tidewater.engine.steps.warm import WARM
from tidewater.store.checks import TERMINAL_VALUES, Violation, settled
from tidewater.store.database import Database
from tidewater.store.tables import (
    activities,
    group_loads,
    groups,
    instance_refreshes,
    lifecycle_actions,
    machines,
    members,
)

__all__ = ["Violation", "check"]


def check(db: Database, now: datetime | None = None) -> list[Violation]:
    """Every violation in the database; `now` is the wall clock that leases are measured by."""
    wall = now if now is not None else datetime.now(UTC)
    with db.read() as conn:
        return [
            *bounds(conn),
            *orphan_members(conn),
            *misplaced_members(conn),
            *lost_instances(conn),
            *duplicate_launches(conn),
            *stuck_activities(conn),
            *settled_counts(conn),
            *expired_leases(conn, wall),
            *stopped_members(conn),
            *held_members(conn),
            *open_actions(conn),
            *refreshes(conn),
            *publications(conn),
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


def misplaced_members(conn: Connection) -> Iterator[Violation]:
    """A member carries its group's scope, which the scope's instance pages walk by."""
    for row in conn.execute(
        select(members.c.instance_id, members.c.group_id)
        .join(groups, groups.c.id == members.c.group_id)
        .where(
            or_(
                members.c.account != groups.c.account,
                members.c.region != groups.c.region,
                members.c.cloud != groups.c.cloud,
            )
        )
    ):
        yield Violation(
            "member-out-of-scope", row.instance_id, f"not in group {row.group_id}'s scope"
        )


# A launch that ended without its instance: the launch itself terminates the machine
ENDED_LAUNCH = (Status.FAILED.value, Status.CANCELLED.value)


def lost_instances(conn: Connection) -> Iterator[Violation]:
    """A machine the service launched is a member, was let go by an activity, or is ended."""
    launched = (
        select(machines.c.id, machines.c.state, activities.c.group_id, activities.c.status)
        .join(activities, activities.c.id == machines.c.client_token)
        .outerjoin(members, members.c.instance_id == machines.c.id)
        .where(members.c.instance_id.is_(None), machines.c.state != "terminated")
    )
    for row in conn.execute(launched):
        if row.state == "shutting-down" and row.status in ENDED_LAUNCH:
            continue  # a launch that failed or was abandoned ended its machine: on its way out
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
        select(activities.c.id, activities.c.instance_id, activities.c.facts)
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
        if (row.facts or {}).get(WARM) == "from":
            continue  # a draw from the warm pool: its machine is the launch's into the pool
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

    Protected instances may stand above it (scale-in spares them); a suspended process that
    holds back launches, terminations or replacements may leave a gap on purpose.
    """
    busy = select(activities.c.group_id).where(activities.c.status.not_in(TERMINAL_VALUES))
    for row in conn.execute(
        select(groups).where(
            groups.c.status == GroupStatus.ACTIVE.value,
            groups.c.id.not_in(busy),
            groups.c.dirty.is_(False),
        )
    ):
        held = (Gate.SCALE_OUT, Gate.SCALE_IN, Gate.REPLACE_UNHEALTHY)
        if any(BY_CLOUD[Cloud(row.cloud)].blocks(gate, row.suspended) for gate in held):
            continue
        states = [s.value for s in COUNTED]
        units = func.coalesce(members.c.weight, 1)  # a weighted group counts in units
        counted, protected, heaviest = conn.execute(
            select(
                func.coalesce(func.sum(units), 0),
                func.coalesce(func.sum(case((members.c.protected, units), else_=0)), 0),
                func.coalesce(func.max(units), 1),
            ).where(members.c.group_id == row.id, members.c.state.in_(states))
        ).one()
        surplus = refresh_surplus(conn, row.id)  # a refresh launching before it terminates
        # the last weighted launch may overshoot by less than its weight
        over = protected + surplus + heaviest - 1
        if not row.desired <= counted <= row.desired + over:
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


# -- members ----------------------------------------------------------------------------------


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
            groups.c.cloud,
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
        processes = BY_CLOUD[Cloud(row.cloud)]
        kept = (
            row.dirty
            or row.status != GroupStatus.ACTIVE.value
            or processes.blocks(Gate.REPLACE_UNHEALTHY, row.suspended)
        )
        if row.healthy and processes.blocks(Gate.MARK_UNHEALTHY, row.suspended):
            continue  # a suspended health check leaves a stopped machine healthy on purpose
        if row.healthy or not kept:
            yield Violation(
                "member-not-running",
                row.instance_id,
                f"InService in group {row.group_id}, machine {row.state}, "
                f"{'healthy' if row.healthy else 'unhealthy and not replaced'}",
            )


def held_members(conn: Connection) -> Iterator[Violation]:
    """A member in a Wait state has an open action for it, at most one per hook."""
    waits = {state.value: transition.value for state, transition in WAITS.items()}
    for row in conn.execute(
        select(members.c.instance_id, members.c.group_id, members.c.state).where(
            members.c.state.in_(list(waits))
        )
    ):
        hooks = list(
            conn.execute(
                select(lifecycle_actions.c.hook_name).where(
                    lifecycle_actions.c.group_id == row.group_id,
                    lifecycle_actions.c.instance_id == row.instance_id,
                    lifecycle_actions.c.transition == waits[row.state],
                    lifecycle_actions.c.result.is_(None),
                )
            ).scalars()
        )
        if not hooks:
            yield Violation("hook-wait", row.instance_id, f"{row.state} with no open action")
        elif len(hooks) != len(set(hooks)):
            yield Violation("hook-wait", row.instance_id, f"two open actions of one hook: {hooks}")


def open_actions(conn: Connection) -> Iterator[Violation]:
    """An open action holds a member in its transition's Wait state, within its global
    deadline; its activity is the one that takes that instance through that transition (the
    transition `held_at` gives its kind and facts: an AWS launch or termination, an ESS removal,
    attach or detach that holds itself), and waits at `wait` due no
    later than the action's deadline (so the runner wakes it in time, on this node or another)."""
    for row in conn.execute(
        select(
            lifecycle_actions,
            members.c.state,
            activities.c.step,
            activities.c.status,
            activities.c.due_at,
            activities.c.kind,
            activities.c.facts,
            activities.c.instance_id.label("activity_instance"),
        )
        .outerjoin(members, members.c.instance_id == lifecycle_actions.c.instance_id)
        .outerjoin(activities, activities.c.id == lifecycle_actions.c.activity_id)
        .where(lifecycle_actions.c.result.is_(None))
    ):
        waiting = {s.value for s, t in WAITS.items() if t == Transition(row.transition)}
        if row.state not in waiting:
            yield Violation(
                "hook-action", row.token, f"instance in {row.state}, not {' or '.join(waiting)}"
            )
        if row.deadline > row.global_deadline:
            yield Violation("hook-action", row.token, "deadline past the global deadline")
        if row.kind is not None and (
            held_at(row.kind, row.facts or {}) != Transition(row.transition)
            or row.activity_instance != row.instance_id
        ):
            yield Violation(
                "hook-action",
                row.token,
                f"{row.transition} action on {row.instance_id} held by a {row.kind} activity "
                f"of {row.activity_instance}",
            )
        if (
            row.step != "wait"
            or row.status in TERMINAL_VALUES
            or row.due_at is None
            or row.due_at > row.deadline
        ):
            yield Violation(
                "hook-action", row.token, f"activity at {row.step} due {row.due_at}, won't wake"
            )


# -- instance refreshes -----------------------------------------------------------------------


def refreshes(conn: Connection) -> Iterator[Violation]:
    """At most one active refresh per group, and each active one due at a time the runner will
    reach (`refresh-stuck` otherwise); an ended one holds nothing above the desired capacity."""
    for row in conn.execute(
        select(instance_refreshes.c.group_id, func.count().label("count"))
        .where(instance_refreshes.c.phase.in_(ACTIVE_REFRESHES))
        .group_by(instance_refreshes.c.group_id)
        .having(func.count() > 1)
    ):
        yield Violation("refresh-active", row.group_id, f"{row.count} active refreshes")
    for row in conn.execute(
        select(instance_refreshes.c.id, instance_refreshes.c.phase).where(
            instance_refreshes.c.phase.in_(ACTIVE_REFRESHES), instance_refreshes.c.due_at.is_(None)
        )
    ):
        yield Violation("refresh-stuck", row.id, f"{row.phase} with nothing to wake it")
    for row in conn.execute(
        select(instance_refreshes.c.id, instance_refreshes.c.progress).where(
            instance_refreshes.c.phase.not_in(ACTIVE_REFRESHES)
        )
    ):
        if (row.progress or {}).get("surplus"):
            yield Violation("refresh-surplus", row.id, "ended holding instances above desired")


def publications(conn: Connection) -> Iterator[Violation]:
    """A group publishes exactly while it has a load model or collects group metrics: a row
    with neither is `publication-orphan`, a collecting group without one `publication-missing`."""
    joined = group_loads.join(groups, groups.c.id == group_loads.c.group_id)
    for published in conn.execute(
        select(groups.c.id, groups.c.metrics, group_loads.c.model).select_from(joined)
    ):
        if published.model is None and not published.metrics:  # JSON null reads as None
            yield Violation(
                "publication-orphan", published.id, "publishes with no model or metrics"
            )
    for row in conn.execute(
        select(groups.c.id, groups.c.metrics).where(
            ~exists().where(group_loads.c.group_id == groups.c.id)
        )
    ):
        if row.metrics:
            yield Violation("publication-missing", row.id, "collects metrics but never publishes")
