"""The one front door both clouds share: authenticate, scope, dispatch, and word any failure in
the caller's cloud. A cloud supplies only what differs (`Door`): how it reads and verifies a
call, its product table, and the shape of its answers and errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool

from tidewater.dialects.auth import AuthFailure
from tidewater.domain.scope import Scope
from tidewater.engine.context import Escalate, on_the_loop
from tidewater.engine.keys import KeyRing

Handler = Callable[[Scope, Any], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Reply:
    """What goes back on the wire, whichever cloud answers."""

    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)  # beside the content type


@dataclass(frozen=True, slots=True)
class Fault:
    """A failure in a cloud's words; `sender` says whether the caller is to blame (AWS says so)."""

    code: str
    message: str
    status: int
    sender: bool = True


@dataclass(frozen=True, slots=True)
class Proof:
    """What a verified signature tells the front door: whose key, and the region it is scoped to
    ("" when the scheme names none, as Alibaba's do)."""

    access_key_id: str
    region: str = ""


class WaitingRoom:
    """Threads of their own for the calls that may wait in real time (SQS long polls), so a
    crowd of them never holds the worker pool every change runs in."""

    def __init__(self, calls: frozenset[tuple[str, str]] = frozenset(), size: int = 100) -> None:
        self.calls = calls  # (product, action)
        self.size = size
        self._limiter: anyio.CapacityLimiter | None = None  # made on the event loop, once

    def holds(self, product: str, action: str) -> bool:
        return (product, action) in self.calls

    async def run(self, handler: Handler, scope: Scope, request: Any) -> Mapping[str, Any] | None:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.size)
        return await anyio.to_thread.run_sync(handler, scope, request, limiter=self._limiter)


Call = TypeVar("Call", contravariant=True)


class Door(Protocol[Call]):
    """One cloud's part of the front door; `serve` runs the same steps for every cloud."""

    log: logging.Logger
    keys: KeyRing
    internal: Fault  # the cloud's words for a failure nobody foresaw
    room: WaitingRoom  # where calls that may wait in real time run

    async def authenticate(self, call: Call) -> Proof:
        """Verify the signature, or raise AuthFailure in the cloud's words."""
        ...

    def route(self, call: Call) -> Handler:
        """The handler for the call's action, or the cloud's refusal of an unknown one."""
        ...

    def scope(self, call: Call, account: str, proof: Proof) -> Scope:
        """Where the call acts: the key's account, and the region the cloud reads."""
        ...

    def parse(self, call: Call) -> Any:
        """The call's parameters as its handler takes them."""
        ...

    def answer(self, call: Call, result: Mapping[str, Any] | None, request_id: str) -> Reply:
        """A handler's result in the cloud's success envelope."""
        ...

    def word(self, call: Call, error: Exception) -> Fault | None:
        """The cloud's words for a refusal or one of its own errors; None for anything else."""
        ...

    def error(self, call: Call, fault: Fault, request_id: str) -> Reply:
        """A fault in the cloud's error envelope."""
        ...

    def names(self, call: Call) -> tuple[str, str]:
        """The product and the action, for dispatch and the log."""
        ...


async def _rehearsed_first(
    handler: Handler, scope: Scope, request: Any
) -> Mapping[str, Any] | None:
    """On the event loop while the command only reads (a rehearsal never waits on a lock: WAL,
    MVCC); in a worker thread, from the start, once it must write."""
    try:
        with on_the_loop():
            return handler(scope, request)
    except Escalate:
        return await run_in_threadpool(handler, scope, request)


async def serve(door: Door[Call], call: Call, request_id: str) -> Reply:
    """Authenticate, scope and dispatch one call; every failure becomes the cloud's error body."""
    product, action = door.names(call)
    try:
        proof = await door.authenticate(call)
        found = door.keys.lookup(proof.access_key_id)
        assert found is not None  # the verifier already refused unknown keys
        handler = door.route(call)
        scope = door.scope(call, found[1], proof)
        request = door.parse(call)
        if action.startswith("Describe"):
            # Reads never wait on a lock (WAL, MVCC) and take well under a millisecond:
            # a thread hop would cost more than the work.
            result = handler(scope, request)
        elif getattr(handler, "rehearsed", False):
            result = await _rehearsed_first(handler, scope, request)
        elif door.room.holds(product, action):
            result = await door.room.run(handler, scope, request)
        else:
            result = await run_in_threadpool(handler, scope, request)
        return door.answer(call, result, request_id)
    except AuthFailure as failure:
        fault = Fault(failure.code, failure.message, failure.status)
    except Exception as error:
        worded = door.word(call, error)
        if worded is None:
            door.log.exception("request %s (%s %s) failed", request_id, product, action)
        fault = worded or door.internal
    return door.error(call, fault, request_id)
