"""CBOR (RFC 8949) as Smithy RPC v2 uses it: what botocore's CloudWatch client sends and reads."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any

__all__ = ["CborError", "decode", "encode"]

_BREAK = object()


class CborError(ValueError):
    """A body that is not one well-formed CBOR data item."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise CborError("truncated")
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def argument(self, info: int) -> int | None:
        """The head's argument; None for an indefinite length."""
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            return int.from_bytes(self.take(1 << (info - 24)), "big")
        if info == 31:
            return None
        raise CborError(f"reserved additional information {info}")

    def item(self) -> Any:
        head = self.take(1)[0]
        major, info = head >> 5, head & 31
        if major == 7:
            return self.simple(info)
        n = self.argument(info)
        if major == 0:
            return _defined(n)
        if major == 1:
            return -1 - _defined(n)
        if major in (2, 3):
            return self.string(major, n)
        if major == 4:
            return self.array(n)
        if major == 5:
            return self.map(n)
        tagged = self.item()  # major 6
        if _defined(n) == 1 and isinstance(tagged, int | float) and not isinstance(tagged, bool):
            return datetime.fromtimestamp(tagged, UTC)
        return tagged

    def string(self, major: int, n: int | None) -> bytes | str:
        if n is None:
            chunks = []
            while (chunk := self.item()) is not _BREAK:
                if not isinstance(chunk, bytes if major == 2 else str):
                    raise CborError("mixed chunks")
                chunks.append(chunk)
            if major == 2:
                return b"".join(c for c in chunks if isinstance(c, bytes))
            return "".join(c for c in chunks if isinstance(c, str))
        raw = self.take(n)
        if major == 2:
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CborError("text is not UTF-8") from None

    def array(self, n: int | None) -> list[Any]:
        if n is not None:
            return [self.defined() for _ in range(n)]
        out = []
        while (value := self.item()) is not _BREAK:
            out.append(value)
        return out

    def map(self, n: int | None) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        count = 0
        while n is None or count < n:
            key = self.item()
            if key is _BREAK and n is None:
                break
            if key is _BREAK or isinstance(key, list | dict):
                raise CborError("bad map key")
            out[key] = self.defined()
            count += 1
        return out

    def defined(self) -> Any:
        value = self.item()
        if value is _BREAK:
            raise CborError("unexpected break")
        return value

    def simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return struct.unpack(">e", self.take(2))[0]
        if info == 26:
            return struct.unpack(">f", self.take(4))[0]
        if info == 27:
            return struct.unpack(">d", self.take(8))[0]
        if info == 31:
            return _BREAK
        raise CborError(f"unsupported simple value {info}")


def _defined(n: int | None) -> int:
    if n is None:
        raise CborError("indefinite length on a number")
    return n


def decode(data: bytes) -> Any:
    """The one data item a body holds; CborError when it holds anything else."""
    reader = _Reader(data)
    value = reader.defined()
    if reader.at != len(data):
        raise CborError("trailing bytes")
    return value


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise CborError("integer too large")


def encode(value: Any) -> bytes:
    """One data item; timestamps as tag 1 epoch seconds, as Smithy RPC v2 writes them."""
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode("utf-8", "surrogatepass")
        return _head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, datetime):
        return b"\xc1" + encode(float(value.timestamp()))
    if isinstance(value, list | tuple):
        return _head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    raise CborError(f"cannot encode {type(value).__name__}")
