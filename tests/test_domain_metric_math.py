"""Property tests of metric math: the parser refuses or reads anything, prints what it reads
back to the same tree, agrees with Python's arithmetic; evaluation over series keeps AWS's
documented rules (missing points counted as 0, FILL over every period, METRICS() per period)."""

from __future__ import annotations

import contextlib
import itertools
import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tidewater.cloud.sim.cloudwatch import CloudWatchFault, queries
from tidewater.domain import metric_math as mm

T0 = datetime(2026, 1, 1)
GRID = [T0 + timedelta(minutes=n) for n in range(8)]


def context(**series: dict[datetime, float]) -> mm.Context:
    values = {k: mm.Series(v, 60, k, metric=True) for k, v in series.items()}

    def lookup(name: str) -> mm.Value:
        if name not in values:
            raise mm.MathRefusal("unknown_id", name=name)
        return values[name]

    return mm.Context(lookup, lambda: GRID, 60, list(values))


ALPHABET = 'm12 +-*/^()[],"AVGSUMFILLREPEATIF<>=!&|.eE_xyzMETRICS'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=40))
def test_any_text_is_read_or_refused(text: str) -> None:
    try:
        tree = mm.parse(text)
    except mm.MathRefusal as refusal:
        assert refusal.reason in {"syntax", "too_complex"}
        return
    with contextlib.suppress(mm.MathRefusal):
        mm.result(tree, context(m1={T0: 1.0}, m2={T0: 0.0, GRID[1]: 2.0}))


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda n: n not in {"inf", "nan"}
)
LEAVES = st.one_of(
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(mm.Num),
    NAMES.map(mm.ref),
    st.sampled_from(["REPEAT", "LINEAR"]).map(mm.word),
    st.text(alphabet="abc12_", max_size=5).map(mm.quoted),
)
OPERATORS = ["+", "-", "*", "/", "^", "==", "!=", "<=", ">=", "<", ">", "AND", "OR"]


def trees(children: Any) -> Any:
    return st.one_of(
        children.map(mm.Neg),
        st.builds(mm.Binary, st.sampled_from(OPERATORS), children, children),
        st.builds(
            mm.Call,
            st.sampled_from(["SUM", "FILL", "IF", "METRICS", "ABS"]),
            st.lists(children, max_size=3).map(tuple),
        ),
        st.lists(children, max_size=3).map(lambda items: mm.Array(tuple(items))),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(LEAVES, trees, max_leaves=20))
def test_printing_then_parsing_gives_the_tree_back(tree: mm.Node) -> None:
    assert mm.parse(mm.show(tree)) == tree


NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=9).map(lambda n: f"{n}.0"),
    st.floats(min_value=0, max_value=100, allow_nan=False).map(repr),
)


@st.composite
def flat_arithmetic(draw: Any) -> str:
    """Numbers, + - * / ^ and unary minus, no parentheses: precedence does all the work."""
    parts = [draw(st.sampled_from(["", "-", "- -"])) + draw(NUMBERS)]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        parts.append(draw(st.sampled_from(["+", "-", "*", "/", "^"])))
        parts.append(draw(st.sampled_from(["", "-"])) + draw(NUMBERS))
    return " ".join(parts)


@settings(max_examples=500, deadline=None)
@given(flat_arithmetic())
def test_arithmetic_matches_python(text: str) -> None:
    got = mm.evaluate(mm.parse(text), context())
    assert isinstance(got, float)
    try:
        expected = eval(text.replace("^", "**"), {"__builtins__": {}})
    except (ZeroDivisionError, OverflowError):
        assert not math.isfinite(got)
        return
    if isinstance(expected, complex) or not math.isfinite(expected):
        assert not math.isfinite(got)
        return
    assert math.isfinite(got)
    assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_precedence_and_unary_minus() -> None:
    cases = {
        "1 + 2 * 3": 7.0,
        "-2 ^ 2": -4.0,
        "2 ^ 3 ^ 2": 512.0,
        "2 ^ -1": 0.5,
        "(1 + 2) * 3": 9.0,
        "10 - 4 - 3": 3.0,
        "1 < 2 AND 3 > 4": 0.0,
        "1 < 2 || 3 > 4": 1.0,
        "1 + 1 == 2": 1.0,
    }
    for text, value in cases.items():
        assert mm.evaluate(mm.parse(text), context()) == value, text


POINTS = st.dictionaries(
    st.sampled_from(GRID), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=8
)


@settings(max_examples=200, deadline=None)
@given(POINTS, POINTS)
def test_series_arithmetic_counts_a_missing_point_as_zero(
    a: dict[datetime, float], b: dict[datetime, float]
) -> None:
    (got,) = mm.result(mm.parse("a - b"), context(a=a, b=b))
    assert set(got.points) == set(a) | set(b)
    for at, value in got.points.items():
        assert value == a.get(at, 0.0) - b.get(at, 0.0)
    (ratio,) = mm.result(mm.parse("a / b"), context(a=a, b=b))
    assert all(b.get(at, 0.0) != 0 for at in ratio.points)  # division by zero drops the point


@settings(max_examples=200, deadline=None)
@given(POINTS, POINTS, st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_functions_over_series(
    a: dict[datetime, float], b: dict[datetime, float], level: float
) -> None:
    ctx = context(a=a, b=b)
    (filled,) = mm.result(mm.parse(f"FILL(a, {abs(level)!r})"), ctx)
    assert set(filled.points) == set(GRID)
    assert all(filled.points[at] == a.get(at, abs(level)) for at in GRID)
    (total,) = mm.result(mm.parse("SUM(METRICS())"), ctx)
    assert total.points == {at: a.get(at, 0.0) + b.get(at, 0.0) for at in set(a) | set(b)}
    (kept,) = mm.result(mm.parse(f"IF(a > {level!r}, a)"), ctx)
    assert kept.points == {at: v for at, v in a.items() if v > level}
    (repeated,) = mm.result(mm.parse("FILL(a, REPEAT)"), ctx)
    for at in GRID:
        before = [a[t] for t in sorted(a) if t <= at]
        assert repeated.points.get(at) == (before[-1] if before else None)
    (steps,) = mm.result(mm.parse("DIFF(a)"), ctx)
    ordered = sorted(a.items())
    assert steps.points == {t: v - p for (_, p), (t, v) in itertools.pairwise(ordered)}


def test_scalars_of_a_series_and_rate() -> None:
    ctx = context(a={GRID[0]: 1.0, GRID[2]: 5.0, GRID[3]: 6.0})
    assert mm.evaluate(mm.parse("AVG(a)"), ctx) == 4.0
    assert mm.evaluate(mm.parse("MAX(a) - MIN(a)"), ctx) == 5.0
    assert mm.evaluate(mm.parse("SUM(a)"), ctx) == 12.0
    assert mm.evaluate(mm.parse("PERIOD(a)"), ctx) == 60.0
    (rate,) = mm.result(mm.parse("RATE(a)"), ctx)
    assert rate.points == {GRID[2]: 4.0 / 120, GRID[3]: 1.0 / 60}
    (linear,) = mm.result(mm.parse("FILL(a, LINEAR)"), ctx)
    assert linear.points[GRID[1]] == 3.0 and GRID[4] not in linear.points
    (flat,) = mm.result(mm.parse("TIME_SERIES(2)"), ctx)
    assert flat.points == dict.fromkeys(GRID, 2.0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AVG(a)", "scalar_result"),
        ("SEARCH('x')", "syntax"),
        ("SEARCH(a)", "not_simulated"),
        ("NOPE(a)", "unknown_function"),
        ("FILL(a)", "arity"),
        ("FILL(a, DESC)", "argument"),
        ("PERIOD(a * 2)", "argument"),
        ("TIME_SERIES(a)", "argument"),
        ("[a, 1]", "array_scalar"),
        ("b", "unknown_id"),
        ("(" * 80 + "a" + ")" * 80, "too_complex"),
        ("a" + " + a" * 300, "too_complex"),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    with pytest.raises(mm.MathRefusal) as refused:
        mm.result(mm.parse(text), context(a={T0: 1.0}))
    assert refused.value.reason == reason


@given(st.recursive(LEAVES, trees, max_leaves=12))
@settings(max_examples=200, deadline=None)
def test_any_tree_evaluates_or_is_refused(tree: mm.Node) -> None:
    assume(mm.depth(tree) < mm.MAX_DEPTH)
    with contextlib.suppress(mm.MathRefusal):
        mm.result(tree, context(a={T0: 1.0, GRID[3]: -2.0}, b={GRID[1]: 0.0}))


IDS = [f"q{n}" for n in range(6)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from([*IDS, "zz"]), max_size=3)),
        min_size=1,
        max_size=6,
    )
)
def test_a_plan_orders_expressions_after_what_they_name(shape: list[Any]) -> None:
    """Random requests: each query a metric or an expression naming others; the plan refuses
    an unknown id or a cycle, else puts every query after the ones it reads."""
    raw = []
    for n, (is_metric, names) in enumerate(shape):
        if is_metric:
            metric = {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60, "Stat": "Sum"}
            raw.append({"Id": IDS[n], "MetricStat": metric})
        else:
            raw.append({"Id": IDS[n], "Expression": " + ".join(["TIME_SERIES(1)", *names])})
    try:
        planned = queries.plan(raw, "MetricDataQueries")
    except CloudWatchFault as fault:
        assert fault.code == "ValidationError"
        assert "unrecognized" in fault.message or "circular" in fault.message
        return
    order = [q.id for q in planned]
    assert sorted(order) == sorted(q["Id"] for q in raw)
    for query in planned:
        if query.tree is not None:
            assert all(
                order.index(name) < order.index(query.id) for name in mm.references(query.tree)
            )


def _values(values: list[float | None]) -> dict[datetime, float]:
    return {GRID[n]: v for n, v in enumerate(values) if v is not None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # the guide's tables: metric1 [1, 1, 0, 0, -], metric2 [30, -, 0, 0, 30],
        # metric3 [0, 0, 20, -, 20]
        ("IF(metric1, metric2, metric3)", [30.0, 0.0, 20.0, None, None]),
        ("IF(metric1, 5, metric3)", [5.0, 5.0, 20.0, None, None]),
        ("IF(metric1, metric2, 5)", [30.0, 0.0, 5.0, 5.0, None]),
    ],
)
def test_if_follows_the_guides_tables(text: str, expected: list[float | None]) -> None:
    ctx = context(
        metric1=_values([1.0, 1.0, 0.0, 0.0, None]),
        metric2=_values([30.0, None, 0.0, 0.0, 30.0]),
        metric3=_values([0.0, 0.0, 20.0, None, 20.0]),
    )
    (got,) = mm.result(mm.parse(text), ctx)
    assert got.points == _values(expected)


def test_comparisons_follow_the_guides_table() -> None:
    ctx = context(
        metric1=_values([30.0, 20.0, 0.0, 0.0]), metric2=_values([20.0, None, 20.0, None])
    )
    for text, expected in {
        "metric1 < metric2": [0.0, 0.0, 1.0, 0.0],
        "metric1 >= 30": [1.0, 0.0, 0.0, 0.0],
        "metric1 > 15 AND metric2 > 15": [1.0, 0.0, 0.0, 0.0],
    }.items():
        (got,) = mm.result(mm.parse(text), ctx)
        assert got.points == _values(list(expected)), text
