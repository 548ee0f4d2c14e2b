"""The AWS/AutoScaling group metrics computed from a group's sizes and member states."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.group_metrics import GROUP_METRICS, Census, sampled
from tidewater.domain.instance import Lifecycle

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
    assert full["GroupTotalInstances"] + full["GroupStandbyInstances"] + detaching == sum(
        counted.values()
    ), "every member is counted once, standby and detaching outside the total"


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
    assert (census.pending, census.in_service, census.standby, census.terminating) == (2, 3, 1, 2)
    assert census.total == 7
