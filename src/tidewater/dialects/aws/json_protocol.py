"""The awsJson 1.1 codec (SSM), driven by botocore's model like the Query and EC2 codec."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from botocore.model import Shape

from tidewater.dialects.aws.protocol import ParamError, _compile_pattern, _jlen, _service_model

__all__ = ["JsonProtocol"]

JSON = "application/x-amz-json-1.1"


def _serialization(message: str) -> ParamError:
    # inferred: Coral answers a body it cannot read as this shape with SerializationException
    return ParamError("SerializationException", message)


class JsonProtocol:
    """One awsJson service's codec: input checked against the model, output as JSON."""

    protocol = "json"
    content_type = JSON
    checks_enums = True  # SQS answers unknown enum values with its own refusals
    located: frozenset[str] = frozenset()  # required members the request's path may supply
    in_path = False  # Smithy RPC v2 names the operation in the path, not in X-Amz-Target
    # how a body spells the floats JSON has no literal for (the awsJson protocol's strings);
    # CBOR has the floats themselves, so its bodies spell none
    float_words: ClassVar[dict[str, float]] = {
        "NaN": math.nan,
        "Infinity": math.inf,
        "-Infinity": -math.inf,
    }

    def __init__(self, service: str) -> None:
        model = _service_model(service, None)
        if "json" not in model.metadata.get("protocols", [model.metadata["protocol"]]):
            raise ValueError(f"{service} does not speak awsJson")
        self._model = model
        self.service = service
        self.api_version = model.api_version
        self.target_prefix = str(model.metadata["targetPrefix"])
        self._ops = frozenset(model.operation_names)
        self._patterns: dict[str, Callable[[str], bool] | None] = {}

    def has(self, action: str) -> bool:
        return action in self._ops

    def action_of(self, target: str) -> str | None:
        """The operation an `X-Amz-Target` names, or None when it is not this service's."""
        prefix, _, action = target.partition(".")
        return action if prefix == self.target_prefix and action in self._ops else None

    def parse(self, action: str, body: bytes) -> dict[str, Any]:
        """The request body as the operation's input; ValidationException lists what failed."""
        raw = self.load(body)
        if not isinstance(raw, dict):
            raise _serialization("Start of list found where not expected")
        shape = self._model.operation_model(action).input_shape
        if shape is None:
            return {}
        errs: list[str] = []
        out = self._struct(shape, raw, "", errs)
        if errs:
            n = len(errs)
            head = (
                "1 validation error detected: " if n == 1 else f"{n} validation errors detected: "
            )
            raise ParamError("ValidationException", head + "; ".join(errs))
        return out

    def load(self, body: bytes) -> Any:
        """The body as plain values, before the model checks them."""
        try:
            return json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise _serialization("Unable to parse the request body as JSON.") from None

    def _struct(
        self, shape: Shape, raw: Mapping[str, Any], path: str, errs: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        required = set(shape.required_members) - self.located
        for name, member in shape.members.items():
            where = f"{path}{name[:1].lower()}{name[1:]}"
            value = raw.get(name)
            if value is None:
                if name in required:
                    errs.append(
                        f"Value null at '{where}' failed to satisfy constraint: "
                        "Member must not be null"
                    )
                continue
            out[name] = self._value(member, value, where, errs)
        return out

    def _value(self, shape: Shape, value: Any, where: str, errs: list[str]) -> Any:
        t = shape.type_name
        meta = shape.metadata
        lo, hi = meta.get("min"), meta.get("max")
        if t == "structure":
            if not isinstance(value, dict):
                raise _serialization(f"Unexpected value for {where}")
            return self._struct(shape, value, where + ".", errs)
        if t == "list":
            if not isinstance(value, list):
                raise _serialization(f"Unexpected value for {where}")
            items = [
                self._value(shape.member, v, f"{where}.{i}.member", errs)
                for i, v in enumerate(value, 1)
                if v is not None
            ]
            self._count(len(items), lo, hi, "[" + ", ".join(map(str, items)) + "]", where, errs)
            return items
        if t == "map":
            if not isinstance(value, dict):
                raise _serialization(f"Unexpected value for {where}")
            return {str(k): self._value(shape.value, v, where, errs) for k, v in value.items()}
        if t == "string":
            if not isinstance(value, str):
                raise _serialization(f"Unexpected value for {where}")
            bad = []
            if lo is not None and _jlen(value) < lo:
                bad.append(f"Member must have length greater than or equal to {lo}")
            if hi is not None and _jlen(value) > hi:
                bad.append(f"Member must have length less than or equal to {hi}")
            pattern = meta.get("pattern")
            if pattern:
                check = self._pattern(pattern)
                if check is not None and not check(value):
                    bad.append(f"Member must satisfy regular expression pattern: {pattern}")
            enum = meta.get("enum") or getattr(shape, "enum", None)
            if enum and self.checks_enums and value not in enum:
                bad.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
            shown = "" if meta.get("sensitive") else f" '{value}'"
            errs.extend(f"Value{shown} at '{where}' failed to satisfy constraint: {b}" for b in bad)
            return value
        if t in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise _serialization(f"Unexpected value for {where}")
            if lo is not None and value < lo:
                errs.append(
                    f"Value '{value}' at '{where}' failed to satisfy constraint: "
                    f"Member must have value greater than or equal to {lo}"
                )
            if hi is not None and value > hi:
                errs.append(
                    f"Value '{value}' at '{where}' failed to satisfy constraint: "
                    f"Member must have value less than or equal to {hi}"
                )
            return value
        if t == "timestamp":
            return _timestamp(value, where)
        if t == "boolean":
            if not isinstance(value, bool):
                raise _serialization(f"Unexpected value for {where}")
            return value
        if t in ("float", "double"):
            if isinstance(value, str) and value in self.float_words:
                return self.float_words[value]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _serialization(f"Unexpected value for {where}")
            try:
                return float(value)
            except OverflowError:  # an integer past any double
                raise _serialization(f"Unexpected value for {where}") from None
        return value

    @staticmethod
    def _count(n: int, lo: Any, hi: Any, shown: str, where: str, errs: list[str]) -> None:
        if lo is not None and n < lo:
            errs.append(
                f"Value '{shown}' at '{where}' failed to satisfy constraint: "
                f"Member must have length greater than or equal to {lo}"
            )
        if hi is not None and n > hi:
            errs.append(
                f"Value '{shown}' at '{where}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {hi}"
            )

    def _pattern(self, pattern: str) -> Callable[[str], bool] | None:
        if pattern not in self._patterns:
            self._patterns[pattern] = _compile_pattern(pattern)
        return self._patterns[pattern]

    def serialize(self, action: str, result: Mapping[str, Any] | None, request_id: str) -> bytes:
        """A success body: the result as JSON, times as epoch seconds (botocore reads both)."""
        return json.dumps(_plain(result or {}), separators=(",", ":")).encode("utf-8")

    def error(self, code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
        return json.dumps({"__type": code, "message": message}).encode("utf-8")

    def reply_headers(self) -> dict[str, str]:
        """Headers every answer carries besides its content type."""
        return {}

    def error_headers(self, code: str, sender: bool) -> dict[str, str]:
        """Headers an error carries besides its body (SQS names its Query code in one)."""
        return {}


def _timestamp(value: Any, where: str) -> datetime:
    """A timestamp as the JSON protocols send it (epoch seconds), or already read (CBOR's tag)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _serialization(f"Unexpected value for {where}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise _serialization(f"Unexpected value for {where}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
