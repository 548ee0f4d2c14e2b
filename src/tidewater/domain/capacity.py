"""How a group closes the gap between desired and actual capacity: where to launch, what to end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tidewater.domain.group import Group, GroupStatus, Process
from tidewater.domain.instance import Member


@dataclass(slots=True)
class Plan:
    launch_zones: list[str] = field(default_factory=list)
    terminate: list[Member] = field(default_factory=list)
    replace_unhealthy: list[Member] = field(default_factory=list)
    rebalance: bool = False


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
) -> Plan:
    """Decide launches and terminations; `pending_zones` are launches not yet given an instance.

    While a rebalancing launch is under way nothing is scaled in: AZRebalance launches first and
    terminates only once the new instance is in service.
    """
    result = Plan()
    zones = list(group.zones) or sorted({m.zone for m in members})
    if group.status is GroupStatus.DELETING:
        result.terminate = [m for m in members if m.counted]
        return result
    if group.status is GroupStatus.INACTIVE:
        return result
    live = [m for m in members if m.counted]
    if not group.suspends(Process.REPLACE_UNHEALTHY) and not group.suspends(Process.TERMINATE):
        result.replace_unhealthy = [m for m in live if not m.healthy]
        live = [m for m in live if m.healthy]
    counts = zone_counts(zones, live, pending_zones)
    actual = len(live) + len(pending_zones)
    target = group.desired
    if actual < target and zones and not group.suspends(Process.LAUNCH):
        for _ in range(target - actual):
            zone = emptiest_zone(counts, zones)
            counts[zone] += 1
            result.launch_zones.append(zone)
    elif (
        actual > target
        and not group.suspends(Process.TERMINATE)
        and not pending_zones
        and not rebalancing
    ):
        result.terminate = choose_victims(group, live, actual - target, now)
    elif (
        actual == target
        and not pending_zones
        and zones
        and _unbalanced(counts, zones)
        and _may_rebalance(group, actual)
    ):
        result.launch_zones.append(emptiest_zone(counts, zones))
        result.rebalance = True
    return result


def _unbalanced(counts: Counter[str], zones: Sequence[str]) -> bool:
    values = [counts[zone] for zone in zones]
    return max(values) - min(values) > 1


def _may_rebalance(group: Group, actual: int) -> bool:
    """AZRebalance launches first, so it may go over MaxSize by 10% (at least one) for a while."""
    if group.suspends(Process.AZ_REBALANCE) or group.suspends(Process.LAUNCH):
        return False
    if group.suspends(Process.TERMINATE):
        return False
    headroom = max(1, group.max_size // 10)
    return actual + 1 <= group.max_size + headroom


def choose_victims(group: Group, live: Sequence[Member], count: int, now: datetime) -> list[Member]:
    """Pick scale-in victims by the group's termination policies; protected ones are spared."""
    candidates = [m for m in live if not m.protected]
    chosen: list[Member] = []
    for _ in range(min(count, len(candidates))):
        victim = _pick(group, candidates, live, chosen, now)
        chosen.append(victim)
        candidates.remove(victim)
    return chosen


def _pick(
    group: Group,
    candidates: list[Member],
    live: Sequence[Member],
    chosen: list[Member],
    now: datetime,
) -> Member:
    remaining = [m for m in live if m not in chosen]
    per_zone = Counter(m.zone for m in remaining)
    biggest = max(per_zone[m.zone] for m in candidates)
    pool = [m for m in candidates if per_zone[m.zone] == biggest]
    for policy in group.termination_policies or ("Default",):
        pool = _apply(policy, group, pool, now)
        if len(pool) == 1:
            return pool[0]
    return min(pool, key=lambda m: (m.joined_at, m.instance_id))


def _apply(policy: str, group: Group, pool: list[Member], now: datetime) -> list[Member]:
    if policy in ("OldestLaunchConfiguration", "OldestLaunchTemplate", "Default"):
        stale = [m for m in pool if m.launch_ref != group.launch_ref]
        pool = stale or pool
        if policy != "Default":
            return pool
        return _apply("ClosestToNextInstanceHour", group, pool, now)
    if policy == "OldestInstance":
        oldest = min(m.joined_at for m in pool)
        return [m for m in pool if m.joined_at == oldest]
    if policy == "NewestInstance":
        newest = max(m.joined_at for m in pool)
        return [m for m in pool if m.joined_at == newest]
    if policy == "ClosestToNextInstanceHour":

        def into_hour(m: Member) -> float:
            return (now - m.joined_at).total_seconds() % 3600

        closest = max(into_hour(m) for m in pool)
        return [m for m in pool if into_hour(m) == closest]
    return pool
