"""The parsing machinery: specs compiled per API version, flat wire parameters placed and
converted, required ones reported before malformed ones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import orjson

from tidewater.dialects.aliyun.ess_api.checks import CHECKS
from tidewater.dialects.aliyun.ess_api.errors import (
    invalid_parameter,
    missing_parameter,
    no_such_version,
    unknown_action,
)
from tidewater.dialects.aliyun.ess_api.params import Kind, Param
from tidewater.dialects.aliyun.ess_api.specs import SPECS
from tidewater.dialects.aliyun.ess_api.versions import V2014, VERSIONS
from tidewater.domain.text import storable, unstorable

ACTIONS: Final = frozenset(SPECS)


def known(action: str) -> bool:
    """Whether ``parse`` has a spec for this ESS action."""
    return action in SPECS


def spec(action: str) -> tuple[Param, ...]:
    """The declarative parameter list of an action (2022-02-22 names)."""
    return SPECS[action]


# --------------------------------------------------------------------------------------------
# Compiled per-version tables


class Node:
    """A Param compiled for one API version: its wire name, message label and child tables."""

    __slots__ = (
        "alt",
        "choices",
        "fields",
        "hi",
        "item",
        "json",
        "kind",
        "label",
        "lo",
        "max_items",
        "name",
        "required",
        "table",
        "wire",
    )

    def __init__(self, p: Param, version: str, label_prefix: str) -> None:
        self.name = p.name
        self.kind = p.kind
        self.wire = p.old if (version == V2014 and p.old) else p.name
        self.required = p.required
        self.choices = p.choices
        self.lo = p.lo
        self.hi = p.hi
        self.max_items = p.max_items
        self.json = p.json
        # An unnamed node is a list item: it shares its list's label.
        self.label = label_prefix + self.wire if self.wire else label_prefix.rstrip(".")
        if self.kind is Kind.LIST:
            self.label += ".N"
        self.alt: Node | None = None
        self.item: Node | None = None
        self.fields: tuple[Node, ...] = ()
        self.table: dict[str, Node] = {}
        if p.item is not None:
            self.item = Node(p.item, version, self.label + ".")
        if p.fields:
            prefix = self.label + "." if self.label else ""
            self.fields = tuple(Node(f, version, prefix) for f in p.fields)
            for f in self.fields:
                other = self.table.get(f.wire)
                if other is None:
                    self.table[f.wire] = f
                else:
                    # 2014 DescribeScalingGroups: ScalingGroupName and ScalingGroupName.N share a
                    # wire name; the path decides which one a key belongs to.
                    other.alt = f


def _compile(action: str, version: str) -> Node:
    return Node(Param("", Kind.STRUCT, fields=SPECS[action]), version, "")


_TABLES: Final[dict[tuple[str, str], Node]] = {
    (a, v): _compile(a, v) for a in SPECS for v in VERSIONS
}


# --------------------------------------------------------------------------------------------
# Parsing

_ABSENT: Final = object()
_INT_RE: Final = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_RE: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_INT_BOUNDS: Final = {Kind.INT: (-(2**31), 2**31 - 1), Kind.LONG: (-(2**63), 2**63 - 1)}


def _place(node: Node, segs: list[str], j: int, value: str, slot: dict[Any, Any], key: Any) -> bool:
    """Store one wire value under ``slot[key]`` following ``segs[j:]``; False if it doesn't fit."""
    kind = node.kind
    if kind is Kind.LIST:
        if j >= len(segs):
            return False
        s = segs[j]
        if not (s.isascii() and s.isdigit()):
            return False
        items: dict[Any, Any] | None = slot.get(key)
        fresh = items is None
        if items is None:
            items = {}
        assert node.item is not None
        if not _place(node.item, segs, j + 1, value, items, int(s)):
            return False
        if fresh:
            slot[key] = items
        return True
    if kind is Kind.STRUCT:
        if j >= len(segs):
            return False
        sub: dict[Any, Any] | None = slot.get(key)
        fresh = sub is None
        if sub is None:
            sub = {}
        child = node.table.get(segs[j])
        while child is not None:
            if _place(child, segs, j + 1, value, sub, child):
                break
            child = child.alt
        else:
            return False
        if fresh:
            slot[key] = sub
        return True
    if j != len(segs):
        return False
    slot[key] = value
    return True


def _trivially_absent(node: Node, raw: Any, v2014: bool, nested: bool) -> bool:
    """Empty values (and the 2014 SDK's ``None``) count as not supplied, except plain strings."""
    if type(raw) is not str:
        return False
    if raw == "":
        return node.kind is not Kind.STR or node.choices is not None
    return v2014 and raw == "None" and (nested or node.kind is not Kind.STR)


def _convert(node: Node, raw: Any, v2014: bool, nested: bool) -> Any:
    kind = node.kind
    if kind is Kind.STRUCT:
        out: dict[str, Any] = {}
        for f in node.fields:
            r = raw.get(f, _ABSENT)
            v = _ABSENT if r is _ABSENT else _convert(f, r, v2014, True)
            if v is _ABSENT:
                if f.required:
                    raise missing_parameter(f.label)
                continue
            out[f.name] = v
        return out if out else _ABSENT
    if kind is Kind.LIST:
        n = node.max_items
        if n is not None and (len(raw) > n or max(raw) > n):
            raise invalid_parameter(node.label)
        item = node.item
        assert item is not None
        values: list[Any] = []
        for _, r in sorted(raw.items()):
            v = _convert(item, r, v2014, True)
            if v is not _ABSENT:
                values.append(v)
        return values if values else _ABSENT
    if _trivially_absent(node, raw, v2014, nested):
        return _ABSENT
    if kind is Kind.STR:
        if node.choices is not None and raw not in node.choices:
            raise invalid_parameter(node.label)
        return raw
    if kind is Kind.BOOL:
        low = raw.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        raise invalid_parameter(node.label)
    if kind is Kind.INT or kind is Kind.LONG:
        if _INT_RE.match(raw) is None:
            raise invalid_parameter(node.label)
        iv = int(raw)
        lo, hi = _INT_BOUNDS[kind]
        if (
            not lo <= iv <= hi
            or (node.lo is not None and iv < node.lo)
            or (node.hi is not None and iv > node.hi)
        ):
            raise invalid_parameter(node.label)
        return iv
    if kind is Kind.FLOAT:
        if _FLOAT_RE.match(raw) is None:
            raise invalid_parameter(node.label)
        fv = float(raw)
        if (
            fv in (float("inf"), float("-inf"))
            or (node.lo is not None and fv < node.lo)
            or (node.hi is not None and fv > node.hi)
        ):
            raise invalid_parameter(node.label)
        return fv
    # Kind.JSON
    return _json_value(node, raw)


def _json_value(node: Node, raw: str) -> Any:
    if node.json == "array" and not raw.lstrip().startswith("["):
        # Tolerated: a bare comma-separated list of IDs (older docs describe it that way).
        ids = [p.strip() for p in raw.split(",")]
        return [p for p in ids if p]
    try:
        v = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid_parameter(node.label) from None
    if node.json == "array":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise invalid_parameter(node.label)
    elif node.json == "object" and not isinstance(v, dict):
        raise invalid_parameter(node.label)
    return v


def parse(action: str, version: str, params: Mapping[str, str]) -> dict[str, Any]:
    """Validate one call's flat parameters and return them under their 2022-02-22 names.

    Raises AliyunError: ``InvalidAction.NotFound`` (404) for an action without a spec,
    ``NoSuchVersion`` for a version other than 2014-08-28/2022-02-22, ``MissingParameter``,
    ``InvalidParameter`` and ``InvalidParameter.Conflict`` as described in the module docstring.
    """
    root = _TABLES.get((action, version))
    if root is None:
        raise unknown_action() if action not in SPECS else no_such_version()
    bad = unstorable(params)
    if bad is not None:
        raise invalid_parameter(bad if storable(bad) else "")
    raw: dict[Any, Any] = {}
    table = root.table
    for key, value in params.items():
        segs = key.split(".")
        node = table.get(segs[0])
        while node is not None:
            if _place(node, segs, 1, value, raw, node):
                break
            node = node.alt
    v2014 = version == V2014
    # Missing parameters are reported before malformed ones.
    for f in root.fields:
        if f.required:
            r = raw.get(f, _ABSENT)
            if r is _ABSENT or r == "" or _trivially_absent(f, r, v2014, False):
                raise missing_parameter(f.label)
    out: dict[str, Any] = {}
    for f in root.fields:
        r = raw.get(f, _ABSENT)
        if r is _ABSENT:
            continue
        v = _convert(f, r, v2014, False)
        if v is _ABSENT:
            if f.required:
                raise missing_parameter(f.label)
            continue
        out[f.name] = v
    check = CHECKS.get(action)
    if check is not None:
        check(out, root)
    return out


def param_label(action: str, version: str, name: str) -> str:
    """How the docs of ``version`` name a top-level parameter (``InstanceId.N`` for 2014)."""
    root = _TABLES[(action, version)]
    for f in root.fields:
        if f.name == name:
            return f.label
    return name
