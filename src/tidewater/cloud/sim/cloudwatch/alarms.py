"""The simulated CloudWatch's metric alarms: stored as put, evaluated on the service clock by the
runner through the `Alarms` port, with the history CloudWatch keeps (docs/facts/alarms.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Row, Select, bindparam, delete, insert, or_, select, update

from tidewater.cloud.ports import AlarmAction, MetricId
from tidewater.cloud.sim.cloudwatch import faults, queries
from tidewater.cloud.sim.cloudwatch.metrics import SimCloudWatch, canonical, check_period
from tidewater.cloud.sim.cloudwatch.statistics import STANDARD, percentile_level
from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.rows import owned, owner_columns
from tidewater.domain import alarm as domain
from tidewater.domain.alarm import Missing, Rule, State
from tidewater.domain.metric_math import MathRefusal, Series
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import sim_cw_alarm_history as history
from tidewater.store.tables import sim_cw_alarms as alarms

MAX_ALARM_METRICS: Final = 10  # metrics in a metric math alarm (CloudWatch service quotas)
MAX_ALARMS: Final = 10_000  # [NO SOURCE] metric alarms per account and region (configurable)
DESCRIBE_PAGE: Final = 50  # DescribeAlarms' default MaxRecords (API reference)
HISTORY_PAGE: Final = 100  # DescribeAlarmHistory's default MaxRecords (API reference)
MAX_EVALUATION: Final = 7 * 86_400  # Period × EvaluationPeriods at most a week (API reference)
CREATED_REASON: Final = "Unchecked: Initial alarm creation"
KEPT_HISTORY: Final = timedelta(days=14)  # two weeks (mon-describe-alarm-history reference)
# Alarms due at the service time `now`, or owing a state a SetAlarmState asked for
_DUE: Final = (
    select(alarms.c.seq)
    .where(or_(alarms.c.next_at <= bindparam("now"), alarms.c.owed_state.is_not(None)))
    .order_by(alarms.c.next_at, alarms.c.seq)
    .limit(50)
)
# The members of PutMetricAlarm kept as the alarm's configuration
KEPT: Final = (
    "AlarmDescription",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
    "Tags",
)
ACTION_LISTS: Final = {
    State.OK: "OKActions",
    State.ALARM: "AlarmActions",
    State.INSUFFICIENT_DATA: "InsufficientDataActions",
}


def arn_of(scope: Scope, name: str) -> str:
    return f"arn:aws:cloudwatch:{scope.region}:{scope.account}:alarm:{name}"


class SimAlarms:
    """PutMetricAlarm and its companions, and the `Alarms` port the runner drives."""

    def __init__(self, metrics: SimCloudWatch, limit: int = MAX_ALARMS) -> None:
        self.metrics = metrics
        self.db = metrics.db
        self.clock = metrics.clock
        self.limit = limit

    # ---- PutMetricAlarm ---------------------------------------------------------------------

    def put_metric_alarm(self, scope: Scope, params: Mapping[str, Any]) -> None:
        with self.db.write() as conn:
            self._put(conn, scope, params)

    # ---- the `Alarms` port's owned alarms (target tracking) ------------------------------------

    def own(self, scope: Scope, name: str, config: Mapping[str, Any], within: Connection) -> str:
        """Create or update an alarm a scaling policy owns, in the caller's transaction."""
        self._put(within, scope, {**config, "AlarmName": name}, check=False)
        return arn_of(scope, name)

    def disown(self, scope: Scope, names: Sequence[str], within: Connection) -> None:
        """Delete the alarms a scaling policy owned; ones already gone are no error."""
        chosen = (*owned(alarms, scope), alarms.c.name.in_(list(names)))
        found = [r.name for r in within.execute(select(alarms.c.name).where(*chosen))]
        within.execute(delete(alarms).where(*chosen))
        for name in found:
            _configured(within, scope, name, self.clock.now(), "Delete")

    def _put(
        self, conn: Connection, scope: Scope, params: Mapping[str, Any], check: bool = True
    ) -> None:
        """Store an alarm as put; an owned alarm is the service's own, so not checked (metric
        math it cannot work out leaves it without data: INSUFFICIENT_DATA)."""
        config = {k: params[k] for k in KEPT if params.get(k) is not None}
        if check:
            _check(config)
        name = params["AlarmName"]
        now = self.clock.now()
        enabled = params.get("ActionsEnabled", True)
        found = self._row(conn, scope, name)
        if found is None:
            count = len(conn.execute(select(alarms.c.seq).where(*owned(alarms, scope))).all())
            if count >= self.limit:
                raise faults.CloudWatchFault(
                    "LimitExceeded",
                    "The quota for alarms for this customer has already been reached.",
                )
            conn.execute(
                insert(alarms).values(
                    **owner_columns(scope),
                    name=name,
                    config=config,
                    actions_enabled=enabled,
                    state=State.INSUFFICIENT_DATA.value,
                    state_reason=CREATED_REASON,
                    state_reason_data=None,
                    state_updated_at=now,
                    config_updated_at=now,
                    next_at=now,  # evaluated at once, then every interval
                )
            )
            created = {**config, "AlarmName": name, "ActionsEnabled": enabled}
            _configured(conn, scope, name, now, "Create", createdAlarm=created)
            return
        conn.execute(
            update(alarms)
            .where(alarms.c.seq == found.seq)
            .values(config=config, actions_enabled=enabled, config_updated_at=now, next_at=now)
        )
        before = {**found.config, "AlarmName": name, "ActionsEnabled": found.actions_enabled}
        after = {**config, "AlarmName": name, "ActionsEnabled": enabled}
        _configured(conn, scope, name, now, "Update", originalAlarm=before, updatedAlarm=after)

    # ---- DescribeAlarms, DescribeAlarmsForMetric ----------------------------------------------

    def describe_alarms(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
        if names and prefix:
            raise faults.exclusive("AlarmNames", "AlarmNamePrefix")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        query = select(alarms).where(*owned(alarms, scope)).order_by(alarms.c.name)
        if names:
            query = query.where(alarms.c.name.in_(list(names)))
        if prefix:
            query = query.where(alarms.c.name.startswith(prefix, autoescape=True))
        if params.get("StateValue"):
            query = query.where(alarms.c.state == params["StateValue"])
        if params.get("NextToken"):
            after = paging.decode("alarms", params["NextToken"], [str], faults.bad_token)[0]
            query = query.where(alarms.c.name > after)
        size = params.get("MaxRecords") or DESCRIBE_PAGE
        action_prefix = params.get("ActionPrefix")
        with self.db.read() as conn:
            rows = [
                row
                for row in conn.execute(query)
                if action_prefix is None or _acts_with(row.config, action_prefix)
            ]
        page = rows[:size] if "MetricAlarm" in types else []
        out: dict[str, Any] = {"MetricAlarms": [_shown(scope, row) for row in page]}
        if "CompositeAlarm" in types:
            out["CompositeAlarms"] = []
        if "MetricAlarm" in types and len(rows) > size:
            out["NextToken"] = paging.encode("alarms", [page[-1].name])
        return out

    def describe_alarms_for_metric(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        wanted = {
            k: params[k]
            for k in ("Statistic", "ExtendedStatistic", "Period", "Unit")
            if params.get(k) is not None
        }
        dimensions = params.get("Dimensions")
        with self.db.read() as conn:
            rows = conn.execute(
                select(alarms).where(*owned(alarms, scope)).order_by(alarms.c.name)
            ).all()
        found = []
        for row in rows:
            metric = _metric_of(row.config)
            if metric is None or (metric[0].namespace, metric[0].name) != (
                params["Namespace"],
                params["MetricName"],
            ):
                continue
            stat = metric[1]
            if any(stat.get(k) != v for k, v in wanted.items()):
                continue
            if dimensions is not None and canonical(metric[0].dimensions) != canonical(
                {d["Name"]: d["Value"] for d in dimensions}
            ):
                continue
            found.append(_shown(scope, row))
        return {"MetricAlarms": found}

    # ---- DeleteAlarms, Enable/DisableAlarmActions ---------------------------------------------

    def delete_alarms(self, scope: Scope, params: Mapping[str, Any]) -> None:
        names = list(params["AlarmNames"])
        with self.db.write() as conn:
            found = {
                r.name
                for r in conn.execute(
                    select(alarms.c.name).where(*owned(alarms, scope), alarms.c.name.in_(names))
                )
            }
            missing = [n for n in names if n not in found]
            if missing:  # none is deleted when one is wrong (API reference)
                raise _not_found(missing[0])
            conn.execute(delete(alarms).where(*owned(alarms, scope), alarms.c.name.in_(names)))
            now = self.clock.now()
            for name in names:
                _configured(conn, scope, name, now, "Delete")

    def enable_alarm_actions(self, scope: Scope, params: Mapping[str, Any]) -> None:
        self._set_actions(scope, params["AlarmNames"], True)

    def disable_alarm_actions(self, scope: Scope, params: Mapping[str, Any]) -> None:
        self._set_actions(scope, params["AlarmNames"], False)

    def _set_actions(self, scope: Scope, names: Sequence[str], enabled: bool) -> None:
        with self.db.write() as conn:  # names of no alarm are passed over [NO SOURCE]
            conn.execute(
                update(alarms)
                .where(*owned(alarms, scope), alarms.c.name.in_(list(names)))
                .values(actions_enabled=enabled)
            )

    # ---- SetAlarmState ----------------------------------------------------------------------

    def set_alarm_state(self, scope: Scope, params: Mapping[str, Any]) -> None:
        data = params.get("StateReasonData")
        if data is not None:
            try:
                json.loads(data)
            except ValueError:
                raise faults.CloudWatchFault(  # [NO SOURCE] the text; the code is modelled
                    "InvalidFormat", "The StateReasonData is not valid JSON."
                ) from None
        name, state = params["AlarmName"], State(params["StateValue"])
        now = self.clock.now()
        with self.db.write() as conn:
            found = self._row(conn, scope, name)
            if found is None:
                raise _not_found(name)
            self._move(conn, scope, found, state, params["StateReason"], data, now)
            if state.value != found.state:  # its actions run as a change's do, at once
                conn.execute(
                    update(alarms).where(alarms.c.seq == found.seq).values(owed_state=state.value)
                )

    def _move(
        self,
        conn: Connection,
        scope: Scope,
        row: Row[Any],
        state: State,
        reason: str,
        data: str | None,
        now: datetime,
    ) -> None:
        """Record a state update (a change or not: SetAlarmState records both)."""
        old: dict[str, Any] = {"stateValue": row.state, "stateReason": row.state_reason}
        if row.state_reason_data:
            old["stateReasonData"] = json.loads(row.state_reason_data)
        new: dict[str, Any] = {"stateValue": state.value, "stateReason": reason}
        if data:
            new["stateReasonData"] = json.loads(data)
        conn.execute(
            update(alarms)
            .where(alarms.c.seq == row.seq)
            .values(
                state=state.value, state_reason=reason, state_reason_data=data, state_updated_at=now
            )
        )
        _record(
            conn,
            scope,
            row.name,
            now,
            "StateUpdate",
            f"Alarm updated from {row.state} to {state.value}",
            {"version": "1.0", "oldState": old, "newState": new},
        )

    # ---- DescribeAlarmHistory ---------------------------------------------------------------

    def describe_alarm_history(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        ascending = params.get("ScanBy") == "TimestampAscending"
        order = history.c.seq if ascending else history.c.seq.desc()
        query = select(history).where(*owned(history, scope)).order_by(order)
        if params.get("AlarmName"):
            query = query.where(history.c.alarm_name == params["AlarmName"])
        if params.get("HistoryItemType"):
            query = query.where(history.c.item_type == params["HistoryItemType"])
        if params.get("StartDate"):
            query = query.where(history.c.at >= params["StartDate"])
        if params.get("EndDate"):
            query = query.where(history.c.at <= params["EndDate"])
        if params.get("NextToken"):
            after = paging.decode("history", params["NextToken"], [int], faults.bad_token)[0]
            query = query.where(history.c.seq > after if ascending else history.c.seq < after)
        size = params.get("MaxRecords") or HISTORY_PAGE
        if "MetricAlarm" not in types:
            return {"AlarmHistoryItems": []}
        with self.db.read() as conn:
            rows = conn.execute(query.limit(size + 1)).all()
        out: dict[str, Any] = {
            "AlarmHistoryItems": [
                {
                    "AlarmName": row.alarm_name,
                    "AlarmType": "MetricAlarm",
                    "Timestamp": row.at,
                    "HistoryItemType": row.item_type,
                    "HistorySummary": row.summary,
                    "HistoryData": row.data,
                }
                for row in rows[:size]
            ]
        }
        if len(rows) > size:
            out["NextToken"] = paging.encode("history", [rows[size - 1].seq])
        return out

    # ---- the Alarms port --------------------------------------------------------------------

    def due(self) -> Select[Any]:
        return _DUE

    def evaluate(self, key: int, now: datetime) -> list[AlarmAction] | None:
        """Read the alarm's metric, then in one transaction: still due? move its state and its
        next time on together (missed evaluations collapse into this one). Actions owed by a
        SetAlarmState go first, without waiting for the evaluation."""
        with self.db.read() as conn:
            row = conn.execute(select(alarms).where(alarms.c.seq == key)).first()
        if row is None or (row.next_at > now and row.owed_state is None):
            return None
        scope = Scope(row.account, row.region, Cloud.AWS)
        config = row.config
        period = _period(config)
        evaluating = row.next_at <= now
        watched = _metric_of(config) is not None or bool(config.get("Metrics"))
        outcome = self._outcome(scope, row, now) if evaluating and watched else None
        following = domain.next_evaluation(now, period)
        with self.db.write() as conn:
            locked = conn.execute(
                select(alarms).where(alarms.c.seq == key).with_for_update()
            ).first()
            if locked is None or (locked.next_at, locked.owed_state) != (
                row.next_at,
                row.owed_state,
            ):
                return None  # another node got there first, or it was changed meanwhile
            conn.execute(
                update(alarms)
                .where(alarms.c.seq == key)
                .values(next_at=following if evaluating else row.next_at, owed_state=None)
            )
            if evaluating:  # what is older than CloudWatch keeps is forgotten as time goes on
                conn.execute(
                    delete(history).where(
                        *owned(history, scope),
                        history.c.alarm_name == locked.name,
                        history.c.at < now - KEPT_HISTORY,
                    )
                )
            threshold = float(locked.config.get("Threshold", 0.0))
            owed = []
            if locked.owed_state is not None and locked.actions_enabled:
                owed = [
                    AlarmAction(scope, locked.name, arn, locked.owed_state, None, threshold)
                    for arn in locked.config.get(ACTION_LISTS[State(locked.owed_state)]) or []
                ]
            if outcome is None:
                return owed
            state = outcome.state
            changed = state.value != locked.state
            if changed:
                data = json.dumps(outcome.data, separators=(",", ":"))
                self._move(conn, scope, locked, state, outcome.reason, data, now)
            if not locked.actions_enabled:
                return owed
            arns = locked.config.get(ACTION_LISTS[state]) or []
            value = next(
                (p["value"] for p in outcome.data.get("evaluatedDatapoints", []) if "value" in p),
                None,
            )
            return owed + [
                AlarmAction(scope, locked.name, arn, state.value, value, threshold)
                for arn in arns
                if changed or domain.acts_again(arn)
            ]

    def _outcome(self, scope: Scope, row: Row[Any], now: datetime) -> domain.Outcome:
        config = row.config
        period = _period(config)
        periods = int(config["EvaluationPeriods"])
        start, end = domain.window(now, period, periods)
        found = _metric_of(config)
        if found is not None:
            metric, stat = found
            statistic = stat["Stat"]
            readings = {
                r.at: (r.statistics.get(statistic), r.statistics.get("SampleCount", 0.0))
                for r in self.metrics.statistics(
                    scope, metric, start, end, period, [statistic, "SampleCount"], stat.get("Unit")
                )
            }
        else:
            statistic = ""  # [NO SOURCE] what StateReasonData names for an expression
            readings = {at: (v, 1.0) for at, v in self._expression(scope, config, start, end)}
        points = domain.points(start, period, periods, readings)
        rule = Rule(
            config["ComparisonOperator"],
            float(config["Threshold"]),
            periods,
            int(config.get("DatapointsToAlarm") or periods),
            Missing(config.get("TreatMissingData", "missing")),
        )
        return domain.evaluate(
            rule, points, State(row.state), statistic=statistic, period=period, now=now
        )

    def _expression(
        self, scope: Scope, config: Mapping[str, Any], start: datetime, end: datetime
    ) -> list[tuple[datetime, float]]:
        """The points of the expression an alarm watches; none when it cannot be worked out
        (an owned alarm is not checked when it is put)."""
        try:
            planned = queries.plan(config.get("Metrics") or [], "Metrics")
            returning = [q for q in planned if q.returns]
            if len(returning) != 1:
                return []
            found = self.metrics.evaluate(scope, planned, start, end)[returning[0].id]
        except faults.CloudWatchFault:
            return []
        return sorted(found.points.items()) if isinstance(found, Series) else []

    def acted(self, action: AlarmAction, error: str | None, at: datetime) -> None:
        stamp = int(at.timestamp() * 1000)
        if error is None:
            summary = f"Successfully executed action {action.arn}"
            data = {
                "actionState": "Succeeded",
                "stateUpdateTimestamp": stamp,
                "notificationResource": action.arn,
            }
        else:  # [NO SOURCE] the failed action's summary
            summary = f'Failed to execute action {action.arn}. Received error: "{error}"'
            data = {"actionState": "Failed", "stateUpdateTimestamp": stamp, "error": error}
        with self.db.write() as conn:
            _record(conn, action.scope, action.alarm, at, "Action", summary, data)

    # ---- rows -------------------------------------------------------------------------------

    @staticmethod
    def _row(conn: Connection, scope: Scope, name: str) -> Row[Any] | None:
        return conn.execute(
            select(alarms).where(*owned(alarms, scope), alarms.c.name == name).with_for_update()
        ).first()


def _not_found(name: str) -> faults.CloudWatchFault:
    # observed code (ResourceNotFound, floci-io/floci#1582); [NO SOURCE] the message
    return faults.CloudWatchFault("ResourceNotFound", f"Alarm {name} not found", 404)


def _record(
    conn: Connection,
    scope: Scope,
    name: str,
    at: datetime,
    kind: str,
    summary: str,
    data: Mapping[str, Any],
) -> None:
    conn.execute(
        insert(history).values(
            **owner_columns(scope),
            alarm_name=name,
            at=at,
            item_type=kind,
            summary=summary,
            data=json.dumps(data, separators=(",", ":"), default=str),
        )
    )


def _configured(
    conn: Connection, scope: Scope, name: str, at: datetime, kind: str, **alarm: Any
) -> None:
    """A ConfigurationUpdate item: 'Alarm "x" created' (updated, deleted)."""
    verb = {"Create": "created", "Update": "updated", "Delete": "deleted"}[kind]
    data = {"version": "1.0", "type": kind, **alarm}
    _record(conn, scope, name, at, "ConfigurationUpdate", f'Alarm "{name}" {verb}', data)


def _acts_with(config: Mapping[str, Any], prefix: str) -> bool:
    return any(
        arn.startswith(prefix) for key in ACTION_LISTS.values() for arn in config.get(key) or []
    )


def _period(config: Mapping[str, Any]) -> int:
    """The period an alarm compares: its metric's, else its returning query's own Period or
    its metrics' shortest (the one its expression follows)."""
    found = _metric_of(config)
    if found is not None:
        return int(found[1]["Period"])
    metrics = config.get("Metrics") or []
    returning = [q for q in metrics if q.get("ReturnData", True)]
    stats = [int(q["MetricStat"]["Period"]) for q in metrics if q.get("MetricStat")]
    given = returning[0].get("Period") if returning else None
    return int(given or min(stats, default=queries.DEFAULT_PERIOD))


def _metric_of(config: Mapping[str, Any]) -> tuple[MetricId, dict[str, Any]] | None:
    """The one metric an alarm reads, and its Stat/Period/Unit: its own members, or the single
    MetricStat of its Metrics that returns data."""
    dims = {d["Name"]: d["Value"] for d in config.get("Dimensions") or []}
    if config.get("MetricName"):
        stat = config.get("Statistic") or config.get("ExtendedStatistic")
        return MetricId(config["Namespace"], config["MetricName"], dims), {
            "Stat": stat,
            "Statistic": config.get("Statistic"),
            "ExtendedStatistic": config.get("ExtendedStatistic"),
            "Period": config["Period"],
            "Unit": config.get("Unit"),
        }
    for query in config.get("Metrics") or []:
        if query.get("ReturnData", True) and query.get("MetricStat"):
            stat = query["MetricStat"]
            metric = stat["Metric"]
            named = {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []}
            return MetricId(metric.get("Namespace", ""), metric.get("MetricName", ""), named), {
                "Stat": stat["Stat"],
                "Period": stat["Period"],
                "Unit": stat.get("Unit"),
            }
    return None


def _check(config: Mapping[str, Any]) -> None:
    """PutMetricAlarm's rules beyond the model's (docs/facts/alarms.md gives each text)."""
    for member in ("EvaluationPeriods", "ComparisonOperator"):
        if config.get(member) is None:
            raise faults.missing(member)
    operator = config["ComparisonOperator"]
    if operator in domain.BAND_COMPARISONS:
        if config.get("ThresholdMetricId") is None:
            raise faults.CloudWatchFault(  # [NO SOURCE] the text
                "ValidationError",
                "ThresholdMetricId must be specified for anomaly detection alarms.",
            )
        raise faults.math_refused(
            "Metrics", MathRefusal("not_simulated", function="ANOMALY_DETECTION_BAND")
        )
    if config.get("Threshold") is None:
        raise faults.missing("Threshold")
    metrics = config.get("Metrics")
    if metrics and config.get("MetricName"):
        raise faults.exclusive("MetricName", "Metrics")
    if metrics:
        _check_metrics(metrics)
    elif config.get("MetricName") is None:
        raise faults.missing("MetricName")
    else:
        for member in ("Namespace", "Period"):
            if config.get(member) is None:
                raise faults.missing(member)
        given = [k for k in ("Statistic", "ExtendedStatistic") if config.get(k) is not None]
        if len(given) != 1:
            raise faults.CloudWatchFault(  # [NO SOURCE] the text
                "InvalidParameterCombination",
                "Exactly one element of the parameters Statistic and ExtendedStatistic must be "
                "specified.",
            )
        if "ExtendedStatistic" in given and percentile_level(config["ExtendedStatistic"]) is None:
            raise faults.invalid_value(config["ExtendedStatistic"], "ExtendedStatistic")
        check_period(config["Period"])
    periods, to_alarm = config["EvaluationPeriods"], config.get("DatapointsToAlarm")
    if to_alarm is not None and to_alarm > periods:
        raise faults.CloudWatchFault(  # [NO SOURCE] the text
            "ValidationError",
            "DatapointsToAlarm must be less than or equal to EvaluationPeriods.",
        )
    if _period(config) * periods > MAX_EVALUATION:
        raise faults.CloudWatchFault(  # [NO SOURCE] the text
            "ValidationError",
            "The product of EvaluationPeriods and Period must not exceed 604800 seconds.",
        )
    missing = config.get("TreatMissingData")
    if missing is not None and missing not in {m.value for m in Missing}:
        raise faults.invalid_value(missing, "TreatMissingData")
    low = config.get("EvaluateLowSampleCountPercentile")
    if low is not None and low not in ("evaluate", "ignore"):
        raise faults.invalid_value(low, "EvaluateLowSampleCountPercentile")


def _check_metrics(metrics: Sequence[Mapping[str, Any]]) -> None:
    """A metric math alarm: its queries as GetMetricData checks them, at most ten metrics
    (CloudWatch quotas), exactly one query returning data, and that one a single series."""
    planned = queries.plan(metrics, "Metrics")
    if queries.metric_count(planned) > MAX_ALARM_METRICS:
        raise faults.CloudWatchFault(  # [NO SOURCE] the text; the quota is documented
            "ValidationError",
            f"An alarm based on a metric math expression can have up to {MAX_ALARM_METRICS} "
            "metrics.",
        )
    for query in planned:
        if query.stat is None:
            if query.period is not None:
                check_period(query.period)
            continue
        check_period(query.stat["Period"])
        stat = query.stat["Stat"]
        if stat not in STANDARD and percentile_level(stat) is None:
            raise faults.invalid_value(stat, f"{query.where}.MetricStat.Stat")
    returning = [q for q in planned if q.returns]
    if len(returning) != 1:
        raise faults.CloudWatchFault(  # [NO SOURCE] the text
            "ValidationError",
            "Exactly one element of the metrics list should return data.",
        )
    if returning[0].tree is not None:
        _check_shape(planned, returning[0])


def _check_shape(planned: Sequence[queries.Query], watched: queries.Query) -> None:
    """The watched expression worked out over no data: a scalar or an array is refused."""

    def empty(query: queries.Query) -> Series:
        assert query.stat is not None
        return Series({}, int(query.stat["Period"]), metric=True)

    if not isinstance(queries.run(planned, empty, lambda period: [])[watched.id], Series):
        raise faults.math_refused(watched.where, MathRefusal("array_alarm"))


def _shown(scope: Scope, row: Row[Any]) -> dict[str, Any]:
    """A MetricAlarm as DescribeAlarms answers it."""
    config = {k: v for k, v in row.config.items() if k != "Tags"}
    out: dict[str, Any] = {
        "AlarmName": row.name,
        "AlarmArn": arn_of(scope, row.name),
        "AlarmConfigurationUpdatedTimestamp": row.config_updated_at,
        "ActionsEnabled": row.actions_enabled,
        "OKActions": [],
        "AlarmActions": [],
        "InsufficientDataActions": [],
        **config,
        "StateValue": row.state,
        "StateReason": row.state_reason,
        "StateUpdatedTimestamp": row.state_updated_at,
        "StateTransitionedTimestamp": row.state_updated_at,
    }
    if row.state_reason_data:
        out["StateReasonData"] = row.state_reason_data
    if "Metrics" not in out and "DatapointsToAlarm" not in out:
        out["DatapointsToAlarm"] = out.get("EvaluationPeriods")
    if "Threshold" in out:
        out["Threshold"] = float(out["Threshold"])
    return out
