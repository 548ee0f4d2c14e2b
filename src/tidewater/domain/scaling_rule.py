"""A scaling rule (ESS) or policy (AWS) as the engine keeps it: a kind and a capacity change."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

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
class Adjustment:
    """One capacity change; `min_step` is the least a percentage moves (MinAdjustmentMagnitude)."""

    change: Change
    value: int
    min_step: int | None = None

    def applied(self, current: int) -> int:
        """The capacity asked for, before the group's bounds are applied."""
        if self.change is Change.TO_EXACT:
            return self.value
        if self.change is Change.BY_COUNT:
            return current + self.value
        change = current * self.value / 100
        step = math.floor(change) if change >= 0 else math.ceil(change)
        if self.min_step and abs(step) < self.min_step and self.value != 0:
            step = self.min_step if self.value > 0 else -self.min_step
        return current + step


@dataclass(frozen=True, slots=True)
class ScalingRule:
    """A stored rule: its kind and, for the kinds that name one, its adjustment and cooldown."""

    kind: RuleKind
    change: Change | None = None
    value: int | None = None
    min_step: int | None = None
    cooldown: int | None = None

    def adjustment(self) -> Adjustment:
        """What executing the rule does; only a simple rule can be executed by hand."""
        if self.kind is not RuleKind.SIMPLE:
            raise Refusal("scaling_rule.not_executable", kind=self.kind)
        if self.change is None:
            raise Refusal("adjustment.invalid", kind=None)
        return Adjustment(self.change, self.value or 0, self.min_step)
