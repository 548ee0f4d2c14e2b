"""What every simulated Alibaba Cloud product reads from an RPC request the same way."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


def value(params: Mapping[str, str], name: str) -> str | None:
    """RPC clients send unset optional members as empty strings; both mean absent."""
    found = params.get(name)
    return found if found else None


def indexed(params: Mapping[str, str], prefix: str) -> list[str]:
    """Values of Prefix.1, Prefix.2, … in index order, each once."""
    pattern = re.compile(re.escape(prefix) + r"\.([1-9][0-9]{0,5})")
    found: list[tuple[int, str]] = []
    for key, text in params.items():
        match = pattern.fullmatch(key)
        if match and text:
            found.append((int(match.group(1)), text))
    return list(dict.fromkeys(text for _, text in sorted(found)))


MAX_PAGE_NUMBER = 2**31 - 1
NUMBER = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True, slots=True)
class RpcReader:
    """One product's way of reading parameters: the same rules, refused in its own words."""

    invalid: Callable[[str], Exception]  # the product's InvalidParameter for a named parameter
    missing: Callable[[str], Exception]  # its MissingParameter

    def required(self, params: Mapping[str, str], name: str) -> str:
        found = value(params, name)
        if found is None:
            raise self.missing(name)
        return found

    def integer(
        self, params: Mapping[str, str], name: str, default: int, low: int, high: int
    ) -> int:
        raw = value(params, name)
        if raw is None:
            return default
        if not NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
            raise self.invalid(name)
        return int(raw)

    def choice(
        self,
        params: Mapping[str, str],
        name: str,
        default: str,
        allowed: Sequence[str],
        fault: Exception | None = None,
    ) -> str:
        chosen = value(params, name) or default
        if chosen not in allowed:
            raise fault if fault is not None else self.invalid(name)
        return chosen

    def boolean(self, params: Mapping[str, str], name: str, default: bool = False) -> bool:
        """Both SDKs send Python's str(): True/False; other clients send true/false."""
        raw = value(params, name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise self.invalid(name)
        return lowered == "true"

    def json_list(self, params: Mapping[str, str], name: str, limit: int = 100) -> list[str] | None:
        """A JSON array of strings, e.g. InstanceIds=["i-1","i-2"]; None when not given."""
        raw = value(params, name)
        if raw is None:
            return None
        try:
            found = json.loads(raw)
        except ValueError:
            raise self.invalid(name) from None
        if (
            not isinstance(found, list)
            or len(found) > limit
            or not all(isinstance(item, str) for item in found)
        ):
            raise self.invalid(name)
        return list(dict.fromkeys(found))

    def optional_choice(
        self, params: Mapping[str, str], name: str, allowed: Sequence[str]
    ) -> str | None:
        chosen = value(params, name)
        if chosen is not None and chosen not in allowed:
            raise self.invalid(name)
        return chosen

    def page(self, params: Mapping[str, str], default_size: int, limit: int) -> tuple[int, int]:
        """PageNumber (from 1) and PageSize, as every Alibaba describe takes them."""
        number = self.integer(params, "PageNumber", 1, 1, MAX_PAGE_NUMBER)
        size = self.integer(params, "PageSize", default_size, 1, limit)
        return number, size
