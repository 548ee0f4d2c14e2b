"""Scaling policy arithmetic: AWS's percentage rounding, the group's bounds, step selection."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.policy import Breach, Step, check_steps, selected, tracked
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import (
    AWS_ROUNDING,
    ESS_ROUNDING,
    Adjustment,
    Change,
    Rounding,
    RuleKind,
    ScalingRule,
    Target,
)

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
        ([Step(None, 0, 1), Step(None, 5, 1)], "policy.steps_many_open_lower"),
        ([Step(0, None, 1), Step(5, None, 1)], "policy.steps_many_open_upper"),
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


# -- the capacity each policy type asks for -----------------------------------------------------


loads = st.floats(min_value=0, max_value=1000, allow_nan=False)
targets = st.floats(min_value=0.5, max_value=1000, allow_nan=False)


@given(st.integers(1, 500), loads, targets, st.booleans())
def test_tracking_asks_the_least_capacity_that_holds_the_metric_at_target(
    current: int, metric: float, target: float, disable_scale_in: bool
) -> None:
    asked = tracked(current, metric, target, disable_scale_in)
    load = current * metric
    if metric > target:
        assert asked > current
    if asked > current or not disable_scale_in:
        # enough instances to carry the load at the target, and one fewer would not be
        assert asked * target >= load - 1e-6 * max(load, 1)
        if asked > 1:
            assert (asked - 1) * target < load + 1e-6 * max(load, 1)
    if disable_scale_in:
        assert asked >= current


@given(st.integers(1, 500), targets, st.booleans())
def test_tracking_at_target_keeps_the_capacity(
    current: int, target: float, disable_scale_in: bool
) -> None:
    assert tracked(current, target, target, disable_scale_in) == current


def test_tracking_worked_examples() -> None:
    assert tracked(2, 75, 50, False) == 3  # 150 % of the target over 2 → 3
    assert tracked(4, 20, 50, False) == 2  # 80 of load at 50 each: 1.6 → 2 (conservative)
    assert tracked(4, 20, 50, True) == 4
    assert tracked(3, 0, 50, False) == 0
    assert tracked(0, 90, 50, False) == 0  # no instance, no average to act on


@given(st.integers(0, 50), st.integers(-20, 20), st.sampled_from(list(Change)))
def test_a_simple_rule_asks_its_adjustment_whatever_the_breach(
    current: int, value: int, change: Change
) -> None:
    rule = ScalingRule(RuleKind.SIMPLE, change, value)
    expected = Adjustment(change, value, None, AWS_ROUNDING).applied(current)
    assert rule.asked(current, None, AWS_ROUNDING) == expected
    assert rule.asked(current, Breach(1, 0), AWS_ROUNDING) == expected


@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True),
    st.integers(0, 50),
    st.floats(-100, 100, allow_nan=False),
)
def test_a_step_rule_asks_its_selected_steps_adjustment(
    cuts: list[int], current: int, breach: float
) -> None:
    steps = _partition(sorted(cuts))
    rule = ScalingRule(RuleKind.STEP, Change.BY_COUNT, steps=tuple(steps))
    step = selected(steps, 50 + breach, 50)
    assert step is not None
    assert rule.asked(current, Breach(50 + breach, 50), AWS_ROUNDING) == current + step.adjustment
    with pytest.raises(Refusal) as refused:
        rule.asked(current, None, AWS_ROUNDING)
    assert refused.value.reason == "policy.breach_required"


def test_a_step_rule_with_no_step_for_the_breach_asks_nothing() -> None:
    rule = ScalingRule(RuleKind.STEP, Change.BY_COUNT, steps=(Step(0, None, 2),))
    assert rule.asked(3, Breach(40, 50), AWS_ROUNDING) is None


@given(st.integers(1, 100), loads, targets)
def test_a_tracking_rule_asks_what_tracked_computes(
    current: int, metric: float, target: float
) -> None:
    rule = ScalingRule(RuleKind.TARGET_TRACKING, target=Target(target, False))
    assert rule.asked(current, Breach(metric, target), AWS_ROUNDING) == tracked(
        current, metric, target, False
    )


def test_a_predictive_rule_is_never_executed() -> None:
    with pytest.raises(Refusal) as refused:
        ScalingRule(RuleKind.PREDICTIVE).asked(1, Breach(1, 0), AWS_ROUNDING)
    assert refused.value.reason == "policy.not_executable"


# -- what the tests above leave open: every change kind, both clouds' rounding, monotony --------

roundings = st.sampled_from([AWS_ROUNDING, ESS_ROUNDING])
magnitudes = st.one_of(st.none(), st.integers(1, 20))


@given(percents, capacities, magnitudes)
def test_ess_percentages_truncate_and_only_the_magnitude_moves_a_fraction(
    value: int, current: int, magnitude: int | None
) -> None:
    step = Adjustment(Change.BY_PERCENT, value, magnitude, ESS_ROUNDING).step(current)
    exact = math.trunc(current * value / 100)
    assert step == 0 or (step > 0) == (value > 0)
    if magnitude is None or value == 0:
        assert step == exact
    else:
        assert abs(step) == max(abs(exact), magnitude)


@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True),
    st.sampled_from(list(Change)),
    st.integers(0, 200),
    st.floats(-100, 100, allow_nan=False),
    magnitudes,
    roundings,
)
def test_a_step_rule_of_any_change_applies_its_step_as_a_simple_rule_would(
    cuts: list[int],
    change: Change,
    current: int,
    breach: float,
    magnitude: int | None,
    rounding: Rounding,
) -> None:
    steps = [
        Step(s.lower, s.upper, abs(s.adjustment) if change is Change.TO_EXACT else s.adjustment)
        for s in _partition(sorted(cuts))
    ]
    step = selected(steps, 50 + breach, 50)
    assert step is not None
    rule = ScalingRule(RuleKind.STEP, change, min_step=magnitude, steps=tuple(steps))
    simple = ScalingRule(RuleKind.SIMPLE, change, step.adjustment, min_step=magnitude)
    asked = rule.asked(current, Breach(50 + breach, 50), rounding)
    assert asked == simple.asked(current, None, rounding)
    if change is not Change.TO_EXACT and step.adjustment:
        assert (asked > current) == (step.adjustment > 0) or asked == current


@given(st.integers(1, 500), loads, loads, targets, st.booleans())
def test_tracking_never_asks_less_for_more_load(
    current: int, low: float, high: float, target: float, disable_scale_in: bool
) -> None:
    low, high = sorted((low, high))
    fewer = tracked(current, low, target, disable_scale_in)
    more = tracked(current, high, target, disable_scale_in)
    assert 0 <= fewer <= more
