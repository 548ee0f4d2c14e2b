"""A warm pool: prepared instances kept beside a group, drawn on first when it scales out (AWS)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tidewater.domain.instance import Lifecycle


class PoolState(StrEnum):
    STOPPED = "Stopped"
    RUNNING = "Running"
    HIBERNATED = "Hibernated"


POOL = "warm_pool"  # where a group's settings keep its pool

# What a pool instance rests in once prepared, by the pool's state
RESTING: dict[PoolState, Lifecycle] = {
    PoolState.STOPPED: Lifecycle.WARMED_STOPPED,
    PoolState.RUNNING: Lifecycle.WARMED_RUNNING,
    PoolState.HIBERNATED: Lifecycle.WARMED_HIBERNATED,
}


@dataclass(frozen=True, slots=True)
class WarmPool:
    """A group's warm pool as PutWarmPool sets it; `deleting`: DeleteWarmPool was asked."""

    min_size: int = 0
    max_prepared: int | None = None  # MaxGroupPreparedCapacity; None (or -1 given): MaxSize
    state: PoolState = PoolState.STOPPED
    reuse: bool = False  # ReuseOnScaleIn: scale-in returns instances to the pool
    deleting: bool = False

    def size(self, desired: int, max_size: int) -> int:
        """How many instances the pool keeps: what the prepared capacity leaves above the
        desired capacity, never below MinSize; none once it is being deleted."""
        if self.deleting:
            return 0
        prepared = max_size if self.max_prepared is None else self.max_prepared
        return max(self.min_size, prepared - desired, 0)

    @property
    def resting(self) -> Lifecycle:
        return RESTING[self.state]

    def stored(self) -> dict[str, Any]:
        return {
            "min_size": self.min_size,
            "max_prepared": self.max_prepared,
            "state": self.state.value,
            "reuse": self.reuse,
            "deleting": self.deleting,
        }

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> WarmPool | None:
        if not stored:
            return None
        return cls(
            min_size=stored["min_size"],
            max_prepared=stored["max_prepared"],
            state=PoolState(stored["state"]),
            reuse=stored["reuse"],
            deleting=stored["deleting"],
        )
