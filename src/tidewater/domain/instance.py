"""A group member and the lifecycle states it passes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tidewater.domain.launch import LaunchSource


class Lifecycle(StrEnum):
    PENDING = "Pending"
    PENDING_WAIT = "Pending:Wait"  # a launch lifecycle hook holds it
    PENDING_PROCEED = "Pending:Proceed"  # every launch hook let it go
    IN_SERVICE = "InService"
    ENTERING_STANDBY = "EnteringStandby"
    STANDBY = "Standby"
    DETACHING = "Detaching"
    TERMINATING = "Terminating"
    TERMINATING_WAIT = "Terminating:Wait"  # a termination lifecycle hook holds it
    TERMINATING_PROCEED = "Terminating:Proceed"
    # a warm pool's instances (AWS): prepared beside the group, counted in none of its capacity
    WARMED_PENDING = "Warmed:Pending"
    WARMED_PENDING_WAIT = "Warmed:Pending:Wait"  # a launch hook holds it on its way into the pool
    WARMED_PENDING_PROCEED = "Warmed:Pending:Proceed"
    WARMED_STOPPED = "Warmed:Stopped"
    WARMED_RUNNING = "Warmed:Running"
    WARMED_HIBERNATED = "Warmed:Hibernated"
    WARMED_TERMINATING = "Warmed:Terminating"
    WARMED_TERMINATING_WAIT = "Warmed:Terminating:Wait"  # a termination hook holds it
    WARMED_TERMINATING_PROCEED = "Warmed:Terminating:Proceed"


class Origin(StrEnum):
    LAUNCHED = "launched"  # created by the group: the group may release it
    ATTACHED = "attached"  # brought in by a user: the group must hand it back


# States whose instances count toward the desired capacity.
COUNTED = frozenset(
    {Lifecycle.PENDING, Lifecycle.PENDING_WAIT, Lifecycle.PENDING_PROCEED, Lifecycle.IN_SERVICE}
)
# A launched instance a launch hook holds or has just let go.
HELD_ON_ARRIVAL = frozenset({Lifecycle.PENDING_WAIT, Lifecycle.PENDING_PROCEED})
# A warm pool's instances, and those of them ready to be drawn on at scale-out.
WARM = frozenset(
    {
        Lifecycle.WARMED_PENDING,
        Lifecycle.WARMED_PENDING_WAIT,
        Lifecycle.WARMED_PENDING_PROCEED,
        Lifecycle.WARMED_STOPPED,
        Lifecycle.WARMED_RUNNING,
        Lifecycle.WARMED_HIBERNATED,
        Lifecycle.WARMED_TERMINATING,
        Lifecycle.WARMED_TERMINATING_WAIT,
        Lifecycle.WARMED_TERMINATING_PROCEED,
    }
)
# ...of which those on their way out of it
WARM_LEAVING = frozenset(
    {
        Lifecycle.WARMED_TERMINATING,
        Lifecycle.WARMED_TERMINATING_WAIT,
        Lifecycle.WARMED_TERMINATING_PROCEED,
    }
)
WARMED = frozenset(
    {Lifecycle.WARMED_STOPPED, Lifecycle.WARMED_RUNNING, Lifecycle.WARMED_HIBERNATED}
)
# A launched instance on its way in, before it serves.
ARRIVING = frozenset({Lifecycle.PENDING, Lifecycle.PENDING_WAIT, Lifecycle.PENDING_PROCEED})


@dataclass(slots=True)
class Member:
    instance_id: str
    group_id: str
    zone: str
    subnet_id: str
    state: Lifecycle
    healthy: bool
    protected: bool
    origin: Origin
    joined_at: datetime
    instance_type: str = ""
    launch_ref: str = ""  # which launch source version created it, for termination policies
    source: LaunchSource | None = None  # that source (None: attached)
    # How old that source is, comparable among sources of one kind (a configuration's creation
    # order, a template's version): None when unknown or when no source launched it (attached).
    launch_age: float | None = None
    entrusted: bool = False  # ESS: an attached instance whose lifecycle the group now owns
    weight: int | None = None  # the units it counts for, where its group weighs instance types

    @property
    def counted(self) -> bool:
        return self.state in COUNTED

    @property
    def units(self) -> int:
        """What it adds to its group's capacity: its weight, or one."""
        return self.weight or 1
