"""The declarative parameter spec: one request parameter per Param, and short builders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    STR = "str"
    INT = "int"  # Java Integer (32-bit)
    LONG = "long"  # Java Long (64-bit)
    FLOAT = "float"
    BOOL = "bool"
    JSON = "json"  # a JSON document in a string parameter
    LIST = "list"  # Name.N...
    STRUCT = "struct"  # Name.Field...


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter under its 2022-02-22 name; ``old`` is its 2014 wire name."""

    name: str
    kind: Kind
    old: str | None = None
    required: bool = False
    choices: frozenset[str] | None = None
    lo: float | None = None
    hi: float | None = None
    max_items: int | None = None
    item: Param | None = None
    fields: tuple[Param, ...] = ()
    json: str | None = None  # "array" (of strings) or "object"


def text(
    name: str, *, choices: tuple[str, ...] | None = None, old: str | None = None, req: bool = False
) -> Param:
    return Param(name, Kind.STR, old, req, frozenset(choices) if choices is not None else None)


def integer(
    name: str,
    *,
    lo: int | None = None,
    hi: int | None = None,
    old: str | None = None,
    req: bool = False,
) -> Param:
    return Param(name, Kind.INT, old, req, lo=lo, hi=hi)


def long(
    name: str,
    *,
    lo: int | None = None,
    hi: int | None = None,
    old: str | None = None,
    req: bool = False,
) -> Param:
    return Param(name, Kind.LONG, old, req, lo=lo, hi=hi)


def decimal(
    name: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    old: str | None = None,
    req: bool = False,
) -> Param:
    return Param(name, Kind.FLOAT, old, req, lo=lo, hi=hi)


def flag(name: str, *, old: str | None = None, req: bool = False) -> Param:
    return Param(name, Kind.BOOL, old, req)


def document(name: str, json: str, *, old: str | None = None, req: bool = False) -> Param:
    return Param(name, Kind.JSON, old, req, json=json)


def repeated(
    name: str,
    *,
    item: Param,
    old: str | None = None,
    req: bool = False,
    max_items: int | None = None,
) -> Param:
    return Param(name, Kind.LIST, old, req, max_items=max_items, item=item)


def records(
    name: str,
    *,
    fields: tuple[Param, ...],
    old: str | None = None,
    req: bool = False,
    max_items: int | None = None,
) -> Param:
    return Param(
        name, Kind.LIST, old, req, max_items=max_items, item=Param("", Kind.STRUCT, fields=fields)
    )


def struct(name: str, *, fields: tuple[Param, ...], old: str | None = None) -> Param:
    return Param(name, Kind.STRUCT, old, fields=fields)


# Generated from the SDKs (see the module docstring), then reviewed; every action lists its
