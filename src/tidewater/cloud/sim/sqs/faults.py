"""SQS's refusals in its Query codes (the JSON dialect maps each to its shape name), worded once.

Texts recorded from AWS are marked observed; docs/facts/sqs.md gives each source. Where no text
is public, the wording is chosen and marked so.
"""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AwsFault

NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"


class SqsFault(AwsFault):
    """A refusal of the simulated queue service, carrying the Query protocol's code."""


def no_queue() -> SqsFault:
    # observed (Query wording; the JSON dialect drops " for this wsdl version")
    return SqsFault(NON_EXISTENT, "The specified queue does not exist for this wsdl version.")


def invalid(message: str) -> SqsFault:
    return SqsFault("InvalidParameterValue", message)


def out_of_range(value: object, parameter: str, reason: str) -> SqsFault:
    # observed for MaxNumberOfMessages and WaitTimeSeconds; the same shape chosen for the rest
    return invalid(f"Value {value} for parameter {parameter} is invalid. Reason: {reason}")


def missing(parameter: str) -> SqsFault:
    return SqsFault("MissingParameter", f"The request must contain the parameter {parameter}.")


def bad_name(fifo: bool) -> SqsFault:
    # chosen: AWS's current wording is not public (the code is observed)
    if fifo:
        return invalid(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length."
        )
    return invalid(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
    )


def unknown_attribute(name: str) -> SqsFault:
    return SqsFault("InvalidAttributeName", f"Unknown Attribute {name}.")


def bad_attribute(name: str, reason: str | None = None) -> SqsFault:
    # observed with a reason for FifoQueue; without one chosen
    tail = f" Reason: {reason}" if reason else ""
    return SqsFault("InvalidAttributeValue", f"Invalid value for the parameter {name}.{tail}")


def already_exists(attribute: str) -> SqsFault:
    return SqsFault(
        "QueueAlreadyExists",
        "A queue already exists with the same name and a different value for attribute "
        f"{attribute}",
    )


def deleted_recently() -> SqsFault:
    return SqsFault(
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "You must wait 60 seconds after deleting a queue before you can create another with the "
        "same name.",
    )


def purge_in_progress(name: str) -> SqsFault:
    return SqsFault(
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        f"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
        403,
    )


def bad_receipt(handle: str) -> SqsFault:
    return SqsFault(
        "ReceiptHandleIsInvalid",
        f'The input receipt handle "{handle}" is not a valid receipt handle.',
    )


def not_changeable(handle: str) -> SqsFault:
    return out_of_range(
        handle,
        "ReceiptHandle",
        "Message does not exist or is not available for visibility timeout change.",
    )


def too_large(limit: int) -> SqsFault:
    return invalid(
        f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
    )


def bad_contents() -> SqsFault:
    # chosen wording; the code and the character ranges are the model's
    return SqsFault(
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
        "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    )


def bad_token() -> SqsFault:
    # chosen wording; the code is the one every AWS JSON service uses
    return invalid("Invalid NextToken value.")
