"""AWS step scaling: which step a breach selects, and the rules a policy's steps must keep."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tidewater.domain.refusal import Refusal


@dataclass(frozen=True, slots=True)
class Step:
    """One StepAdjustment: bounds on (metric - threshold), None being unbounded on that side."""

    lower: float | None
    upper: float | None
    adjustment: int


def _contains(step: Step, breach: float, above: bool) -> bool:
    """Whether a breach falls in the step, AWS's way (API reference, StepAdjustment).

    Above the threshold a step holds its lower bound and not its upper; at or below it, the
    upper and not the lower.
    """
    if above:
        return (step.lower is None or breach >= step.lower) and (
            step.upper is None or breach < step.upper
        )
    return (step.lower is None or breach > step.lower) and (
        step.upper is None or breach <= step.upper
    )


def selected(steps: Sequence[Step], metric: float, threshold: float) -> Step | None:
    """The step a metric value selects against a breach threshold, if any."""
    breach = metric - threshold
    above = metric > threshold
    return next((s for s in steps if _contains(s, breach, above)), None)


def check_steps(steps: Sequence[Step]) -> None:
    """Refuse steps both clouds refuse: both bounds open, overlaps, gaps, two open ends on one
    side, and a missing open end."""
    for step in steps:
        if step.lower is None and step.upper is None:
            raise Refusal("policy.step_unbounded")
        if step.lower is not None and step.upper is not None and step.lower >= step.upper:
            raise Refusal("policy.step_inverted", lower=step.lower, upper=step.upper)
    if sum(s.lower is None for s in steps) > 1:
        raise Refusal("policy.steps_many_open_lower")
    if sum(s.upper is None for s in steps) > 1:
        raise Refusal("policy.steps_many_open_upper")
    ordered = sorted(steps, key=lambda s: float("-inf") if s.lower is None else s.lower)
    for before, after in itertools.pairwise(ordered):
        if before.upper is None or after.lower is None or before.upper > after.lower:
            raise Refusal("policy.steps_overlap")
        if before.upper < after.lower:
            raise Refusal("policy.steps_gap")
    if any(s.lower is not None and s.lower < 0 for s in steps) and ordered[0].lower is not None:
        raise Refusal("policy.steps_need_open_lower")
    if any(s.upper is not None and s.upper > 0 for s in steps) and ordered[-1].upper is not None:
        raise Refusal("policy.steps_need_open_upper")


@dataclass(frozen=True, slots=True)
class Breach:
    """A metric value against the threshold it crossed: what an alarm (or ExecutePolicy) says."""

    metric: float
    threshold: float


def tracked(current: int, metric: float, target: float, disable_scale_in: bool) -> int:
    """The capacity that brings a group's average metric to its target (target tracking).

    The load is taken as spread evenly, so `current * metric` is what `n` instances carry at
    `target` each: out, the smallest n that carries it (round up); in, also rounded up, the
    conservative choice, never below one instance while there is load; `disable_scale_in`
    holds the capacity where it is instead.
    """
    if current <= 0 or target <= 0:
        return current
    needed = max(math.ceil(current * metric / target - 1e-9), 1 if metric > 0 else 0)
    if needed < current and disable_scale_in:
        return current
    return needed
