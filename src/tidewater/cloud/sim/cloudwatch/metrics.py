"""The simulated CloudWatch's metrics: data put, statistics read back per period, metrics
listed. Times are the service clock's; a statistics query reads exactly one metric's range."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, insert, select

from tidewater.cloud.ports import MetricId, Reading, Sample
from tidewater.cloud.sim.cloudwatch import faults, queries
from tidewater.cloud.sim.cloudwatch.statistics import Datum, Summary, of_values, percentile_level
from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.rows import owned, owner_columns
from tidewater.cloud.sim.kit.service import SimService
from tidewater.domain import metric_math as mm
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_cw_datapoints as points

MAX_DATA: Final = 1000  # MetricData per PutMetricData (API reference)
MAX_VALUES: Final = 150  # Values per datum (API reference)
MAX_DATAPOINTS: Final = 1440  # GetMetricStatistics per call (API reference)
MAX_QUERIES: Final = 500  # MetricDataQueries per GetMetricData (API reference)
LIST_PAGE: Final = 500  # metrics per ListMetrics page (API reference)
SHORT_PERIODS: Final = (1, 5, 10, 30)  # high-resolution periods below a minute
RECENT: Final = timedelta(hours=3)  # RecentlyActive=PT3H
# a result whose expression dropped points (text as GetMetricData answers it, captured in
# grafana/grafana's CloudWatch response fixtures)
ARITHMETIC_ERROR: Final = {
    "Code": "ArithmeticError",
    "Value": "One or more data-points have been dropped due to non-numeric values "
    "(NaN, -Infinite, +Infinite)",
}


def canonical(dimensions: Mapping[str, str]) -> str:
    """A metric's dimensions as one text, whatever order they were put in."""
    return json.dumps(sorted(dimensions.items()), separators=(",", ":"))


def dimensions_of(text: str) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in json.loads(text)]


def _dimensions(raw: Sequence[Mapping[str, str]] | None) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in raw or []}


def _finite(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise faults.invalid_value(value, where)
    return float(value)


def origin(start: datetime, period: int) -> datetime:
    """Where a query's first period begins: its start rounded down to the whole minute (to the
    second for periods under a minute), as the API reference says for recent data."""
    if period < 60:
        return start.replace(microsecond=0)
    return start.replace(second=0, microsecond=0)


def bucket(at: datetime, first: datetime, period: int) -> datetime:
    """The start of the period `at` falls in, periods following on from `first`."""
    seconds = (at - first).total_seconds()
    return first + timedelta(seconds=math.floor(seconds / period) * period)


def check_period(period: int) -> None:
    if period not in SHORT_PERIODS and period % 60:
        raise faults.period_multiple()


class SimCloudWatch(SimService):
    """CloudWatch's metric actions, and the `Metrics` port the alarm evaluator reads."""

    # ---- the Metrics port -----------------------------------------------------------------

    def put(self, scope: Scope, data: Sequence[Sample], within: Connection | None = None) -> None:
        rows = [self._row(scope, d.metric, d.at, d.unit, 60, of_values([d.value])) for d in data]
        if not rows:
            return
        if within is not None:
            within.execute(insert(points), rows)
            return
        with self.db.write() as conn:
            conn.execute(insert(points), rows)

    def statistics(
        self,
        scope: Scope,
        metric: MetricId,
        start: datetime,
        end: datetime,
        period: int,
        statistics: Sequence[str],
        unit: str | None = None,
    ) -> list[Reading]:
        """Periods in [start, end) with data, oldest first; one indexed range read."""
        first = origin(start, period)
        query = select(
            points.c.at,
            points.c.unit,
            points.c.sample_count,
            points.c.total,
            points.c.minimum,
            points.c.maximum,
            points.c["values"],
        ).where(
            *owned(points, scope),
            points.c.namespace == metric.namespace,
            points.c.metric_name == metric.name,
            points.c.dimensions == canonical(metric.dimensions),
            points.c.at >= first,
            points.c.at < end,
        )
        if unit is not None:
            query = query.where(points.c.unit == unit)
        periods: dict[tuple[datetime, str], Summary] = {}
        with self.db.read() as conn:
            for row in conn.execute(query.order_by(points.c.at)):
                key = (bucket(row.at, first, period), row.unit)
                periods.setdefault(key, Summary()).add(
                    Datum(
                        row.sample_count,
                        row.total,
                        row.minimum,
                        row.maximum,
                        tuple((float(v), float(c)) for v, c in row._mapping["values"] or ()),
                    )
                )
        readings = []
        for (at, kind), summary in sorted(periods.items()):
            answered = {s: summary.statistic(s) for s in statistics}
            readings.append(Reading(at, kind, {s: v for s, v in answered.items() if v is not None}))
        return readings

    # ---- PutMetricData ----------------------------------------------------------------------

    def put_metric_data(self, scope: Scope, params: Mapping[str, Any]) -> None:
        namespace = params["Namespace"]
        if namespace.startswith("AWS/"):
            raise faults.invalid_value(namespace, "Namespace")
        data = params.get("MetricData") or []
        if not data:
            raise faults.missing("MetricData")
        if len(data) > MAX_DATA:
            raise faults.too_many("MetricData", MAX_DATA)
        now = self.clock.now()
        rows = [
            self._datum_row(scope, namespace, datum, f"MetricData.member.{n}", now)
            for n, datum in enumerate(data, 1)
        ]
        with self.db.write() as conn:
            conn.execute(insert(points).values(rows))

    def _datum_row(
        self, scope: Scope, namespace: str, datum: Mapping[str, Any], where: str, now: datetime
    ) -> dict[str, Any]:
        given = [k for k in ("Value", "StatisticValues", "Values") if datum.get(k) is not None]
        if len(given) > 1:
            raise faults.exclusive(f"{where}.{given[0]}", f"{where}.{given[1]}")
        resolution = datum.get("StorageResolution", 60)
        if resolution not in (1, 60):
            raise faults.invalid_value(resolution, f"{where}.StorageResolution")
        metric = MetricId(namespace, datum["MetricName"], _dimensions(datum.get("Dimensions")))
        at = datum.get("Timestamp") or now
        return self._row(
            scope, metric, at, datum.get("Unit", "None"), resolution, _read(datum, where)
        )

    @staticmethod
    def _row(
        scope: Scope, metric: MetricId, at: datetime, unit: str, resolution: int, datum: Datum
    ) -> dict[str, Any]:
        return {
            **owner_columns(scope),
            "namespace": metric.namespace,
            "metric_name": metric.name,
            "dimensions": canonical(metric.dimensions),
            "at": at,
            "unit": unit,
            "sample_count": datum.count,
            "total": datum.total,
            "minimum": datum.minimum,
            "maximum": datum.maximum,
            "values": [list(p) for p in datum.values] or None,
            "resolution": resolution,
        }

    # ---- GetMetricStatistics ----------------------------------------------------------------

    def get_metric_statistics(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        standard = list(params.get("Statistics") or [])
        extended = list(params.get("ExtendedStatistics") or [])
        if not standard and not extended:
            raise faults.no_statistics()
        for name in extended:
            if percentile_level(name) is None:
                raise faults.invalid_value(name, "ExtendedStatistics")
        start, end, period = params["StartTime"], params["EndTime"], params["Period"]
        _check_window(start, end, period)
        requested = math.ceil((end - origin(start, period)).total_seconds() / period)
        if requested > MAX_DATAPOINTS:
            raise faults.too_many_datapoints(requested)
        metric = MetricId(
            params["Namespace"], params["MetricName"], _dimensions(params.get("Dimensions"))
        )
        readings = self.statistics(
            scope, metric, start, end, period, [*standard, *extended], params.get("Unit")
        )
        return {
            "Label": metric.name,
            "Datapoints": [_datapoint(r, standard, extended) for r in readings],
        }

    # ---- GetMetricData ----------------------------------------------------------------------

    def get_metric_data(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        raw = params["MetricDataQueries"]
        if len(raw) > MAX_QUERIES:
            raise faults.too_many("MetricDataQueries", MAX_QUERIES)
        start, end = params["StartTime"], params["EndTime"]
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        limit = params.get("MaxDatapoints") or 100_800
        skip = 0
        if params.get("NextToken"):
            skip = paging.decode("metricdata", params["NextToken"], [int], faults.bad_token)[0]
        planned = queries.plan(raw, "MetricDataQueries")
        for query in planned:
            _check_window(start, end, _period_of(query))
        values = self.evaluate(scope, planned, start, end)
        results, shown, total = [], 0, 0
        for query in sorted(planned, key=lambda q: int(q.where.rsplit(".", 1)[1])):
            if not query.returns:
                continue
            for series in queries.series_of(query, values[query.id]):
                found = sorted(series.points.items(), reverse=descending)
                page = found[max(0, skip - total) :][: max(0, limit - shown)]
                total += len(found)
                shown += len(page)
                result = {
                    "Id": query.id,
                    "Label": _label(query, series),
                    "Timestamps": [at for at, _ in page],
                    "Values": [v for _, v in page],
                    "StatusCode": "Complete" if skip + shown >= total else "PartialData",
                }
                if series.dropped:
                    result["Messages"] = [ARITHMETIC_ERROR]
                results.append(result)
        out: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
        if skip + shown < total:
            out["NextToken"] = paging.encode("metricdata", [skip + shown])
        return out

    def evaluate(
        self, scope: Scope, planned: Sequence[queries.Query], start: datetime, end: datetime
    ) -> dict[str, mm.Series | list[mm.Series]]:
        """Each query's series over [start, end): its metric read, or its expression worked
        out over the periods of that range."""

        def read(query: queries.Query) -> mm.Series:
            stat = query.stat
            assert stat is not None
            metric, period = stat["Metric"], int(stat["Period"])
            readings = self.statistics(
                scope,
                MetricId(
                    metric.get("Namespace", ""),
                    metric.get("MetricName", ""),
                    _dimensions(metric.get("Dimensions")),
                ),
                start,
                end,
                period,
                [stat["Stat"]],
                stat.get("Unit"),
            )
            points = {r.at: r.statistics[stat["Stat"]] for r in readings if r.statistics}
            return mm.Series(points, period, metric.get("MetricName", ""), metric=True)

        def periods_of(period: int) -> list[datetime]:
            return queries.grid(start, end, period, origin(start, period))

        return queries.run(planned, read, periods_of)

    # ---- ListMetrics ------------------------------------------------------------------------

    def list_metrics(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        query = select(points.c.namespace, points.c.metric_name, points.c.dimensions).where(
            *owned(points, scope)
        )
        if params.get("Namespace"):
            query = query.where(points.c.namespace == params["Namespace"])
        if params.get("MetricName"):
            query = query.where(points.c.metric_name == params["MetricName"])
        if params.get("RecentlyActive") == "PT3H":
            query = query.where(points.c.at >= self.clock.now() - RECENT)
        query = query.group_by(points.c.namespace, points.c.metric_name, points.c.dimensions)
        wanted = params.get("Dimensions") or []
        with self.db.read() as conn:
            found = [
                row
                for row in conn.execute(query.order_by(*query.selected_columns))
                if _matches(dict(json.loads(row.dimensions)), wanted)
            ]
        after = None
        if params.get("NextToken"):
            after = paging.decode("metrics", params["NextToken"], [int], _bad_list_token)
        page, token = paging.by_offset(
            found, paging.Page("metrics", LIST_PAGE, after), _bad_list_token
        )
        out: dict[str, Any] = {
            "Metrics": [
                {
                    "Namespace": row.namespace,
                    "MetricName": row.metric_name,
                    "Dimensions": dimensions_of(row.dimensions),
                }
                for row in page
            ]
        }
        if token:
            out["NextToken"] = token
        return out


def _bad_list_token() -> Exception:
    return faults.invalid_value("NextToken", "NextToken")


def _matches(dimensions: Mapping[str, str], filters: Sequence[Mapping[str, str]]) -> bool:
    """Every filter names a dimension the metric has, with its value when one is given."""
    return all(
        f["Name"] in dimensions and f.get("Value") in (None, dimensions[f["Name"]]) for f in filters
    )


def _period_of(query: queries.Query) -> int:
    """A metric's period, or an expression's own (60 s to check when it has none)."""
    if query.stat is not None:
        return int(query.stat["Period"])
    return int(query.period or queries.DEFAULT_PERIOD)


def _label(query: queries.Query, series: mm.Series) -> str:
    """A result's Label: the query's, else a metric's name or an expression's id; each series
    of an array after the expression's label ([NO SOURCE] the expression defaults)."""
    if query.stat is not None:
        return query.label or series.label
    if series.label and series.label != query.id:
        return f"{query.label} {series.label}" if query.label else series.label
    return query.label or query.id


def _check_window(start: datetime, end: datetime, period: int) -> None:
    check_period(period)
    if start >= end:
        raise faults.start_after_end()


def _read(datum: Mapping[str, Any], where: str) -> Datum:
    """The datum's samples, whichever way they were put."""
    if datum.get("StatisticValues") is not None:
        stats = datum["StatisticValues"]
        return Datum(
            _finite(stats["SampleCount"], f"{where}.StatisticValues.SampleCount"),
            _finite(stats["Sum"], f"{where}.StatisticValues.Sum"),
            _finite(stats["Minimum"], f"{where}.StatisticValues.Minimum"),
            _finite(stats["Maximum"], f"{where}.StatisticValues.Maximum"),
        )
    if datum.get("Values") is not None:
        values = [_finite(v, f"{where}.Values") for v in datum["Values"]]
        counts = datum.get("Counts")
        if len(values) > MAX_VALUES:
            raise faults.too_many(f"{where}.Values", MAX_VALUES)
        if counts is not None and len(counts) != len(values):
            raise faults.same_size(f"{where}.Values", f"{where}.Counts")
        return of_values(values, counts)
    if datum.get("Value") is None:
        raise faults.missing(f"{where}.Value")
    return of_values([_finite(datum["Value"], f"{where}.Value")])


def _datapoint(
    reading: Reading, standard: Sequence[str], extended: Sequence[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {"Timestamp": reading.at, "Unit": reading.unit}
    out.update({s: reading.statistics[s] for s in standard if s in reading.statistics})
    percentiles = {s: reading.statistics[s] for s in extended if s in reading.statistics}
    if percentiles:
        out["ExtendedStatistics"] = percentiles
    return out
