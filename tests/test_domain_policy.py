"""Scaling policy arithmetic: AWS's percentage rounding, the group's bounds, step selection."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.policy import Step, check_steps, selected
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import AWS_ROUNDING, ESS_ROUNDING, Adjustment, Change

capacities = st.integers(min_value=0, max_value=10_000)
percents = st.integers(min_value=-100, max_value=1_000)


@pytest.mark.parametrize(
    ("value", "current", "wanted"),
    [
        (10, 127, 12),  # 12.7 rounds toward zero
        (-10, 67, -6),  # -6.7 rounds toward zero
        (10, 5, 1),  # 0.5: a fraction moves one on AWS
        (-10, 5, -1),
        (10, 0, 0),  # nothing to take a percentage of
    ],
)
def test_aws_percentages_round_toward_zero_and_move_at_least_one(
    value: int, current: int, wanted: int
) -> None:
    assert Adjustment(Change.BY_PERCENT, value, rounding=AWS_ROUNDING).step(current) == wanted


def test_ess_keeps_a_fraction_at_zero() -> None:
    assert Adjustment(Change.BY_PERCENT, 10, rounding=ESS_ROUNDING).step(5) == 0


@given(percents, capacities)
def test_aws_percentage_is_its_share_truncated_and_at_least_one(value: int, current: int) -> None:
    adjustment = Adjustment(Change.BY_PERCENT, value, rounding=AWS_ROUNDING)
    step = adjustment.step(current)
    exact = current * value / 100
    assert abs(step) <= max(1, math.floor(abs(exact)))
    assert step == 0 or (step > 0) == (value > 0)
    if abs(exact) >= 1:
        assert step == math.trunc(exact)
    elif exact != 0:
        assert abs(step) == 1


@given(percents, capacities, st.integers(min_value=1, max_value=50))
def test_min_adjustment_magnitude_is_the_least_a_nonzero_percentage_moves(
    value: int, current: int, magnitude: int
) -> None:
    step = Adjustment(Change.BY_PERCENT, value, magnitude, AWS_ROUNDING).step(current)
    if value != 0:
        assert abs(step) >= magnitude
    else:
        assert step == 0


@given(
    st.sampled_from(list(Change)),
    st.integers(min_value=-1_000, max_value=1_000),
    capacities,
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=100),
)
def test_the_bounded_capacity_stays_inside_the_group(
    change: Change, value: int, current: int, low: int, extra: int
) -> None:
    adjustment = Adjustment(change, value, rounding=AWS_ROUNDING)
    high = low + extra
    bounded = adjustment.bounded(current, low, high)
    assert low <= bounded <= high
    if low <= adjustment.applied(current) <= high:
        assert bounded == adjustment.applied(current)


bounds = st.lists(
    st.integers(min_value=-1_000, max_value=1_000), min_size=0, max_size=6, unique=True
).map(sorted)


def _partition(cuts: list[int]) -> list[Step]:
    """Steps covering the whole line, cut at the given points, each adjusting by its index."""
    edges: list[float | None] = [None, *map(float, cuts), None]
    return [Step(edges[i], edges[i + 1], i) for i in range(len(edges) - 1)] if cuts else []


@given(bounds.filter(bool), st.floats(-2_000, 2_000), st.floats(-100, 100))
def test_every_breach_selects_exactly_one_step_of_a_full_partition(
    cuts: list[int], metric: float, threshold: float
) -> None:
    steps = _partition(cuts)
    check_steps(steps)
    chosen = selected(steps, metric, threshold)
    assert chosen is not None
    breach = metric - threshold
    assert chosen.lower is None or breach >= chosen.lower
    assert chosen.upper is None or breach <= chosen.upper


def test_a_boundary_belongs_to_the_step_away_from_the_threshold() -> None:
    steps = [Step(None, -10, -2), Step(-10, 0, -1), Step(0, 10, 1), Step(10, None, 2)]
    check_steps(steps)
    assert selected(steps, 60, 50) == steps[3]  # above: a lower bound is inclusive
    assert selected(steps, 59.9, 50) == steps[2]
    assert selected(steps, 50, 50) == steps[1]  # at or below: an upper bound is inclusive
    assert selected(steps, 40, 50) == steps[0]  # below: a lower bound is exclusive
    assert selected(steps, 40.1, 50) == steps[1]


@given(bounds.filter(lambda c: len(c) >= 2), st.data())
def test_taking_out_an_inner_step_leaves_a_gap(cuts: list[int], data: st.DataObject) -> None:
    steps = _partition(cuts)
    inner = data.draw(st.integers(min_value=1, max_value=len(steps) - 2))
    with pytest.raises(Refusal) as refused:
        check_steps(steps[:inner] + steps[inner + 1 :])
    assert refused.value.reason == "policy.steps_gap"


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ([Step(None, None, 1)], "policy.step_unbounded"),
        ([Step(5, 5, 1)], "policy.step_inverted"),
        ([Step(None, 0, 1), Step(None, 5, 1)], "policy.steps_overlap"),
        ([Step(0, 10, 1), Step(5, None, 2)], "policy.steps_overlap"),
        ([Step(-5, 0, 1), Step(0, None, 2)], "policy.steps_need_open_lower"),
        ([Step(None, 0, 1), Step(0, 5, 2)], "policy.steps_need_open_upper"),
    ],
)
def test_steps_aws_refuses(steps: list[Step], reason: str) -> None:
    with pytest.raises(Refusal) as refused:
        check_steps(steps)
    assert refused.value.reason == reason


def test_a_scale_out_only_policy_needs_no_open_lower_end() -> None:
    check_steps([Step(0, 10, 1), Step(10, None, 2)])
    assert selected([Step(0, 10, 1), Step(10, None, 2)], 49, 50) is None
