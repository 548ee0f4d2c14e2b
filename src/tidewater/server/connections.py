"""uvicorn's httptools protocol with the bounds it lacks: head size, head time, connection count.

uvicorn reads a request's head with no size or time limit and keeps every idle socket until its
keep-alive runs out, so a few hundred silent sockets could use up the process's descriptors.
Here a head must arrive within the read timeout and fit in the head limit, and when the
connection limit is reached the connection idle the longest makes room for the new one; only
when every connection is busy does a request get a 503.
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from tidewater.server.front import Reply
from tidewater.server.http import joined
from tidewater.server.limits import Gate, Kind


def guarded(gate: Gate) -> type[asyncio.Protocol]:
    """The protocol class to hand uvicorn, bound to this process's limits and refusals."""

    class Bound(GuardedHttp):
        pass

    Bound.gate = gate
    return Bound


def answer(reply: Reply) -> Any:
    """An ASGI app that sends this reply and closes the connection, whatever was asked."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    (b"content-type", reply.content_type.encode("latin-1")),
                    (b"content-length", str(len(reply.body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": reply.body, "more_body": False})

    return app


class GuardedHttp(HttpToolsProtocol):
    gate: Gate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_head = False
        self.head_bytes = 0
        self.head_timer: TimerHandle | None = None
        self.idle_since: float | None = None  # waiting for a request's first byte since then
        self.closing = False
        self.crowded = False  # no idle connection could make room when this one arrived

    # ---- connection count ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.idle_since = self.loop.time()
        self.arm_head_timer()
        if self.open_connections() > self.gate.limits.connections:
            self.crowded = not self.make_room()

    def open_connections(self) -> int:
        return sum(1 for c in self.connections if not getattr(c, "closing", False))

    def make_room(self) -> bool:
        """Close the connection that has waited longest for a request; False when none waits."""
        idle = [
            c
            for c in self.connections
            if isinstance(c, GuardedHttp) and c is not self and c.idle_since is not None
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.idle_since or 0.0)
        oldest.close()
        return True

    def close(self) -> None:
        self.closing = True
        self.idle_since = None
        self.cancel_head_timer()
        if not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.idle_since = None
        self.cancel_head_timer()
        super().connection_lost(exc)

    # ---- the request head ------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self.idle_since = None
        super().data_received(data)
        if self.in_head and not self.transport.is_closing():
            self.head_bytes += len(data)
            if self.head_bytes > self.gate.limits.head_bytes:
                self.refuse_raw("head")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.head_bytes = 0
        self.idle_since = None
        self.arm_head_timer()

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.cancel_head_timer()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        kind: Kind | None = None
        if size > self.gate.limits.head_bytes:
            kind = "head"
        elif self.crowded:
            self.crowded = self.open_connections() > self.gate.limits.connections
            kind = "busy" if self.crowded else None
        if kind is None:
            super().on_headers_complete()
            return
        query = self.url.partition(b"?")[2].decode("latin-1")
        reply = self.gate.refuse(kind, query, joined(self.headers))
        app, self.app = self.app, answer(reply)
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_response_complete(self) -> None:
        unread = self.cycle is not None and self.cycle.more_body
        super().on_response_complete()
        if unread:
            # answered before its body arrived (an endpoint that reads none): the rest would
            # only be discarded, and a trickle of it would hold the connection open for ever
            self.close()
        elif not self.transport.is_closing() and not self.pipeline:
            self.idle_since = self.loop.time()

    def arm_head_timer(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(
                self.gate.limits.read_seconds, self.head_timed_out
            )

    def cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def head_timed_out(self) -> None:
        """A head that does not arrive in time: a started one is answered, a silent one closed."""
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.in_head:
            self.refuse_raw("slow")
        else:
            self.close()

    def refuse_raw(self, kind: Kind) -> None:
        """Answer a request whose head never completed, and close."""
        query = self.url.partition(b"?")[2].decode("latin-1") if self.url else ""
        reply = self.gate.refuse(kind, query, joined(self.headers or []))
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[reply.status],
                    b"content-type: " + reply.content_type.encode("latin-1") + b"\r\n",
                    b"content-length: " + str(len(reply.body)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n\r\n",
                    reply.body,
                ]
            )
        )
        self.close()
