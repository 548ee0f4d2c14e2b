"""Filters on listings: values with wildcards, matched in SQL or in memory, within limits.

AWS values take `*` (any run) and `?` (one character), `\\` escaping the next character;
Alibaba names take only `*` and nothing escapes. Matching is case-sensitive like the clouds:
SQLite's GLOB, PostgreSQL's LIKE, and a regular expression for in-memory catalogues, whose
filter names are data (`Readers`: name → what texts of an item it is matched against).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, false, or_

from tidewater.cloud.sim.kit import rpc
from tidewater.cloud.sim.kit.faults import AwsFault

Token = tuple[str, str]  # ("*" | "?" | "c", literal character)
Filters = list[tuple[str, list[str]]]
Reader = Callable[[dict[str, Any]], Iterable[str]]  # the texts of one item a filter matches
Readers = Mapping[str, Reader]


@dataclass(frozen=True, slots=True)
class Syntax:
    """Which characters are wildcards and whether a backslash escapes the next one."""

    wildcards: str
    escapes: bool


AWS = Syntax("*?", escapes=True)
ALIYUN = Syntax("*", escapes=False)

VALUES_LIMIT = 200  # filter values one call may carry, over all its filters
VALUE_LENGTH = 255


def parse(items: Iterable[Mapping[str, Any]] | None) -> Filters:
    """AWS `Filters` as (name, values); EC2 refuses more than 200 values in a call (a filter with
    none counts as one, inferred) and any value longer than 255 characters, before any name."""
    parsed: Filters = []
    count = 0
    for item in items or []:
        values = [str(v) for v in item.get("Values") or [] if v is not None]
        count += max(1, len(values))
        if count > VALUES_LIMIT:
            raise AwsFault(
                "FilterLimitExceeded",
                f"The maximum number of filter values specified on a single call is {VALUES_LIMIT}",
            )
        if any(len(v) > VALUE_LENGTH for v in values):
            raise AwsFault(
                "FilterLimitExceeded",
                f"The maximum length for a filter value is {VALUE_LENGTH} characters",
            )
        parsed.append((str(item.get("Name") or ""), values))
    return parsed


@lru_cache(maxsize=4096)
def tokens(value: str, syntax: Syntax = AWS) -> tuple[Token, ...]:
    found: list[Token] = []
    escaped = False
    for char in value:
        if escaped:
            found.append(("c", char))
            escaped = False
        elif char == "\\" and syntax.escapes:
            escaped = True
        elif char in syntax.wildcards:
            found.append((char, ""))
        else:
            found.append(("c", char))
    if escaped:
        found.append(("c", "\\"))
    return tuple(found)


def _is_pattern(found: Sequence[Token]) -> bool:
    return any(kind != "c" for kind, _ in found)


def _literal(found: Sequence[Token]) -> str:
    return "".join(char for _, char in found)


def _glob(found: Sequence[Token]) -> str:
    """SQLite's GLOB is case-sensitive like the clouds; its own metacharacters go in brackets."""
    return "".join(
        {"*": "*", "?": "?"}.get(kind) or (f"[{c}]" if c in "*?[" else c) for kind, c in found
    )


def _like(found: Sequence[Token]) -> str:
    """PostgreSQL's LIKE is case-sensitive like the clouds; its metacharacters escape with \\."""
    return "".join(
        {"*": "%", "?": "_"}.get(kind) or (f"\\{c}" if c in "%_\\" else c) for kind, c in found
    )


def match(
    column: Any, values: Sequence[str], dialect: str, syntax: Syntax = AWS
) -> ColumnElement[bool]:
    """Exact values become one IN; wildcard values a case-sensitive pattern each."""
    exact, clauses = [], []
    for value in values:
        found = tokens(value, syntax)
        if not _is_pattern(found):
            exact.append(_literal(found))
        elif dialect == "sqlite":
            clauses.append(column.op("GLOB", is_comparison=True)(_glob(found)))
        else:
            clauses.append(column.like(_like(found), escape="\\"))
    if exact:
        clauses.append(column.in_(exact))
    return or_(false(), *clauses)


@lru_cache(maxsize=4096)
def _regex(value: str) -> re.Pattern[str]:
    parts = {"*": ".*", "?": "."}
    return re.compile(
        "".join(parts.get(kind) or re.escape(char) for kind, char in tokens(value)), re.DOTALL
    )


def matches(text: str, values: Sequence[str]) -> bool:
    return any(_regex(value).fullmatch(text) for value in values)


def in_memory(
    items: list[dict[str, Any]],
    filters: Filters,
    readers: Readers,
    unknown: Callable[[str], Exception],
) -> list[dict[str, Any]]:
    """Items of a catalogue every filter matches; `unknown` refuses a name it does not know."""
    chosen = [(_reader(name, readers, unknown), values) for name, values in filters]
    for read, values in chosen:
        items = [item for item in items if any(matches(text, values) for text in read(item))]
    return items


def _reader(name: str, readers: Readers, unknown: Callable[[str], Exception]) -> Reader:
    """Tag filters apply to every resource; the built-in ones simply carry no tags."""
    if name in readers:
        return readers[name]
    if name.startswith("tag:") and len(name) > 4:
        return lambda item: [t["Value"] for t in item.get("Tags", []) if t["Key"] == name[4:]]
    if name in ("tag-key", "tag-value"):
        member = "Key" if name == "tag-key" else "Value"
        return lambda item: [t[member] for t in item.get("Tags", [])]
    raise unknown(name)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _member(key: str) -> Reader:
    return lambda item: [_text(item.get(key, ""))]


def members(**paths: str) -> dict[str, Reader]:
    """Filter names that read one top-level member of an output item (`_` becomes `-`)."""
    return {name.replace("_", "-"): _member(key) for name, key in paths.items()}


def exact(
    params: Mapping[str, str], columns: Iterable[tuple[str, Any]]
) -> list[ColumnElement[bool]]:
    """Alibaba describes filter by named parameters: each one given must equal its column."""
    conditions: list[ColumnElement[bool]] = []
    for name, column in columns:
        value = rpc.value(params, name)
        if value is not None:
            conditions.append(column == value)
    return conditions


Choice = tuple[str, Any, Collection[str], Callable[[str], Exception]]


def exact_choices(
    params: Mapping[str, str], columns: Iterable[Choice]
) -> list[ColumnElement[bool]]:
    """As `exact`, for parameters with a fixed set of values (name, column, the values, the
    product's refusal of the name): a value outside the set is refused before anything is read."""
    conditions: list[ColumnElement[bool]] = []
    for name, column, allowed, refuse in columns:
        value = rpc.value(params, name)
        if value is None:
            continue
        if value not in allowed:
            raise refuse(name)
        conditions.append(column == value)
    return conditions
