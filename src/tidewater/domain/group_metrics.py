"""The AWS/AutoScaling group metrics a group samples each minute while collection is enabled.

Pure: the engine hands in the group's sizes and how many members are in each lifecycle state,
and gets back the value of each enabled metric (docs/facts/group-metrics.md).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final

from tidewater.domain.instance import ARRIVING, Lifecycle

STANDING: Final = frozenset({Lifecycle.ENTERING_STANDBY, Lifecycle.STANDBY})
LEAVING: Final = frozenset(
    {Lifecycle.TERMINATING, Lifecycle.TERMINATING_WAIT, Lifecycle.TERMINATING_PROCEED}
)


@dataclass(frozen=True, slots=True)
class Census:
    """A group's sizes and its members counted by where they are in their lifecycle."""

    min_size: int
    max_size: int
    desired: int
    pending: int
    in_service: int
    standby: int
    terminating: int

    @classmethod
    def of(cls, min_size: int, max_size: int, desired: int, states: Mapping[str, int]) -> Census:
        def count(which: Collection[str]) -> int:
            return sum(n for state, n in states.items() if state in which)

        return cls(
            min_size,
            max_size,
            desired,
            pending=count(ARRIVING),
            in_service=count({Lifecycle.IN_SERVICE}),
            standby=count(STANDING),
            terminating=count(LEAVING),
        )

    @property
    def total(self) -> int:
        """In service, pending and terminating: the user guide leaves standby out."""
        return self.in_service + self.pending + self.terminating


# Every instance weighs one capacity unit until mixed instances policies with weights exist, so
# each *Capacity metric equals its *Instances twin, as the user guide says it then does. There is
# no warm pool, so the WarmPool* metrics are not published and GroupAndWarmPool* are the group's.
GROUP_METRICS: Final[dict[str, Callable[[Census], int]]] = {
    "GroupMinSize": lambda c: c.min_size,
    "GroupMaxSize": lambda c: c.max_size,
    "GroupDesiredCapacity": lambda c: c.desired,
    "GroupInServiceInstances": lambda c: c.in_service,
    "GroupPendingInstances": lambda c: c.pending,
    "GroupStandbyInstances": lambda c: c.standby,
    "GroupTerminatingInstances": lambda c: c.terminating,
    "GroupTotalInstances": lambda c: c.total,
    "GroupInServiceCapacity": lambda c: c.in_service,
    "GroupPendingCapacity": lambda c: c.pending,
    "GroupStandbyCapacity": lambda c: c.standby,
    "GroupTerminatingCapacity": lambda c: c.terminating,
    "GroupTotalCapacity": lambda c: c.total,
    "GroupAndWarmPoolDesiredCapacity": lambda c: c.desired,
    "GroupAndWarmPoolTotalCapacity": lambda c: c.total,
}


def sampled(enabled: Collection[str], census: Census) -> dict[str, int]:
    """The enabled metrics' values, in GROUP_METRICS order (warm pool metrics have none)."""
    return {name: read(census) for name, read in GROUP_METRICS.items() if name in enabled}
