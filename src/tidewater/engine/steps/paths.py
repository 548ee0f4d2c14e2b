"""Every path an activity walks, by name, in one table: a new pause is one more name in a path."""

from __future__ import annotations

from typing import Any

from tidewater.domain.activity import Kind
from tidewater.domain.lifecycle_hook import PAUSE

# The steps each kind of activity walks. ESS removals name theirs (stop first, then release or
# keep the stopped instance, or only hand back) and carry it in facts["path"], as a list of step
# names, since one request's instances may leave in different ways.
PATHS: dict[str, tuple[str, ...]] = {
    # `wait` is where a launch lifecycle hook pauses: the machine exists (Pending), it has
    # joined no balancer and is not yet InService
    Kind.LAUNCH: ("launch", "wait", "boot"),
    # ESS DetachInstances with LifecycleHook=true holds here (a SCALE_IN hook); AWS never does
    Kind.DETACH: ("deregister", "wait", "release"),
    # ... and where a termination hook holds one: out of every balancer, not yet ended
    Kind.TERMINATE: ("deregister", "wait", "terminate", "gone"),
    Kind.ENTER_STANDBY: ("deregister", "rest"),
    Kind.EXIT_STANDBY: ("register",),
    # ESS AttachInstances with LifecycleHook=true holds before its instances join (SCALE_OUT)
    Kind.ATTACH: ("wait", "register"),
    # ESS removals: SCALE_IN hooks hold them once out of their balancers, still running
    "release": ("deregister", "wait", "halt", "halted", "terminate", "gone"),
    "recycle": ("deregister", "wait", "halt", "halted", "release"),
    # AWS warm pools: launched into the pool and put to rest there, stopped or running...
    # (a launch hook holds each at `wait`, in Warmed:Pending:Wait)...
    "warm": ("launch", "wait", "warming", "halt", "halted", "warmed"),
    "warm_running": ("launch", "wait", "warming", "warmed"),
    # ...drawn from it by scale-out (started, held in Pending:Wait, booted as any launch)...
    "draw": ("wake", "wait", "boot"),
    # ...returned to it by scale-in (ReuseOnScaleIn), or ended when the pool is too big
    # (a termination hook holds it in Warmed:Terminating:Wait)
    "rewarm": ("deregister", "wait", "halt", "halted", "warmed"),
    "rewarm_running": ("deregister", "wait", "warmed"),
    "drop": ("wait", "terminate", "gone"),
}

# Steps that only hold an activity until the time a fact of it names (an ISO time on the service
# clock). Without that fact there is nothing to wait for, and the step before goes straight past
# it in its own write: a pause costs no transaction and no runner pass until something sets it.
PAUSES: dict[str, str] = {"wait": PAUSE}


def path_of(activity: Any) -> tuple[str, ...]:
    """The activity's own path (ESS removals' children) or its kind's."""
    return tuple(activity.facts.get("path") or PATHS[activity.kind])


def onward(activity: Any, after: str) -> str:
    """The step after `after` on the activity's path, past pauses with nothing to wait for."""
    path = path_of(activity)
    step = path[path.index(after) + 1]
    while step in PAUSES and not activity.facts.get(PAUSES[step]):
        step = path[path.index(step) + 1]
    return step


def at_end(activity: Any) -> bool:
    """Whether the activity stands at its path's last step: once that runs, nothing follows
    at once (it ends, or waits for a later time, or in rare cases runs again on a later pass)."""
    path: tuple[str, ...] = tuple(activity.facts.get("path") or PATHS.get(activity.kind, ()))
    return bool(path) and activity.step == path[-1]
