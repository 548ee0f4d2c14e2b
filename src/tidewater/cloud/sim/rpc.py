"""What every simulated Alibaba Cloud product reads from an RPC request the same way."""

from __future__ import annotations

from collections.abc import Mapping


def encodable(text: str) -> bool:
    """Lone surrogates cannot be stored; the product refuses them as an invalid parameter."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def value(params: Mapping[str, str], name: str) -> str | None:
    """RPC clients send unset optional members as empty strings; both mean absent."""
    found = params.get(name)
    return found if found else None


def unstorable(params: Mapping[str, str]) -> str | None:
    """The first parameter whose name or value no store can keep (NUL, lone surrogates)."""
    for key, found in params.items():
        for text in (key, found):
            if not isinstance(text, str) or "\x00" in text or not encodable(text):
                return str(key)
    return None
