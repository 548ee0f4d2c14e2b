"""The MD5 fields SDKs check (body, message attributes) and the opaque receipt handles."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Mapping
from typing import Any

from tidewater.cloud.sim.sqs.faults import bad_receipt


def of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def _field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """DG-META's digest: by name, each name, type, transport byte and value length-prefixed."""
    if not attributes:
        return None  # inferred: omitted when there are none
    out = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        kind = str(value.get("DataType", ""))
        out.update(_field(name.encode()) + _field(kind.encode()))
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            data = raw if isinstance(raw, bytes) else base64.b64decode(str(raw))
            out.update(b"\x02" + _field(data))
        else:
            out.update(b"\x01" + _field(str(value.get("StringValue", "")).encode()))
    return out.hexdigest()


def receipt(message_id: str, token: str) -> str:
    """A handle naming the message and this receive of it; a later receive makes a new one."""
    return base64.urlsafe_b64encode(f"tw1:{message_id}:{token}".encode()).decode()


def read_receipt(handle: str) -> tuple[str, str]:
    """The message id and receive token of a handle; ReceiptHandleIsInvalid when it is not ours."""
    try:
        text = base64.urlsafe_b64decode(handle.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise bad_receipt(handle) from None
    parts = text.split(":")
    if len(parts) != 3 or parts[0] != "tw1" or not parts[1] or not parts[2]:
        raise bad_receipt(handle)
    return parts[1], parts[2]
