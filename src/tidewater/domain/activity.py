"""Scaling activities: durable records of a change under way, rendered per cloud."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    LAUNCH = "launch"
    TERMINATE = "terminate"
    DETACH = "detach"
    ATTACH = "attach"
    ENTER_STANDBY = "enter_standby"
    EXIT_STANDBY = "exit_standby"
    # ESS records one activity per request; these name the request, its instances get their own
    REMOVE = "remove"
    SCALE = "scale"  # a capacity change: launches and terminations together


class Status(StrEnum):
    IN_PROGRESS = "InProgress"
    PRE_IN_SERVICE = "PreInService"
    DRAINING = "WaitingForELBConnectionDraining"
    # an instance waits in a lifecycle hook (the value is inferred for launches: see docs)
    MID_LIFECYCLE = "MidLifecycleAction"
    SUCCESSFUL = "Successful"
    WARNING = "Warning"  # ESS: the request partly succeeded (some instances ignored or failed)
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    REJECTED = "Rejected"  # ESS: refused after it was accepted


TERMINAL = frozenset(
    {Status.SUCCESSFUL, Status.WARNING, Status.FAILED, Status.CANCELLED, Status.REJECTED}
)


class Trigger(StrEnum):
    """What set a capacity change in motion; part of the facts a Cause is rendered from."""

    USER = "user"  # an explicit API call on an instance
    CAPACITY = "capacity"  # the difference between desired and actual capacity
    UNHEALTHY = "unhealthy"
    REBALANCE = "rebalance"
    DELETE = "delete"
    REFRESH = "refresh"  # an instance refresh replacing an instance
    WARM_POOL = "warm_pool"  # a warm pool kept at its size (AWS)
