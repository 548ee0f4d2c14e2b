"""Queue attributes as data: which are settable, their ranges and defaults, and which are read.

Values travel as strings both ways, as they do on the wire; ranges and defaults are the model's
(docs/facts/sqs.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from tidewater.cloud.sim.sqs.faults import bad_attribute, unknown_attribute


@dataclass(frozen=True, slots=True)
class Integer:
    """An integer attribute within [low, high]."""

    low: int
    high: int
    default: int


INTEGER: Final = re.compile(r"-?[0-9]+")
NUMBERS: Final = {
    "DelaySeconds": Integer(0, 900, 0),
    "MaximumMessageSize": Integer(1024, 1048576, 1048576),
    "MessageRetentionPeriod": Integer(60, 1209600, 345600),
    "ReceiveMessageWaitTimeSeconds": Integer(0, 20, 0),
    "VisibilityTimeout": Integer(0, 43200, 30),
    "KmsDataKeyReusePeriodSeconds": Integer(60, 86400, 300),
}
BOOLEANS: Final = frozenset({"SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication"})
TEXTS: Final = frozenset({"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"})
FIFO_ONLY: Final = {
    "ContentBasedDeduplication": frozenset({"true", "false"}),
    "DeduplicationScope": frozenset({"messageGroup", "queue"}),
    "FifoThroughputLimit": frozenset({"perQueue", "perMessageGroupId"}),
}
READ_ONLY: Final = (
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
)
# inferred: what a new queue shows under All besides what was set (SSE-SQS is on by default)
DEFAULTS: Final = {
    **{
        name: str(spec.default)
        for name, spec in NUMBERS.items()
        if name != "KmsDataKeyReusePeriodSeconds"
    },
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS: Final = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
NAMES: Final = frozenset({*NUMBERS, *BOOLEANS, *TEXTS, *FIFO_ONLY, *READ_ONLY})


def is_fifo(given: Mapping[str, str]) -> bool:
    return given.get("FifoQueue", "").lower() == "true"


def settable(given: Mapping[str, str]) -> dict[str, str]:
    """The attributes a CreateQueue names, checked and in their stored form, defaults added."""
    fifo = is_fifo(given)
    out = dict(DEFAULTS) | (dict(FIFO_DEFAULTS) if fifo else {})
    for name, value in given.items():
        out[name] = _value(name, value, fifo)
    if not fifo:
        out.pop("FifoQueue", None)  # FifoQueue=false makes a standard queue, shown without it
    return out


def _value(name: str, value: str, fifo: bool) -> str:
    if name in NUMBERS:
        spec = NUMBERS[name]
        text = value.strip()
        if not (INTEGER.fullmatch(text) and spec.low <= int(text) <= spec.high):
            raise bad_attribute(name)
        return str(int(text))
    if name in FIFO_ONLY:
        if not fifo:
            raise unknown_attribute(name)  # observed for ContentBasedDeduplication
        if value not in FIFO_ONLY[name]:
            raise bad_attribute(name)
        return value
    if name in BOOLEANS:
        if value.lower() not in ("true", "false"):
            raise bad_attribute(name)
        return value.lower()
    if name in TEXTS:
        return value
    if name in READ_ONLY:
        raise bad_attribute(name)  # chosen: read-only attributes cannot be set
    raise unknown_attribute(name)


def first_difference(stored: Mapping[str, str], wanted: Mapping[str, str]) -> str | None:
    """The first attribute (by name) whose value differs between two queues' settings."""
    for name in sorted(set(stored) | set(wanted)):
        if stored.get(name) != wanted.get(name):
            return name
    return None


def selected(names: list[str]) -> list[str] | None:
    """The attributes GetQueueAttributes asks for (None: All); an unknown name is refused."""
    for name in names:
        if name != "All" and name not in NAMES:
            raise unknown_attribute(name)
    return None if "All" in names else names
