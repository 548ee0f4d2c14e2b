"""A request's MetricDataQueries as GetMetricData and metric math alarms read them: each
checked once (ids, one of MetricStat or Expression, references, cycles), then the metrics read
and the expressions evaluated in dependency order (docs/facts/metric-math.md)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from tidewater.cloud.sim.cloudwatch import faults
from tidewater.domain import metric_math as mm

MAX_PERIODS: Final = 100_800  # datapoints a GetMetricData call returns at most (reference)
DEFAULT_PERIOD: Final = 60  # [NO SOURCE] an expression's period when no metric gives one
INSIGHTS: Final = re.compile(r"\s*SELECT\s", re.IGNORECASE)  # a Metrics Insights query


@dataclass(frozen=True, slots=True)
class Query:
    """One MetricDataQuery, its expression parsed."""

    id: str
    where: str
    returns: bool
    label: str | None
    stat: Mapping[str, Any] | None
    tree: mm.Node | None
    period: int | None


def plan(raw: Sequence[Mapping[str, Any]], collection: str) -> list[Query]:
    """The queries in the order they can be evaluated: every id one query's, each query a
    MetricStat or an Expression, each expression naming known ids and no cycle."""
    queries: list[Query] = []
    seen: set[str] = set()
    for n, query in enumerate(raw, 1):
        where = f"{collection}.member.{n}"
        qid = query["Id"]
        if not mm.ID.fullmatch(qid):
            raise faults.invalid_value(qid, f"{where}.Id")
        if qid in seen:
            raise faults.math_refused(where, mm.MathRefusal("duplicate_id", name=qid))
        seen.add(qid)
        stat, text = query.get("MetricStat"), query.get("Expression")
        if stat is not None and text is not None:
            raise faults.exclusive(f"{where}.MetricStat", f"{where}.Expression")
        if stat is None and text is None:
            raise faults.missing(f"{where}.MetricStat")
        tree = None
        if text is not None and INSIGHTS.match(text):
            raise faults.math_refused(where, mm.MathRefusal("insights"))
        if text is not None:
            try:
                tree = mm.parse(text)
            except mm.MathRefusal as refusal:
                raise faults.math_refused(where, refusal) from None
        queries.append(
            Query(
                qid,
                where,
                query.get("ReturnData", True),
                query.get("Label"),
                stat,
                tree,
                query.get("Period"),
            )
        )
    return _ordered(queries)


def _ordered(queries: Sequence[Query]) -> list[Query]:
    """Metrics first, then each expression after the ones it reads (depth first)."""
    by_id = {q.id: q for q in queries}
    metrics = [q.id for q in queries if q.stat is not None]
    done: dict[str, bool] = {}  # False while being visited
    out: list[Query] = [q for q in queries if q.stat is not None]
    done.update({m: True for m in metrics})

    def visit(query: Query) -> None:
        done[query.id] = False
        assert query.tree is not None
        for name in sorted(mm.references(query.tree)):
            if name not in by_id:
                raise faults.math_refused(query.where, mm.MathRefusal("unknown_id", name=name))
            if done.get(name) is False:
                raise faults.math_refused(query.where, mm.MathRefusal("cycle", name=name))
            if name not in done:
                visit(by_id[name])
        done[query.id] = True
        out.append(query)

    for query in queries:
        if query.id not in done:
            visit(query)
    return out


def metric_count(queries: Sequence[Query]) -> int:
    return sum(1 for q in queries if q.stat is not None)


def expression_period(queries: Sequence[Query], query: Query) -> int:
    """The period an expression's own series (FILL, TIME_SERIES) follow: its Period, else the
    shortest of the request's metrics ([NO SOURCE])."""
    periods = [int(q.stat["Period"]) for q in queries if q.stat is not None]
    return int(query.period or min(periods, default=DEFAULT_PERIOD))


def grid(start: datetime, end: datetime, period: int, first: datetime) -> list[datetime]:
    """The period starts from `first` before `end`, as many as GetMetricData answers at most."""
    count = max(0, math.ceil((end - first).total_seconds() / period))
    if count > MAX_PERIODS:
        raise faults.CloudWatchFault(  # [NO SOURCE] the text
            "ValidationError",
            f"The time range holds {count:,} periods; an expression that fills every period "
            f"can cover at most {MAX_PERIODS:,}.",
        )
    return [first + timedelta(seconds=n * period) for n in range(count)]


def run(
    queries: Sequence[Query],
    read: Callable[[Query], mm.Series],
    periods_of: Callable[[int], list[datetime]],
) -> dict[str, mm.Series | list[mm.Series]]:
    """Every query's value, in plan order: a metric's series as read, an expression's (a
    series or an array of them, never a scalar) as evaluated over the periods
    `periods_of(period)` gives."""
    values: dict[str, mm.Value] = {}
    out: dict[str, mm.Series | list[mm.Series]] = {}
    metric_ids = [q.id for q in queries if q.stat is not None]
    for query in queries:
        if query.tree is None:
            values[query.id] = out[query.id] = read(query)
            continue
        period = expression_period(queries, query)
        ctx = mm.Context(
            values.__getitem__, functools.partial(periods_of, period), period, metric_ids
        )
        try:
            value = mm.evaluate(query.tree, ctx)
            mm.final(value)
        except mm.MathRefusal as refusal:
            raise faults.math_refused(query.where, refusal) from None
        assert not isinstance(value, float)
        values[query.id] = out[query.id] = value
    return out


def series_of(query: Query, value: mm.Series | list[mm.Series]) -> list[mm.Series]:
    """A value as GetMetricData answers it: one result per series; a single series is the
    query's own, an array's members keep their metrics' labels."""
    if isinstance(value, list):
        return value
    return [value if query.tree is None else replace(value, label="")]
