"""The AWS/AutoScaling group metrics a group samples each minute while collection is enabled.

Pure: the engine hands in the group's sizes and how many members are in each lifecycle state,
and gets back the value of each enabled metric (docs/facts/group-metrics.md).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final

from tidewater.domain.instance import ARRIVING, WARMED, Lifecycle

STANDING: Final = frozenset({Lifecycle.ENTERING_STANDBY, Lifecycle.STANDBY})
LEAVING: Final = frozenset(
    {Lifecycle.TERMINATING, Lifecycle.TERMINATING_WAIT, Lifecycle.TERMINATING_PROCEED}
)


@dataclass(frozen=True, slots=True)
class Counts:
    """Members, or their capacity units, by where they are in their lifecycle."""

    pending: int
    in_service: int
    standby: int
    terminating: int

    @classmethod
    def of(cls, states: Mapping[str, int]) -> Counts:
        def count(which: Collection[str]) -> int:
            return sum(n for state, n in states.items() if state in which)

        return cls(
            pending=count(ARRIVING),
            in_service=count({Lifecycle.IN_SERVICE}),
            standby=count(STANDING),
            terminating=count(LEAVING),
        )

    @property
    def total(self) -> int:
        """In service, pending and terminating: the user guide leaves standby out."""
        return self.in_service + self.pending + self.terminating


@dataclass(frozen=True, slots=True)
class Census:
    """A group's sizes, its members by lifecycle state, and the capacity units they hold."""

    min_size: int
    max_size: int
    desired: int
    instances: Counts
    capacity: Counts  # the same, each member counted by its weight (one where none is set)
    pool: Pooled | None = None  # its warm pool's instances, when it has one

    @classmethod
    def of(
        cls,
        min_size: int,
        max_size: int,
        desired: int,
        states: Mapping[str, int],
        units: Mapping[str, int] | None = None,
        pool_size: int | None = None,
    ) -> Census:
        """`states`: members per state; `units`: their weights per state (default: one each);
        `pool_size`: what the group's warm pool should hold, when it has one."""
        instances = Counts.of(states)
        capacity = instances if units is None else Counts.of(units)
        pool = None if pool_size is None else Pooled.of(pool_size, states)
        return cls(min_size, max_size, desired, instances, capacity, pool)


@dataclass(frozen=True, slots=True)
class Pooled:
    """A warm pool's instances: what it should hold, and where those it holds stand."""

    desired: int
    warmed: int
    pending: int
    terminating: int

    @classmethod
    def of(cls, desired: int, states: Mapping[str, int]) -> Pooled:
        def count(which: Collection[str]) -> int:
            return sum(n for state, n in states.items() if state in which)

        return cls(
            desired,
            warmed=count(WARMED),
            pending=count({Lifecycle.WARMED_PENDING}),
            terminating=count({Lifecycle.WARMED_TERMINATING}),
        )

    @property
    def total(self) -> int:
        return self.warmed + self.pending + self.terminating


NO_POOL: Final = Pooled(0, 0, 0, 0)

# Each *Capacity metric counts members by their weight (AWS WeightedCapacity), so without
# weights it equals its *Instances twin, as the user guide says. A pool's instances count one
# each; GroupAndWarmPool* add the pool's to the group's (nothing, without a pool).
GROUP_METRICS: Final[dict[str, Callable[[Census], int]]] = {
    "GroupMinSize": lambda c: c.min_size,
    "GroupMaxSize": lambda c: c.max_size,
    "GroupDesiredCapacity": lambda c: c.desired,
    "GroupInServiceInstances": lambda c: c.instances.in_service,
    "GroupPendingInstances": lambda c: c.instances.pending,
    "GroupStandbyInstances": lambda c: c.instances.standby,
    "GroupTerminatingInstances": lambda c: c.instances.terminating,
    "GroupTotalInstances": lambda c: c.instances.total,
    "GroupInServiceCapacity": lambda c: c.capacity.in_service,
    "GroupPendingCapacity": lambda c: c.capacity.pending,
    "GroupStandbyCapacity": lambda c: c.capacity.standby,
    "GroupTerminatingCapacity": lambda c: c.capacity.terminating,
    "GroupTotalCapacity": lambda c: c.capacity.total,
    "GroupAndWarmPoolDesiredCapacity": lambda c: c.desired + (c.pool or NO_POOL).desired,
    "GroupAndWarmPoolTotalCapacity": lambda c: c.capacity.total + (c.pool or NO_POOL).total,
}
# Published only by a group with a warm pool
WARM_POOL_METRICS: Final[dict[str, Callable[[Pooled], int]]] = {
    "WarmPoolDesiredCapacity": lambda p: p.desired,
    "WarmPoolWarmedCapacity": lambda p: p.warmed,
    "WarmPoolPendingCapacity": lambda p: p.pending,
    "WarmPoolTerminatingCapacity": lambda p: p.terminating,
    "WarmPoolTotalCapacity": lambda p: p.total,
}


def sampled(enabled: Collection[str], census: Census) -> dict[str, int]:
    """The enabled metrics' values, in GROUP_METRICS order, then the warm pool's if it has one."""
    values = {name: read(census) for name, read in GROUP_METRICS.items() if name in enabled}
    if census.pool is not None:
        pool = census.pool
        values.update((n, read(pool)) for n, read in WARM_POOL_METRICS.items() if n in enabled)
    return values
