"""What every simulated Alibaba Cloud product reads from an RPC request the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


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
