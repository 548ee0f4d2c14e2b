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


class Status(StrEnum):
    IN_PROGRESS = "InProgress"
    PRE_IN_SERVICE = "PreInService"
    DRAINING = "WaitingForELBConnectionDraining"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


TERMINAL = frozenset({Status.SUCCESSFUL, Status.FAILED, Status.CANCELLED})


class Trigger(StrEnum):
    """What set a capacity change in motion; part of the facts a Cause is rendered from."""

    USER = "user"  # an explicit API call on an instance
    CAPACITY = "capacity"  # the difference between desired and actual capacity
    UNHEALTHY = "unhealthy"
    REBALANCE = "rebalance"
    DELETE = "delete"
