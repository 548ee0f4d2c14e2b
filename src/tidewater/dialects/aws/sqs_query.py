"""SQS's Query protocol (form in, XML out) for older SDKs: the flattened member names of the
last Query model, mapped onto the JSON model's input and output, so one sim serves both."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Final
from xml.sax.saxutils import escape

from tidewater.dialects.aws.protocol import ParamError, _service_model

NAMESPACE: Final = "http://queue.amazonaws.com/doc/2012-11-05/"
INTEGERS: Final = frozenset(
    {"MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds", "DelaySeconds", "MaxResults"}
)
LISTS: Final = {
    "AttributeName": "AttributeNames",
    "MessageSystemAttributeName": "MessageSystemAttributeNames",
    "MessageAttributeName": "MessageAttributeNames",
}
MAPS: Final = {"Attribute": ("Attributes", "Name", "Value"), "Tag": ("tags", "Key", "Value")}
WRAPPED: Final = frozenset(
    {
        "CreateQueue",
        "GetQueueUrl",
        "GetQueueAttributes",
        "ListQueues",
        "SendMessage",
        "ReceiveMessage",
    }
)
ACTIONS: Final = frozenset(
    {*WRAPPED, "DeleteMessage", "ChangeMessageVisibility", "PurgeQueue", "DeleteQueue"}
)


def _numbered(params: Mapping[str, str], prefix: str) -> dict[int, dict[str, str]]:
    """`Prefix.N.Rest=v` as {N: {Rest: v}}."""
    out: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        head, _, rest = key.partition(".")
        number, _, tail = rest.partition(".")
        if head == prefix and number.isdigit():
            out.setdefault(int(number), {})[tail] = value
    return out


class SqsQuery:
    """The Query door of SQS: Version 2012-11-05, or none on a queue URL (observed)."""

    protocol = "sqs-query"
    api_version = "2012-11-05"
    version_optional = True

    def __init__(self) -> None:
        model = _service_model("sqs", None)
        # the JSON model's required members; QueueUrl may come from the request's path instead
        self._required = {
            action: [m for m in model.operation_model(action).input_shape.required_members]
            for action in ACTIONS
        }

    def has(self, action: str) -> bool:
        return action in ACTIONS

    def parse(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in params.items() if "." not in k}
        for name in self._required.get(action, []):
            if name != "QueueUrl" and name not in out:
                raise ParamError(
                    "MissingParameter", f"The request must contain the parameter {name}."
                )
        for name in INTEGERS & out.keys():
            try:
                out[name] = int(out[name])
            except ValueError:
                # chosen wording for a number that is not one
                raise ParamError(
                    "InvalidParameterValue",
                    f"Value {out[name]} for parameter {name} is invalid. "
                    "Reason: Must be an integer.",
                ) from None
        for prefix, member in LISTS.items():
            items = _numbered(params, prefix)
            if items or prefix in params:
                out[member] = [v[""] for _, v in sorted(items.items()) if "" in v]
        for prefix, (member, key, value) in MAPS.items():
            entries = _numbered(params, prefix)
            if entries:
                out[member] = {
                    e[key]: e.get(value, "") for _, e in sorted(entries.items()) if key in e
                }
        attributes = _numbered(params, "MessageAttribute")
        if attributes:
            out["MessageAttributes"] = {
                a["Name"]: {
                    k.removeprefix("Value."): v for k, v in a.items() if k.startswith("Value.")
                }
                for _, a in sorted(attributes.items())
                if "Name" in a
            }
        return out

    def serialize(self, action: str, result: Mapping[str, Any] | None, request_id: str) -> bytes:
        inner = _result(action, result or {})
        wrapped = f"<{action}Result>{inner}</{action}Result>" if action in WRAPPED else ""
        return (
            f'<?xml version="1.0"?><{action}Response xmlns="{NAMESPACE}">{wrapped}'
            f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
            f"</{action}Response>"
        ).encode()

    def error(self, code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
        if code == "UnknownOperationException":
            return b"<UnknownOperationException/>"  # observed: the element alone, no envelope
        return (
            f'<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error>'
            f"<Type>{'Sender' if sender else 'Receiver'}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message><Detail/></Error>"
            f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
        ).encode()


def _el(name: str, value: Any) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def _pairs(name: str, mapping: Mapping[str, Any]) -> str:
    return "".join(
        f"<{name}>{_el('Name', k)}{_el('Value', v)}</{name}>" for k, v in mapping.items()
    )


def _message(message: Mapping[str, Any]) -> str:
    parts = [_el(k, message[k]) for k in ("MessageId", "ReceiptHandle", "MD5OfBody", "Body")]
    parts.append(_pairs("Attribute", message.get("Attributes") or {}))
    if message.get("MD5OfMessageAttributes"):
        parts.append(_el("MD5OfMessageAttributes", message["MD5OfMessageAttributes"]))
    for name, value in (message.get("MessageAttributes") or {}).items():
        data = "".join(
            _el(k, base64.b64encode(v).decode() if isinstance(v, bytes) else v)
            for k, v in value.items()
            if k in ("StringValue", "BinaryValue", "DataType")
        )
        parts.append(
            f"<MessageAttribute>{_el('Name', name)}<Value>{data}</Value></MessageAttribute>"
        )
    return "<Message>" + "".join(parts) + "</Message>"


def _result(action: str, result: Mapping[str, Any]) -> str:
    if action == "GetQueueAttributes":
        return _pairs("Attribute", result.get("Attributes") or {})
    if action == "ListQueues":
        urls = "".join(_el("QueueUrl", u) for u in result.get("QueueUrls") or [])
        return urls + (_el("NextToken", result["NextToken"]) if result.get("NextToken") else "")
    if action == "ReceiveMessage":
        return "".join(_message(m) for m in result.get("Messages") or [])
    return "".join(_el(k, v) for k, v in result.items() if v is not None)
