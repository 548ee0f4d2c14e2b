"""A warm pool's size as the API reference gives it, and when a group with one is settled."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain import capacity
from tidewater.domain.group import Group, GroupStatus
from tidewater.domain.instance import WARM, WARMED, Lifecycle
from tidewater.domain.warm_pool import PoolState, WarmPool

pools = st.builds(
    WarmPool,
    min_size=st.integers(0, 5),
    max_prepared=st.none() | st.integers(0, 12),
    state=st.sampled_from(list(PoolState)),
    reuse=st.booleans(),
    deleting=st.booleans(),
)


@given(pools, st.integers(0, 10), st.integers(0, 10))
def test_the_pool_keeps_what_the_prepared_capacity_leaves(
    pool: WarmPool, desired: int, max_size: int
) -> None:
    size = pool.size(desired, max_size)
    if pool.deleting:
        assert size == 0
        return
    prepared = max_size if pool.max_prepared is None else pool.max_prepared
    assert size >= pool.min_size and size >= 0
    assert size == max(pool.min_size, prepared - desired, 0)
    assert WarmPool.of(pool.stored()) == pool


@given(pools, st.dictionaries(st.sampled_from(sorted(WARM)), st.integers(0, 4)))
def test_a_group_is_settled_only_with_its_pool_full_and_at_rest(
    pool: WarmPool, pooled: dict[Lifecycle, int]
) -> None:
    group = Group(id="g", name="g", min_size=0, max_size=6, desired=2, zones=("a",))
    group.warm_pool = pool
    counts: capacity.Tally = Counter({("a", Lifecycle.IN_SERVICE, True, 1): 2})
    for state, n in pooled.items():
        counts[("a", state, True, 1)] += n
    settled = capacity.settled_tally(group, counts, launching=False)
    if settled:
        assert not pool.deleting
        assert sum(pooled.values()) == group.pool_size()
        assert all(state in WARMED for state, n in pooled.items() if n)
    resting = {s: n for s, n in pooled.items() if s in WARMED}
    if (
        not pool.deleting
        and sum(resting.values()) == group.pool_size()
        and resting == {s: n for s, n in pooled.items() if n}
    ):
        assert settled, "a full pool at rest leaves nothing to do"
    group.status = GroupStatus.DELETING
    assert group.pool_size() == 0


def test_a_pool_deleted_by_force_leaves_no_instance_settled() -> None:
    """A launch into a pool deleted by force still makes its instance: the group must look."""
    group = Group(id="g", name="g", min_size=0, max_size=6, desired=2, zones=("a",))
    counts: capacity.Tally = Counter({("a", Lifecycle.IN_SERVICE, True, 1): 2})
    assert capacity.settled_tally(group, counts, launching=False)
    counts[("a", Lifecycle.WARMED_STOPPED, True, 1)] += 1
    assert not capacity.settled_tally(group, counts, launching=False)
