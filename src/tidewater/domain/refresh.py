"""An instance refresh: its preferences, its states and how big each batch of replacements is.

Pure: the engine (`engine/refresh.py`) stores a refresh as a row and moves it with these rules;
each cloud names the states and words the refusals its own way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from tidewater.domain.refusal import Refusal

# AWS waits this long for protected or Standby instances to be freed before it fails a refresh
# (RefreshPreferences: "waits one hour").
WAIT_LIMIT = 3600
DEFAULT_CHECKPOINT_DELAY = 3600  # RefreshPreferences.CheckpointDelay's default

# The fact naming the refresh that started an activity (ESS shows it as InstanceRefreshTaskId).
STARTED_BY = "refresh_id"


class Phase(StrEnum):
    """Where a refresh stands; a cloud names each its own way."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"  # ESS: suspended by a user until resumed
    SUCCESSFUL = "successful"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    ROLLING_BACK = "rolling_back"
    ROLLBACK_FAILED = "rollback_failed"
    ROLLBACK_SUCCESSFUL = "rollback_successful"


class Event(StrEnum):
    BEGIN = "begin"  # the runner took it up
    FINISH = "finish"  # every instance replaced and warmed up
    FAIL = "fail"  # a replacement failed or a wait ran out
    CANCEL = "cancel"  # a user asked it to stop
    STOPPED = "stopped"  # nothing of it is under way any more
    ROLLBACK = "rollback"  # a user or AutoRollback asked it to undo
    SUSPEND = "suspend"  # ESS: a user paused it
    RESUME = "resume"  # ESS: a user let it go on


# Every move a refresh may make; anything else is refused or ignored by the caller.
MOVES: dict[tuple[Phase, Event], Phase] = {
    (Phase.PENDING, Event.BEGIN): Phase.RUNNING,
    (Phase.PENDING, Event.CANCEL): Phase.CANCELLING,
    (Phase.PENDING, Event.ROLLBACK): Phase.ROLLING_BACK,
    (Phase.RUNNING, Event.FINISH): Phase.SUCCESSFUL,
    (Phase.RUNNING, Event.FAIL): Phase.FAILED,
    (Phase.RUNNING, Event.CANCEL): Phase.CANCELLING,
    (Phase.RUNNING, Event.ROLLBACK): Phase.ROLLING_BACK,
    (Phase.RUNNING, Event.SUSPEND): Phase.PAUSED,
    (Phase.PAUSED, Event.RESUME): Phase.RUNNING,
    (Phase.PAUSED, Event.CANCEL): Phase.CANCELLING,
    (Phase.PAUSED, Event.ROLLBACK): Phase.ROLLING_BACK,
    (Phase.PAUSED, Event.FAIL): Phase.FAILED,  # a replacement under way failed meanwhile
    (Phase.CANCELLING, Event.STOPPED): Phase.CANCELLED,
    (Phase.ROLLING_BACK, Event.FINISH): Phase.ROLLBACK_SUCCESSFUL,
    (Phase.ROLLING_BACK, Event.FAIL): Phase.ROLLBACK_FAILED,
    (Phase.ROLLING_BACK, Event.CANCEL): Phase.CANCELLING,
}
# A refresh in one of these holds its group: no second one starts, Cancel and Rollback find it.
ACTIVE = frozenset(
    {Phase.PENDING, Phase.RUNNING, Phase.PAUSED, Phase.CANCELLING, Phase.ROLLING_BACK}
)
ENDED = frozenset(Phase) - ACTIVE


def move(phase: Phase, event: Event) -> Phase:
    """The phase after `event`; a move the table does not hold is refused."""
    after = MOVES.get((phase, event))
    if after is None:
        raise Refusal("refresh.not_active", phase=phase.value, event=event.value)
    return after


class Protected(StrEnum):
    """ScaleInProtectedInstances."""

    REFRESH = "Refresh"
    IGNORE = "Ignore"
    WAIT = "Wait"


class Standby(StrEnum):
    """StandbyInstances."""

    TERMINATE = "Terminate"
    IGNORE = "Ignore"
    WAIT = "Wait"


@dataclass(frozen=True, slots=True)
class Preferences:
    min_healthy: int = 90
    max_healthy: int = 100
    warmup: int | None = None  # None: the group's DefaultInstanceWarmup, else its grace period
    checkpoints: tuple[int, ...] = ()
    checkpoint_delay: int | None = None
    skip_matching: bool = False
    auto_rollback: bool = False
    protected: Protected = Protected.WAIT
    standby: Standby = Standby.WAIT
    skip_attached: bool = False  # ESS leaves instances a user attached alone
    # AWS ends a refresh at a last checkpoint short of 100; ESS only pauses there and goes on
    stops_at_last: bool = True

    def stored(self) -> dict[str, Any]:
        out = asdict(self)
        out["checkpoints"] = list(self.checkpoints)
        out["protected"] = self.protected.value
        out["standby"] = self.standby.value
        return out

    @staticmethod
    def of(stored: dict[str, Any]) -> Preferences:
        return Preferences(
            min_healthy=stored["min_healthy"],
            max_healthy=stored["max_healthy"],
            warmup=stored.get("warmup"),
            checkpoints=tuple(stored.get("checkpoints") or ()),
            checkpoint_delay=stored.get("checkpoint_delay"),
            skip_matching=bool(stored.get("skip_matching")),
            auto_rollback=bool(stored.get("auto_rollback")),
            protected=Protected(stored.get("protected") or "Wait"),
            standby=Standby(stored.get("standby") or "Wait"),
            skip_attached=bool(stored.get("skip_attached")),
            stops_at_last=bool(stored.get("stops_at_last", True)),
        )

    @property
    def delay(self) -> int:
        if self.checkpoint_delay is not None:
            return self.checkpoint_delay
        return DEFAULT_CHECKPOINT_DELAY


def preferences(
    *,
    min_healthy: int | None = None,
    max_healthy: int | None = None,
    warmup: int | None = None,
    checkpoints: Sequence[int] | None = None,
    checkpoint_delay: int | None = None,
    skip_matching: bool | None = None,
    auto_rollback: bool | None = None,
    protected: str | None = None,
    standby: str | None = None,
    has_desired: bool = False,
    skip_attached: bool = False,
    stops_at_last: bool = True,
) -> Preferences:
    """Preferences as given, checked as the API reference states them, defaults filled in."""
    if max_healthy is not None and min_healthy is None:
        raise Refusal("refresh.max_without_min")
    low = 90 if min_healthy is None else min_healthy
    high = 100 if max_healthy is None else max_healthy
    if not 0 <= low <= 100:
        raise Refusal("refresh.min_range", value=low)
    if not 100 <= high <= 200:
        raise Refusal("refresh.max_range", value=high)
    if high - low > 100:
        raise Refusal("refresh.spread", min=low, max=high)
    if checkpoint_delay is not None and not checkpoints:
        raise Refusal("refresh.delay_without_checkpoints")
    points = tuple(checkpoints or ())
    if any(not 1 <= p <= 100 for p in points) or list(points) != sorted(set(points)):
        raise Refusal("refresh.checkpoints", values=list(points))
    if auto_rollback and not has_desired:
        raise Refusal("refresh.rollback_without_desired")
    return Preferences(
        min_healthy=low,
        max_healthy=high,
        warmup=warmup,
        checkpoints=points,
        checkpoint_delay=checkpoint_delay,
        skip_matching=bool(skip_matching),
        auto_rollback=bool(auto_rollback),
        protected=Protected(protected or "Wait"),
        standby=Standby(standby or "Wait"),
        skip_attached=skip_attached,
        stops_at_last=stops_at_last,
    )


@dataclass(frozen=True, slots=True)
class Batch:
    """How many old instances to end now and how many replacements to start now."""

    end: int
    launch: int


def batch(desired: int, healthy: int, left: int, prefs: Preferences) -> Batch:
    """The next batch: never fewer healthy instances than MinHealthyPercentage of the desired
    capacity, never more in service or pending than MaxHealthyPercentage of it.

    With MaxHealthyPercentage 100 old instances go first and their replacements launch at once
    (the group never grows); above it replacements launch first, as many as the headroom allows,
    and the old ones end once the new ones have warmed up. At least one instance moves per
    batch, so MinHealthyPercentage 100 replaces one at a time (User Guide).
    """
    if left <= 0:
        return Batch(0, 0)
    floor = math.ceil(desired * prefs.min_healthy / 100)
    ceiling = math.floor(desired * prefs.max_healthy / 100)
    if prefs.max_healthy > 100:
        room = ceiling - desired
        ends = max(0, healthy - floor)  # may go before the launches, keeping the minimum
        launches = min(left, max(1, room + ends))
        return Batch(min(ends, launches), launches)
    count = min(left, max(1, healthy - floor))
    return Batch(count, count)


def percentage(done: int, total: int) -> int:
    """PercentageComplete: replaced and warmed up, of all to replace (100 when none were)."""
    if total <= 0:
        return 100
    return min(100, math.floor(done * 100 / total))


def checkpoints_reached(prefs: Preferences, done: int, total: int) -> int:
    """How many checkpoints short of 100 the replacements so far have reached.

    One batch may reach several at once: the refresh then stops once, at the highest, and the
    ones below it are skipped (User Guide, "Add checkpoints": [10, 40, 100] on two instances
    skips 10 after the first replacement).
    """
    reached = percentage(done, total)
    return sum(1 for p in prefs.checkpoints if p < 100 and reached >= p)


def partial(prefs: Preferences) -> bool:
    """Checkpoints whose last is short of 100 replace only that share ("To replace all
    instances in the Auto Scaling group, the last number in the array must be 100")."""
    return prefs.stops_at_last and bool(prefs.checkpoints) and prefs.checkpoints[-1] < 100


def share_before(prefs: Preferences, done: int, total: int, passed: int) -> int:
    """How many more may be replaced before the next checkpoint stops the refresh."""
    pending = [p for p in prefs.checkpoints[passed:] if p < 100]
    if not pending:
        return total - done
    return max(1, math.ceil(total * pending[0] / 100) - done)
