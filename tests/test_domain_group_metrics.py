"""The AWS/AutoScaling group metrics computed from a group's sizes and member states."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.group_metrics import GROUP_METRICS, WARM_POOL_METRICS, Census, sampled
from tidewater.domain.instance import WARM, Lifecycle

states = st.dictionaries(st.sampled_from(list(Lifecycle)), st.integers(0, 50))
enabled = st.sets(st.sampled_from([*GROUP_METRICS, "WarmPoolTotalCapacity", "GroupFoo"]))


@given(states, st.integers(0, 10), st.integers(0, 100), enabled)
def test_sampled_metrics_add_up(
    counted: dict[Lifecycle, int], low: int, high: int, chosen: set[str]
) -> None:
    census = Census.of(low, max(low, high), low, {str(k): n for k, n in counted.items()})
    values = sampled(chosen, census)
    assert set(values) == chosen & set(GROUP_METRICS), "warm pool and unknown names stay out"
    full = sampled(GROUP_METRICS, census)
    assert full["GroupTotalInstances"] == (
        full["GroupInServiceInstances"]
        + full["GroupPendingInstances"]
        + full["GroupTerminatingInstances"]
    )
    for kind in ("InService", "Pending", "Standby", "Terminating", "Total"):
        assert full[f"Group{kind}Capacity"] == full[f"Group{kind}Instances"]
    assert full["GroupAndWarmPoolTotalCapacity"] == full["GroupTotalCapacity"]
    detaching = counted.get(Lifecycle.DETACHING, 0)
    group = sum(n for state, n in counted.items() if state not in WARM)
    assert full["GroupTotalInstances"] + full["GroupStandbyInstances"] + detaching == group, (
        "every member is counted once, standby, detaching and the warm pool's outside the total"
    )


def test_each_state_lands_in_its_metric() -> None:
    census = Census.of(
        1,
        9,
        5,
        {
            "Pending:Wait": 1,
            "Pending": 1,
            "InService": 3,
            "EnteringStandby": 1,
            "Terminating:Proceed": 2,
        },
    )
    counts = census.instances
    assert (counts.pending, counts.in_service, counts.standby, counts.terminating) == (2, 3, 1, 2)
    assert counts.total == 7


def test_capacity_metrics_count_weights() -> None:
    """A weighted group's *Capacity metrics sum its members' weights; *Instances count them."""
    census = Census.of(0, 40, 12, {"InService": 3, "Pending": 1}, {"InService": 12, "Pending": 4})
    full = sampled(GROUP_METRICS, census)
    assert (full["GroupInServiceInstances"], full["GroupInServiceCapacity"]) == (3, 12)
    assert (full["GroupPendingInstances"], full["GroupPendingCapacity"]) == (1, 4)
    assert (full["GroupTotalInstances"], full["GroupTotalCapacity"]) == (4, 16)


def test_a_warm_pool_publishes_its_own_and_adds_to_the_groups() -> None:
    states = {"InService": 2, "Warmed:Stopped": 2, "Warmed:Pending": 1, "Warmed:Terminating": 1}
    census = Census.of(0, 6, 2, states, pool_size=4)
    full = sampled([*GROUP_METRICS, *WARM_POOL_METRICS], census)
    assert (full["WarmPoolDesiredCapacity"], full["WarmPoolWarmedCapacity"]) == (4, 2)
    assert (full["WarmPoolPendingCapacity"], full["WarmPoolTerminatingCapacity"]) == (1, 1)
    assert full["WarmPoolTotalCapacity"] == 4
    assert full["GroupTotalInstances"] == 2, "the pool's instances are not the group's"
    assert full["GroupAndWarmPoolDesiredCapacity"] == 6
    assert full["GroupAndWarmPoolTotalCapacity"] == 6
    assert set(WARM_POOL_METRICS).isdisjoint(sampled(WARM_POOL_METRICS, Census.of(0, 6, 2, states)))
