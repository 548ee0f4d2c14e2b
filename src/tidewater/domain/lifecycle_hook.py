"""Lifecycle hooks: a pause on an instance's way into or out of a group, held until someone
(or a timeout) says go on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tidewater.domain.activity import Kind, Trigger
from tidewater.domain.instance import Lifecycle
from tidewater.domain.refusal import Refusal


class Transition(StrEnum):
    """The two moments a hook can hold; each cloud has its own name for them."""

    LAUNCHING = "launching"
    TERMINATING = "terminating"


class Result(StrEnum):
    """What ends a wait. Which ones a cloud takes is its `HookRules`' data."""

    CONTINUE = "CONTINUE"
    ABANDON = "ABANDON"
    # ESS: a scale-out's instances are released as on ABANDON; a scale-in's stay in the group
    ROLLBACK = "ROLLBACK"


# Results by which the instance does not go on as planned.
STOPS = frozenset({Result.ABANDON, Result.ROLLBACK})


# The fact that holds an activity at its `wait` pause (engine/steps/paths.PAUSES): the time from
# which it waits. Set when the activity is recorded and its group has hooks on its transition.
PAUSE = "wait_until"
# Set by a request that says itself whether hooks hold its instances (ESS RemoveInstances, and
# Attach/DetachInstances with LifecycleHook=true): the transition's value, or "" for none.
HOLD = "hold"
# ESS LifecycleHookContext.IgnoredLifecycleHookIds: hooks (by id) this request passes by.
IGNORED = "hooks_ignored"

# The activities a hook may hold, by the transition they make.
HELD = {Kind.LAUNCH: Transition.LAUNCHING, Kind.TERMINATE: Transition.TERMINATING}


def held_at(kind: str, facts: dict[str, object]) -> Transition | None:
    """Which hooks an activity passes through, if any.

    AWS runs hooks on every launch and termination but a force delete's, and on none of attach,
    detach or standby (their kinds are not in HELD). An ESS request that names its own (HOLD)
    is held as it says; ESS removals recorded before HOLD existed walk paths with no pause.
    """
    if facts.get("trigger") == Trigger.DELETE:
        return None
    if HOLD in facts:
        hold = facts[HOLD]
        return Transition(str(hold)) if hold else None
    if facts.get("path"):
        return None
    return HELD.get(Kind(kind))


# The member's state while a hook holds it, and once every hook let it go.
WAITING = {
    Transition.LAUNCHING: Lifecycle.PENDING_WAIT,
    Transition.TERMINATING: Lifecycle.TERMINATING_WAIT,
}
PROCEEDING = {
    Transition.LAUNCHING: Lifecycle.PENDING_PROCEED,
    Transition.TERMINATING: Lifecycle.TERMINATING_PROCEED,
}
# ...the same for an instance entering or leaving a warm pool (AWS): a launch hook holds it on
# its way into the pool, a termination hook on its way out of it
WARM_WAITING = {
    Transition.LAUNCHING: Lifecycle.WARMED_PENDING_WAIT,
    Transition.TERMINATING: Lifecycle.WARMED_TERMINATING_WAIT,
}
WARM_PROCEEDING = {
    Transition.LAUNCHING: Lifecycle.WARMED_PENDING_PROCEED,
    Transition.TERMINATING: Lifecycle.WARMED_TERMINATING_PROCEED,
}
# Every state a hook holds a member in, and the transition it holds it at
WAITS = {
    state: transition for table in (WAITING, WARM_WAITING) for transition, state in table.items()
}


def hold_states(transition: Transition, warm: bool) -> tuple[Lifecycle, Lifecycle]:
    """Where a hook holds a member on this transition, and where it goes once let go."""
    if warm:
        return WARM_WAITING[transition], WARM_PROCEEDING[transition]
    return WAITING[transition], PROCEEDING[transition]


# What a hook deleted with actions outstanding completes them with (PutLifecycleHook reference).
ON_DELETE = {Transition.LAUNCHING: Result.ABANDON, Transition.TERMINATING: Result.CONTINUE}


@dataclass(frozen=True, slots=True)
class HookRules:
    """One cloud's bounds on a hook: heartbeat range and default, default result, global cap."""

    heartbeat_min: int
    heartbeat_max: int
    heartbeat_default: int
    default_result: Result
    global_cap: int  # seconds a wait may last at most, however often it is extended
    global_factor: int  # ... and at most this many heartbeat timeouts
    # what a completion may say (a DefaultResult is CONTINUE or ABANDON on both clouds)
    results: frozenset[Result] = frozenset({Result.CONTINUE, Result.ABANDON})
    # ESS refuses a heartbeat that would pass the global deadline, and counts heartbeats;
    # AWS caps the deadline silently and sets no count
    refuse_past_cap: bool = False
    heartbeats: int | None = None
    # a hook deleted mid-wait ends it with the hook's default result (ESS, inferred), not by
    # transition as ON_DELETE says (AWS)
    deleted_takes_default: bool = False
    # on which transitions a stop result ends the other hooks' waits at once, and whether only
    # a timed-out one does; otherwise every hook is waited out and the last to end decides
    cuts: frozenset[tuple[Transition, bool]] = frozenset(
        {(Transition.LAUNCHING, False), (Transition.TERMINATING, False)}
    )

    def cuts_short(self, transition: Transition, result: Result, timed_out: bool) -> bool:
        """Whether this ended action ends its activity's other hooks at once."""
        return result in STOPS and any(
            on is transition and (timed_out or not only) for on, only in self.cuts
        )

    def global_timeout(self, heartbeat: int) -> int:
        return min(self.global_cap, self.global_factor * heartbeat)

    def check_heartbeat(self, heartbeat: int) -> None:
        if not self.heartbeat_min <= heartbeat <= self.heartbeat_max:
            raise Refusal(
                "hook.heartbeat_range",
                value=heartbeat,
                min=self.heartbeat_min,
                max=self.heartbeat_max,
            )


# PutLifecycleHook reference: 30-7200 s, default 3600, default result ABANDON; the global
# timeout is 48 hours or 100 heartbeat timeouts, whichever is smaller. With several hooks an
# ABANDON from any ends the others at once (user guide, "Configure a lifecycle hook").
AWS_HOOKS = HookRules(30, 7200, 3600, Result.ABANDON, 172800, 100)

# ESS CreateLifecycleHook: 30-21600 s, default 600, default result CONTINUE; DefaultResult is
# CONTINUE or ABANDON, CompleteLifecycleAction also takes ROLLBACK (2022 reference). A wait lasts
# at most 6 hours and takes at most 20 heartbeats (RecordLifecycleActionHeartbeat reference,
# 2018: LifecycleAction.TimeExceeded, LifecycleAction.RecordTimesExceeded). With several hooks,
# only a scale-in hook timing out with ABANDON (2022: or ROLLBACK) ends the others at once;
# else the last hook to end decides (CreateLifecycleHook, CompleteLifecycleAction references).
ESS_HOOKS = HookRules(
    30,
    21600,
    600,
    Result.CONTINUE,
    21600,
    21600 // 30,
    results=frozenset(Result),
    refuse_past_cap=True,
    heartbeats=20,
    deleted_takes_default=True,
    cuts=frozenset({(Transition.TERMINATING, True)}),
)


@dataclass(frozen=True, slots=True)
class Hook:
    """A hook as stored; `None` in an update means "keep what the hook has"."""

    name: str
    transition: Transition | None = None
    heartbeat: int | None = None
    default_result: Result | None = None
    metadata: str | None = None
    target: str | None = None
    role: str | None = None
    active: bool | None = None  # ESS LifecycleHookStatus: an inactive hook holds nothing


def deadlines(now: datetime, heartbeat: int, global_timeout: int) -> tuple[datetime, datetime]:
    """When an action opened now times out, and the latest any heartbeat may push that."""
    last = now + timedelta(seconds=global_timeout)
    return min(now + timedelta(seconds=heartbeat), last), last
