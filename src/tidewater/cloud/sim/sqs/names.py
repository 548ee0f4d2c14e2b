"""Queue names, URLs and ARNs: how a queue is named, found from a URL, and shown."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from tidewater.cloud.sim.sqs.faults import bad_name, no_queue
from tidewater.domain.scope import Scope

NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
FIFO_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
FIFO_SUFFIX: Final = ".fifo"


def checked(name: str, *, fifo: bool) -> str:
    """A new queue's name: 1–80 of A-Z a-z 0-9 - _, ending `.fifo` exactly when FIFO (model)."""
    pattern = FIFO_NAME if fifo else NAME
    if pattern.fullmatch(name) is None:
        raise bad_name(fifo)
    return name


def url(endpoint: str, scope: Scope, name: str) -> str:
    """The queue URL, at the server the caller reached, so its next call comes back here."""
    return f"{endpoint.rstrip('/')}/{scope.account}/{name}"


def arn(scope: Scope, name: str) -> str:
    return f"arn:aws:sqs:{scope.region}:{scope.account}:{name}"


def from_url(scope: Scope, queue_url: str) -> str:
    """The name a queue URL (any host) or a bare `/<account>/<name>` path names in this scope."""
    path = urlsplit(queue_url).path if "://" in queue_url else queue_url
    parts = [p for p in path.split("/") if p]
    if len(parts) != 2 or parts[0] != scope.account:
        # chosen: a URL of another account or of no queue reads as a missing queue
        raise no_queue()
    return parts[1]


def from_arn(scope: Scope, queue_arn: str) -> str | None:
    """The queue name an ARN in this scope names, or None (another account, region or service)."""
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"]:
        return None
    if parts[3] != scope.region or parts[4] != scope.account:
        return None
    return parts[5]
