"""The AWS front door: which product, whose signature, which action; then one handler call."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool

from tidewater.clock import Clock
from tidewater.dialects.aws import refusals, sigv4
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.json_protocol import JsonProtocol
from tidewater.dialects.aws.protocol import ParamError, Protocol
from tidewater.dialects.aws.service import AwsService
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope, region_name_ok
from tidewater.engine.keys import KeyRing

log = logging.getLogger("tidewater.aws")

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


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = XML


@dataclass(slots=True)
class Product:
    protocol: Protocol | JsonProtocol
    service: AwsService


class AwsFront:
    """Routes a signed AWS request to one product's handler and renders the outcome."""

    def __init__(self, products: Sequence[Product], keys: KeyRing, wall: Clock) -> None:
        # Classic ELB and ELBv2 share a signing name; their API versions tell them apart.
        self.by_version = {p.protocol.api_version: p for p in products}
        self.by_name: dict[str, Product] = {}
        for product in products:
            self.by_name.setdefault(product.service.signing_name, product)
        self.by_target = {
            p.protocol.target_prefix: p for p in products if isinstance(p.protocol, JsonProtocol)
        }
        self.keys = keys
        self.wall = wall  # signatures are checked against real time, never the simulated clock

    def product_for(
        self, target: str, headers: Mapping[str, str], params: Mapping[str, str]
    ) -> Product:
        """An awsJson product by its X-Amz-Target prefix (the caller read the header once), any
        other by the signature's service and the Version."""
        if target:
            found = self.by_target.get(target.partition(".")[0])
            if found is not None:
                return found
        by_version = self.by_version.get(params.get("Version", ""))
        claimed = sigv4.scope_of(headers, params)
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
        product = self.product_for(target, headers, params)
        name = product.service.signing_name
        protocol = product.protocol
        if isinstance(protocol, JsonProtocol):
            action = target.partition(".")[2]
        else:
            action = params.get("Action", "")
        try:
            credential = sigv4.verify(
                method,
                path,
                raw_query,
                headers,
                body,
                secret_for=self.keys.secret,
                now=self.wall.now(),
            )
            if credential.service != name:
                raise sigv4.scope_refused(service=name)
            if not region_name_ok(credential.region):
                raise sigv4.scope_refused(region=credential.region)
            found = self.keys.lookup(credential.access_key_id)
            assert found is not None  # verify() already refused unknown keys
            scope = Scope(found[1], credential.region, Cloud.AWS)
            handler = product.service.handlers.get(action)
            if isinstance(protocol, JsonProtocol):
                if handler is None or protocol.action_of(target) is None:
                    # inferred: the JSON services' answer to a target they do not have
                    raise AwsError("UnknownOperationException", "")
                request = protocol.parse(action, body)
            else:
                version = params.get("Version")
                if version != protocol.api_version:
                    raise unknown_version(protocol, action, version)
                if handler is None or not protocol.has(action):
                    raise invalid_action(protocol, action, protocol.api_version)
                request = protocol.parse(
                    action, {k: v for k, v in params.items() if k not in SKIPPED}
                )
            if action.startswith("Describe"):
                # Reads never wait on a lock (WAL, MVCC) and take well under a millisecond:
                # a thread hop would cost more than the work.
                result = handler(scope, request)
            else:
                result = await run_in_threadpool(handler, scope, request)
            return Reply(
                200, protocol.serialize(action, result, request_id), _content_type(protocol)
            )
        except sigv4.AuthFailure as failure:
            return self.error(product, failure.code, failure.message, failure.status, request_id)
        except ParamError as error:
            return self.error(product, error.code, error.message, error.status, request_id)
        except AwsError as error:
            return self.error(
                product, error.code, error.message, error.status, request_id, sender=error.sender
            )
        except Refusal as refusal:
            rendered = refusals.render(refusal, action)
            return self.error(product, rendered.code, rendered.message, rendered.status, request_id)
        except Exception:
            log.exception("request %s (%s %s) failed", request_id, name, action)
            return self.error(
                product,
                "InternalFailure",
                "The request processing has failed because of an unknown error, "
                "exception or failure.",
                500,
                request_id,
                sender=False,
            )

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
        return self.error(product, code, message, status, request_id, sender=status < 500)

    @staticmethod
    def error(
        product: Product,
        code: str,
        message: str,
        status: int,
        request_id: str,
        *,
        sender: bool = True,
    ) -> Reply:
        return Reply(
            status,
            product.protocol.error(code, message, request_id, sender=sender),
            _content_type(product.protocol),
        )


def _target(headers: Mapping[str, str]) -> str:
    return headers.get("x-amz-target") or headers.get("X-Amz-Target") or ""


def _content_type(protocol: Protocol | JsonProtocol) -> str:
    return protocol.content_type if isinstance(protocol, JsonProtocol) else XML


def invalid_action(protocol: Protocol | JsonProtocol, action: str, version: str) -> AwsError:
    if protocol.protocol == "ec2":
        return AwsError("InvalidAction", f"The action {action} is not valid for this web service.")
    return AwsError(
        "InvalidAction",
        f"Could not find operation {action} for version {version}",
    )


def unknown_version(
    protocol: Protocol | JsonProtocol, action: str, version: str | None
) -> AwsError:
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
