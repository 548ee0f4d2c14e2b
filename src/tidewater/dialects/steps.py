"""Step adjustments on the wire: both clouds name a step's fields alike (AWS's StepAdjustment,
ESS's StepAdjustments), so both dialects read and write them here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tidewater.domain.policy import Step


def steps_of(given: Iterable[Mapping[str, Any]] | None) -> tuple[Step, ...]:
    """The engine's steps from a request's list of step adjustments."""
    return tuple(
        Step(
            s.get("MetricIntervalLowerBound"),
            s.get("MetricIntervalUpperBound"),
            int(s.get("ScalingAdjustment") or 0),
        )
        for s in given or ()
    )


def steps_out(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """A rule's steps as both clouds report them; an open bound is left out."""
    return [
        {
            key: value
            for key, value in (
                ("MetricIntervalLowerBound", s.lower),
                ("MetricIntervalUpperBound", s.upper),
                ("ScalingAdjustment", s.adjustment),
            )
            if value is not None
        }
        for s in steps
    ]
