"""How a group closes the gap between desired and actual capacity: where to launch, what to end."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tidewater.domain.group import Group, GroupStatus
from tidewater.domain.instance import COUNTED, HELD_ON_ARRIVAL, WARM, WARMED, Lifecycle, Member
from tidewater.domain.processes import Gate


@dataclass(slots=True)
class Plan:
    launch_zones: list[str] = field(default_factory=list)
    terminate: list[Member] = field(default_factory=list)
    replace_unhealthy: list[Member] = field(default_factory=list)
    rebalance: bool = False
    goal: int = 0  # the capacity this plan moves towards, when every batch is done
    more: bool = False  # the gap is wider than one batch: the next pass continues


def zone_counts(
    zones: Sequence[str], members: Sequence[Member], pending: Sequence[str]
) -> Counter[str]:
    counts: Counter[str] = Counter({zone: 0 for zone in zones})
    for member in members:
        if member.counted:
            counts[member.zone] += 1
    counts.update(pending)
    return counts


def emptiest_zone(counts: Counter[str], zones: Sequence[str]) -> str:
    """Launch where the group is thinnest; ties go to the zone listed first."""
    return min(zones, key=lambda zone: (counts[zone], zones.index(zone)))


def plan(
    group: Group,
    members: Sequence[Member],
    pending_zones: Sequence[str],
    now: datetime,
    rebalancing: bool = False,
    batch: int = 100,
    room: int | None = None,
    allowance: int = 0,
    pending_units: int | None = None,
) -> Plan:
    """Decide launches and terminations; `pending_zones` are launches not yet given an instance,
    `pending_units` what they will add (one each, unless the group weighs instance types).

    While a rebalancing launch is under way nothing is scaled in: AZRebalance launches first and
    terminates only once the new instance is in service. At most `batch` instances start or end
    per plan, however wide the gap: the rest is left for the next pass (`more`). `room` is how
    many more instances the account may run: launches stop there, and the group waits for the
    ones under way (or for a failed launch's retry) instead of coming straight back.
    `allowance` is how far above the desired capacity an instance refresh that launches before
    it terminates may hold the group: nothing is scaled in for it.

    Capacity is counted in units: each member counts its weight (AWS WeightedCapacity, one
    where the group weighs nothing). Launches go on until the desired capacity is met, even
    if the last one overshoots it; scale-in ends only what leaves the capacity at or above it.
    """
    result = Plan()
    zones = list(group.zones) or sorted({m.zone for m in members})
    if group.status is GroupStatus.DELETING:
        counted = [m for m in members if m.counted]
        result.terminate = counted[:batch]
        result.more = len(counted) > batch
        return result
    if group.status is GroupStatus.INACTIVE:
        return result
    live = [m for m in members if m.counted]
    result.goal = group.desired
    if not group.blocks(Gate.REPLACE_UNHEALTHY):
        sick = [m for m in live if not m.healthy]
        result.replace_unhealthy = sick[:batch]
        result.more = len(sick) > batch
        batch -= len(result.replace_unhealthy)
        live = [m for m in live if m.healthy]
    counts = zone_counts(zones, live, pending_zones)
    pending = len(pending_zones) if pending_units is None else pending_units
    actual = sum(m.units for m in live) + pending
    target = group.desired
    if actual < target and zones and not group.blocks(Gate.SCALE_OUT):
        wanted = -(-(target - actual) // group.launch_units)  # launches, the last may overshoot
        count = min(wanted, batch if room is None else min(batch, max(room, 0)))
        for _ in range(count):
            zone = emptiest_zone(counts, zones)
            counts[zone] += 1
            result.launch_zones.append(zone)
        result.more = result.more or (wanted > count and count == batch)
    elif (
        actual > target + allowance
        and not group.blocks(Gate.SCALE_IN)
        and not pending_zones
        and not rebalancing
    ):
        extra = actual - target - allowance
        result.terminate = choose_victims(group, live, extra, now, batch)
        left = extra - sum(m.units for m in result.terminate)
        result.more = result.more or (len(result.terminate) == batch and left > 0)
    elif (
        actual == target
        and not pending_zones
        and zones
        and _unbalanced(counts, zones)
        and _may_rebalance(group, actual)
        and _can_finish(counts, zones, live)
    ):
        result.launch_zones.append(emptiest_zone(counts, zones))
        result.rebalance = True
    return result


def settled(group: Group, members: Sequence[Member], launching: bool) -> bool:
    """Whether `plan` finds nothing to do, whatever the time, room, batch or refresh allowance.

    A change that leaves its group settled need not wake the reconciler; any other must.
    `launching`: a launch activity of the group is still under way.
    """
    return settled_tally(group, tally(members), launching)


# How many members stand in each (zone, state, healthy, units): all `settled` needs to know,
# and what one GROUP BY reads without loading a big group's members
Tally = Counter[tuple[str, Lifecycle, bool, int]]


def tally(members: Sequence[Member]) -> Tally:
    return Counter((m.zone, m.state, bool(m.healthy), m.units) for m in members)


def settled_tally(group: Group, counts: Tally, launching: bool) -> bool:
    """`settled`, from the members counted by (zone, state, healthy, units).

    Above the desired capacity a group is settled only while no member is light enough to end
    without going below it (weights: the last launch may overshoot); protection is not counted
    here, so such a group may get one pass that finds nothing to do.
    """
    if group.status is not GroupStatus.ACTIVE or launching:
        return False
    if group.warm_pool is not None and group.warm_pool.deleting:
        return False  # the pass that finds it empty lets it go
    # a warm pool holds its size, every instance at rest (none once it is gone: a launch into
    # a pool deleted by force still ends up with an instance to end)
    pooled = {state: n for (_, state, *_), n in counts.items() if state in WARM and n}
    if sum(pooled.values()) != group.pool_size() or not pooled.keys() <= WARMED:
        return False
    live = {key: n for key, n in counts.items() if key[1] in COUNTED and n}
    if not all(healthy for _, _, healthy, _ in live):
        return False
    over = sum(n * units for (_, _, _, units), n in live.items()) - group.desired
    if over < 0 or (over > 0 and min(units for *_, units in live) <= over):
        return False
    if over > 0:
        return True  # nothing to end; balance is not sought above the desired capacity
    zones = list(group.zones) or sorted({zone for (zone, *_), n in counts.items() if n})
    by_zone: Counter[str] = Counter({zone: 0 for zone in zones})
    for (zone, *_), n in live.items():
        by_zone[zone] += n
    return not zones or not _unbalanced(by_zone, zones)


def _unbalanced(counts: Counter[str], zones: Sequence[str]) -> bool:
    values = [counts[zone] for zone in zones]
    return max(values) - min(values) > 1


def _can_finish(counts: Counter[str], zones: Sequence[str], live: Sequence[Member]) -> bool:
    """A rebalance ends an instance of the fullest zone after its launch: one must be free to go.

    When every instance there is protected, the scale-in that follows would end the new one
    and the next pass would launch it again, forever.
    """
    fullest = max(counts[zone] for zone in zones)
    return any(not m.protected and counts[m.zone] == fullest for m in live)


def _may_rebalance(group: Group, actual: int) -> bool:
    """AZRebalance launches first, so it may go over MaxSize by 10% (at least one) for a while."""
    if not group.rules.rebalances_zones:
        return False
    if group.blocks(Gate.REBALANCE):
        return False
    headroom = max(1, group.max_size // 10)
    return actual + 1 <= group.max_size + headroom


def choose_victims(
    group: Group, live: Sequence[Member], units: int, now: datetime, batch: int | None = None
) -> list[Member]:
    """Pick scale-in victims worth at most `units` (at most `batch` of them) by the group's
    termination policies; protected ones are spared, and so are instances a launch hook still
    holds (chosen: the next pass, once the hook lets them go, may pick them). A victim that
    would take the capacity below the desired capacity is passed over for the next choice."""
    candidates = [m for m in live if not m.protected and m.state not in HELD_ON_ARRIVAL]
    chosen: list[Member] = []
    per_zone = Counter(m.zone for m in live)  # what stays, zone by zone, as victims are chosen
    limit = units if batch is None else batch
    while candidates and len(chosen) < limit:
        victim = _pick(group, candidates, per_zone, now)
        candidates.remove(victim)
        if victim.units > units:
            continue
        chosen.append(victim)
        units -= victim.units
        per_zone[victim.zone] -= 1
    return chosen


def _pick(
    group: Group,
    candidates: list[Member],
    per_zone: Counter[str],
    now: datetime,
) -> Member:
    biggest = max(per_zone[m.zone] for m in candidates)
    pool = [m for m in candidates if per_zone[m.zone] == biggest]
    for policy in group.termination_policies or ("Default",):
        pool = _apply(policy, group, pool, now)
        if len(pool) == 1:
            return pool[0]
    return min(pool, key=lambda m: (m.joined_at, m.instance_id))


def _apply(policy: str, group: Group, pool: list[Member], now: datetime) -> list[Member]:
    if policy in ("OldestLaunchConfiguration", "OldestLaunchTemplate", "Default"):
        pool = _lowest(pool, lambda m: _staleness(group, m))
        if policy != "Default":
            return pool
        return _apply("ClosestToNextInstanceHour", group, pool, now)
    if policy == "OldestScalingConfiguration":
        # ESS: instances of the earliest configuration go first; attached ones (no
        # configuration) are left for later policies, unless nothing else is left.
        dated = [m for m in pool if m.launch_age is not None]
        return _lowest(dated, lambda m: (m.launch_age or 0.0,)) or pool
    if policy == "OldestInstance":
        return _lowest(pool, lambda m: (m.joined_at.timestamp(),))
    if policy == "NewestInstance":
        return _lowest(pool, lambda m: (-m.joined_at.timestamp(),))
    if policy == "ClosestToNextInstanceHour":
        return _lowest(pool, lambda m: (-((now - m.joined_at).total_seconds() % 3600),))
    # AllocationStrategy needs a mixed-instances group and ESS's CustomPolicy a function to
    # call; neither exists here, so both leave the choice to the policies after them.
    return pool


def _lowest(pool: list[Member], key: Callable[[Member], tuple[float, ...]]) -> list[Member]:
    """The members that share the lowest key: the ones a policy would end first."""
    if not pool:
        return pool
    best = min(key(m) for m in pool)
    return [m for m in pool if key(m) == best]


def _staleness(group: Group, member: Member) -> tuple[float, ...]:
    """AWS's order for the oldest launch source: not the group's current source first, launch
    configurations before templates, then the oldest configuration or template version."""
    current = _source(member.launch_ref) == _source(group.launch_ref)
    template = member.launch_ref.startswith("lt:")
    age = -math.inf if member.launch_age is None else member.launch_age
    return (float(current), float(template), age)


def _source(ref: str) -> str:
    """A template's versions are one source: the version is its age, not its identity."""
    return ref.rsplit(":", 1)[0] if ref.startswith("lt:") else ref
