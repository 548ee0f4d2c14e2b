"""How much a request may weigh and how long it may take to arrive, and how a refusal is worded.

The numbers and the error codes are the clouds' where they publish them; docs/architecture.md
("Request limits") names the source of each and says which are inferred.
"""

from __future__ import annotations

import asyncio
import resource
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tidewater.dialects.aliyun import wire
from tidewater.dialects.aliyun.errors import UNAVAILABLE_CODE, UNAVAILABLE_TEXT
from tidewater.domain.scope import Cloud
from tidewater.server.aliyun import AliyunFront
from tidewater.server.aws import AwsFront
from tidewater.server.front import Reply

KIB = 1024
MIB = 1024 * KIB

Kind = Literal["large", "head", "slow", "busy"]

# What each refusal says: HTTP status, code, message (the same words for both clouds).
WORDING: dict[Kind, tuple[int, str, str]] = {
    "large": (413, "RequestEntityTooLarge", "The request body must not exceed {limit} bytes."),
    "head": (
        400,
        "RequestHeaderSectionTooLarge",
        "Your request header section exceeds the maximum allowed size.",
    ),
    "slow": (
        400,
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the "
        "timeout period. Idle connections will be closed.",
    ),
    "busy": (503, UNAVAILABLE_CODE, UNAVAILABLE_TEXT),
}


@dataclass(frozen=True)
class Limits:
    """Per-request and per-process bounds; the body limit is each cloud's own."""

    body_bytes: Mapping[Cloud, int] = field(
        default_factory=lambda: {Cloud.AWS: 10 * MIB, Cloud.ALIYUN: 8 * MIB}
    )
    head_bytes: int = 64 * KIB  # request line and headers together
    read_seconds: float = 30.0  # for a request's head, and again for its body
    connections: int = 1000  # open connections; idle ones make room for new ones beyond this


def open_files() -> int:
    """Raise this process's soft descriptor limit to its hard one; return the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or target <= soft:
        return soft if soft != resource.RLIM_INFINITY else 1 << 20
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def connection_limit(wanted: int, descriptors: int) -> int:
    """Stay well below the descriptor limit: the database, logs and the listener need some too."""
    return max(1, min(wanted, descriptors - max(64, descriptors // 4)))


class Gate:
    """Tells the clouds apart by a request's head alone; words a refusal in that cloud's shape."""

    def __init__(self, aws: AwsFront, aliyun: AliyunFront | None, limits: Limits) -> None:
        self.aws = aws
        self.aliyun = aliyun
        self.limits = limits

    def cloud(self, raw_query: str, headers: Mapping[str, str]) -> Cloud:
        if self.aliyun is not None and wire.is_aliyun(raw_query, headers):
            return Cloud.ALIYUN
        return Cloud.AWS

    def body_limit(self, raw_query: str, headers: Mapping[str, str]) -> int:
        return self.limits.body_bytes[self.cloud(raw_query, headers)]

    def refuse(
        self,
        kind: Kind,
        raw_query: str,
        headers: Mapping[str, str],
        request_id: str | None = None,
    ) -> Reply:
        status, code, message = WORDING[kind]
        message = message.format(limit=self.body_limit(raw_query, headers))
        request_id = request_id or str(uuid.uuid4())
        if self.aliyun is not None and self.cloud(raw_query, headers) is Cloud.ALIYUN:
            return self.aliyun.refusal(raw_query, headers, code, message, status, request_id)
        return self.aws.refusal(raw_query, headers, code, message, status, request_id)


class Refused(Exception):
    """The body broke a limit (`kind` says which); answer without reading any more of it."""

    def __init__(self, kind: Kind) -> None:
        super().__init__(kind)
        self.kind: Kind = kind


class Gone(Exception):
    """The client went away before its body arrived: nothing to answer, nothing wrong."""


async def read_body(
    receive: Callable[[], Awaitable[Any]],
    declared: str | None,
    limit: int,
    seconds: float,
) -> bytes:
    """The whole body, refusing at once a declared length over the limit, and stopping as soon
    as the bytes received pass it or the time runs out."""
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise Refused("large")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise Refused("slow")
        try:
            async with asyncio.timeout(remaining):  # no task per message, unlike wait_for
                message = await receive()
        except TimeoutError:
            raise Refused("slow") from None
        if message["type"] == "http.disconnect":
            raise Gone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused("large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
