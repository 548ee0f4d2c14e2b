"""Parameter names and selectors as SSM reads them: characters, hierarchy, reserved prefixes."""

from __future__ import annotations

import re
from typing import Final

from tidewater.cloud.sim.ssm.faults import bad_name, too_deep

_NAME: Final = re.compile(r"[a-zA-Z0-9_.\-/]+")
MAX_LEVELS: Final = 15


def checked(name: str) -> str:
    """A name SSM accepts for reading: trimmed, of its characters, rooted when it is a path."""
    name = name.strip(" ")
    if not _NAME.fullmatch(name) or ("/" in name and not name.startswith("/")) or "//" in name:
        raise bad_name()
    if name.count("/") > MAX_LEVELS:
        raise too_deep()
    return name


def writable(name: str) -> str:
    """A name PutParameter may create: also outside the reserved `aws` and `ssm` prefixes."""
    name = checked(name)
    if name.endswith("/"):
        raise bad_name()
    first = name.lstrip("/").lower()
    for reserved in ("aws", "ssm"):
        if first.startswith(reserved):
            raise bad_name(reserved)
    return name


def split_selector(text: str) -> tuple[str, int | None, str | None]:
    """`name:version` or `name:label` as (name, version, label); a bare name has neither."""
    name, colon, selector = text.rpartition(":")
    if not colon or not selector:
        return text, None, None  # a trailing ':' stays in the name, which then fails its check
    if selector.isdigit():
        return name, int(selector), None
    return name, None, selector


def parent(name: str) -> str:
    """The path a parameter sits directly under ("/" for a name outside any hierarchy)."""
    head = name.rpartition("/")[0]
    return head or "/"
