"""The reconciler owns capacity: it turns the gap between desired and actual into activities."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from tidewater.domain import capacity
from tidewater.domain.activity import TERMINAL, Kind, Status, Trigger
from tidewater.domain.group import Group, GroupStatus
from tidewater.domain.instance import ARRIVING, Lifecycle, Member
from tidewater.domain.instance import WARM as WARM_STATES
from tidewater.domain.processes import BY_CLOUD, Gate
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import lifecycle_hooks, refresh, warm_pools
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.groups import remove
from tidewater.engine.leaving import Fate, fate_of, send_off
from tidewater.engine.records import date_launches, group_of
from tidewater.engine.steps import close_parent
from tidewater.engine.steps.warm import WARM
from tidewater.store.tables import activities, groups, members

BATCH = 50  # dirty groups looked at per runner pass
STEP_BATCH = 100  # instances one pass over one group may start or end


# Groups a pass must look at (built once: the runner asks on every pass)
_DIRTY = (
    select(groups.c.id)
    .where(groups.c.dirty, or_(groups.c.retry_at.is_(None), groups.c.retry_at <= bindparam("now")))
    .order_by(groups.c.seq)
    .limit(BATCH)
)


def dirty(ctx: Context, now: datetime) -> list[str]:
    with ctx.db.read() as conn:
        return list(conn.execute(_DIRTY, {"now": now}).scalars())


def reconcile(ctx: Context, group_id: str) -> None:
    """One bounded pass over one group: at most STEP_BATCH instances start or end.

    A group whose gap is wider stays dirty and the next pass continues, so the group's lock is
    held for one batch's writes only and other groups' passes run in between.
    """
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        row = conn.execute(select(groups).where(groups.c.id == group_id).with_for_update()).first()
        if row is None or not row.dirty:
            return
        scope = Scope(row.account, row.region, Cloud(row.cloud))
        books = ctx.books(conn, scope)
        current = books.members.of(group_id)
        date_launches(conn, scope, current.values())
        group = group_of(row)
        if (
            group.status is GroupStatus.DELETING
            and not current
            and not books.activities.busy(group_id)
        ):
            remove(ctx, conn, scope, group_id)
            return
        launches = conn.execute(
            select(activities.c.zone, activities.c.instance_id, activities.c.facts).where(
                activities.c.group_id == group_id,
                activities.c.kind == Kind.LAUNCH.value,
                activities.c.status.not_in([s.value for s in TERMINAL]),
            )
        ).all()
        # launches into the warm pool are the pool's; the rest are the group's capacity
        waiting = [a for a in launches if a.instance_id is None and not a.facts.get(WARM)]
        warming = sum(1 for a in launches if a.instance_id is None and a.facts.get(WARM))
        pending = [a.zone for a in waiting]
        pending_units = sum(a.facts.get("units", 1) for a in waiting)
        rebalancing = any(a.facts.get("trigger") == Trigger.REBALANCE for a in launches)
        plan = capacity.plan(
            group,
            list(current.values()),
            pending,
            now,
            rebalancing,
            batch=STEP_BATCH,
            room=_room(ctx, scope, conn, pending),
            allowance=refresh.surplus(conn, group_id),
            pending_units=pending_units,
        )
        # capacity in units: a member's weight where the group weighs instance types, else one
        actual = sum(m.units for m in current.values() if m.counted) + pending_units
        unit = group.launch_units
        trigger = row.trigger
        for member in plan.replace_unhealthy:
            # an unhealthy member is ended whoever owns it (today's behaviour on both clouds)
            unhealthy = Trigger.UNHEALTHY
            after = actual - member.units
            _terminate(books, row, member, Fate.TERMINATE, now, unhealthy, actual, after)
            actual = after
        # the capacity the change aims at, however many passes it takes to get there
        after_launch = max(actual + unit * len(plan.launch_zones), plan.goal if plan.more else 0)
        ending = sum(m.units for m in plan.terminate)
        after_end = plan.goal if plan.more and plan.terminate else actual - ending
        # An ESS request (ExecuteScalingRule, ScaleWithAdjustment) answered with an activity
        # id before this pass ran; its launches and terminations belong under that activity.
        parent: str | None = (trigger or {}).get("activity")
        continuing = bool((trigger or {}).get("batched"))
        if (
            parent is None
            and group.rules.batched_activities
            and (plan.launch_zones or plan.terminate)
        ):
            parent = books.activities.add(
                row,
                Kind.SCALE,
                now,
                runs=False,
                facts={
                    "at": now.isoformat(),
                    "trigger": Trigger.DELETE
                    if group.status is GroupStatus.DELETING
                    else Trigger.CAPACITY,
                    "from": actual,
                    "to": after_launch - ending if plan.launch_zones else after_end,
                    "change": trigger,
                },
            )["id"]
        elif parent is not None and not (plan.launch_zones or plan.terminate) and not continuing:
            failure = _held_back(group, actual) or {"reason": "capacity.unchanged"}
            facts = conn.execute(
                select(activities.c.facts).where(activities.c.id == parent)
            ).scalar_one()
            conn.execute(
                update(activities)
                .where(activities.c.id == parent)
                .values(
                    status=Status.REJECTED.value,
                    progress=100,
                    step="done",
                    ended_at=now,
                    facts={**facts, "failure": failure},
                )
            )
            if "process" in failure and not group.rules.tracks_desired:
                # a group that keeps no desired capacity forgets the rejected change
                kept = min(max(actual, group.min_size), group.max_size)
                conn.execute(update(groups).where(groups.c.id == group_id).values(desired=kept))
        subnets = _SubnetChooser(ctx, scope, row, conn)
        pool = warm_pools.ready(list(current.values()))
        for zone in plan.launch_zones:
            launch_facts = {
                "at": now.isoformat(),
                "trigger": Trigger.REBALANCE if plan.rebalance else Trigger.CAPACITY,
                "from": actual,
                "to": after_launch,
                "change": trigger,
            }
            drawn = None if plan.rebalance else warm_pools.take(pool, zone)
            if drawn is not None:  # a scale-out draws on the warm pool first
                warm_pools.draw(books, row, drawn, now, launch_facts, parent)
                continue
            books.activities.add(
                row,
                Kind.LAUNCH,
                now,
                zone=zone,
                subnet_id=subnets.choose(zone),
                step="launch",
                parent_id=parent,
                facts={
                    **launch_facts,
                    **({"units": unit} if unit != 1 else {}),
                    **(trigger or {}).get("hooks", {}),  # the request's hook switches (ESS)
                },
            )
        why = Trigger.DELETE if group.status is GroupStatus.DELETING else Trigger.CAPACITY
        # scale-in ends what the group owns; ESS hands back what a user attached without
        # entrusting it to the group
        lent = Fate.HAND_BACK if group.rules.release_removed else Fate.TERMINATE
        owned = warm_pools.reuse_fate(group) or Fate.TERMINATE  # ReuseOnScaleIn keeps them
        for member in plan.terminate:
            fate = fate_of(member, owned, lent)
            _terminate(books, row, member, fate, now, why, actual, after_end, trigger, parent)
        if group.warm_pool is not None or any(m.state in WARM_STATES for m in current.values()):
            warm_pools.tend(books, row, group, list(current.values()), warming, now, subnets.choose)
        if plan.more:
            # the next pass continues this change, under the same request activity (ESS)
            later = dict(trigger or {})
            if parent is not None:
                later.update(activity=parent, batched=True)
            conn.execute(
                update(groups)
                .where(groups.c.id == group_id)
                .values(dirty=True, retry_at=None, trigger=later or None)
            )
            return
        conn.execute(
            update(groups)
            .where(groups.c.id == group_id)
            .values(dirty=False, retry_at=None, trigger=None)
        )
        if continuing and parent is not None:
            close_parent(conn, parent, now)  # its last batch may already have finished


def _held_back(group: Group, actual: int) -> dict[str, Any] | None:
    """Why a request's change was rejected, when a suspended process held it back (ESS)."""
    gate = Gate.SCALE_OUT if actual < group.desired else Gate.SCALE_IN
    process = group.processes.holding(gate, group.suspended) if actual != group.desired else None
    return None if process is None else {"reason": "process.suspended", "process": process}


def _room(ctx: Context, scope: Scope, conn: Connection, pending: list[str]) -> int | None:
    """How many more launches the account's instance limit allows this group now.

    With no room and nothing of its own under way, one launch goes ahead: it fails with the
    cloud's instance-limit message and the group retries later, as the cloud would show it.
    """
    limit = ctx.limits(scope.cloud).instances
    if limit is None:
        return None
    room = limit - ctx.compute.in_use(scope, within=conn) - len(pending)
    if room <= 0:
        return 0 if pending else 1
    return room


def _terminate(
    books: Books,
    row: Any,
    member: Member,
    fate: Fate,
    now: datetime,
    why: Trigger,
    before: int,
    after: int,
    change: Any = None,
    parent: str | None = None,
) -> None:
    facts = {"at": now.isoformat(), "trigger": why, "from": before, "to": after, "change": change}
    facts.update((change or {}).get("hooks", {}))  # the request's hook switches (ESS)
    send_off(books, row, member, fate, now, facts, parent_id=parent)


class _SubnetChooser:
    """Spread launches over the group's subnets in a zone; default subnet when it names none.

    Built once per pass, read on its first launch: the subnets and their use are read once,
    not once per launch, and not at all by a pass that launches nothing.
    """

    def __init__(self, ctx: Context, scope: Scope, row: Any, conn: Connection) -> None:
        self.ctx, self.scope, self.row, self.conn = ctx, scope, row, conn
        self.by_zone: dict[str, list[str]] | None = None
        self.named: list[str] = list(row.subnets or ())
        self.used: Counter[str] = Counter()

    def _read(self) -> dict[str, list[str]]:
        by_zone: dict[str, list[str]] = {}
        for subnet in self.ctx.compute.subnets(self.scope):
            by_zone.setdefault(subnet.zone, []).append(subnet.id)
        self.used.update(
            self.conn.execute(
                select(members.c.subnet_id).where(members.c.group_id == self.row.id)
            ).scalars()
        )
        return by_zone

    def choose(self, zone: str) -> str:
        if self.by_zone is None:
            self.by_zone = self._read()
        choices = self.by_zone.get(zone, [])
        if self.named:
            known = set(choices)
            choices = [s for s in self.named if s in known] or choices
        if len(choices) == 1:
            return choices[0]
        chosen = min(choices, key=lambda s: (self.used[s], choices.index(s)))
        self.used[chosen] += 1
        return chosen


def observe(ctx: Context, machine_ids: list[str]) -> None:
    """Members whose machine left `running` behind our back are unhealthy; their group must look.

    What was seen and the note that it was seen commit together: a crash or a busy group
    before that leaves the machines unobserved, and the next pass looks again.
    """
    if not machine_ids:
        return
    scope_rows: dict[str, Any] = {}
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(
                members.c.instance_id,
                members.c.group_id,
                members.c.state,
                groups.c.account,
                groups.c.region,
                groups.c.cloud,
                groups.c.suspended,
            )
            .join(groups, groups.c.id == members.c.group_id)
            .where(
                members.c.instance_id.in_(machine_ids),
                members.c.state.in_(
                    [
                        Lifecycle.IN_SERVICE.value,
                        *(s.value for s in ARRIVING),
                        Lifecycle.STANDBY.value,
                    ]
                ),
            )
        ).all()
        for r in rows:
            # a suspended health check marks no one unhealthy (the next look after it resumes
            # does: engine/groups.py set_processes)
            if not BY_CLOUD[Cloud(r.cloud)].blocks(Gate.MARK_UNHEALTHY, r.suspended):
                scope_rows[r.instance_id] = r
    by_scope: dict[Scope, list[str]] = {}
    for r in scope_rows.values():
        by_scope.setdefault(Scope(r.account, r.region, Cloud(r.cloud)), []).append(r.instance_id)
    sick = [
        machine.id
        for scope, ids in by_scope.items()
        for machine in ctx.compute.machines(scope, ids).values()
        if not machine.up
    ]
    with ctx.db.write() as conn:
        if sick:
            sick_groups = sorted({scope_rows[i].group_id for i in sick})
            # groups first, in id order: the lock order every command and step keeps
            conn.execute(
                select(groups.c.id)
                .where(groups.c.id.in_(sick_groups))
                .order_by(groups.c.id)
                .with_for_update()
            )
            # a launch hook's wait on a machine that went away is abandoned at once (its launch
            # then ends the member and the group launches another); the rest are unhealthy
            held = [i for i in sick if scope_rows[i].state == Lifecycle.PENDING_WAIT.value]
            abandoned = lifecycle_hooks.abandon_waits(conn, held, ctx.clock.now())
            conn.execute(
                update(members)
                .where(
                    members.c.instance_id.in_([i for i in sick if i not in abandoned]),
                    members.c.state != Lifecycle.STANDBY.value,
                )
                .values(healthy=False)
            )
            conn.execute(update(groups).where(groups.c.id.in_(sick_groups)).values(dirty=True))
        ctx.compute.observed(machine_ids, within=conn)
