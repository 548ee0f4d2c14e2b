"""Alarm evaluation as CloudWatch does it: M out of N periods against a threshold, with missing
data filled by the alarm's rule, and the reason texts AWS writes (docs/facts/alarms.md)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final


class State(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class Missing(StrEnum):
    """TreatMissingData: how a period with no data counts."""

    MISSING = "missing"
    IGNORE = "ignore"
    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"


# ComparisonOperator → (the test a value breaches by, AWS's words for it in StateReason)
COMPARISONS: Final[Mapping[str, tuple[Callable[[float, float], bool], str]]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
# CloudMonitor's (ESS event-triggered tasks') operators under their CloudWatch names
SYMBOLS: Final[Mapping[str, str]] = {
    ">=": "GreaterThanOrEqualToThreshold",
    ">": "GreaterThanThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}
# The anomaly-detection band operators compare against a band, not a threshold
BAND_COMPARISONS: Final = frozenset(
    {
        "LessThanLowerOrGreaterThanUpperThreshold",
        "LessThanLowerThreshold",
        "GreaterThanUpperThreshold",
    }
)

EVERY_MINUTE: Final = 60  # alarms with periods of a minute or more are evaluated each minute


def evaluation_interval(period: int) -> int:
    """How often an alarm is evaluated: its period when under a minute (10 s, 30 s), else 60 s."""
    return period if period < EVERY_MINUTE else EVERY_MINUTE


@dataclass(frozen=True, slots=True)
class Rule:
    """What an alarm compares, over how many periods."""

    comparison: str
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing: Missing = Missing.MISSING

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison][0](value, self.threshold)


@dataclass(frozen=True, slots=True)
class Point:
    """One period of the evaluation range: its start, its statistic (None: no data)."""

    at: datetime
    value: float | None
    sample_count: float = 0.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """An evaluation's answer: the state, and when it is a change, AWS's reason for it."""

    state: State
    reason: str
    data: Mapping[str, Any]


def window(now: datetime, period: int, periods: int) -> tuple[datetime, datetime]:
    """The evaluation range ending at the last whole interval before `now`."""
    step = evaluation_interval(period)
    epoch = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (now - epoch).total_seconds()
    end = epoch + timedelta(seconds=math.floor(elapsed / step) * step)
    return end - timedelta(seconds=period * periods), end


def next_evaluation(now: datetime, period: int) -> datetime:
    """The next whole interval after `now`: evaluations missed before it collapse into it."""
    return window(now, period, 0)[1] + timedelta(seconds=evaluation_interval(period))


def points(
    start: datetime, period: int, count: int, found: Mapping[datetime, tuple[float | None, float]]
) -> list[Point]:
    """The range's periods oldest first, each with its (value, sample count) when it has one."""
    starts = [start + timedelta(seconds=n * period) for n in range(count)]
    return [Point(at, *found.get(at, (None, 0.0))) for at in starts]


def evaluate(
    rule: Rule,
    points: Sequence[Point],
    current: State,
    *,
    statistic: str,
    period: int,
    now: datetime,
) -> Outcome:
    """The state the last N points put the alarm in (`points` oldest first, one per period)."""
    recent = list(points)[-rule.evaluation_periods :]
    newest_first = list(reversed(recent))
    filled = [_fill(rule, p) for p in newest_first]  # True breaching, False not, None missing
    present = [f for f in filled if f is not None]
    breaching = sum(1 for f in present if f)
    data = reason_data(rule, newest_first, statistic, period, now)
    if not present:
        if rule.treat_missing is Missing.IGNORE:
            return Outcome(current, "", data)
        return Outcome(State.INSUFFICIENT_DATA, insufficient_reason(len(recent)), data)
    if breaching >= rule.datapoints_to_alarm or _premature(filled, rule.datapoints_to_alarm):
        shown = [p for p, f in zip(newest_first, filled, strict=True) if f]
        return Outcome(State.ALARM, crossed_reason(rule, shown, breaching, alarm=True), data)
    shown = [p for p, f in zip(newest_first, filled, strict=True) if f is False]
    return Outcome(State.OK, crossed_reason(rule, shown, len(shown), alarm=False), data)


def combine(states: Sequence[State], *, every: bool) -> State:
    """Several conditions as one (ESS's Expressions): with `every` (&&) ALARM when all are and
    OK when any is; otherwise (||) ALARM when any is and OK when all are; else no data."""
    alarming = [s is State.ALARM for s in states]
    fine = [s is State.OK for s in states]
    if all(alarming) if every else any(alarming):
        return State.ALARM
    if any(fine) if every else all(fine):
        return State.OK
    return State.INSUFFICIENT_DATA


def _fill(rule: Rule, point: Point) -> bool | None:
    if point.value is not None:
        return rule.breaches(point.value)
    if rule.treat_missing is Missing.BREACHING:
        return True
    if rule.treat_missing is Missing.NOT_BREACHING:
        return False
    return None


def _premature(filled: Sequence[bool | None], needed: int) -> bool:
    """AWS goes to ALARM when the oldest breaching point is at least M periods old and every
    more recent point is breaching or missing (AlarmThatSendsEmail, premature transitions)."""
    oldest = None
    for age, f in enumerate(filled, 1):  # newest first: age 1 is the latest period
        if f is False:
            break
        if f:
            oldest = age
    return oldest is not None and oldest >= needed


def java_double(value: float) -> str:
    """A double as Java prints it (AWS's texts are written by Java): 70.0, 1.0E7, 1.0E-4."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(float(value)) if "e" not in repr(float(value)) else f"{value:.1f}"
    sign, digits, exponent = Decimal(repr(float(value))).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = exponent + len(digits) - 1
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{power}"


def _when(at: datetime) -> str:
    return at.strftime("%d/%m/%y %H:%M:%S")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def crossed_reason(rule: Rule, shown: Sequence[Point], count: int, *, alarm: bool) -> str:
    """'Threshold Crossed: 1 out of the last 1 datapoints [6.04 (15/08/18 21:15:00)] was less
    than or equal to the threshold (70.0) (minimum 1 datapoint for OK -> ALARM transition).'"""
    words = COMPARISONS[rule.comparison][1]
    values = ", ".join(
        f"{java_double(p.value) if p.value is not None else 'missing'} ({_when(p.at)})"
        for p in shown
    )
    verb = "was" if count == 1 else "were"
    if alarm:
        minimum, transition = rule.datapoints_to_alarm, "OK -> ALARM"
    else:  # [NO SOURCE] the OK text mirrors the ALARM one
        words = f"not {words}"
        minimum = rule.evaluation_periods - rule.datapoints_to_alarm + 1
        transition = "ALARM -> OK"
    return (
        f"Threshold Crossed: {count} out of the last {rule.evaluation_periods} datapoints "
        f"[{values}] {verb} {words} the threshold ({java_double(rule.threshold)}) "
        f"(minimum {_plural(minimum, 'datapoint')} for {transition} transition)."
    )


def insufficient_reason(count: int) -> str:
    """[NO SOURCE] 'Insufficient Data: 3 datapoints were unknown.'"""
    verb = "was" if count == 1 else "were"
    return f"Insufficient Data: {_plural(count, 'datapoint')} {verb} unknown."


def iso(at: datetime) -> str:
    """AWS's StateReasonData times: 2014-04-09T18:59:06.419+0000."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def reason_data(
    rule: Rule, newest_first: Sequence[Point], statistic: str, period: int, now: datetime
) -> dict[str, Any]:
    """StateReasonData as AWS writes it for a threshold alarm."""
    present = [p for p in newest_first if p.value is not None]
    start = newest_first[-1].at if newest_first else now
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": iso(now),
        "startDate": iso(start),
        "statistic": statistic,
        "period": period,
        "recentDatapoints": [p.value for p in reversed(present)],
        "threshold": rule.threshold,
    }
    data["evaluatedDatapoints"] = [
        {"timestamp": iso(p.at), "sampleCount": p.sample_count, "value": p.value}
        if p.value is not None
        else {"timestamp": iso(p.at)}
        for p in newest_first
    ]
    return data


def acts_again(arn: str) -> bool:
    """Auto Scaling actions are invoked on every evaluation while the alarm stays in its state;
    every other action only on a change (AlarmThatSendsEmail, 'Alarm actions')."""
    return arn.startswith(REPEATING)


# Auto Scaling policies (AWS's rule, GUIDE) and ESS scaling rules, whose cooldown is what holds
# back repeated alarm-triggered activities ([NO SOURCE] that ESS repeats as AWS does)
REPEATING: Final = ("arn:aws:autoscaling:", "ari:acs:ess:")
