"""CloudWatch's refusals, worded once; docs/facts/cloudwatch.md gives each text's source, and
those with no public capture are marked inferred there and here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tidewater.cloud.sim.kit.faults import AwsFault
from tidewater.domain.metric_math import MathRefusal


class CloudWatchFault(AwsFault):
    """A refusal of the simulated CloudWatch."""


def invalid_value(value: object, parameter: str) -> CloudWatchFault:
    # observed: "The value AWS/ for parameter Namespace is invalid." (boto/boto3#1847)
    return CloudWatchFault(
        "InvalidParameterValue", f"The value {value} for parameter {parameter} is invalid."
    )


def missing(parameter: str) -> CloudWatchFault:
    # observed: "The parameter Namespace is required." (JuliaCloud/AWSSDK.jl#2)
    return CloudWatchFault("MissingParameter", f"The parameter {parameter} is required.")


def too_many(collection: str, limit: int) -> CloudWatchFault:
    # inferred wording
    return CloudWatchFault(
        "InvalidParameterValue",
        f"The collection {collection} must not have a size greater than {limit}.",
    )


def exclusive(first: str, second: str) -> CloudWatchFault:
    # inferred wording, after the Query services' mutually-exclusive texts
    return CloudWatchFault(
        "InvalidParameterCombination",
        f"The parameters {first} and {second} are mutually exclusive and you have specified both.",
    )


def same_size(first: str, second: str) -> CloudWatchFault:
    # inferred wording
    return CloudWatchFault(
        "InvalidParameterValue", f"The parameters {first} and {second} must be of the same size."
    )


def no_statistics() -> CloudWatchFault:
    # inferred wording
    return CloudWatchFault(
        "InvalidParameterCombination", "Must specify either Statistics or ExtendedStatistics."
    )


def start_after_end() -> CloudWatchFault:
    # inferred wording
    return CloudWatchFault(
        "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime."
    )


def period_multiple() -> CloudWatchFault:
    # inferred wording, after the API reference's rule for Period
    return CloudWatchFault(
        "InvalidParameterValue",
        "The parameter Period must be 1, 5, 10, 30, or a multiple of 60.",
    )


def too_many_datapoints(requested: int) -> CloudWatchFault:
    # observed text, with the thousands separators AWS prints
    return CloudWatchFault(
        "InvalidParameterCombination",
        f"You have requested up to {requested:,} datapoints, which exceeds the limit of 1,440. "
        "You may reduce the datapoints requested by increasing Period, or decreasing the time "
        "range.",
    )


def bad_token() -> CloudWatchFault:
    # inferred: GetMetricData's modelled InvalidNextToken, ListMetrics's InvalidParameterValue
    return CloudWatchFault("InvalidNextToken", "The service couldn't process your NextToken.")


# metric math refusals by reason: [NO SOURCE] every text (AWS publishes none of them); each
# names the query, as ValidationError (docs/facts/metric-math.md)
MATH_WORDS: Final[Mapping[str, str]] = {
    "syntax": "Error in expression {where}: syntax error near {near}.",
    "unknown_function": "Error in expression {where}: unknown function {function}.",
    "not_simulated": (
        "Error in expression {where}: the function {function} is not evaluated by this "
        "simulated CloudWatch."
    ),
    "insights": (
        "Error in expression {where}: Metrics Insights queries are not evaluated by this "
        "simulated CloudWatch."
    ),
    "arity": "Error in expression {where}: wrong number of arguments to {function}.",
    "argument": "Error in expression {where}: invalid argument type for {function}.",
    "scalar_result": (
        "Error in expression {where}: the final result of a math expression must be a time "
        "series or an array of time series, not a scalar."
    ),
    "array_scalar": "Error in expression {where}: an array may hold time series only.",
    "too_complex": "Error in expression {where}: the expression is nested too deeply.",
    "unknown_id": "Error in expression {where}: unrecognized metric or expression id {name}.",
    "cycle": "Error in expression {where}: circular reference through {name}.",
    "duplicate_id": "The Id {name} of {where} is used by another query of the request.",
    "array_alarm": (
        "Error in expression {where}: an alarm's expression must return a single time series."
    ),
}


def math_refused(where: str, refusal: MathRefusal) -> CloudWatchFault:
    text = MATH_WORDS[refusal.reason].format(where=where, **refusal.facts)
    return CloudWatchFault("ValidationError", text)
