"""Alibaba Cloud at the front door: which product by Version, whose signature, its envelopes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool

from tidewater.clock import Clock
from tidewater.dialects.aliyun import refusals, signature, wire
from tidewater.dialects.aliyun.errors import AliyunError, unavailable
from tidewater.domain.refusal import Contention, Refusal
from tidewater.domain.scope import Cloud, Scope, region_name_ok
from tidewater.engine.keys import KeyRing
from tidewater.server.front import Fault, Proof, Reply, WaitingRoom, serve

DEFAULT_REGION = "cn-hangzhou"
NOT_FOUND = (
    "InvalidAction.NotFound",
    "Specified api is not found, please check your url and method.",
)

Handler = Callable[[Scope, Any], Mapping[str, Any]]
Parse = Callable[[str, str, Mapping[str, str]], Any]
Shape = Callable[[str, str, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class AliyunProduct:
    """One Alibaba product at one API version: its handlers and how its parameters are read."""

    name: str  # "Ess", "Ecs"
    host: str  # the HostId its errors carry
    handlers: Mapping[str, Handler]
    parse: Parse | None = None  # None: handlers take the raw flat parameters
    shape: Shape | None = None


# What a call to a version no product has is answered as: ESS's name, the gateway's host.
NO_PRODUCT = AliyunProduct("Ess", "aliyuncs.com", MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class AliyunCall:
    """One Alibaba request as it arrived, with the call read from it and its product."""

    method: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes
    read: wire.Call
    product: AliyunProduct


class AliyunFront:
    """Alibaba's part of the front door: RPC v1 and ACS3 signatures with nonces, the products
    by API version, and the gateway's envelopes."""

    log = logging.getLogger("tidewater.aliyun")
    internal = Fault(
        "InternalError", "The request processing has failed due to some unknown error.", 500
    )

    def __init__(
        self,
        products: Mapping[str, AliyunProduct],
        keys: KeyRing,
        wall: Clock,
        nonces: signature.Nonces,
        locate: Callable[[str, str], str | None] = lambda account, group: None,
    ) -> None:
        self.products = dict(products)  # keyed by API version
        self.keys = keys
        self.wall = wall  # timestamps and nonces are checked against real time
        self.nonces = nonces  # shared by every node through the database
        self.locate = locate  # the region of a group or rule, for requests that name none
        self.room = WaitingRoom()  # no Alibaba call waits in real time

    def claims(self, raw_query: str, headers: Mapping[str, str], body: bytes) -> bool:
        """Cheap test before any parsing: is this an Alibaba call rather than an AWS one?"""
        if wire.is_aliyun(raw_query, headers):
            return True
        return bool(body) and b"SignatureMethod=HMAC-" in body

    async def handle(
        self,
        method: str,
        raw_query: str,
        headers: Mapping[str, str],
        body: bytes,
        request_id: str,
    ) -> Reply | None:
        read = wire.read_call(raw_query, body, headers)
        if read is None:
            return None
        product = self.products.get(read.version, NO_PRODUCT)
        call = AliyunCall(method, raw_query, headers, body, read, product)
        return await serve(self, call, request_id)

    async def authenticate(self, call: AliyunCall) -> Proof:
        """RPC v1 or ACS3 against the key ring, spending the nonce."""
        # In a worker thread: spending the nonce is a database write that may wait a moment.
        try:
            signed = await run_in_threadpool(
                signature.verify,
                call.method,
                call.raw_query,
                call.headers,
                call.body,
                secret_for=self.keys.secret,
                now=self.wall.now(),
                nonces=self.nonces,
            )
        except Contention:
            # the ledger was busy past the lock wait: the gateway's trouble, not a group's
            raise unavailable() from None
        return Proof(signed.access_key_id)

    @staticmethod
    def route(call: AliyunCall) -> Handler:
        handler = call.product.handlers.get(call.read.action)
        if handler is None:
            raise AliyunError(NOT_FOUND[0], NOT_FOUND[1], 404)
        return handler

    def scope(self, call: AliyunCall, account: str, proof: Proof) -> Scope:
        """RegionId when given, else the named group's (or rule's) region, else the default."""
        params = call.read.params
        region = params.get("RegionId")
        if region is not None and not region_name_ok(region):
            raise refusals.unknown_region(call.product.name)
        # a group's id, or a rule's (ModifyScalingRule in 2022 takes no RegionId), names one
        owner = params.get("ScalingGroupId") or params.get("ScalingRuleId")
        if not region and owner:
            region = self.locate(account, owner)
        return Scope(account, region or DEFAULT_REGION, Cloud.ALIYUN)

    @staticmethod
    def parse(call: AliyunCall) -> Any:
        params = {**call.read.params}
        if call.product.parse is None:
            return params
        return call.product.parse(call.read.action, call.read.version, params)

    @staticmethod
    def answer(call: AliyunCall, result: Mapping[str, Any] | None, request_id: str) -> Reply:
        assert result is not None  # Alibaba handlers always answer a mapping
        shaped = dict(result)
        if call.product.shape is not None:
            shaped = call.product.shape(call.read.action, call.read.version, shaped)
        action = call.read.action
        content, kind = wire.render(shaped, request_id, call.read.format, f"{action}Response")
        return Reply(200, content, kind)

    @staticmethod
    def word(call: AliyunCall, error: Exception) -> Fault | None:
        if isinstance(error, Refusal):
            error = refusals.render(error)
        if isinstance(error, AliyunError):
            return Fault(error.code, error.message, error.status)
        return None

    @staticmethod
    def error(call: AliyunCall, fault: Fault, request_id: str) -> Reply:
        return _rendered(call.product, call.read.format, fault, request_id)

    @staticmethod
    def names(call: AliyunCall) -> tuple[str, str]:
        return call.read.version, call.read.action

    def refusal(
        self,
        raw_query: str,
        headers: Mapping[str, str],
        code: str,
        message: str,
        status: int,
        request_id: str,
    ) -> Reply:
        """An error for a request refused before its body was read, in the gateway's envelope."""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        version = params.get("Version") or headers.get("x-acs-version", "")
        product = self.products.get(version, NO_PRODUCT)
        fmt = "XML" if params.get("Format", "").upper() == "XML" else "JSON"
        return _rendered(product, fmt, Fault(code, message, status), request_id)


def _rendered(product: AliyunProduct, fmt: str, fault: Fault, request_id: str) -> Reply:
    """A fault in the gateway's error envelope, naming the product and its host."""
    content, kind = wire.render_error(
        fault.code, fault.message, request_id, fmt, product.host, product.name
    )
    return Reply(fault.status, content, kind)
