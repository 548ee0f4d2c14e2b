"""The pure alarm evaluation: M out of N, missing data, reason texts, and their properties."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.alarm import (
    COMPARISONS,
    Missing,
    Point,
    Rule,
    State,
    combine,
    evaluate,
    evaluation_interval,
    java_double,
    next_evaluation,
    window,
)
from tidewater.domain.alarm import points as domain_points

T0 = datetime(2018, 8, 15, 21, 15, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5, seconds=2)


def points(*values: float | None, period: int = 60) -> list[Point]:
    """Points oldest first, one per period from T0."""
    return [
        Point(T0 + timedelta(seconds=n * period), v, 0.0 if v is None else 1.0)
        for n, v in enumerate(values)
    ]


def run(rule: Rule, values: list[float | None], current: State = State.OK) -> State:
    return evaluate(rule, points(*values), current, statistic="Average", period=60, now=NOW).state


def test_the_reason_aws_writes_for_one_datapoint() -> None:
    rule = Rule("LessThanOrEqualToThreshold", 70.0, 1, 1)
    out = evaluate(
        rule,
        points(6.046241709654764),
        State.INSUFFICIENT_DATA,
        statistic="Average",
        period=300,
        now=NOW,
    )
    assert out.state is State.ALARM
    # the text AWS sent (aws/aws-sdk-java#1723)
    assert out.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [6.046241709654764 (15/08/18 "
        "21:15:00)] was less than or equal to the threshold (70.0) (minimum 1 datapoint for "
        "OK -> ALARM transition)."
    )
    data = json.loads(json.dumps(out.data))
    assert data["version"] == "1.0"
    assert data["statistic"] == "Average" and data["period"] == 300
    assert data["recentDatapoints"] == [6.046241709654764]
    assert data["threshold"] == 70.0
    assert data["startDate"] == "2018-08-15T21:15:00.000+0000"
    assert data["evaluatedDatapoints"] == [
        {
            "timestamp": "2018-08-15T21:15:00.000+0000",
            "sampleCount": 1.0,
            "value": 6.046241709654764,
        }
    ]


def test_m_out_of_n_lists_the_breaching_points_newest_first() -> None:
    rule = Rule("GreaterThanThreshold", 70.0, 3, 2)
    out = evaluate(
        rule, points(85.0, 10.0, 90.5), State.OK, statistic="Maximum", period=60, now=NOW
    )
    assert out.state is State.ALARM
    assert out.reason == (
        "Threshold Crossed: 2 out of the last 3 datapoints [90.5 (15/08/18 21:17:00), 85.0 "
        "(15/08/18 21:15:00)] were greater than the threshold (70.0) (minimum 2 datapoints "
        "for OK -> ALARM transition)."
    )
    ok = evaluate(
        rule, points(85.0, 10.0, 20.0), State.ALARM, statistic="Maximum", period=60, now=NOW
    )
    assert ok.state is State.OK
    assert ok.reason == (
        "Threshold Crossed: 2 out of the last 3 datapoints [20.0 (15/08/18 21:17:00), 10.0 "
        "(15/08/18 21:16:00)] were not greater than the threshold (70.0) (minimum 2 datapoints "
        "for ALARM -> OK transition)."
    )


def test_missing_data_by_each_treatment() -> None:
    def rule(missing: Missing) -> Rule:
        return Rule("GreaterThanThreshold", 70.0, 3, 3, missing)

    nothing: list[float | None] = [None, None, None]
    assert run(rule(Missing.MISSING), nothing) is State.INSUFFICIENT_DATA
    assert run(rule(Missing.IGNORE), nothing, State.ALARM) is State.ALARM
    assert run(rule(Missing.IGNORE), nothing, State.OK) is State.OK
    assert run(rule(Missing.BREACHING), nothing) is State.ALARM
    assert run(rule(Missing.NOT_BREACHING), nothing, State.ALARM) is State.OK
    out = evaluate(
        rule(Missing.MISSING),
        points(None, None, None),
        State.OK,
        statistic="Average",
        period=60,
        now=NOW,
    )
    assert out.reason == "Insufficient Data: 3 datapoints were unknown."
    # the premature-transition rule: the oldest breaching point is 3 periods old and every
    # newer one is breaching or missing
    assert run(rule(Missing.MISSING), [99.0, None, None]) is State.ALARM
    assert run(rule(Missing.MISSING), [None, 99.0, None]) is State.OK
    assert run(rule(Missing.MISSING), [99.0, 1.0, None]) is State.OK


def test_java_prints_doubles() -> None:
    assert [java_double(v) for v in (70.0, 0.5, 1e7, 1.5e10, 1e-4, -2.5e-5, 0.0)] == [
        "70.0",
        "0.5",
        "1.0E7",
        "1.5E10",
        "1.0E-4",
        "-2.5E-5",
        "0.0",
    ]


def test_the_evaluation_clock() -> None:
    assert evaluation_interval(10) == 10
    assert evaluation_interval(30) == 30
    assert evaluation_interval(60) == 60
    assert evaluation_interval(300) == 60
    start, end = window(datetime(2026, 1, 1, 10, 7, 31, tzinfo=UTC), 300, 2)
    assert end == datetime(2026, 1, 1, 10, 7, tzinfo=UTC)
    assert start == datetime(2026, 1, 1, 9, 57, tzinfo=UTC)


values = st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=8)
rules = st.builds(
    lambda op, threshold, n, m, missing: Rule(op, threshold, n, min(m, n), missing),
    st.sampled_from(sorted(COMPARISONS)),
    st.floats(-1e6, 1e6),
    st.integers(1, 8),
    st.integers(1, 8),
    st.sampled_from(list(Missing)),
)
states = st.sampled_from(list(State))


@given(rules, values, states)
def test_never_alarm_without_a_breach_present_or_filled(
    rule: Rule, data: list[float | None], current: State
) -> None:
    recent = data[-rule.evaluation_periods :]
    breaching = [
        rule.breaches(v) if v is not None else rule.treat_missing is Missing.BREACHING
        for v in recent
    ]
    state = run(rule, data, current)
    if state is State.ALARM and current is not State.ALARM:
        assert any(breaching)
    if state is State.ALARM and None not in recent:
        # with every period present, ALARM takes M breaching points
        assert sum(breaching) >= rule.datapoints_to_alarm
    if sum(breaching) >= rule.datapoints_to_alarm:
        assert state is State.ALARM


@given(rules, values, states)
def test_not_breaching_fills_never_cause_an_alarm(
    rule: Rule, data: list[float | None], current: State
) -> None:
    good = Rule(
        rule.comparison,
        rule.threshold,
        rule.evaluation_periods,
        rule.datapoints_to_alarm,
        Missing.NOT_BREACHING,
    )
    only_good = [v if v is None or not good.breaches(v) else None for v in data]
    assert run(good, only_good, current) is State.OK


@given(rules, values, states, st.floats(0, 1e6))
def test_monotonic_in_the_threshold(
    rule: Rule, data: list[float | None], current: State, shift: float
) -> None:
    """Moving a 'greater than' threshold up never makes an OK alarm breach."""
    if not rule.comparison.startswith("Greater"):
        return
    higher = Rule(
        rule.comparison,
        rule.threshold + shift,
        rule.evaluation_periods,
        rule.datapoints_to_alarm,
        rule.treat_missing,
    )
    if run(rule, data, current) is not State.ALARM:
        assert run(higher, data, current) is not State.ALARM


@given(rules, values, states)
def test_the_reason_names_the_state(rule: Rule, data: list[float | None], current: State) -> None:
    out = evaluate(rule, points(*data), current, statistic="Average", period=60, now=NOW)
    if out.state is current and not out.reason:
        assert rule.treat_missing is Missing.IGNORE  # only ignore keeps a state unexplained
    elif out.state is State.ALARM:
        assert out.reason.startswith("Threshold Crossed: ")
        assert out.reason.endswith("for OK -> ALARM transition).")
    elif out.state is State.INSUFFICIENT_DATA:
        assert out.reason.startswith("Insufficient Data: ")
    json.dumps(out.data)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from([10, 30, 60, 300, 3600]),
)
def test_the_next_evaluation_is_the_next_whole_interval(at: datetime, period: int) -> None:
    now = at.replace(tzinfo=UTC)
    following = next_evaluation(now, period)
    interval = evaluation_interval(period)
    assert now < following <= now + timedelta(seconds=interval)
    assert following.microsecond == 0
    assert (following.minute * 60 + following.second) % interval == 0


def test_points_fill_the_periods_without_data() -> None:
    found = {T0 + timedelta(minutes=1): (5.0, 2.0)}
    assert domain_points(T0, 60, 3, found) == [
        Point(T0, None, 0.0),
        Point(T0 + timedelta(minutes=1), 5.0, 2.0),
        Point(T0 + timedelta(minutes=2), None, 0.0),
    ]


@given(st.lists(st.sampled_from(list(State)), min_size=1, max_size=5), st.booleans())
def test_combined_conditions(states: list[State], every: bool) -> None:
    state = combine(states, every=every)
    if every:
        assert (state is State.ALARM) == all(s is State.ALARM for s in states)
        if State.OK in states:
            assert state is State.OK
    else:
        assert (state is State.ALARM) == (State.ALARM in states)
        if all(s is State.OK for s in states):
            assert state is State.OK
    assert combine(list(reversed(states)), every=every) is state  # order does not matter
