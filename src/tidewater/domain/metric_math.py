"""CloudWatch metric math: an expression parsed once into a small tree, then evaluated over
time series aligned on a query's periods (docs/facts/metric-math.md gives each rule's source)."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

# ---- refusals --------------------------------------------------------------------------------


class MathRefusal(Exception):
    """Why an expression cannot be parsed or evaluated; the simulated CloudWatch words it."""

    def __init__(self, reason: str, **facts: object) -> None:
        super().__init__(reason, facts)
        self.reason = reason
        self.facts = facts


# ---- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Name:
    """A leaf of text: a query's `id`, a bare `word` (FILL's REPEAT or LINEAR, SORT's DESC) or
    a quoted `text` (METRICS()'s id filter)."""

    kind: str  # "id", "word" or "text"
    text: str


def ref(name: str) -> Name:
    return Name("id", name)


def word(name: str) -> Name:
    return Name("word", name)


def quoted(text: str) -> Name:
    return Name("text", text)


def _is(node: Node, kind: str) -> bool:
    return isinstance(node, Name) and node.kind == kind


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Array:
    """`[m1, m2]`: an array of time series."""

    items: tuple[Node, ...]


Node = Num | Name | Neg | Binary | Call | Array

# ---- the grammar: binary operators by level, loosest first -----------------------------------

LEVELS: Final[tuple[tuple[str, ...], ...]] = (
    ("OR",),
    ("AND",),
    ("==", "!=", "<=", ">=", "<", ">"),
    ("+", "-"),
    ("*", "/"),
)
SPELLINGS: Final = {"||": "OR", "&&": "AND", "OR": "OR", "AND": "AND"}
FILLS: Final = frozenset({"REPEAT", "LINEAR"})
WORD: Final = re.compile(r"[A-Z][A-Z0-9_]*")  # a bare keyword: FILL's REPEAT, SORT's DESC
TOKEN: Final = re.compile(
    r"""\s*(?:
      (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<text>"[^"]*")
    | (?P<op>\|\||&&|==|!=|<=|>=|[-+*/^<>(),\[\]])
    )""",
    re.VERBOSE | re.ASCII,
)
ID: Final = re.compile(r"[a-z][A-Za-z0-9_]*")
MAX_NESTING: Final = 50  # [NO SOURCE] bounds the parser's and evaluator's recursion
MAX_DEPTH: Final = 120


def _tokens(text: str) -> list[tuple[str, str]]:
    """The expression's tokens (kind, text); what is no token is a syntax error."""
    out, at, end = [], 0, len(text.rstrip())
    while at < end:
        match = TOKEN.match(text, at)
        if match is None:
            raise MathRefusal("syntax", near=text[at:].strip()[:20])
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        at = match.end()
    return out


class _Parser:
    """Recursive descent over the tokens: levels of LEVELS, then unary minus, then ^."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.nesting = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end":
            raise MathRefusal("syntax", near="the end of the expression")
        self.at += 1
        return token

    def expect(self, symbol: str) -> None:
        kind, value = self.take()
        if value != symbol or kind not in ("op",):
            raise MathRefusal("syntax", near=value)

    def operator(self, level: int) -> str | None:
        kind, value = self.peek()
        word = SPELLINGS.get(value, value) if kind in ("op", "name") else None
        return word if word in LEVELS[level] else None

    def binary(self, level: int = 0) -> Node:
        if level == len(LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.operator(level)) is not None:
            self.at += 1
            left = Binary(op, left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise MathRefusal("too_complex")
        try:
            if self.peek() == ("op", "-"):
                self.at += 1
                return Neg(self.unary())
            return self.power()
        finally:
            self.nesting -= 1

    def power(self) -> Node:
        base = self.primary()
        if self.peek() == ("op", "^"):
            self.at += 1
            return Binary("^", base, self.unary())
        return base

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            number = float(value)
            if not math.isfinite(number):
                raise MathRefusal("syntax", near=value)
            return Num(number)
        if kind == "text":
            return quoted(value[1:-1])
        if kind == "op" and value == "(":
            inner = self.binary()
            self.expect(")")
            return inner
        if kind == "op" and value == "[":
            return Array(self.listed("]"))
        if kind == "name":
            if self.peek() == ("op", "("):
                self.at += 1
                return Call(value, self.listed(")"))
            if WORD.fullmatch(value) and value not in SPELLINGS:
                return word(value)
            if ID.fullmatch(value):
                return ref(value)
        raise MathRefusal("syntax", near=value)

    def listed(self, closing: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if self.peek() == ("op", closing):
            self.at += 1
            return ()
        while True:
            items.append(self.binary())
            kind, value = self.take()
            if (kind, value) == ("op", closing):
                return tuple(items)
            if (kind, value) != ("op", ","):
                raise MathRefusal("syntax", near=value)


def parse(text: str) -> Node:
    """The expression's tree; MathRefusal("syntax") for anything else."""
    parser = _Parser(text)
    if not parser.tokens:
        raise MathRefusal("syntax", near="the end of the expression")
    tree = parser.binary()
    if parser.peek()[0] != "end":
        raise MathRefusal("syntax", near=parser.peek()[1])
    if depth(tree) > MAX_DEPTH:
        raise MathRefusal("too_complex")
    return tree


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Array):
        return node.items
    return ()


def depth(tree: Node) -> int:
    """How deep the tree goes, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def show(node: Node) -> str:
    """The tree as text, every operation in parentheses: parse(show(t)) == t."""
    if isinstance(node, Num):
        return repr(node.value)
    if isinstance(node, Name):
        return f'"{node.text}"' if node.kind == "text" else node.text
    if isinstance(node, Neg):
        return f"(-{show(node.operand)})"
    if isinstance(node, Binary):
        return f"({show(node.left)} {node.op} {show(node.right)})"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(show(a) for a in node.args)})"
    return f"[{', '.join(show(a) for a in node.items)}]"


def references(node: Node) -> set[str]:
    """The ids an expression names, METRICS() aside."""
    if isinstance(node, Name) and node.kind == "id":
        return {node.text}
    return set().union(*(references(child) for child in children(node)))


def uses_metrics(node: Node) -> bool:
    """Whether METRICS() appears: it reads every MetricStat query of the request."""
    if isinstance(node, Call) and node.name == "METRICS":
        return True
    return any(uses_metrics(child) for child in children(node))


# ---- values ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """One time series: period start -> value, with the period it was read at."""

    points: Mapping[datetime, float]
    period: int
    label: str = ""
    metric: bool = False  # read by a MetricStat, not computed (PERIOD accepts only these)
    dropped: bool = False  # a point was dropped for a value that is no number


Value = float | Series | list[Series]


@dataclass(frozen=True, slots=True)
class Context:
    """What an expression reads: the other queries' values, the query's periods, and the ids
    of the request's MetricStat queries in order (METRICS())."""

    lookup: Callable[[str], Value]
    periods: Callable[[], Sequence[datetime]]  # every period start, worked out when needed
    period: int
    metric_ids: Sequence[str] = field(default_factory=tuple)


def _finite(points: Mapping[datetime, float]) -> dict[datetime, float]:
    return {at: v for at, v in sorted(points.items()) if math.isfinite(v)}


def _series(
    points: Mapping[datetime, float], like: Series | None, ctx: Context, carried: bool = False
) -> Series:
    """A computed series like `like`: its finite points, and whether any was dropped here or
    in what it was computed from."""
    kept = _finite(points)
    dropped = carried or len(kept) < len(points) or (like is not None and like.dropped)
    period = like.period if like is not None else ctx.period
    return Series(kept, period, like.label if like is not None else "", dropped=dropped)


def _safe(f: Callable[..., float], *args: Any) -> float:
    """A point's arithmetic; a failure (division by zero, a domain error) drops the point."""
    if any(isinstance(a, float) and math.isnan(a) for a in args):
        return math.nan  # a point dropped stays dropped
    try:
        return float(f(*args))
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.nan


def _power(a: float, b: float) -> float:
    result = a**b
    if isinstance(result, complex):
        return math.nan
    return float(result)


ARITHMETIC: Final[Mapping[str, Callable[[float, float], float]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": _power,
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "<=": lambda a, b: float(a <= b),
    ">=": lambda a, b: float(a >= b),
    "<": lambda a, b: float(a < b),
    ">": lambda a, b: float(a > b),
    "AND": lambda a, b: float(bool(a) and bool(b)),
    "OR": lambda a, b: float(bool(a) or bool(b)),
}
# per point functions: TS -> TS, TS[] -> TS[], S -> S
POINTWISE: Final[Mapping[str, Callable[[float], float]]] = {
    "ABS": abs,
    "CEIL": math.ceil,
    "FLOOR": math.floor,
    "LOG": math.log,
    "LOG10": math.log10,
}


def _stddev(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


# reducers: TS -> S over its points, TS[] -> TS per period (missing counted as 0 for AVG, SUM)
REDUCERS: Final[Mapping[str, tuple[Callable[[Sequence[float]], float], bool]]] = {
    "AVG": (lambda v: sum(v) / len(v), True),
    "SUM": (sum, True),
    "MAX": (max, False),
    "MIN": (min, False),
    "STDDEV": (_stddev, False),
    "DATAPOINT_COUNT": (len, False),
}
# functions AWS documents that the simulated CloudWatch does not evaluate
NOT_SIMULATED: Final = frozenset(
    {
        "ANOMALY_DETECTION_BAND",
        "DATE",
        "DAY",
        "DIFF_TIME",
        "EPOCH",
        "FIRST",
        "HOUR",
        "INSIGHT_RULE_METRIC",
        "LAST",
        "LAMBDA",
        "MINUTE",
        "MONTH",
        "REMOVE_EMPTY",
        "RUNNING_SUM",
        "SEARCH",
        "SERVICE_QUOTA",
        "SLICE",
        "SORT",
        "YEAR",
    }
)


def _combine(op: str, left: Value, right: Value, ctx: Context) -> Value:
    """An operator over scalars, series (missing points counted as 0) or arrays."""
    f = ARITHMETIC[op]
    if isinstance(left, list) and isinstance(right, list):
        raise MathRefusal("argument", function=op)
    if isinstance(left, list):
        return [_as_series(_combine(op, s, right, ctx)) for s in left]
    if isinstance(right, list):
        return [_as_series(_combine(op, left, s, ctx)) for s in right]
    if isinstance(left, float) and isinstance(right, float):
        return _safe(f, left, right)
    if isinstance(left, Series) and isinstance(right, Series):
        stamps = set(left.points) | set(right.points)
        return _series(
            {at: _safe(f, left.points.get(at, 0.0), right.points.get(at, 0.0)) for at in stamps},
            left,
            ctx,
            right.dropped,
        )
    if isinstance(left, Series):
        assert isinstance(right, float)
        return _series({at: _safe(f, v, right) for at, v in left.points.items()}, left, ctx)
    assert isinstance(right, Series) and isinstance(left, float)
    return _series({at: _safe(f, left, v) for at, v in right.points.items()}, right, ctx)


def _as_series(value: Value) -> Series:
    assert isinstance(value, Series)
    return value


def _reduce(name: str, value: Value, ctx: Context) -> Value:
    fold, missing_as_zero = REDUCERS[name]
    if isinstance(value, float):
        return value
    if isinstance(value, Series):
        values = list(value.points.values())
        if name == "DATAPOINT_COUNT":
            return float(len(values))
        if not values:
            return 0.0 if name == "SUM" else math.nan
        return _safe(fold, values)
    stamps = sorted(set().union(*(s.points for s in value))) if value else []
    out = {}
    for at in stamps:
        present = [s.points[at] for s in value if at in s.points]
        if missing_as_zero:
            present += [0.0] * (len(value) - len(present))
        out[at] = _safe(fold, present)
    return _series(out, value[0] if value else None, ctx, any(s.dropped for s in value))


def _per_point(f: Callable[[float], float], value: Value, ctx: Context) -> Value:
    if isinstance(value, float):
        return _safe(f, value)
    if isinstance(value, list):
        return [_as_series(_per_point(f, s, ctx)) for s in value]
    return _series({at: _safe(f, v) for at, v in value.points.items()}, value, ctx)


def _changes(value: Value, per_second: bool, ctx: Context) -> Value:
    """DIFF and RATE: each point against the data point before it."""
    if isinstance(value, list):
        return [_as_series(_changes(s, per_second, ctx)) for s in value]
    if not isinstance(value, Series):
        raise MathRefusal("argument", function="RATE" if per_second else "DIFF")
    out, before = {}, None
    for at, v in sorted(value.points.items()):
        if before is not None:
            seconds = (at - before[0]).total_seconds()
            change = v - before[1]
            out[at] = _safe(lambda a, b: a / b, change, seconds) if per_second else change
        before = (at, v)
    return _series(out, value, ctx)


def _fill(value: Value, filler: Node, ctx: Context) -> Value:
    if isinstance(value, list):
        return [_as_series(_fill(s, filler, ctx)) for s in value]
    if not isinstance(value, Series):
        raise MathRefusal("argument", function="FILL")
    points = dict(value.points)
    gaps = [at for at in ctx.periods() if at not in points]
    if isinstance(filler, Name) and filler.kind == "word":
        if filler.text not in FILLS:
            raise MathRefusal("argument", function="FILL")
        known = sorted(points.items())
        stamps = [t for t, _ in known]
        for at in gaps:  # the data points either side of the gap, found by bisection
            after = bisect.bisect_right(stamps, at)
            if after == 0:
                continue
            t0, v0 = known[after - 1]
            if filler.text == "REPEAT":
                points[at] = v0
            elif after < len(known):
                t1, v1 = known[after]
                share = (at - t0).total_seconds() / (t1 - t0).total_seconds()
                points[at] = v0 + (v1 - v0) * share
        return _series(points, value, ctx)
    given = evaluate(filler, ctx)
    for at in gaps:
        if isinstance(given, float):
            points[at] = given
        elif isinstance(given, Series) and at in given.points:
            points[at] = given.points[at]
        elif not isinstance(given, Series):
            raise MathRefusal("argument", function="FILL")
    return _series(points, value, ctx)


def _if(args: Sequence[Node], ctx: Context) -> Value:
    if len(args) not in (2, 3):
        raise MathRefusal("arity", function="IF")
    cond = evaluate(args[0], ctx)
    then = evaluate(args[1], ctx)
    other = evaluate(args[2], ctx) if len(args) == 3 else None
    if isinstance(cond, list) or isinstance(then, list) or isinstance(other, list):
        raise MathRefusal("argument", function="IF")
    if isinstance(cond, float):
        chosen = then if cond else other
        if chosen is None:
            return Series({}, ctx.period)
        return chosen if isinstance(chosen, Series) else _constant(chosen, ctx)
    out = {}
    for at, v in cond.points.items():
        if v:
            out[at] = then if isinstance(then, float) else then.points.get(at, 0.0)
        elif isinstance(other, float):
            out[at] = other
        elif isinstance(other, Series) and at in other.points:
            out[at] = other.points[at]
    return _series(out, cond, ctx)


def _constant(value: float, ctx: Context) -> Series:
    return _series({at: value for at in ctx.periods()}, None, ctx)


def _call(call: Call, ctx: Context) -> Value:
    name, args = call.name, call.args
    if name == "METRICS":
        if len(args) > 1 or (args and not _is(args[0], "text")):
            raise MathRefusal("argument", function=name)
        wanted = args[0].text if args and isinstance(args[0], Name) else ""
        return [_as_series(ctx.lookup(i)) for i in ctx.metric_ids if wanted in i]
    if name == "IF":
        return _if(args, ctx)
    if name == "FILL":
        if len(args) != 2:
            raise MathRefusal("arity", function=name)
        return _fill(evaluate(args[0], ctx), args[1], ctx)
    if name in NOT_SIMULATED:
        raise MathRefusal("not_simulated", function=name)
    if not (name in POINTWISE or name in REDUCERS or name in ONE_ARGUMENT):
        raise MathRefusal("unknown_function", function=name)
    if len(args) != 1:
        raise MathRefusal("arity", function=name)
    value = evaluate(args[0], ctx)
    if name in POINTWISE:
        return _per_point(POINTWISE[name], value, ctx)
    if name in REDUCERS:
        return _reduce(name, value, ctx)
    return ONE_ARGUMENT[name](value, ctx)


def _period_of(value: Value, ctx: Context) -> Value:
    if not isinstance(value, Series) or not value.metric:
        raise MathRefusal("argument", function="PERIOD")
    return float(value.period)


def _time_series(value: Value, ctx: Context) -> Value:
    if not isinstance(value, float):
        raise MathRefusal("argument", function="TIME_SERIES")
    return _constant(value, ctx)


def _metric_count(value: Value, ctx: Context) -> Value:
    if not isinstance(value, list):
        raise MathRefusal("argument", function="METRIC_COUNT")
    return float(len(value))


ONE_ARGUMENT: Final[Mapping[str, Callable[[Value, Context], Value]]] = {
    "DIFF": lambda v, ctx: _changes(v, False, ctx),
    "RATE": lambda v, ctx: _changes(v, True, ctx),
    "PERIOD": _period_of,
    "TIME_SERIES": _time_series,
    "METRIC_COUNT": _metric_count,
}
SUPPORTED: Final = frozenset({"METRICS", "IF", "FILL", *POINTWISE, *REDUCERS, *ONE_ARGUMENT})


def evaluate(node: Node, ctx: Context) -> Value:
    """The node's value: a scalar, a time series or an array of them."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name) and node.kind == "id":
        return ctx.lookup(node.text)
    if isinstance(node, Neg):
        return _per_point(lambda v: -v, evaluate(node.operand, ctx), ctx)
    if isinstance(node, Binary):
        return _combine(node.op, evaluate(node.left, ctx), evaluate(node.right, ctx), ctx)
    if isinstance(node, Call):
        return _call(node, ctx)
    if isinstance(node, Array):
        items = [evaluate(item, ctx) for item in node.items]
        flat: list[Series] = []
        for item in items:
            if isinstance(item, float):
                raise MathRefusal("array_scalar")
            flat.extend(item if isinstance(item, list) else [item])
        return flat
    raise MathRefusal("syntax", near=node.text)


def result(node: Node, ctx: Context) -> list[Series]:
    """An expression's final value: one time series or an array of them, never a scalar."""
    return final(evaluate(node, ctx))


def final(value: Value) -> list[Series]:
    """A value as a final result: the series it holds; a scalar is refused."""
    if isinstance(value, float):
        raise MathRefusal("scalar_result")
    return value if isinstance(value, list) else [value]
