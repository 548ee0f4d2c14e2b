"""A scaling group and the capacity rules every change to it must keep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tidewater.domain.instance import Lifecycle, Member
from tidewater.domain.launch import LaunchSource
from tidewater.domain.processes import AWS, Gate, Processes
from tidewater.domain.refusal import Refusal
from tidewater.domain.warm_pool import WarmPool


class GroupStatus(StrEnum):
    ACTIVE = "InService"
    INACTIVE = "Inactive"  # ESS groups start disabled until enabled with a configuration
    DELETING = "Delete in progress"


class Process(StrEnum):
    LAUNCH = "Launch"
    TERMINATE = "Terminate"
    ADD_TO_LOAD_BALANCER = "AddToLoadBalancer"
    ALARM_NOTIFICATION = "AlarmNotification"
    AZ_REBALANCE = "AZRebalance"
    HEALTH_CHECK = "HealthCheck"
    INSTANCE_REFRESH = "InstanceRefresh"
    REPLACE_UNHEALTHY = "ReplaceUnhealthy"
    SCHEDULED_ACTIONS = "ScheduledActions"


@dataclass(frozen=True, slots=True)
class Rules:
    """Where the clouds differ, held as data on the group rather than as branches in the engine."""

    exclusive_activities: bool = False  # ESS refuses a change while an activity runs; AWS does not
    release_removed: bool = False  # ESS releases instances it created when they leave the group
    # An ESS group created without DesiredCapacity reports none and ignores
    # DecreaseDesiredCapacity=false; inside, every change still moves one expected capacity.
    tracks_desired: bool = True
    batched_activities: bool = False  # ESS records one activity per request, AWS one per instance
    # AWS's AZRebalance evens zones out on its own; ESS moves instances only when asked to.
    rebalances_zones: bool = True


@dataclass(slots=True)
class Group:
    id: str
    name: str
    min_size: int
    max_size: int
    desired: int
    status: GroupStatus = GroupStatus.ACTIVE
    zones: tuple[str, ...] = ()
    suspended: frozenset[str] = frozenset()
    termination_policies: tuple[str, ...] = ("Default",)
    new_instances_protected: bool = False
    launch_ref: str = ""  # its launch source's reference, compared with its members'
    source: LaunchSource | None = None  # where its instances come from (None: not set yet)
    rules: Rules = field(default_factory=Rules)
    processes: Processes = AWS  # its cloud's process names and what each stops
    # the units each instance type counts for (AWS WeightedCapacity); empty: every one counts 1
    weights: Mapping[str, int] = field(default_factory=dict)
    launch_type: str | None = None  # the type its launches take over its source's, if any
    warm_pool: WarmPool | None = None  # prepared instances beside it (AWS PutWarmPool)

    def pool_size(self) -> int:
        """How many instances its warm pool should hold now (none while the group goes)."""
        if self.warm_pool is None or self.status is GroupStatus.DELETING:
            return 0
        return self.warm_pool.size(self.desired, self.max_size)

    def weight_of(self, instance_type: str) -> int | None:
        """The weight a member of this type gets: none unless the group weighs its types, and
        one for a type its weights leave out (inferred: no public source says)."""
        return self.weights.get(instance_type, 1) if self.weights else None

    @property
    def launch_units(self) -> int:
        """What one new launch adds to the capacity."""
        return (self.weight_of(self.launch_type) if self.launch_type else None) or 1

    def suspends(self, process: Process) -> bool:
        return process.value in self.suspended

    def blocks(self, gate: Gate) -> bool:
        """Whether a suspended process holds this decision back (domain/processes.py)."""
        return self.processes.blocks(gate, self.suspended)

    def require(self, gate: Gate) -> None:
        """Refuse a request that a suspended process holds back."""
        process = self.processes.holding(gate, sorted(self.suspended))
        if process is not None:
            raise Refusal("process.suspended", group=self.name, process=process)

    def sizes(self) -> dict[str, object]:
        return {
            "group": self.name,
            "min": self.min_size,
            "max": self.max_size,
            "desired": self.desired,
        }

    def require_active(self) -> None:
        if self.status is GroupStatus.INACTIVE:
            raise Refusal("group.inactive", group=self.name)
        if self.status is not GroupStatus.ACTIVE:
            raise Refusal("group.deleting", group=self.name)


def check_bounds(min_size: int, max_size: int, desired: int | None) -> None:
    """The invariant min <= desired <= max that creation and updates must keep."""
    if max_size < min_size:
        raise Refusal("bounds.max_below_min", min=min_size, max=max_size)
    if desired is not None and not min_size <= desired <= max_size:
        raise Refusal("bounds.desired_outside", desired=desired, min=min_size, max=max_size)


def set_desired(group: Group, desired: int) -> None:
    if not group.min_size <= desired <= group.max_size:
        raise Refusal(
            "bounds.desired_outside", desired=desired, min=group.min_size, max=group.max_size
        )
    group.desired = desired


def members_named(
    group: Group,
    members: dict[str, Member],
    ids: Sequence[str],
    allowed: Iterable[Lifecycle],
) -> list[Member]:
    """Resolve ids to members in an allowed state; one bad id refuses the whole call."""
    allowed = tuple(allowed)
    chosen: list[Member] = []
    for instance_id in dict.fromkeys(ids):
        member = members.get(instance_id)
        if member is None:
            raise Refusal("instance.not_member", instance_id=instance_id, group=group.name)
        if member.state not in allowed:
            raise Refusal(
                "instance.bad_state",
                instance_id=instance_id,
                group=group.name,
                allowed=tuple(s.value for s in allowed),
            )
        chosen.append(member)
    return chosen


def shrink(group: Group, count: int) -> tuple[int, int]:
    """Take `count` off the desired capacity, refusing to go below MinSize."""
    if group.desired - count < group.min_size:
        raise Refusal("capacity.min", count=count, **group.sizes())
    before = group.desired
    group.desired -= count
    return before, group.desired


def grow(group: Group, count: int) -> tuple[int, int]:
    """Add `count` to the desired capacity, refusing to go above MaxSize."""
    if group.desired + count > group.max_size:
        raise Refusal("capacity.max", count=count, **group.sizes())
    before = group.desired
    group.desired += count
    return before, group.desired


def check_batch(ids: Sequence[str], limit: int) -> None:
    if not ids:
        raise Refusal("batch.empty")
    if len(ids) > limit:
        raise Refusal("batch.too_many", limit=limit)
