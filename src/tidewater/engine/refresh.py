"""Instance refresh: a row per refresh, moved by the runner one pass at a time on the service clock.

A refresh replaces its group's instances in batches (`domain.refresh.batch`) with the ordinary
launch and terminate activities, so lifecycle hooks and connection draining run as for any
other launch or termination. What it has under way lives in its row's `progress`; nothing is
kept in memory, so any node's runner picks it up after a restart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from tidewater.domain import refresh as rules
from tidewater.domain.activity import TERMINAL, Kind, Status, Trigger
from tidewater.domain.group import GroupStatus
from tidewater.domain.instance import Lifecycle, Member, Origin
from tidewater.domain.launch import LaunchSource, TemplateVersion, ref_of, source_of
from tidewater.domain.processes import Gate
from tidewater.domain.refresh import STARTED_BY, Event, Phase, Preferences, Standby
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.gateways.groups import lock_owned
from tidewater.engine.launch_sources import blueprint_of
from tidewater.engine.leaving import Fate, send_off
from tidewater.engine.profile import Record
from tidewater.engine.queries import Page, decode_token, encode_token
from tidewater.engine.records import group_of
from tidewater.store.tables import activities, instance_refreshes

ACTIVE = [p.value for p in rules.ACTIVE]


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """A StartInstanceRefresh in neutral words."""

    strategy: str
    desired: dict[str, Any] | None  # a stored launch source; None: the group's own
    preferences: Preferences


def _active(conn: Connection, group_id: str) -> Any:
    return conn.execute(
        select(instance_refreshes)
        .where(
            instance_refreshes.c.group_id == group_id,
            instance_refreshes.c.phase.in_(ACTIVE),
        )
        .with_for_update()
    ).first()


def _matching_ref(ctx: Context, scope: Scope, source: LaunchSource | None) -> str:
    """The reference a member launched from this source carries: templates by their number."""
    if isinstance(source, TemplateVersion):
        spec = ctx.compute.template(scope, source.id, source.name, source.version)
        return ref_of(dataclasses.replace(source, version=spec.template_version))
    return ref_of(source)


def start(ctx: Context, scope: Scope, group_key: str, request: Request) -> str:
    """Record a refresh (Pending); the runner begins it. One active refresh per group."""
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        row = books.groups.lock(group_key)
        group = group_of(row)
        group.require_active()
        if _active(books.conn, row.id) is not None:
            raise Refusal("refresh.in_progress", group=group_key)
        aimed = source_of(request.desired) if request.desired else group.source
        blueprint_of(books.conn, scope, aimed)  # a configuration since deleted is refused
        match = _matching_ref(ctx, scope, aimed)
        prefs = request.preferences
        todo: list[str] = []
        for member in books.members.of(row.id).values():
            if not _to_replace(member, prefs, match):
                continue
            todo.append(member.instance_id)
        refresh_id = ctx.profile(scope.cloud).new_id(Record.INSTANCE_REFRESH)
        books.conn.execute(
            insert(instance_refreshes).values(
                id=refresh_id,
                group_id=row.id,
                phase=Phase.PENDING.value,
                reason=None,
                strategy=request.strategy,
                preferences=prefs.stored(),
                desired=request.desired,
                previous=row.launch or None,
                progress={
                    "todo": todo,
                    "total": len(todo),
                    "done": 0,
                    "launches": [],
                    "ends": [],
                    "warming": {},
                    "retire": [],
                    "passed": 0,
                    "surplus": 0,
                    "target": request.desired,
                    "replaced": [],
                },
                started_at=now,
                due_at=now,
            )
        )
        return refresh_id


def _to_replace(member: Member, prefs: Preferences, match: str) -> bool:
    if prefs.skip_attached and member.origin is Origin.ATTACHED:
        return False
    if member.state not in (Lifecycle.IN_SERVICE, Lifecycle.STANDBY) and not member.counted:
        return False
    if prefs.skip_matching and member.launch_ref == match:
        return False
    if member.protected and prefs.protected is rules.Protected.IGNORE:
        return False
    return not (member.state is Lifecycle.STANDBY and prefs.standby is Standby.IGNORE)


def _named_active(books: Books, group_key: str, refresh_id: str | None) -> Any:
    """The group's active refresh, which must be the one named when a request names one."""
    row = books.groups.lock(group_key)
    found = _active(books.conn, row.id)
    if found is None or (refresh_id is not None and found.id != refresh_id):
        raise Refusal("refresh.none_active", group=group_key, refresh=refresh_id)
    return found


def cancel(ctx: Context, scope: Scope, group_key: str, refresh_id: str | None = None) -> str:
    """Stop starting replacements; what is under way finishes, then it is Cancelled."""
    with ctx.change(scope) as books:
        found = _named_active(books, group_key, refresh_id)
        if found.phase == Phase.CANCELLING.value:
            raise Refusal("refresh.none_active", group=group_key, refresh=refresh_id)
        phase = rules.move(Phase(found.phase), Event.CANCEL)
        _set(books.conn, found, phase=phase, due_at=ctx.clock.now())
        return str(found.id)


def pause(ctx: Context, scope: Scope, group_key: str, refresh_id: str | None, event: Event) -> str:
    """Suspend (ESS) a running refresh, or resume a paused one."""
    with ctx.change(scope) as books:
        found = _named_active(books, group_key, refresh_id)
        phase = rules.move(Phase(found.phase), event)
        _set(books.conn, found, phase=phase, due_at=ctx.clock.now())
        return str(found.id)


def rollback(ctx: Context, scope: Scope, group_key: str, refresh_id: str | None = None) -> str:
    """Undo what an active refresh replaced, back to the launch source the group had."""
    now = ctx.clock.now()
    undoable = (Phase.PENDING.value, Phase.RUNNING.value, Phase.PAUSED.value)
    with ctx.change(scope) as books:
        found = _named_active(books, group_key, refresh_id)
        if found.phase not in undoable:
            raise Refusal("refresh.none_active", group=group_key, refresh=refresh_id)
        _check_reversible(found)
        _roll_back(books.conn, found, dict(found.progress), now, "manual")
        return str(found.id)


def _check_reversible(found: Any) -> None:
    """AWS undoes a refresh only towards a fixed source, and only one that named its own."""
    if not found.desired:
        raise Refusal("refresh.irreversible_no_desired")
    previous = source_of(found.previous)
    if isinstance(previous, TemplateVersion) and previous.version in (None, "$Latest", "$Default"):
        # a group naming no version launches the default one: as moving as "$Default"
        raise Refusal("refresh.irreversible_version", version=previous.version or "$Default")


def _reversible(found: Any) -> bool:
    try:
        _check_reversible(found)
    except Refusal:
        return False
    return True


def _roll_back(
    conn: Connection, found: Any, progress: dict[str, Any], now: datetime, why: str
) -> None:
    done, total = progress["done"], progress["total"]
    # what this refresh launched goes back: warmed, warming, and (once up) still launching
    replaced = list(progress["replaced"]) + list(progress["warming"])
    left = len(progress["todo"]) + len(progress["retire"])
    left += len(progress["launches"]) + len(progress["warming"])
    progress.update(
        rollback={
            "reason": why,
            "at": now.isoformat(),
            "percentage": rules.percentage(done, total),
            "left": left,
        },
        todo=replaced,
        forward=list(progress["launches"]),
        back_total=len(replaced),
        back_done=0,
        warming={},
        retire=[],
        passed=len(rules.Preferences.of(found.preferences).checkpoints),
        paused_until=None,
        waiting_since=None,
        target=found.previous,
    )
    _set(
        conn,
        found,
        phase=rules.move(Phase(found.phase), Event.ROLLBACK),
        progress=progress,
        reason=None,
        due_at=now,
    )


def _set(conn: Connection, found: Any, **values: Any) -> None:
    if isinstance(values.get("phase"), Phase):
        values["phase"] = values["phase"].value
    conn.execute(
        update(instance_refreshes).where(instance_refreshes.c.seq == found.seq).values(**values)
    )


def page(
    ctx: Context,
    scope: Scope,
    group_key: str,
    ids: Sequence[str] | None,
    token: str | None,
    size: int,
) -> Page:
    """A group's refreshes, newest first, one keyset page at a time."""
    after = decode_token(token)
    with ctx.read(scope) as books:
        row = books.groups.find(group_key)
        query = select(instance_refreshes).where(instance_refreshes.c.group_id == row.id)
        if ids:
            query = query.where(instance_refreshes.c.id.in_(list(ids)))
        if after is not None:
            if not after.isdigit():
                raise Refusal("token.invalid", token=token)
            query = query.where(instance_refreshes.c.seq < int(after))
        found = list(
            books.conn.execute(query.order_by(instance_refreshes.c.seq.desc()).limit(size + 1))
        )
        total = books.conn.execute(
            select(func.count())
            .select_from(instance_refreshes)
            .where(instance_refreshes.c.group_id == row.id)
        ).scalar_one()
    more = len(found) > size
    found = found[:size]
    token = encode_token(found[-1].seq) if more else None
    return Page(found, token, {"group": row, "total": int(total)})


def surplus(conn: Connection, group_id: str) -> int:
    """How many instances above the desired capacity an active refresh holds for a while."""
    found = conn.execute(
        select(instance_refreshes.c.progress).where(
            instance_refreshes.c.group_id == group_id,
            instance_refreshes.c.phase.in_(ACTIVE),
        )
    ).first()
    return int(found.progress.get("surplus", 0)) if found is not None else 0


# The refreshes due at the service time `now` (the runner's TIMED table runs it)
DUE = (
    select(instance_refreshes.c.id)
    .where(
        instance_refreshes.c.phase.in_(ACTIVE),
        or_(instance_refreshes.c.due_at.is_(None), instance_refreshes.c.due_at <= bindparam("now")),
    )
    .order_by(instance_refreshes.c.seq)
    .limit(50)
)


def advance(ctx: Context, refresh_id: str) -> bool:
    """One pass over one refresh under its group's lock; returns whether it moved."""
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        locked = lock_owned(conn, instance_refreshes, instance_refreshes.c.id == refresh_id)
        if locked is None:
            return False
        grow, found = locked
        if found.phase not in ACTIVE:
            return False
        scope = Scope(grow.account, grow.region, Cloud(grow.cloud))
        before = (found.phase, found.reason, found.progress)
        _Pass(ctx, ctx.books(conn, scope), grow, found, now).run()
        after = conn.execute(
            select(
                instance_refreshes.c.phase,
                instance_refreshes.c.reason,
                instance_refreshes.c.progress,
            ).where(instance_refreshes.c.seq == found.seq)
        ).one()
        moved = tuple(after) != before
        if moved:
            ctx.db.notify(conn)
        return moved


class _Pass:
    """What one pass over a refresh does: collect, wait, pause at checkpoints, or move a batch."""

    def __init__(self, ctx: Context, books: Books, grow: Any, found: Any, now: datetime) -> None:
        self.ctx, self.books, self.grow, self.found, self.now = ctx, books, grow, found, now
        self.conn = books.conn
        self.group = group_of(grow)
        self.prefs = Preferences.of(found.preferences)
        self.progress: dict[str, Any] = {**found.progress}
        self.phase = Phase(found.phase)
        self.members = books.members.of(grow.id)

    def save(
        self, *, reason: str | None = None, due_at: datetime | None = None, **values: Any
    ) -> None:
        _set(
            self.conn,
            self.found,
            phase=self.phase,
            progress=self.progress,
            reason=reason,
            due_at=due_at or self.now,
            **values,
        )

    def run(self) -> None:
        if self.phase is Phase.PENDING:
            self.phase = rules.move(self.phase, Event.BEGIN)
        if self.group.status is GroupStatus.DELETING and self.phase is not Phase.CANCELLING:
            self.phase = rules.move(self.phase, Event.CANCEL)  # its group is going away
        failed = self.collect()
        self.warm()
        busy = bool(self.progress["launches"] or self.progress["ends"])
        if self.phase is Phase.CANCELLING:
            if busy:
                return self.save(reason="cancelling")
            self.phase = rules.move(self.phase, Event.STOPPED)
            self.progress["surplus"] = 0
            return self.save(ended_at=self.now, due_at=self.now)
        if failed is not None:
            return self.fail(failed)
        if self.phase is Phase.PAUSED:  # what was under way is taken in; nothing new starts
            return self.save(reason="paused")
        # which suspended processes hold a refresh is the cloud's Gate.REFRESH row
        held = self.group.processes.holding(Gate.REFRESH, sorted(self.group.suspended))
        if held:  # what is under way finishes; no new batch starts until they are resumed
            self.progress["why"] = {"process": held}
            return self.save(reason="suspended")
        if busy:
            return self.save(reason="replacing")
        if self.progress["warming"]:
            first = min(self.progress["warming"].items(), key=lambda kv: kv[1])
            return self._warming(first)
        if self.progress["retire"]:
            return self.retire()
        paused = self.progress.get("paused_until")
        if paused and datetime.fromisoformat(paused) > self.now:
            return self.save(reason="checkpoint", due_at=datetime.fromisoformat(paused))
        self.progress["paused_until"] = None
        reached = rules.checkpoints_reached(
            self.prefs, self.progress["done"], self.progress["total"]
        )
        if self.phase is Phase.RUNNING and reached > self.progress["passed"]:
            self.progress["passed"] = reached
            if rules.partial(self.prefs) and reached == len(self.prefs.checkpoints):
                return self.succeed()  # the last checkpoint is as far as it goes
            until = self.now + timedelta(seconds=self.prefs.delay)
            self.progress["paused_until"] = until.isoformat()
            return self.save(reason="checkpoint", due_at=until)
        # an instance that left, or is leaving, by other means needs no replacing
        todo = [i for i in self.progress["todo"] if self._staying(i)]
        self.progress["todo"] = todo
        if not todo:
            return self.succeed()
        self.replace(todo)

    def _staying(self, instance_id: str) -> bool:
        member = self.members.get(instance_id)
        return member is not None and (member.counted or member.state is Lifecycle.STANDBY)

    def _warming(self, first: tuple[str, str]) -> None:
        self.progress["why"] = {"instance": first[0]}
        self.save(reason="warming", due_at=datetime.fromisoformat(first[1]))

    def collect(self) -> str | None:
        """Take in what ended since the last pass; a replacement that failed fails the refresh."""
        ids = self.progress["launches"] + self.progress["ends"]
        if not ids:
            return None
        rows = {
            r.id: r
            for r in self.conn.execute(
                select(activities.c.id, activities.c.status, activities.c.instance_id).where(
                    activities.c.id.in_(ids)
                )
            )
        }
        failed = None
        warmup = self.warmup()
        still: list[str] = []
        for activity_id in self.progress["launches"]:
            r = rows.get(activity_id)
            if r is None or Status(r.status) not in TERMINAL:
                still.append(activity_id)
            elif (
                r.status == Status.SUCCESSFUL.value and r.instance_id and self.forward(activity_id)
            ):
                self.progress["todo"].append(r.instance_id)  # launched before the rollback
                self.progress["back_total"] += 1
            elif r.status == Status.SUCCESSFUL.value and r.instance_id:
                until = self.now + timedelta(seconds=warmup)
                self.progress["warming"][r.instance_id] = until.isoformat()
            else:
                failed = failed or activity_id
        self.progress["launches"] = still
        self.progress["ends"] = [
            a for a in self.progress["ends"] if a in rows and Status(rows[a].status) not in TERMINAL
        ]
        return failed

    def forward(self, activity_id: str) -> bool:
        """A replacement the refresh started before it was rolled back."""
        return self.phase is Phase.ROLLING_BACK and activity_id in self.progress.get("forward", ())

    def warmup(self) -> int:
        """InstanceWarmup, else the group's DefaultInstanceWarmup, else its grace period."""
        if self.prefs.warmup is not None:
            return self.prefs.warmup
        default = (self.grow.settings or {}).get("DefaultInstanceWarmup")
        if default is not None and default >= 0:
            return int(default)
        return int(self.grow.health_check_grace or 0)

    def warm(self) -> None:
        """Replacements whose warm-up is over count as done, if they still serve."""
        warming: dict[str, str] = self.progress["warming"]
        for instance_id, until in list(warming.items()):
            if datetime.fromisoformat(until) > self.now:
                continue
            del warming[instance_id]
            member = self.members.get(instance_id)
            if member is None or member.state is not Lifecycle.IN_SERVICE:
                continue
            if self.phase is Phase.ROLLING_BACK:
                self.progress["back_done"] = self.progress.get("back_done", 0) + 1
            else:
                self.progress["done"] += 1
                self.progress["replaced"].append(instance_id)

    def fail(self, activity_id: str) -> None:
        self.progress["surplus"] = 0
        self.progress["why"] = {"activity": activity_id}
        if self.phase is Phase.RUNNING and self.prefs.auto_rollback and _reversible(self.found):
            _roll_back(self.conn, self.found, self.progress, self.now, "auto")
            return
        self.phase = rules.move(self.phase, Event.FAIL)
        self.save(reason="launch_failed", ended_at=self.now)

    def succeed(self) -> None:
        self.progress["surplus"] = 0
        target = self.progress.get("target")
        if target:
            self.books.groups.change(self.grow.id, launch=target, dirty=True)
        self.phase = rules.move(self.phase, Event.FINISH)
        self.save(ended_at=self.now)

    def retire(self) -> None:
        """Launch-before-terminate: the old instances go once their replacements warmed up."""
        for instance_id in self.progress["retire"]:
            member = self.members.get(instance_id)
            if member is not None and member.counted:
                self.end(member)
        self.progress["retire"] = []
        self.progress["surplus"] = 0
        self.save(reason="replacing")

    def end(self, member: Member) -> None:
        facts = {"at": self.now.isoformat(), "trigger": Trigger.REFRESH, STARTED_BY: self.found.id}
        made = send_off(self.books, self.grow, member, Fate.TERMINATE, self.now, facts)
        self.progress["ends"].append(made["id"])

    def launch(self, like: Member) -> None:
        made = self.books.activities.add(
            self.grow,
            Kind.LAUNCH,
            self.now,
            zone=like.zone,
            subnet_id=like.subnet_id,
            step="launch",
            facts={
                "at": self.now.isoformat(),
                "trigger": Trigger.REFRESH,
                STARTED_BY: self.found.id,
                "source": self.progress.get("target"),
            },
        )
        self.progress["launches"].append(made["id"])

    def replace(self, todo: list[str]) -> None:
        members = [self.members[i] for i in todo]
        standby = [m for m in members if m.state is Lifecycle.STANDBY]
        if self.prefs.standby is Standby.TERMINATE:
            for member in standby:  # out of service already: ended, not replaced
                self.end(member)
                self.progress["todo"].remove(member.instance_id)
                self.count_done()
            standby = []
        ready = [
            m
            for m in members
            if m.state is Lifecycle.IN_SERVICE
            and (not m.protected or self.prefs.protected is rules.Protected.REFRESH)
        ]
        if not ready:
            if self.progress["ends"]:
                return self.save(reason="replacing")
            return self.wait_for(members)
        self.progress["waiting_since"] = None
        healthy = sum(1 for m in self.members.values() if m.counted and m.healthy)
        room = ready
        if self.phase is Phase.RUNNING:
            left = rules.share_before(
                self.prefs, self.progress["done"], self.progress["total"], self.progress["passed"]
            )
            room = ready[: max(1, left)]
        step = rules.batch(self.group.desired, healthy, len(room), self.prefs)
        for member in room[: step.end]:
            self.end(member)
            self.launch(member)
        for member in room[step.end : step.launch]:
            self.launch(member)
            self.progress["retire"].append(member.instance_id)
        self.progress["surplus"] = step.launch - step.end
        moved = {m.instance_id for m in room[: step.launch]}
        self.progress["todo"] = [i for i in self.progress["todo"] if i not in moved]
        self.save(reason="replacing")

    def count_done(self) -> None:
        if self.phase is Phase.ROLLING_BACK:
            self.progress["back_done"] = self.progress.get("back_done", 0) + 1
        else:
            self.progress["done"] += 1

    def wait_for(self, members: list[Member]) -> None:
        """Protected or Standby instances hold the refresh for an hour, then it fails."""
        since = self.progress.get("waiting_since") or self.now.isoformat()
        self.progress["waiting_since"] = since
        held = members[0]
        waiting = "waiting_protected" if held.protected else "waiting_standby"
        self.progress["why"] = {"instance": held.instance_id}
        if self.now - datetime.fromisoformat(since) >= timedelta(seconds=rules.WAIT_LIMIT):
            self.progress["surplus"] = 0
            self.phase = rules.move(self.phase, Event.FAIL)
            return self.save(reason=waiting + "_expired", ended_at=self.now)
        self.save(reason=waiting)


def view(found: Any) -> dict[str, Any]:
    """A refresh's figures in neutral words, for a dialect to name."""
    progress = found.progress
    phase = Phase(found.phase)
    done, total = progress["done"], progress["total"]
    left = len(progress["todo"]) + len(progress["retire"]) + len(progress["launches"])
    left += len(progress["warming"])
    percentage = rules.percentage(done, total)
    back = progress.get("rollback")
    if back is not None:
        back_total = progress.get("back_total") or 0
        back_done = progress.get("back_done") or 0
        share = 1 - (back_done / back_total if back_total else 1)
        if phase is not Phase.ROLLING_BACK:
            share = 0 if phase is Phase.ROLLBACK_SUCCESSFUL else share
        percentage = int(back["percentage"] * share)
        left = back["left"]
    if phase is Phase.SUCCESSFUL and not rules.partial(rules.Preferences.of(found.preferences)):
        percentage, left = 100, 0
    return {
        "phase": phase,
        "percentage": percentage,
        "left": max(0, min(left, total) if back is None else left),
        "rollback": back,
        "why": progress.get("why") or {},
    }
