"""CBOR (RFC 8949) as Smithy RPC v2 uses it, on cbor2: what botocore's CloudWatch client sends."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import cbor2

__all__ = ["CborError", "decode", "encode"]

# What a Smithy RPC v2 body may hold; cbor2 also knows tags (fractions, sets, UUIDs, …) that a
# request has no use for, and those are refused rather than handed to the parameter readers.
_PLAIN = (dict, list, str, bytes, int, float, bool, type(None), datetime)


class CborError(ValueError):
    """A body that is not one well-formed CBOR data item of the kinds Smithy RPC v2 sends."""


def decode(data: bytes) -> Any:
    """One data item; a tag-1 timestamp reads as an aware datetime."""
    stream = io.BytesIO(data)
    try:
        value = cbor2.load(stream)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError) as e:
        raise CborError(str(e) or type(e).__name__) from None
    if stream.tell() != len(data):
        raise CborError("bytes after the data item")
    _check(value)
    return value


def _check(value: Any) -> None:
    if not isinstance(value, _PLAIN):
        raise CborError(f"unexpected {type(value).__name__}")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise CborError("map keys must be text")
            _check(v)
    elif isinstance(value, list):
        for v in value:
            _check(v)


def encode(value: Any) -> bytes:
    """One data item; datetimes as tag-1 epoch seconds, as Smithy RPC v2 writes them."""
    return bytes(cbor2.dumps(value, datetime_as_timestamp=True, timezone=UTC))
