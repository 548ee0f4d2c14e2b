"""The statistics CloudWatch answers over one period: pure folds of the data put, so the
alarm evaluator and GetMetricStatistics/GetMetricData read the same numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

STANDARD: Final = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
PERCENTILE: Final = re.compile(r"p(\d{1,2}(\.\d{1,2})?|100)")


@dataclass(frozen=True, slots=True)
class Datum:
    """One datum as put: its summary, and its values with their counts when they are known."""

    count: float
    total: float
    minimum: float
    maximum: float
    values: tuple[tuple[float, float], ...] = ()  # (value, count), empty for a statistic set


@dataclass(slots=True)
class Summary:
    """A period's fold of the data that fell in it."""

    count: float = 0.0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    values: list[tuple[float, float]] = field(default_factory=list)
    exact: bool = True  # every datum carried its values, so percentiles can be answered

    def add(self, datum: Datum) -> None:
        self.count += datum.count
        self.total += datum.total
        self.minimum = min(self.minimum, datum.minimum)
        self.maximum = max(self.maximum, datum.maximum)
        if datum.values:
            self.values.extend(datum.values)
        else:
            self.exact = False

    def statistic(self, name: str) -> float | None:
        """A standard statistic or a pNN percentile; None when the data cannot answer it."""
        if name == "SampleCount":
            return self.count
        if name == "Sum":
            return self.total
        if name == "Minimum":
            return self.minimum
        if name == "Maximum":
            return self.maximum
        if name == "Average":
            return self.total / self.count if self.count else None
        level = percentile_level(name)
        if level is None or not self.exact:
            return None
        return percentile(self.values, level)


def percentile_level(name: str) -> float | None:
    """The level of a `pNN` or `pNN.NN` extended statistic, None for any other name."""
    match = PERCENTILE.fullmatch(name)
    return float(match.group(1)) if match else None


def percentile(values: Sequence[tuple[float, float]], level: float) -> float | None:
    """The smallest value at or below which `level` per cent of the weighted samples fall."""
    total = sum(count for _, count in values)
    if total <= 0:
        return None
    wanted = total * level / 100.0
    seen = 0.0
    ordered = sorted(values)
    for value, count in ordered:
        seen += count
        if seen >= wanted and count > 0:
            return value
    return ordered[-1][0]


def fold(data: Iterable[Datum]) -> Summary:
    """One summary of many data, in any order."""
    summary = Summary()
    for datum in data:
        summary.add(datum)
    return summary


def of_values(values: Sequence[float], counts: Sequence[float] | None = None) -> Datum:
    """A datum put as a value, or as values with counts (each count 1 when none are given)."""
    weights = list(counts) if counts else [1.0] * len(values)
    pairs = tuple((v, c) for v, c in zip(values, weights, strict=True) if c > 0)
    return Datum(
        count=sum(c for _, c in pairs),
        total=sum(v * c for v, c in pairs),
        minimum=min((v for v, _ in pairs), default=math.inf),
        maximum=max((v for v, _ in pairs), default=-math.inf),
        values=pairs,
    )
