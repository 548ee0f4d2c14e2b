"""One ASGI app on one port: internal endpoints under /_tidewater/, every cloud API elsewhere."""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tidewater.clock import Clock
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope, region_name_ok
from tidewater.engine import load as loads
from tidewater.engine.reset import Share
from tidewater.engine.runner import Runner
from tidewater.server.aliyun import AliyunFront
from tidewater.server.aws import AwsFront, form_params
from tidewater.server.limits import Gate, Gone, Kind, Refused, read_body

log = logging.getLogger("tidewater.http")


def joined(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers by lower-case name, repeated ones joined with commas."""
    headers: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        headers[name] = f"{headers[name]},{text}" if name in headers else text
    return headers


class Counters:
    """Requests served, by API and status, reported on /_tidewater/health."""

    def __init__(self) -> None:
        self.by_status: Counter[str] = Counter()

    def count(self, api: str, status: int) -> None:
        self.by_status[f"{api} {status}"] += 1


def build_http(
    aws: AwsFront,
    aliyun: AliyunFront | None,
    runner: Runner,
    clock: Clock,
    move: Callable[[float], None],
    *,
    gate: Gate,
    auto_runner: bool,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    info: dict[str, Any] | None = None,
    account: str = "000000000000",
    wipe: Callable[[Share], dict[str, int]],
    test_endpoints: bool,
    console: Sequence[BaseRoute] = (),
) -> Starlette:
    """The service's one app; `test_endpoints` serves what moves time or resets state."""
    counters = Counters()
    details = dict(info or {})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                **details,
                "now": clock.now().isoformat(),
                "requests": dict(counters.by_status),
            }
        )

    async def advance(request: Request) -> JSONResponse:
        try:
            seconds = float(request.query_params.get("seconds", "0"))
        except ValueError:
            return JSONResponse({"error": "seconds must be a number"}, status_code=400)
        try:
            await run_in_threadpool(move, seconds)  # stored, so restarts and other nodes see it
        except ValueError as refused:
            return JSONResponse({"error": str(refused)}, status_code=400)
        steps = await runner.settle()
        return JSONResponse({"now": clock.now().isoformat(), "passes": steps})

    async def settle(_: Request) -> JSONResponse:
        steps = await runner.settle()
        return JSONResponse({"now": clock.now().isoformat(), "passes": steps})

    async def load(request: Request) -> Response:
        try:
            scope, group = load_target(request.query_params, account)
            if request.method == "GET":
                model = await run_in_threadpool(loads.get, runner.ctx, scope, group)
                return JSONResponse({"group": group, "load": model})
            if request.method == "DELETE":
                await run_in_threadpool(loads.clear, runner.ctx, scope, group)
                return Response(status_code=204)
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
            model = await run_in_threadpool(loads.put, runner.ctx, scope, group, body)
            return JSONResponse({"group": group, "load": model})
        except Refusal as refused:
            return JSONResponse(*load_refusal(refused))

    async def api(request: Request) -> Response:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        headers = joined(request.scope["headers"])
        if console and browsing(request.method, request.scope["path"], raw_query, headers):
            return RedirectResponse("/console/", 303)
        try:
            body = await read_body(
                request.receive,
                headers.get("content-length"),
                gate.body_limit(raw_query, headers),
                gate.limits.read_seconds,
            )
        except Refused as refused:
            return refusal(gate, refused.kind, raw_query, headers, request_id, started)
        except Gone:
            log.debug("%s %s: the client left before its body arrived", request_id, request.method)
            return Response(status_code=400, headers={"connection": "close"})
        if aliyun is not None and aliyun.claims(raw_query, headers, body):
            answer = await aliyun.handle(request.method, raw_query, headers, body, request_id)
            if answer is not None:
                counters.count("aliyun", answer.status)
                log.info(
                    "%s %s %d %.1fms",
                    request_id,
                    request.method,
                    answer.status,
                    (time.perf_counter() - started) * 1000,
                )
                return Response(
                    answer.body,
                    status_code=answer.status,
                    headers={"content-type": answer.content_type},
                )
        params = form_params(raw_query, body, headers.get("content-type", ""))
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        reply = await aws.handle(
            request.method, raw_path.decode("latin-1"), raw_query, headers, body, params, request_id
        )
        counters.count("aws", reply.status)
        log.info(
            "%s %s %s %d %.1fms",
            request_id,
            params.get("Action", "-"),
            request.method,
            reply.status,
            (time.perf_counter() - started) * 1000,
        )
        return Response(
            reply.body,
            status_code=reply.status,
            media_type=reply.content_type,
            headers={"x-amzn-RequestId": request_id, **reply.headers},
        )

    async def reset(request: Request) -> JSONResponse:
        try:
            share = reset_share(request.query_params)
        except ValueError as refused:
            return JSONResponse({"error": str(refused)}, status_code=400)
        deleted = await runner.between_passes(lambda: wipe(share))
        return JSONResponse({"reset": deleted})

    async def moto_reset(request: Request) -> JSONResponse:
        """Suites written for moto_server reset it between tests: everything goes."""
        if request.method != "POST":  # moto_server's own answer
            return JSONResponse({"Error": "Need to POST to reset Moto"}, status_code=400)
        await runner.between_passes(lambda: wipe(Share()))
        return JSONResponse({"status": "ok"})

    async def not_served(_: Request) -> JSONResponse:
        return JSONResponse(
            {"error": "not found: test endpoints are served on loopback or with --test-endpoints"},
            status_code=404,
        )

    def testing(endpoint: Callable[[Request], Awaitable[Response]]) -> Any:
        return endpoint if test_endpoints else not_served

    def refusal(
        gate: Gate,
        kind: Kind,
        raw_query: str,
        headers: Mapping[str, str],
        request_id: str,
        started: float,
    ) -> Response:
        reply = gate.refuse(kind, raw_query, headers, request_id)
        api = gate.cloud(raw_query, headers).value
        counters.count(api, reply.status)
        log.info(
            "%s refused (%s) %d %.1fms",
            request_id,
            kind,
            reply.status,
            (time.perf_counter() - started) * 1000,
        )
        extra = {"x-amzn-RequestId": request_id} if api == "aws" else {}
        return Response(
            reply.body,
            status_code=reply.status,
            headers={"content-type": reply.content_type, "connection": "close", **extra},
        )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if auto_runner:
            await runner.start()
        else:
            await run_in_threadpool(runner.recover)
        try:
            yield
        finally:
            if auto_runner:
                await runner.stop()
            if on_shutdown is not None:
                await on_shutdown()

    return Starlette(
        routes=[
            Route("/_tidewater/health", health, methods=["GET"]),
            Route("/_tidewater/clock", testing(advance), methods=["POST"]),
            Route("/_tidewater/settle", testing(settle), methods=["POST"]),
            Route("/_tidewater/reset", testing(reset), methods=["POST"]),
            Route("/_tidewater/load", testing(load), methods=["GET", "PUT", "DELETE"]),
            Route("/moto-api/reset", testing(moto_reset), methods=["GET", "POST"]),
            *console,
            Route("/{path:path}", api, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )


def browsing(method: str, path: str, query: str, headers: Mapping[str, str]) -> bool:
    """A person's browser opening the address: no SDK sends an unsigned GET / for a page."""
    return (
        method == "GET"
        and path == "/"
        and not query
        and "authorization" not in headers
        and "text/html" in headers.get("accept", "")
    )


def reset_share(query: Mapping[str, str]) -> Share:
    """What a /_tidewater/reset request names: everything, or an account, region or cloud."""
    cloud = query.get("cloud")
    if cloud is not None and cloud not in {c.value for c in Cloud}:
        raise ValueError("cloud must be aws or aliyun")
    region = query.get("region")
    if region is not None and not region_name_ok(region):
        raise ValueError(f"{region!r} is not a region name")
    return Share(query.get("account") or None, region, None if cloud is None else Cloud(cloud))


def load_target(query: Mapping[str, str], default_account: str) -> tuple[Scope, str]:
    """The group a /_tidewater/load request names: by name on AWS, by ScalingGroupId on ESS."""
    try:
        cloud = Cloud(query.get("cloud", "aws"))
    except ValueError as error:
        raise Refusal("load.bad_query", why="cloud must be aws or aliyun") from error
    region = query.get("region", "")
    if not region_name_ok(region):
        raise Refusal("load.bad_query", why="region must name a region, such as us-east-1")
    group = query.get("group", "")
    if not group:
        raise Refusal("load.bad_query", why="group must name the group (ScalingGroupId on aliyun)")
    return Scope(query.get("account", default_account), region, cloud), group


def load_refusal(refused: Refusal) -> tuple[dict[str, str], int]:
    """A /_tidewater/load refusal as JSON: what is wrong, and 404 for what is not there."""
    if refused.reason == "group.not_found":
        return {"error": f"no group {refused.facts['group']} in this region"}, 404
    if refused.reason == "load.not_set":
        return {"error": f"group {refused.facts['group']} has no load model"}, 404
    why = refused.facts.get("why", refused.reason)
    return {"error": str(why)}, 400
