"""AWS at the front door: which product, whose signature, which action, and AWS's envelopes."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tidewater.clock import Clock
from tidewater.dialects.aws import refusals, sigv4
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.json_protocol import JsonProtocol
from tidewater.dialects.aws.protocol import ParamError, Protocol
from tidewater.dialects.aws.service import AwsService
from tidewater.dialects.aws.sqs_query import SqsQuery
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope, region_name_ok
from tidewater.engine.keys import KeyRing
from tidewater.server import unserved
from tidewater.server.front import Fault, Handler, Proof, Reply, WaitingRoom, serve

XML = "text/xml"
SKIPPED = frozenset(
    {
        "Action",
        "Version",
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)


Codec = Protocol | JsonProtocol | SqsQuery
Addressing = Callable[[str, dict[str, Any], str, str], dict[str, Any]]


@dataclass(slots=True)
class Product:
    protocol: Codec
    service: AwsService
    # a product whose answers name where it was reached (SQS's queue URLs) takes the action,
    # the parameters, the endpoint the caller used and the request path
    addressed: Addressing | None = None
    waiting: frozenset[str] = frozenset()  # actions that may wait in real time (long polls)


@dataclass(frozen=True, slots=True)
class AwsCall:
    """One AWS request as it arrived, with the product and action read from it."""

    method: str
    path: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes
    params: Mapping[str, str]
    target: str  # X-Amz-Target, "" for the query protocols
    product: Product
    action: str


class AwsFront:
    """AWS's part of the front door: SigV4, the products by signing name, version or target,
    and errors in each product's envelope."""

    log = logging.getLogger("tidewater.aws")
    internal = Fault(
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
        500,
        sender=False,
    )

    def __init__(self, products: Sequence[Product], keys: KeyRing, wall: Clock) -> None:
        # Classic ELB and ELBv2 share a signing name; their API versions tell them apart. A
        # product served in both protocols (SQS) is found by version and name at its Query door.
        self.by_version: dict[str, Product] = {}
        self.by_name: dict[str, Product] = {}
        for product in sorted(products, key=lambda p: isinstance(p.protocol, JsonProtocol)):
            self.by_version.setdefault(product.protocol.api_version, product)
            self.by_name.setdefault(product.service.signing_name, product)
        json_products = [(p.protocol, p) for p in products if isinstance(p.protocol, JsonProtocol)]
        self.by_target = {j.target_prefix: p for j, p in json_products if not j.in_path}
        # Smithy RPC v2 names the service and operation in the path (CloudWatch's CBOR door)
        self.by_path = {j.target_prefix: p for j, p in json_products if j.in_path}
        self.keys = keys
        self.wall = wall  # signatures are checked against real time, never the simulated clock
        self.room = WaitingRoom(
            frozenset((p.service.signing_name, a) for p in products for a in p.waiting)
        )

    def product_for(
        self, target: str, headers: Mapping[str, str], params: Mapping[str, str]
    ) -> Product:
        """An awsJson product by its X-Amz-Target prefix (the caller read the header once), any
        other by the signature's service and the Version."""
        found = self.by_target.get(target.partition(".")[0]) if target else None
        return found or self.signed_for(params, sigv4.scope_of(headers, params))

    def signed_for(self, params: Mapping[str, str], claimed: tuple[str, ...] | None) -> Product:
        """The product a request's signature names (its service), told apart by Version."""
        by_version = self.by_version.get(params.get("Version", ""))
        if claimed is not None and claimed[2] in self.by_name:
            if by_version is not None and by_version.service.signing_name == claimed[2]:
                return by_version
            return self.by_name[claimed[2]]
        return by_version or self.by_name["autoscaling"]

    async def handle(
        self,
        method: str,
        path: str,
        raw_query: str,
        headers: Mapping[str, str],
        body: bytes,
        params: Mapping[str, str],
        request_id: str,
    ) -> Reply:
        target = _target(headers)
        routed = self.by_path.get(_path_target(path).partition(".")[0]) if not target else None
        if routed is not None:
            target = _path_target(path)
        product = routed or (self.by_target.get(target.partition(".")[0]) if target else None)
        if product is None:  # by its signature: read once, whether it names a served service
            claimed = sigv4.scope_of(headers, params)
            if claimed is not None and claimed[2] not in self.by_name:
                return unserved.reply(
                    claimed[2], method, path, headers, params, self.by_name, request_id
                )
            product = self.signed_for(params, claimed)
        if isinstance(product.protocol, JsonProtocol):
            action = target.partition(".")[2]
        else:
            action = params.get("Action", "")
        call = AwsCall(method, path, raw_query, headers, body, params, target, product, action)
        return await serve(self, call, request_id)

    async def authenticate(self, call: AwsCall) -> Proof:
        """SigV4 against the key ring, scoped to this product's signing name and a region."""
        credential = sigv4.verify(
            call.method,
            call.path,
            call.raw_query,
            call.headers,
            call.body,
            secret_for=self.keys.secret,
            now=self.wall.now(),
        )
        name = call.product.service.signing_name
        if credential.service != name:
            raise sigv4.scope_refused(service=name)
        if not region_name_ok(credential.region):
            raise sigv4.scope_refused(region=credential.region)
        return Proof(credential.access_key_id, credential.region)

    @staticmethod
    def route(call: AwsCall) -> Handler:
        protocol = call.product.protocol
        handler = call.product.service.handlers.get(call.action)
        if isinstance(protocol, JsonProtocol):
            if handler is None or protocol.action_of(call.target) is None:
                # inferred: the JSON services' answer to a target they do not have
                raise AwsError("UnknownOperationException", "")
            return handler
        version = call.params.get("Version")
        optional = isinstance(protocol, SqsQuery) and version is None
        if version != protocol.api_version and not optional:
            raise unknown_version(protocol, call.action, version)
        if handler is None or not protocol.has(call.action):
            raise invalid_action(protocol, call.action, protocol.api_version)
        return handler

    @staticmethod
    def scope(call: AwsCall, account: str, proof: Proof) -> Scope:
        return Scope(account, proof.region, Cloud.AWS)

    @staticmethod
    def parse(call: AwsCall) -> dict[str, Any]:
        protocol = call.product.protocol
        if isinstance(protocol, JsonProtocol):
            params = protocol.parse(call.action, _decompressed(call.headers, call.body))
        else:
            params = protocol.parse(
                call.action, {k: v for k, v in call.params.items() if k not in SKIPPED}
            )
        if call.product.addressed is not None:
            path = call.path.partition("?")[0]
            params = call.product.addressed(call.action, params, _endpoint(call.headers), path)
        return params

    @staticmethod
    def answer(call: AwsCall, result: Mapping[str, Any] | None, request_id: str) -> Reply:
        protocol = call.product.protocol
        extra = protocol.reply_headers() if isinstance(protocol, JsonProtocol) else {}
        return Reply(
            200,
            protocol.serialize(call.action, result, request_id),
            _content_type(protocol),
            extra,
        )

    @staticmethod
    def word(call: AwsCall, error: Exception) -> Fault | None:
        if isinstance(error, Refusal):
            worded = refusals.render(error, call.action)
            return Fault(worded.code, worded.message, worded.status)
        if isinstance(error, AwsError):
            return Fault(error.code, error.message, error.status, error.sender)
        if isinstance(error, ParamError):
            return Fault(error.code, error.message, error.status)
        return None

    @staticmethod
    def error(call: AwsCall, fault: Fault, request_id: str) -> Reply:
        return _rendered(call.product, fault, request_id)

    @staticmethod
    def names(call: AwsCall) -> tuple[str, str]:
        return call.product.service.signing_name, call.action

    def refusal(
        self,
        raw_query: str,
        headers: Mapping[str, str],
        code: str,
        message: str,
        status: int,
        request_id: str,
    ) -> Reply:
        """An error for a request refused before its body was read, in its product's envelope."""
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        product = self.product_for(_target(headers), headers, query)
        return _rendered(product, Fault(code, message, status, sender=status < 500), request_id)


def _rendered(product: Product, fault: Fault, request_id: str) -> Reply:
    """A fault in the product's protocol's error envelope."""
    protocol = product.protocol
    extra = (
        protocol.error_headers(fault.code, fault.sender)
        if isinstance(protocol, JsonProtocol)
        else {}
    )
    return Reply(
        fault.status,
        protocol.error(fault.code, fault.message, request_id, sender=fault.sender),
        _content_type(protocol),
        extra,
    )


def _endpoint(headers: Mapping[str, str]) -> str:
    """The scheme, host and port the caller reached, as its next request must reach them."""
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip() or "http"
    return f"{scheme}://{headers.get('host', 'localhost')}"


UNPACKED_LIMIT = 1024 * 1024  # a gzip body may unpack to at most a megabyte (PutMetricData's)


def _decompressed(headers: Mapping[str, str], body: bytes) -> bytes:
    """A body botocore gzipped (the model's requestcompression trait), as it was before; the
    signature covered the compressed bytes, so this happens only after it was checked."""
    if headers.get("content-encoding", "").strip().lower() != "gzip":
        return body
    unpacker = zlib.decompressobj(wbits=31)
    try:
        plain = unpacker.decompress(body, UNPACKED_LIMIT)
    except zlib.error:
        raise AwsError("SerializationException", "Unable to decompress the request body.") from None
    if unpacker.unconsumed_tail:
        raise AwsError("RequestEntityTooLarge", "Request size exceeded 1048576 bytes", 413)
    return plain


def _path_target(path: str) -> str:
    """`/service/<prefix>/operation/<name>` as the `prefix.name` an X-Amz-Target would carry."""
    parts = path.partition("?")[0].strip("/").split("/")
    if len(parts) == 4 and parts[0] == "service" and parts[2] == "operation":
        return f"{parts[1]}.{parts[3]}"
    return ""


def _target(headers: Mapping[str, str]) -> str:
    return headers.get("x-amz-target") or headers.get("X-Amz-Target") or ""


def _content_type(protocol: Codec) -> str:
    return protocol.content_type if isinstance(protocol, JsonProtocol) else XML


INVALID_ACTION = {  # each front end's words for an action it does not have
    "ec2": "The action {action} is not valid for this web service.",
    "sqs-query": "The action {action} is not valid for this endpoint.",  # observed
}


def invalid_action(protocol: Codec, action: str, version: str) -> AwsError:
    if not action and protocol.protocol == "sqs-query":
        # observed: SQS answers a request that names no action (a bare GET on a queue URL) 404
        return AwsError("UnknownOperationException", "", 404)
    worded = INVALID_ACTION.get(protocol.protocol)
    if worded is not None:
        return AwsError("InvalidAction", worded.format(action=action))
    return AwsError(
        "InvalidAction",
        f"Could not find operation {action} for version {version}",
    )


def unknown_version(protocol: Codec, action: str, version: str | None) -> AwsError:
    """A Version the service does not have, or none, worded as each front end answers it."""
    if protocol.protocol == "ec2":
        if version is None:  # chosen: EC2's wording for any missing parameter
            return AwsError("MissingParameter", "The request must contain the parameter Version")
        # observed: code and "The requested version (V) of service AmazonEC2" in
        # ansible/ansible#37267; "does not exist" ends the same sentence in aws/aws-sdk-php#1217
        return AwsError(
            "NoSuchVersion",
            f"The requested version ({version}) of service AmazonEC2 does not exist",
        )
    # The query services look an operation up by action and version together, so an unknown
    # version reads as an unknown operation (observed for SES and IAM; aws/aws-cli#37). A
    # missing one is inferred to print as Java prints an absent string.
    return invalid_action(protocol, action, "null" if version is None else version)


def form_params(raw_query: str, body: bytes, content_type: str) -> dict[str, Any]:
    params = dict(parse_qsl(raw_query, keep_blank_values=True))
    if body and content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return params
