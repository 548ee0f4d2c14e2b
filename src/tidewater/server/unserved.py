"""A request signed for an AWS service Tidewater does not host (STS, CloudFormation, the tagging
API, …) is told so in that service's own protocol, so its SDK can read the answer.

The protocol is read from the request itself, as each SDK shapes it: a `smithy-protocol:
rpc-v2-cbor` header is Smithy RPC v2 CBOR, an `X-Amz-Target` header awsJson, a form body or query
naming `Action` the Query protocol; anything else is REST, in XML for the few services whose
REST protocol is XML (S3, Route 53, CloudFront) and in JSON for every other. No model is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

import orjson

from tidewater.dialects.aws.cbor import encode as cbor
from tidewater.server.front import Reply

CODE = "NotImplemented"
STATUS = 501  # not retried by the SDKs: nothing here will ever answer it
REST_XML = frozenset({"s3", "s3-object-lambda", "route53", "cloudfront"})  # by signing name


def message(service: str, action: str, served: Iterable[str]) -> str:
    """The answer's text; what the request named is cut short and made printable, since XML
    cannot carry control characters."""
    service, action = _printable(service, 64), _printable(action, 200)
    return (
        f"Tidewater does not serve {service} ({action}). It serves these AWS APIs: "
        f"{', '.join(sorted(set(served)))}."
    )


def reply(
    service: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    params: Mapping[str, str],
    served: Iterable[str],
    request_id: str,
) -> Reply:
    """The answer in the protocol the request was made in."""
    ids = {"x-amzn-RequestId": request_id}
    target = headers.get("x-amz-target", "")
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        text = message(service, path.rpartition("/operation/")[2], served)
        body = cbor({"__type": CODE, "message": text})
        return Reply(STATUS, body, "application/cbor", {**ids, "smithy-protocol": "rpc-v2-cbor"})
    if target:  # awsJson 1.0 / 1.1
        text = message(service, target.partition(".")[2], served)
        kind = headers.get("content-type", "")
        if not kind.startswith("application/x-amz-json-1."):
            kind = "application/x-amz-json-1.1"
        return Reply(STATUS, orjson.dumps({"__type": CODE, "message": text}), kind, ids)
    if "Action" in params:  # Query: an ErrorResponse, as STS, IAM, CloudFormation, SNS answer
        text = message(service, params["Action"], served)
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{CODE}</Code><Message>{escape(text)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return Reply(STATUS, body, "text/xml", ids)
    text = message(service, f"{method} {path}", served)
    if service in REST_XML:
        body = (
            f"<Error><Code>{CODE}</Code><Message>{escape(text)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        return Reply(STATUS, body, "application/xml", ids)
    body = orjson.dumps({"message": text})  # restJson: the type in a header
    return Reply(STATUS, body, "application/json", {**ids, "x-amzn-ErrorType": CODE})


def _printable(text: str, limit: int) -> str:
    return "".join(c if c.isprintable() else "?" for c in text[:limit])
