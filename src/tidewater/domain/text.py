"""What text every store can keep: PostgreSQL refuses NUL, and no encoding takes lone surrogates."""

from __future__ import annotations

from collections.abc import Mapping


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable(params: Mapping[str, str]) -> str | None:
    """The first parameter whose name or value no store can keep, or None."""
    for key, value in params.items():
        for text in (key, value):
            if not isinstance(text, str) or not storable(text):
                return str(key)
    return None
