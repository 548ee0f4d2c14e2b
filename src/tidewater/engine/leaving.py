"""Instances leaving a group, or its service, by one command read from one table of requests.

Each request a dialect answers — AWS DetachInstances, EnterStandby, ExitStandby and
TerminateInstanceInAutoScalingGroup; ESS RemoveInstances and DetachInstances — is a `Leave` row:
which states may go, what a member in another state means, how the minimum is kept, whether the
desired capacity follows, and what becomes of each machine (its `Fate`, a path of steps). Where the
clouds differ for every request, the group's `Rules` say so (one activity per request, groups that
do not track their desired capacity, hand-back of attached instances on scale-in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from tidewater.cloud.ports import Target
from tidewater.domain import group as rules
from tidewater.domain.activity import Kind, Status, Trigger
from tidewater.domain.group import Group
from tidewater.domain.instance import COUNTED, Lifecycle, Member, Origin
from tidewater.domain.lifecycle_hook import HOLD, Transition
from tidewater.domain.processes import Gate
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.attachments import check_usable
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.settled import needs_look
from tidewater.engine.steps import PATHS
from tidewater.engine.steps.warm import WARM


class Fate(StrEnum):
    """What becomes of a machine once its member has left traffic."""

    HAND_BACK = "hand_back"  # untagged and left running, outside the group
    TERMINATE = "terminate"  # ended at once
    RELEASE = "release"  # stopped, then ended (ESS)
    RECYCLE = "recycle"  # stopped and kept for the group to start again (ESS)
    REST = "rest"  # kept by the group, out of service (standby)
    RETURN = "return"  # back into service from standby
    WARM = "warm"  # back to the group's warm pool, stopped (AWS ReuseOnScaleIn)
    WARM_RUNNING = "warm_running"  # ... to a pool that keeps its instances running
    DROP = "drop"  # a warm pool's instance ended: the pool is bigger than it should be


@dataclass(frozen=True, slots=True)
class Course:
    """How a fate is carried out: the activity it is recorded as, the member's state meanwhile,
    and its own steps when they are not its activity kind's."""

    kind: Kind
    state: Lifecycle
    path: str | None = None  # a name in the one path table (steps.PATHS)
    warm: str | None = None  # how it moves with the warm pool, for the activity's words
    hold: Transition | None = None  # the hooks its own path pauses for, where it has one


COURSES: dict[Fate, Course] = {
    Fate.HAND_BACK: Course(Kind.DETACH, Lifecycle.DETACHING),
    Fate.TERMINATE: Course(Kind.TERMINATE, Lifecycle.TERMINATING),
    Fate.RELEASE: Course(Kind.TERMINATE, Lifecycle.TERMINATING, "release"),
    Fate.RECYCLE: Course(Kind.DETACH, Lifecycle.DETACHING, "recycle"),
    Fate.REST: Course(Kind.ENTER_STANDBY, Lifecycle.ENTERING_STANDBY),
    Fate.RETURN: Course(Kind.EXIT_STANDBY, Lifecycle.PENDING),
    # entering the pool is a launch of it, as a launch hook sees it (inferred for reuse)
    Fate.WARM: Course(
        Kind.TERMINATE, Lifecycle.WARMED_PENDING, "rewarm", "back", Transition.LAUNCHING
    ),
    Fate.WARM_RUNNING: Course(
        Kind.TERMINATE, Lifecycle.WARMED_PENDING, "rewarm_running", "back", Transition.LAUNCHING
    ),
    Fate.DROP: Course(
        Kind.TERMINATE, Lifecycle.WARMED_TERMINATING, "drop", "drop", Transition.TERMINATING
    ),
}


class Floor(StrEnum):
    """What MinSize bounds when instances leave."""

    DESIRED = "desired"  # AWS: the desired capacity, when the request lowers it
    MEMBERS = "members"  # ESS: the instances left in the group, always


@dataclass(frozen=True, slots=True)
class Leave:
    """One kind of request that takes instances out of a group or out of service."""

    kind: Kind  # the request's own activity, where its group records one per request
    limit: int
    allowed: tuple[Lifecycle, ...]
    owned: Fate  # for members the group owns: launched, or attached and entrusted to it
    foreign: Fate  # for attached members the group was not entrusted with
    bad_state: str = "instance.bad_state"  # ESS: a member in another state is not a member
    floor: Floor = Floor.DESIRED
    grows: bool = False  # exit standby adds to desired; the others may take away
    usable_targets: bool = False  # ESS: balancers and DB whitelists must take the change first
    named_by_instances: bool = False  # AWS terminate: the instances say which group they are in
    tally: bool = False  # the request's activity counts what left, by origin, and what was ignored
    status: Status = Status.IN_PROGRESS
    progress: int = 0
    gate: Gate | None = None  # the decision a suspended process may hold back

    def fate_of(self, member: Member) -> Fate:
        return fate_of(member, self.owned, self.foreign)


def fate_of(member: Member, owned: Fate, foreign: Fate) -> Fate:
    """A group decides the fate of what it launched or was entrusted with; the rest is lent."""
    return owned if member.origin is Origin.LAUNCHED or member.entrusted else foreign


DETACH = Leave(
    Kind.DETACH,
    20,
    (Lifecycle.IN_SERVICE, Lifecycle.STANDBY),
    Fate.HAND_BACK,
    Fate.HAND_BACK,
    progress=50,
)
ENTER_STANDBY = Leave(
    Kind.ENTER_STANDBY,
    20,
    (Lifecycle.IN_SERVICE,),
    Fate.REST,
    Fate.REST,
    progress=50,
)
EXIT_STANDBY = Leave(
    Kind.EXIT_STANDBY,
    20,
    (Lifecycle.STANDBY,),
    Fate.RETURN,
    Fate.RETURN,
    grows=True,
    status=Status.PRE_IN_SERVICE,
    progress=30,
    gate=Gate.RETURN,
)
TERMINATE = Leave(
    Kind.TERMINATE,
    100,
    (Lifecycle.IN_SERVICE, Lifecycle.STANDBY, Lifecycle.PENDING),
    Fate.TERMINATE,
    Fate.TERMINATE,
    named_by_instances=True,
)
# ESS RemoveInstances: ends what the group owns (RemovePolicy release) and hands back the rest
REMOVE = Leave(
    Kind.REMOVE,
    20,
    (Lifecycle.IN_SERVICE, Lifecycle.STANDBY),
    Fate.RELEASE,
    Fate.HAND_BACK,
    bad_state="instance.not_member",
    floor=Floor.MEMBERS,
    usable_targets=True,
    tally=True,
    gate=Gate.REMOVE,
)
# RemovePolicy recycle: what the group owns is stopped and kept
REMOVE_TO_RECYCLE = replace(REMOVE, owned=Fate.RECYCLE)
# ESS DetachInstances: every instance is handed back, running
HAND_BACK = replace(REMOVE, kind=Kind.DETACH, owned=Fate.HAND_BACK, gate=None)

STAYING = (*COUNTED, Lifecycle.STANDBY)  # the members a group counts before some leave
NOTHING_REMOVED = "instances.none_removed"  # the failure of a request whose every id was ignored


def leave(
    ctx: Context,
    scope: Scope,
    key: str | None,
    ids: Sequence[str],
    how: Leave,
    *,
    decrement: bool = False,
    ignore_invalid: bool = False,
    client_token: str | None = None,
    hooks: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Refuse the whole request, or move every member it names and record why, in one write.

    `hooks` are facts by which a request says which lifecycle hooks hold it (ESS: HOLD, IGNORED).

    Returns the request's activity where its group records one per request, else one activity
    per instance. A retry with an earlier request's ClientToken gets that request's activity.
    """
    ids = list(dict.fromkeys(ids))
    now = ctx.clock.now()

    def body(books: Books) -> list[dict[str, Any]]:
        name = key
        if how.named_by_instances:
            rules.check_batch(ids, how.limit)
            name = _owning_group(books, ids, key)
        assert name is not None, "every other request names its group"
        # the group's lock first: a retry queued behind its original then finds its activity
        row, group = books.hold(name)
        answered = books.activities.by_token(client_token)
        if answered is not None:
            return [answered]
        books.admit(group, name)
        if how.gate is not None:
            group.require(how.gate)
        current = books.members.named(group.id, ids)
        rules.check_batch(ids, how.limit)
        if how.usable_targets:
            targets = [Target(t["kind"], t["ref"]) for t in row.targets]
            check_usable(ctx, scope, targets, within=books.conn)
        if how.owned is Fate.RECYCLE and row.settings.get("ScalingPolicy") != "recycle":
            raise Refusal("remove_policy.unsupported", group=name, policy=how.owned.value)
        chosen, ignored = _chosen(how, group, current, ids, ignore_invalid)
        # only ESS keeps its minimum on the members left, and counts them in its activity
        counts = how.floor is Floor.MEMBERS or how.tally
        total = books.members.count(group.id, STAYING) if counts else 0
        before, after = _capacity(how, group, total, chosen, decrement)
        books.groups.change(group.id, desired=after)
        facts: dict[str, Any] = {
            "at": now.isoformat(),
            "trigger": Trigger.USER,
            "decrement": decrement,
            "from": before,
            "to": after,
            "instances": [m.instance_id for m in chosen],
            **(hooks or {}),
        }
        if how.tally:
            facts.update(
                total_before=total,
                ignored=ignored,
                policy=how.owned.value,
                attached=sum(1 for m in chosen if m.origin is Origin.ATTACHED),
                auto_created=sum(1 for m in chosen if m.origin is Origin.LAUNCHED),
            )
        parent = books.request(row, group, how.kind, now, facts, client_token)
        if parent is not None and not chosen:
            parent = books.activities.end(parent, now, Status.WARNING, {"reason": NOTHING_REMOVED})
        made = [
            send_off(
                books,
                row,
                m,
                how.fate_of(m),
                now,
                facts,
                parent_id=parent["id"] if parent else None,
                status=how.status,
                progress=how.progress,
            )
            for m in chosen
        ]
        if needs_look(books.conn, group.id):  # e.g. no decrement: the group launches another
            books.groups.change(group.id, dirty=True)
        return [parent] if parent else made

    # a retry of a request still in flight waits for it under the group's lock, so a ClientToken
    # goes straight to the write; anything else is refused without it when it can be
    return ctx.attempt(scope, body, rehearse=client_token is None)


def send_off(
    books: Books,
    row: Any,
    member: Member,
    fate: Fate,
    now: Any,
    facts: dict[str, Any],
    *,
    parent_id: str | None = None,
    status: Status = Status.IN_PROGRESS,
    progress: int = 0,
) -> dict[str, Any]:
    """Start a member towards its fate: its state, and the activity whose path the runner walks."""
    course = COURSES[fate]
    books.members.move([member.instance_id], course.state)
    member.state = course.state  # what the rest of the caller's pass sees of it
    own: dict[str, Any] = {"instances": [member.instance_id]}
    path = PATHS[course.path or course.kind]
    if course.path is not None:  # a path of its own rides with the activity
        own["path"] = list(path)
    if course.warm is not None:
        own[WARM] = course.warm
    if course.hold is not None and HOLD not in facts:
        own[HOLD] = course.hold.value
    return books.activities.add(
        row,
        course.kind,
        now,
        instance_id=member.instance_id,
        zone=member.zone,
        subnet_id=member.subnet_id,
        status=status,
        progress=progress,
        step=path[0],
        facts={**facts, **own},
        parent_id=parent_id,
    )


def _owning_group(books: Books, ids: list[str], key: str | None) -> str:
    """The group every instance belongs to; each must belong to one, and all to the same."""
    owners = books.members.owners(ids)
    for instance_id in ids:
        if instance_id not in owners:
            raise Refusal("instance.unmanaged", instance_id=instance_id)
    keys = {i: books.profile.key_of(owners[i].id, owners[i].name) for i in ids}
    if key is not None and set(keys.values()) != {key}:
        stray = next(i for i in ids if keys[i] != key)
        raise Refusal("instance.not_member", instance_id=stray, group=key)
    if len(set(keys.values())) != 1:
        raise Refusal("instance.many_groups")
    return keys[ids[0]]


def _chosen(
    how: Leave, group: Group, current: dict[str, Member], ids: list[str], ignore_invalid: bool
) -> tuple[list[Member], list[str]]:
    """The members that leave and the ids ignored; without ignore-invalid one bad id refuses."""
    chosen: list[Member] = []
    ignored: list[str] = []
    for instance_id in ids:
        member = current.get(instance_id)
        if member is not None and member.state in how.allowed:
            chosen.append(member)
            continue
        if ignore_invalid:
            ignored.append(instance_id)
            continue
        raise Refusal(
            "instance.not_member" if member is None else how.bad_state,
            instance_id=instance_id,
            group=group.name,
            allowed=tuple(s.value for s in how.allowed),
        )
    return chosen, ignored


def _capacity(
    how: Leave, group: Group, total: int, chosen: Sequence[Member], decrement: bool
) -> tuple[int, int]:
    """The desired capacity before and after, once the minimum (or maximum) has been kept.

    A group that does not track its desired capacity (ESS, created without one) moves it
    whatever the request says. The desired capacity moves by the members' weights, where the
    group weighs instance types; ESS's floor counts members.
    """
    before = group.desired
    count = sum(m.units for m in chosen)
    shrinking = decrement or not group.rules.tracks_desired
    if how.grows:
        return rules.grow(group, count)
    if how.floor is Floor.MEMBERS:
        count = len(chosen)
        if total - count < group.min_size:
            raise Refusal("capacity.min", count=count, **group.sizes())
        return before, max(before - count, group.min_size) if shrinking else before
    if shrinking:
        return rules.shrink(group, count)
    return before, before
