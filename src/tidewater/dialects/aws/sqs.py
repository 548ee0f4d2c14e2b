"""Amazon SQS (2012-11-05) for boto3, the aws CLI and older SDKs: straight to the sim, in AWS
JSON 1.0 or in the Query protocol, at `/` or at the queue URL's own path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from tidewater.cloud.sim.sqs import ENDPOINT, SimSqs, SqsFault
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.json_protocol import JsonProtocol
from tidewater.dialects.aws.service import Handler
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Operation = Callable[[Scope, Mapping[str, Any]], Mapping[str, Any] | None]

# The Query code of each refusal and its JSON shape (`__type`); the namespace of shapes other
# than QueueDoesNotExist and the coral exceptions is chosen (docs/facts/sqs.md §1).
SHAPES: Final = {
    "AWS.SimpleQueueService.NonExistentQueue": "com.amazonaws.sqs#QueueDoesNotExist",
    "QueueAlreadyExists": "com.amazonaws.sqs#QueueNameExists",
    "AWS.SimpleQueueService.PurgeQueueInProgress": "com.amazonaws.sqs#PurgeQueueInProgress",
    "AWS.SimpleQueueService.QueueDeletedRecently": "com.amazonaws.sqs#QueueDeletedRecently",
    "AWS.SimpleQueueService.MessageNotInflight": "com.amazonaws.sqs#MessageNotInflight",
    "InvalidParameterValue": "com.amazon.coral.service#InvalidParameterValueException",
    "MissingParameter": "com.amazon.coral.service#MissingRequiredParameterException",
}
QUEUE_SCOPED: Final = frozenset(
    {
        "GetQueueAttributes",
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "ChangeMessageVisibility",
        "PurgeQueue",
        "DeleteQueue",
    }
)
ACCOUNT_ONLY: Final = frozenset({"CreateQueue", "ListQueues"})
QUERY_ONLY_WORDS: Final = " for this wsdl version"  # the Query texts' tail JSON answers without


class SqsJson(JsonProtocol):
    """AWS JSON 1.0 with SQS's query-compatible errors: `__type` and `x-amzn-query-error`."""

    content_type = "application/x-amz-json-1.0"
    checks_enums = False  # an unknown attribute name is SQS's InvalidAttributeName, not the model's
    located = frozenset({"QueueUrl"})  # a request sent to the queue URL names it by its path

    def __init__(self) -> None:
        super().__init__("sqs")

    def error(self, code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
        shape = SHAPES.get(code, f"com.amazonaws.sqs#{code}")
        return super().error(shape, message.replace(QUERY_ONLY_WORDS, ""), request_id)

    def error_headers(self, code: str, sender: bool) -> dict[str, str]:
        return {"x-amzn-query-error": f"{code};{'Sender' if sender else 'Receiver'}"}


def addressed(action: str, params: dict[str, Any], endpoint: str, path: str) -> dict[str, Any]:
    """Where the caller reached us: the endpoint queue URLs are built on, and the queue a
    request sent to the queue URL itself names by its path (the Java SDK v1, PHP)."""
    on_queue = path.strip("/") != ""
    if on_queue and action in ACCOUNT_ONLY:
        # observed: account-level actions are refused on a queue URL
        raise AwsError("InvalidAction", f"The action {action} is not valid for this endpoint.")
    if action in QUEUE_SCOPED and not params.get("QueueUrl"):
        if not on_queue:
            raise AwsError("MissingParameter", "The request must contain the parameter QueueUrl.")
        params["QueueUrl"] = path
    params[ENDPOINT] = endpoint
    return params


class SqsService:
    """The queue product: translates faults into AWS errors, deciding nothing."""

    signing_name = "sqs"
    service_name = "sqs"
    waiting = frozenset({"ReceiveMessage"})  # a long poll waits up to 20 s in real time

    def __init__(self, sim: SimSqs) -> None:
        operations: dict[str, Operation] = {
            "CreateQueue": sim.create_queue,
            "GetQueueUrl": sim.get_queue_url,
            "GetQueueAttributes": sim.get_queue_attributes,
            "ListQueues": sim.list_queues,
            "SendMessage": sim.send_message,
            "ReceiveMessage": sim.receive_message,
            "DeleteMessage": sim.delete_message,
            "ChangeMessageVisibility": sim.change_message_visibility,
            "PurgeQueue": sim.purge_queue,
            "DeleteQueue": sim.delete_queue,
        }
        self.handlers: dict[str, Handler] = front_door(operations, SqsFault, AwsError)
