"""A scaling rule (ESS) or policy (AWS) as the engine keeps it: a kind and a capacity change."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from tidewater.domain.policy import Breach, Step, selected, tracked
from tidewater.domain.refusal import Refusal


class RuleKind(StrEnum):
    """What drives a rule: ESS's `<Kind>ScalingRule` types, AWS's `<Kind>Scaling` policy types."""

    SIMPLE = "simple"
    STEP = "step"
    TARGET_TRACKING = "target_tracking"
    PREDICTIVE = "predictive"


class Change(StrEnum):
    """How an adjustment's value moves the capacity; each cloud has its own name for each."""

    BY_COUNT = "count"  # ESS QuantityChangeInCapacity, AWS ChangeInCapacity
    BY_PERCENT = "percent"  # PercentChangeInCapacity on both
    TO_EXACT = "exact"  # ESS TotalCapacity, AWS ExactCapacity


@dataclass(frozen=True, slots=True)
class Rounding:
    """How a cloud turns a percentage of the capacity into a whole number of instances."""

    # AWS moves at least one instance when a nonzero percentage comes to less than one
    # (user guide, "Scaling adjustment types"); ESS's documents say no such thing.
    fraction_moves_one: bool


AWS_ROUNDING = Rounding(fraction_moves_one=True)
ESS_ROUNDING = Rounding(fraction_moves_one=False)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One capacity change; `min_step` is the least a percentage moves (MinAdjustmentMagnitude)."""

    change: Change
    value: int
    min_step: int | None = None
    rounding: Rounding = ESS_ROUNDING

    def step(self, current: int) -> int:
        """How many instances a percentage moves: toward zero, then the cloud's least move."""
        change = current * self.value / 100
        step = math.floor(change) if change >= 0 else math.ceil(change)
        least = self.min_step or 0
        if self.rounding.fraction_moves_one and change != 0:
            least = max(least, 1)
        if least and abs(step) < least and self.value != 0:
            step = least if self.value > 0 else -least
        return step

    def applied(self, current: int) -> int:
        """The capacity asked for, before the group's bounds are applied."""
        if self.change is Change.TO_EXACT:
            return self.value
        if self.change is Change.BY_COUNT:
            return current + self.value
        return current + self.step(current)

    def bounded(self, current: int, low: int, high: int) -> int:
        """The capacity asked for, held inside the group's minimum and maximum."""
        return max(low, min(high, self.applied(current)))


@dataclass(frozen=True, slots=True)
class Target:
    """What a target tracking rule holds its metric at, and whether it may scale in to do so."""

    value: float
    disable_scale_in: bool = False


@dataclass(frozen=True, slots=True)
class ScalingRule:
    """A stored rule: its kind and what that kind acts on (adjustment, steps, target)."""

    kind: RuleKind
    change: Change | None = None
    value: int | None = None
    min_step: int | None = None
    cooldown: int | None = None
    steps: tuple[Step, ...] = ()
    warmup: int | None = None
    target: Target | None = None
    enabled: bool = True

    def adjustment(self) -> Adjustment:
        """What executing the rule does; only a simple rule can be executed by hand."""
        if self.kind is not RuleKind.SIMPLE:
            raise Refusal("scaling_rule.not_executable", kind=self.kind)
        if self.change is None:
            raise Refusal("adjustment.invalid", kind=None)
        return Adjustment(self.change, self.value or 0, self.min_step)

    def asked(self, current: int, breach: Breach | None, rounding: Rounding) -> int | None:
        """The capacity the rule asks for from `current`; None when no step holds the breach.

        A simple rule ignores the breach; a step rule selects its step by it; a target tracking
        rule computes the capacity that brings the metric to its target; a predictive rule is
        never executed (it forecasts, which Tidewater does not).
        """
        if self.kind is RuleKind.PREDICTIVE:
            raise Refusal("policy.not_executable", kind=self.kind)
        if self.kind is RuleKind.TARGET_TRACKING:
            if breach is None or self.target is None:
                raise Refusal("policy.not_executable", kind=self.kind)
            return tracked(current, breach.metric, self.target.value, self.target.disable_scale_in)
        if self.change is None:
            raise Refusal("adjustment.invalid", kind=None)
        value = self.value or 0
        if self.kind is RuleKind.STEP:
            if breach is None:
                raise Refusal("policy.breach_required", kind=self.kind)
            step = selected(self.steps, breach.metric, breach.threshold)
            if step is None:
                return None
            value = step.adjustment
        return Adjustment(self.change, value, self.min_step, rounding).applied(current)
