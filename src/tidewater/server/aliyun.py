"""The Alibaba Cloud front door: which product by Version, whose signature, then one handler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool

from tidewater.clock import Clock
from tidewater.dialects.aliyun import refusals, signature, wire
from tidewater.dialects.aliyun.errors import AliyunError, unavailable
from tidewater.domain.refusal import Contention, Refusal
from tidewater.domain.scope import Cloud, Scope, region_name_ok
from tidewater.engine.keys import KeyRing
from tidewater.server.aws import Reply

log = logging.getLogger("tidewater.aliyun")

DEFAULT_REGION = "cn-hangzhou"
NOT_FOUND = (
    "InvalidAction.NotFound",
    "Specified api is not found, please check your url and method.",
)

Handler = Callable[[Scope, Any], Mapping[str, Any]]
Parse = Callable[[str, str, Mapping[str, str]], Any]
Shape = Callable[[str, str, dict[str, Any]], dict[str, Any]]


@dataclass(slots=True)
class AliyunProduct:
    """One Alibaba product at one API version: its handlers and how its parameters are read."""

    name: str  # "Ess", "Ecs"
    host: str  # the HostId its errors carry
    handlers: Mapping[str, Handler]
    parse: Parse | None = None  # None: handlers take the raw flat parameters
    shape: Shape | None = None


class AliyunFront:
    """Routes a signed Alibaba RPC or ACS3 request to its product's handler and renders it."""

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
        self.locate = locate  # the region of a scaling group, for requests that name none

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
        call = wire.read_call(raw_query, body, headers)
        if call is None:
            return None
        product = self.products.get(call.version)
        host = product.host if product else "aliyuncs.com"
        name = product.name if product else "Ess"
        try:
            params = {**call.params}
            # In a worker thread: spending the nonce is a database write that may wait a moment.
            try:
                signed = await run_in_threadpool(
                    signature.verify,
                    method,
                    raw_query,
                    headers,
                    body,
                    secret_for=self.keys.secret,
                    now=self.wall.now(),
                    nonces=self.nonces,
                )
            except Contention:
                # the ledger was busy past the lock wait: the gateway's trouble, not a group's
                raise unavailable() from None
            found = self.keys.lookup(signed.access_key_id)
            assert found is not None
            handler = product.handlers.get(call.action) if product else None
            if product is None or handler is None:
                raise AliyunError(NOT_FOUND[0], NOT_FOUND[1], 404)
            region = params.get("RegionId")
            if region is not None and not region_name_ok(region):
                raise refusals.unknown_region(product.name)
            if not region and params.get("ScalingGroupId"):
                region = self.locate(found[1], params["ScalingGroupId"])
            scope = Scope(found[1], region or DEFAULT_REGION, Cloud.ALIYUN)
            request = product.parse(call.action, call.version, params) if product.parse else params
            if call.action.startswith("Describe"):
                result = dict(handler(scope, request))
            else:
                result = dict(await run_in_threadpool(handler, scope, request))
            if product.shape is not None:
                result = product.shape(call.action, call.version, result)
            content, kind = wire.render(result, request_id, call.format, f"{call.action}Response")
            return Reply(200, content, kind)
        except signature.SignatureFailure as failure:
            return self.error(
                failure.code, failure.message, failure.status, call, host, name, request_id
            )
        except AliyunError as error:
            return self.error(error.code, error.message, error.status, call, host, name, request_id)
        except Refusal as refusal:
            rendered = refusals.render(refusal)
            return self.error(
                rendered.code, rendered.message, rendered.status, call, host, name, request_id
            )
        except Exception:
            log.exception("request %s (%s %s) failed", request_id, call.version, call.action)
            return self.error(
                "InternalError",
                "The request processing has failed due to some unknown error.",
                500,
                call,
                host,
                name,
                request_id,
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
        """An error for a request refused before its body was read, in the gateway's envelope."""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        version = params.get("Version") or headers.get("x-acs-version", "")
        product = self.products.get(version)
        host = product.host if product else "aliyuncs.com"
        name = product.name if product else "Ess"
        fmt = "XML" if params.get("Format", "").upper() == "XML" else "JSON"
        content, kind = wire.render_error(code, message, request_id, fmt, host, name)
        return Reply(status, content, kind)

    @staticmethod
    def error(
        code: str,
        message: str,
        status: int,
        call: wire.Call,
        host: str,
        product: str,
        request_id: str,
    ) -> Reply:
        content, kind = wire.render_error(code, message, request_id, call.format, host, product)
        return Reply(status, content, kind)
