"""IPv4 CIDR blocks as both clouds' network services read them: dotted quads and a prefix length,
host bits dropped; which blocks a network already holds and whether a new one fits among them."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

CIDR = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}/[0-9]{1,2}")


def parse(text: Any) -> ipaddress.IPv4Network | None:
    """The block a text names, or None when it is no dotted-quad CIDR."""
    if not isinstance(text, str) or not CIDR.fullmatch(text):
        return None
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        return None


def overlaps(block: ipaddress.IPv4Network, taken: Iterable[str]) -> bool:
    return any(block.overlaps(ipaddress.IPv4Network(other)) for other in taken)


def within(block: ipaddress.IPv4Network, outer: str) -> bool:
    return block.subnet_of(ipaddress.IPv4Network(outer))
