"""CloudWatch's refusals, worded once; docs/facts/cloudwatch.md gives each text's source, and
those with no public capture are marked inferred there and here."""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AwsFault


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


def expressions_unsupported(where: str) -> CloudWatchFault:
    # chosen: the sim does not evaluate metric math; it says so rather than answer wrongly
    return CloudWatchFault(
        "InvalidParameterValue",
        f"The parameter {where}.Expression is not supported by this simulated CloudWatch: "
        "metric math is not evaluated.",
    )


def bad_token() -> CloudWatchFault:
    # inferred: GetMetricData's modelled InvalidNextToken, ListMetrics's InvalidParameterValue
    return CloudWatchFault("InvalidNextToken", "The service couldn't process your NextToken.")
