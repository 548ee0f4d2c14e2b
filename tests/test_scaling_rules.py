"""The engine's scaling rule: how each change moves capacity, and ESS's names for it both ways."""

from __future__ import annotations

import pytest

from tidewater.dialects.aliyun import rules
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import Adjustment, Change, RuleKind, ScalingRule


@pytest.mark.parametrize(
    ("adjustment", "current", "wanted"),
    [
        (Adjustment(Change.TO_EXACT, 5), 2, 5),
        (Adjustment(Change.BY_COUNT, -2), 3, 1),
        (Adjustment(Change.BY_PERCENT, 50), 3, 4),  # 1.5 rounds toward zero
        (Adjustment(Change.BY_PERCENT, -50), 3, 2),  # -1.5 rounds toward zero
        (Adjustment(Change.BY_PERCENT, 10, min_step=2), 2, 4),
        (Adjustment(Change.BY_PERCENT, -10, min_step=2), 4, 2),
        (Adjustment(Change.BY_PERCENT, 0, min_step=2), 4, 4),
    ],
)
def test_each_change_moves_the_capacity(adjustment: Adjustment, current: int, wanted: int) -> None:
    assert adjustment.applied(current) == wanted


def test_only_a_simple_rule_with_a_change_is_executed() -> None:
    simple = ScalingRule(RuleKind.SIMPLE, Change.BY_COUNT, 2, None, 60)
    assert simple.adjustment() == Adjustment(Change.BY_COUNT, 2)
    with pytest.raises(Refusal) as step:
        ScalingRule(RuleKind.STEP, Change.BY_COUNT).adjustment()
    assert (step.value.reason, step.value.facts) == (
        "scaling_rule.not_executable",
        {"kind": RuleKind.STEP},
    )
    with pytest.raises(Refusal) as bare:
        ScalingRule(RuleKind.SIMPLE).adjustment()
    assert bare.value.reason == "adjustment.invalid"


def test_ess_parameters_become_the_rule_and_come_back_unchanged() -> None:
    given = {
        "ScalingRuleType": "SimpleScalingRule",
        "AdjustmentType": "PercentChangeInCapacity",
        "AdjustmentValue": 3,
        "MinAdjustmentMagnitude": 1,
        "Cooldown": 30,
    }
    rule = rules.rule_of(given)
    assert rule == ScalingRule(RuleKind.SIMPLE, Change.BY_PERCENT, 3, 1, 30)
    assert rules.wire(rule) == given
    tracking = rules.rule_of({"ScalingRuleType": "TargetTrackingScalingRule"})
    assert rules.wire(tracking) == {"ScalingRuleType": "TargetTrackingScalingRule"}
    assert rules.adjustment_of(
        {"AdjustmentType": "PercentChangeInCapacity", "AdjustmentValue": 5}
    ) == Adjustment(Change.BY_PERCENT, 5)
    assert rules.adjustment_of(
        {"AdjustmentType": "QuantityChangeInCapacity", "AdjustmentValue": -1}
    ) == Adjustment(Change.BY_COUNT, -1)
