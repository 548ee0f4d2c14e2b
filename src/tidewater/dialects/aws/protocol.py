"""Model-driven AWS wire codec, so every operation speaks exactly what botocore's models say."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from functools import cache
from typing import Any, Final

from botocore.loaders import Loader
from botocore.model import ServiceModel, Shape

__all__ = ["ParamError", "Protocol"]


class ParamError(Exception):
    """A request the model rejects; rendered by the caller as the protocol's error."""

    code: str
    message: str
    status: int = 400

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


# --------------------------------------------------------------------------------------------
# Models


# Only the models shipped inside the pinned botocore: a stray ~/.aws/models must not change
# what the server speaks.
_LOADER: Final = Loader(
    extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
)


@cache
def _service_model(service: str, api_version: str | None) -> ServiceModel:
    """Load each shipped model once per process; the ec2 one is large."""
    raw = _LOADER.load_service_model(service, "service-2", api_version)
    return ServiceModel(raw, service_name=service)


# --------------------------------------------------------------------------------------------
# XML text


# Everything XML 1.0 cannot carry (C0 controls other than TAB/LF/CR, lone surrogates, U+FFFE/F)
# is dropped; CR is written as a character reference because parsers normalise a literal CR.
_ESC_RE: Final = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESC_MAP: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _esc_char(m: re.Match[str]) -> str:
    """Substitution callback kept module-level so the hot path allocates no closure."""
    return _ESC_MAP.get(m.group(), "")


def _esc(s: str) -> str:
    """Escape element text so any Python string yields well-formed XML."""
    if _ESC_RE.search(s) is None:
        return s
    return _ESC_RE.sub(_esc_char, s)


def _esc_attr(s: str) -> str:
    """Attribute values additionally need their quote escaped."""
    return _esc(s).replace('"', "&quot;")


def _as_str(v: Any) -> str:
    """Domain code may hand enums or other objects where the model says string."""
    if isinstance(v, Enum):
        v = v.value
    return v if isinstance(v, str) else str(v)


def _text_string(v: Any) -> str:
    return _esc(v) if type(v) is str else _esc(_as_str(v))


def _text_integer(v: Any) -> str:
    if type(v) is int:
        return str(v)
    if isinstance(v, str):
        return _esc(v)
    return str(int(v))


def _text_boolean(v: Any) -> str:
    if isinstance(v, str):
        return _esc(v.lower())
    return "true" if v else "false"


def _text_float(v: Any) -> str:
    if isinstance(v, str):
        return _esc(v)
    f = float(v)
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "Infinity" if f > 0 else "-Infinity"
    return repr(f)


def _text_timestamp(v: Any) -> str:
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(UTC)
        return (
            f"{v.year:04d}-{v.month:02d}-{v.day:02d}T"
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond // 1000:03d}Z"
        )
    if isinstance(v, int | float) and not isinstance(v, bool):
        return _text_timestamp(datetime.fromtimestamp(v, UTC))
    return _esc(_as_str(v))


def _text_blob(v: Any) -> str:
    if isinstance(v, str):
        v = v.encode("utf-8")
    return base64.b64encode(bytes(v)).decode("ascii")


_TEXT: Final[dict[str, Callable[[Any], str]]] = {
    "string": _text_string,
    "character": _text_string,
    "integer": _text_integer,
    "long": _text_integer,
    "boolean": _text_boolean,
    "float": _text_float,
    "double": _text_float,
    "timestamp": _text_timestamp,
    "blob": _text_blob,
}

# An emitter writes the inner XML of one value through `append`.
_Emit = Callable[[Callable[[str], None], Any], None]

# How a structure's member is written (Protocol._struct_emitter)
_STRING, _SCALAR, _NESTED, _FLAT_TEXT, _FLAT = range(5)


# --------------------------------------------------------------------------------------------
# Request parsing: compiled node tree


class _Invalid(Exception):
    """A scalar failed its model constraints; carries every failed constraint."""

    def __init__(self, constraints: list[str]) -> None:
        super().__init__(constraints)
        self.constraints = constraints


# A path is a linked list (parent, coral segment, wire segment) rendered only on error.
_Path = tuple[Any, str, str] | None
# (path, rendered value or None for null, constraint, sensitive)
_Err = tuple[_Path, str | None, str, bool]

_NOT_NULL: Final = "Member must not be null"
_EMPTY: Final = object()  # `Name=` on a list or map: present but empty
_MISSING: Final = object()


class _Scalar:
    __slots__ = ("conv", "sensitive")

    def __init__(self, conv: Callable[[str], Any], sensitive: bool) -> None:
        self.conv = conv
        self.sensitive = sensitive

    def convert(self, raw: Any, path: _Path, errs: list[_Err]) -> Any:
        try:
            return self.conv(raw)
        except _Invalid as e:
            for c in e.constraints:
                errs.append((path, raw, c, self.sensitive))
            return None


class _Member:
    __slots__ = ("coral", "name", "node", "required", "wire")

    def __init__(self, name: str, node: _Node, required: bool, wire: str) -> None:
        self.name = name
        self.node = node
        self.required = required
        self.wire = wire
        self.coral = name[:1].lower() + name[1:]


class _Struct:
    __slots__ = ("by_wire", "members")

    def __init__(self) -> None:
        self.members: tuple[_Member, ...] = ()
        self.by_wire: dict[str, _Member] = {}

    def convert(self, raw: Any, path: _Path, errs: list[_Err]) -> Any:
        out: dict[str, Any] = {}
        get = raw.get
        for m in self.members:
            v = get(m.name, _MISSING)
            if v is _MISSING:
                if m.required:
                    errs.append(((path, m.coral, m.wire), None, _NOT_NULL, False))
                continue
            out[m.name] = m.node.convert(v, (path, m.coral, m.wire), errs)
        return out


def _jrepr(v: Any) -> str:
    """Render a value the way Coral's Java toString does inside messages."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_jrepr(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_jrepr(k)}={_jrepr(x)}" for k, x in v.items()) + "}"
    if v is None:
        return "null"
    if isinstance(v, datetime):
        return _text_timestamp(v)
    return str(v)


def _count_errors(
    n: int, lo: int | None, hi: int | None, value: Any, path: _Path, errs: list[_Err]
) -> None:
    if lo is not None and n < lo:
        errs.append(
            (path, _jrepr(value), f"Member must have length greater than or equal to {lo}", False)
        )
    if hi is not None and n > hi:
        errs.append(
            (path, _jrepr(value), f"Member must have length less than or equal to {hi}", False)
        )


class _List:
    __slots__ = ("hi", "item", "lo", "token")

    def __init__(self, token: str | None, lo: int | None, hi: int | None) -> None:
        self.item: _Node = _Scalar(str, False)
        self.token = token
        self.lo = lo
        self.hi = hi

    def convert(self, raw: Any, path: _Path, errs: list[_Err]) -> Any:
        out: list[Any] = []
        if raw is not _EMPTY:
            prefix = "" if self.token is None else self.token + "."
            item = self.item
            for pos, (idx, v) in enumerate(sorted(raw.items()), 1):
                out.append(item.convert(v, (path, f"{pos}.member", f"{prefix}{idx}"), errs))
        if self.lo is not None or self.hi is not None:
            _count_errors(len(out), self.lo, self.hi, out, path, errs)
        return out


class _Map:
    __slots__ = ("entry", "hi", "lo", "token")

    def __init__(self, token: str | None, lo: int | None, hi: int | None) -> None:
        self.entry = _Struct()
        self.token = token
        self.lo = lo
        self.hi = hi

    @property
    def item(self) -> _Struct:
        return self.entry

    def convert(self, raw: Any, path: _Path, errs: list[_Err]) -> Any:
        out: dict[Any, Any] = {}
        if raw is not _EMPTY:
            prefix = "" if self.token is None else self.token + "."
            for pos, (idx, v) in enumerate(sorted(raw.items()), 1):
                kv = self.entry.convert(v, (path, f"entry.{pos}", f"{prefix}{idx}"), errs)
                if "key" in kv and "value" in kv and kv["key"] is not None:
                    out[kv["key"]] = kv["value"]
        if self.lo is not None or self.hi is not None:
            _count_errors(len(out), self.lo, self.hi, out, path, errs)
        return out


_Node = _Scalar | _Struct | _List | _Map


# A resolved wire key: the container keys leading to the value, and whether it ends at a scalar
# (otherwise at a list or map, where only an empty value, meaning "empty", is accepted).
_Resolved = tuple[tuple[Any, ...], bool]


def _resolve(root: _Struct, key: str) -> _Resolved | None:
    """Map one flat wire key onto the model, or None when the model has no such parameter."""
    tokens = key.split(".")
    n = len(tokens)
    node: _Node = root
    i = 0
    steps: list[Any] = []
    while True:
        if type(node) is _Struct:
            if i == n:
                return None
            m = node.by_wire.get(tokens[i])
            if m is None:
                return None
            i += 1
            steps.append(m.name)
            node = m.node
        elif type(node) is _Scalar:
            return (tuple(steps), True) if i == n else None
        else:
            assert isinstance(node, _List | _Map)
            if i == n:
                return tuple(steps), False
            if node.token is not None:
                if tokens[i] != node.token:
                    return None
                i += 1
                if i == n:
                    return None
            t = tokens[i]
            if not (t.isascii() and t.isdigit()) or t[0] == "0" or len(t) > 9:
                return None
            i += 1
            steps.append(int(t))
            node = node.item


def _place(tree: dict[Any, Any], resolved: _Resolved, value: str) -> None:
    """Drop one value into the raw tree, creating the containers on its path."""
    steps, scalar = resolved
    if not scalar and value != "":
        return
    cont = tree
    for k in steps[:-1]:
        nxt = cont.get(k)
        if type(nxt) is not dict:
            nxt = cont[k] = {}
        cont = nxt
    last = steps[-1]
    if scalar:
        cont[last] = value
    elif last not in cont:
        cont[last] = _EMPTY


# --------------------------------------------------------------------------------------------
# Scalar conversion and constraints


_INT_RE: Final = re.compile(r"[+-]?[0-9]{1,25}", re.ASCII)
_FLOAT_RE: Final = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,5})?|[+-]?(?:NaN|Infinity)", re.ASCII
)
_ISO_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,12}))?)?)?"
    r"(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?",
    re.ASCII,
)
_EPOCH_RE: Final = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?", re.ASCII)
_INT_BOUNDS: Final = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}

# Type-mismatch constraint texts: no capture of what AWS says for these exists, so they
# follow the Coral form with a descriptive constraint [inferred].
_BAD_INT: Final = "Member must be an integer"
_BAD_BOOL: Final = "Member must be a boolean (true or false)"
_BAD_NUM: Final = "Member must be a number"
_BAD_TS: Final = "Member must be an ISO 8601 timestamp"
_BAD_BLOB: Final = "Member must be base64-encoded"


def _jlen(s: str) -> int:
    """Java String.length(): UTF-16 code units, which is what Coral's length checks count."""
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def _parse_timestamp(s: str) -> datetime:
    m = _ISO_RE.fullmatch(s)
    try:
        if m is None:
            if _EPOCH_RE.fullmatch(s) is None:
                raise _Invalid([_BAD_TS])
            return datetime.fromtimestamp(float(s), UTC)
        y, mo, d, h, mi, se, frac, tz = m.groups()
        tzinfo: timezone = UTC
        if tz and tz not in ("Z", "z"):
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            off = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            tzinfo = timezone(sign * off)
        dt = datetime(
            int(y),
            int(mo),
            int(d),
            int(h or 0),
            int(mi or 0),
            int(se or 0),
            int((frac or "")[:6].ljust(6, "0")),
            tzinfo=tzinfo,
        )
        return dt.astimezone(UTC) if tzinfo is not UTC else dt
    except (ValueError, OverflowError, OSError) as e:
        raise _Invalid([_BAD_TS]) from e


def _range_checks(v: float, lo: Any, hi: Any, bad: list[str]) -> None:
    if lo is not None and v < lo:
        bad.append(f"Member must have value greater than or equal to {lo}")
    if hi is not None and v > hi:
        bad.append(f"Member must have value less than or equal to {hi}")


def _make_int(type_name: str, lo: Any, hi: Any) -> Callable[[str], Any]:
    tlo, thi = _INT_BOUNDS[type_name]

    def conv(s: str) -> int:
        if _INT_RE.fullmatch(s) is None:
            raise _Invalid([_BAD_INT])
        v = int(s)
        if not tlo <= v <= thi:
            raise _Invalid([_BAD_INT])
        if lo is not None or hi is not None:
            bad: list[str] = []
            _range_checks(v, lo, hi, bad)
            if bad:
                raise _Invalid(bad)
        return v

    return conv


def _make_float(lo: Any, hi: Any) -> Callable[[str], Any]:
    def conv(s: str) -> float:
        if _FLOAT_RE.fullmatch(s) is None:
            raise _Invalid([_BAD_NUM])
        v = float(s)
        if lo is not None or hi is not None:
            bad: list[str] = []
            _range_checks(v, lo, hi, bad)
            if bad:
                raise _Invalid(bad)
        return v

    return conv


def _conv_bool(s: str) -> bool:
    low = s.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    raise _Invalid([_BAD_BOOL])


def _conv_blob(s: str) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise _Invalid([_BAD_BLOB]) from e


def _make_string(
    lo: int | None,
    hi: int | None,
    enum: frozenset[str] | None,
    enum_text: str,
    pattern: Callable[[str], bool] | None,
    pattern_text: str,
) -> Callable[[str], Any]:
    def conv(s: str) -> str:
        bad: list[str] | None = None
        if lo is not None or hi is not None:
            n = _jlen(s)
            if lo is not None and n < lo:
                bad = [f"Member must have length greater than or equal to {lo}"]
            if hi is not None and n > hi:
                bad = [*(bad or []), f"Member must have length less than or equal to {hi}"]
        if pattern is not None and not pattern(s):
            bad = [*(bad or []), f"Member must satisfy regular expression pattern: {pattern_text}"]
        if enum is not None and s not in enum:
            bad = [*(bad or []), f"Member must satisfy enum value set: [{enum_text}]"]
        if bad:
            raise _Invalid(bad)
        return s

    return conv


# Model patterns are Java regexes checked with Matcher.matches(). Translation rules:
#  - surrogate-pair ranges such as `\uD800\uDC00-\uDBFF\uDFFF` (the XmlString patterns) become the
#    equivalent code-point range `\U00010000-\U0010FFFF`, so they check "only valid XML characters";
#  - a single bracket class built from `\p{X}` categories and literals (e.g. ELB's
#    `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`) becomes a unicodedata category check;
#  - everything else is compiled as-is with re.ASCII (Java's \d and \w are ASCII) and fullmatch.
# Skipped (never enforced), because they cannot be translated faithfully:
#  - patterns with a `^` anchor after the start, e.g. ec2's PlacementGroupArn
#    `^arn:aws([a-z-]+)?:ec2:[a-z\d-]+:\d{12}:placement-group/^.{1,255}$`, which as written can
#    match nothing (real EC2 does not reject every ARN);
#  - any pattern Python's re cannot compile after the rules above, or that keeps a lone surrogate.
# Known small difference: Java's `.` also excludes \r, \u0085, \u2028 and \u2029; Python's excludes
# only \n.
_SURROGATE_RANGE: Final = re.compile(
    r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})-\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})",
    re.IGNORECASE,
)
_PCLASS: Final = re.compile(r"\^?(\(?)\[((?:\\p\{[A-Za-z]{1,2}\}|\\.|[^\]\\])+)\]([*+])\)?\$?")
_PCLASS_ITEM: Final = re.compile(r"\\p\{([A-Za-z]{1,2})\}|\\(.)|([^\\])")


def _pair(hi: str, lo: str) -> int:
    return 0x10000 + ((int(hi, 16) - 0xD800) << 10) + (int(lo, 16) - 0xDC00)


def _category_check(pattern: str) -> Callable[[str], bool] | None:
    m = _PCLASS.fullmatch(pattern)
    if m is None:
        return None
    cats: list[str] = []
    lits: set[str] = set()
    for cat, esc, lit in _PCLASS_ITEM.findall(m.group(2)):
        if lit == "-":
            return None  # an unescaped '-' makes a range: not handled
        if cat:
            cats.append(cat)
        else:
            lits.add(esc or lit)
    allow_empty = m.group(3) == "*"
    cat_tuple = tuple(cats)

    def check(s: str) -> bool:
        if not s:
            return allow_empty
        for c in s:
            if c in lits:
                continue
            if not unicodedata.category(c).startswith(cat_tuple):
                return False
        return True

    return check


def _compile_pattern(pattern: str) -> Callable[[str], bool] | None:
    """Translate a model (Java) pattern into a full-match predicate, or None to skip it."""
    if "^" in pattern[1:].replace("[^", ""):
        return None
    if "\\p{" in pattern:
        return _category_check(pattern)
    text = _SURROGATE_RANGE.sub(
        lambda m: f"\\U{_pair(m[1], m[2]):08X}-\\U{_pair(m[3], m[4]):08X}", pattern
    )
    if re.search(r"\\u[dD][89a-fA-F]", text):
        return None
    try:
        rx = re.compile(text, re.ASCII)
    except re.error:
        return None
    fm = rx.fullmatch
    return lambda s: fm(s) is not None


# --------------------------------------------------------------------------------------------
# The protocol


_EC2_DECL: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'


_KEY_CACHE_LIMIT: Final = 4096


class _OpIn:
    __slots__ = ("keys", "root")

    def __init__(self, root: _Struct | None) -> None:
        self.root = root
        # Wire keys repeat across requests; resolutions are memoised up to a bound so junk
        # keys cannot grow memory without limit.
        self.keys: dict[str, _Resolved | None] = {}


class _OpOut:
    __slots__ = ("close", "emit", "open", "wrap_close", "wrap_empty", "wrap_open")

    def __init__(self, open_: str, close: str, wrapper: str | None, emit: _Emit | None) -> None:
        self.open = open_
        self.close = close
        self.emit = emit
        self.wrap_open = f"<{wrapper}>" if wrapper else ""
        self.wrap_close = f"</{wrapper}>" if wrapper else ""
        self.wrap_empty = f"<{wrapper}/>" if wrapper else ""


# Constraints the service enforces that botocore's models leave out. Auto Scaling sizes are
# counts of instances; the model's integer shapes carry no minimum, so without this a negative
# MinSize, MaxSize or DesiredCapacity would pass. The wording is the codec's own Coral form
# (inferred: no capture of AWS answering a negative size exists).
EXTRA_MINIMUMS: dict[tuple[str, str], int] = {
    ("autoscaling", "AutoScalingGroupMinSize"): 0,
    ("autoscaling", "AutoScalingGroupMaxSize"): 0,
    ("autoscaling", "AutoScalingGroupDesiredCapacity"): 0,
}


class Protocol:
    """One service's wire codec; compiled tables are cached here so requests never walk Shapes."""

    service: str
    api_version: str
    protocol: str
    xml_namespace: str

    def __init__(self, service: str, api_version: str | None = None) -> None:
        model = _service_model(service, api_version)
        protocol = model.metadata["protocol"]
        if protocol not in ("query", "ec2"):
            raise ValueError(f"{service} speaks {protocol!r}; only query and ec2 are served")
        self._model = model
        self.service = service
        self.api_version = model.api_version
        self.protocol = protocol
        ns = model.metadata.get("xmlNamespace", "")
        if protocol == "ec2" and not ns.endswith("/"):
            ns += "/"  # EC2 answers with the trailing slash the model omits
        self.xml_namespace = ns
        self._ec2 = protocol == "ec2"
        self._ops = frozenset(model.operation_names)
        self._in: dict[str, _OpIn] = {}
        self._out: dict[str, _OpOut] = {}
        self._parse_nodes: dict[tuple[str, bool], _Node] = {}
        self._emitters: dict[tuple[str, bool], _Emit] = {}

    # ---- public API --------------------------------------------------------------------------

    def has(self, action: str) -> bool:
        """Let the caller answer InvalidAction before anything else."""
        return action in self._ops

    def parse(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        """Decode a flat form mapping into the operation's input, enforcing the model."""
        op = self._in.get(action)
        if op is None:
            op = self._compile_input(action)
        root = op.root
        if root is None:
            return {}
        tree: dict[Any, Any] = {}
        keys = op.keys
        for key, value in params.items():
            try:
                resolved = keys[key]
            except KeyError:
                resolved = _resolve(root, key)
                if len(keys) < _KEY_CACHE_LIMIT:
                    keys[key] = resolved
            if resolved is not None:
                _place(tree, resolved, value)
        errs: list[_Err] = []
        out: dict[str, Any] = root.convert(tree, None, errs)
        if errs:
            raise self._validation_error(errs)
        return out

    def serialize(self, action: str, result: Mapping[str, Any] | None, request_id: str) -> bytes:
        """Render a success body that botocore's parser for this protocol accepts."""
        op = self._out.get(action)
        if op is None:
            op = self._compile_output(action)
        parts = [op.open]
        append = parts.append
        rid = _esc(request_id)
        if self._ec2:
            append(f"<requestId>{rid}</requestId>")
            if op.emit is not None and result:
                op.emit(append, result)
            append(op.close)
        else:
            if op.emit is not None:
                if result:
                    append(op.wrap_open)
                    op.emit(append, result)
                    append(op.wrap_close)
                else:
                    append(op.wrap_empty)
            append(f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>")
            append(op.close)
        return "".join(parts).encode("utf-8")

    def error(self, code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
        """Render the protocol's error envelope."""
        c, m, r = _esc(code), _esc(message), _esc(request_id)
        if self._ec2:
            body = (
                f"{_EC2_DECL}<Response><Errors><Error><Code>{c}</Code><Message>{m}</Message>"
                f"</Error></Errors><RequestID>{r}</RequestID></Response>"
            )
        else:
            kind = "Sender" if sender else "Receiver"
            body = (
                f'<ErrorResponse xmlns="{_esc_attr(self.xml_namespace)}"><Error><Type>{kind}</Type>'
                f"<Code>{c}</Code><Message>{m}</Message></Error>"
                f"<RequestId>{r}</RequestId></ErrorResponse>"
            )
        return body.encode("utf-8")

    # ---- errors ------------------------------------------------------------------------------

    def _unknown_action(self, action: str) -> ParamError:
        if self._ec2:
            return ParamError(
                "InvalidAction", f"The action {action} is not valid for this web service."
            )
        return ParamError(
            "InvalidAction", f"Could not find operation {action} for version {self.api_version}"
        )

    def _validation_error(self, errs: list[_Err]) -> ParamError:
        if self._ec2:
            path, value, _constraint, sensitive = errs[0]
            wire = _render_path(path, 2)
            if value is None:
                return ParamError(
                    "MissingParameter", f"The request must contain the parameter {wire}"
                )
            if sensitive:
                return ParamError("InvalidParameterValue", f"Invalid value for {wire}.")
            return ParamError("InvalidParameterValue", f"Invalid value '{value}' for {wire}.")
        items = []
        for path, value, constraint, sensitive in errs:
            where = _render_path(path, 1)
            if value is None:
                items.append(f"Value null at '{where}' failed to satisfy constraint: {constraint}")
            elif sensitive:
                items.append(f"Value at '{where}' failed to satisfy constraint: {constraint}")
            else:
                items.append(
                    f"Value '{value}' at '{where}' failed to satisfy constraint: {constraint}"
                )
        n = len(items)
        head = "1 validation error detected: " if n == 1 else f"{n} validation errors detected: "
        return ParamError("ValidationError", head + "; ".join(items))

    # ---- input compilation -------------------------------------------------------------------

    def _compile_input(self, action: str) -> _OpIn:
        if action not in self._ops:
            raise self._unknown_action(action)
        shape = self._model.operation_model(action).input_shape
        root = None if shape is None else self._parse_node(shape)
        assert root is None or isinstance(root, _Struct)
        op = _OpIn(root)
        self._in[action] = op
        return op

    def _wire_name(self, shape: Shape, default: str) -> str:
        ser = shape.serialization
        if self._ec2:
            if "queryName" in ser:
                return str(ser["queryName"])
            if "name" in ser:
                name = str(ser["name"])
                return name[:1].upper() + name[1:]
            return default
        return str(ser.get("name", default))

    def _parse_node(self, shape: Shape) -> _Node:
        flattened = bool(shape.serialization.get("flattened")) and not self._ec2
        key = (shape.name, flattened)
        node = self._parse_nodes.get(key)
        if node is not None:
            return node
        meta = shape.metadata
        t = shape.type_name
        if t == "structure":
            struct = _Struct()
            self._parse_nodes[key] = struct  # registered first: recursive shapes terminate
            required = set(shape.required_members)
            members = []
            by_wire: dict[str, _Member] = {}
            for name, ms in shape.members.items():
                if ms.serialization.get("location") in ("header", "headers", "uri", "querystring"):
                    continue
                wire = self._wire_name(ms, name)
                m = _Member(name, self._parse_node(ms), name in required, wire)
                members.append(m)
                by_wire.setdefault(wire, m)
                if (
                    not self._ec2
                    and ms.type_name == "list"
                    and ms.serialization.get("flattened")
                    and ms.member.serialization.get("name")
                ):
                    by_wire[str(ms.member.serialization["name"])] = m
            struct.members = tuple(members)
            struct.by_wire = by_wire
            return struct
        if t == "list":
            if self._ec2 or flattened:
                token = None
            else:
                token = str(shape.member.serialization.get("name", "member"))
            lst = _List(token, meta.get("min"), meta.get("max"))
            self._parse_nodes[key] = lst
            lst.item = self._parse_node(shape.member)
            return lst
        if t == "map":
            token = (
                None
                if flattened or (self._ec2 and shape.serialization.get("flattened"))
                else "entry"
            )
            mp = _Map(token, meta.get("min"), meta.get("max"))
            self._parse_nodes[key] = mp
            k_wire = self._wire_name(shape.key, "key")
            v_wire = self._wire_name(shape.value, "value")
            km = _Member("key", self._parse_node(shape.key), True, k_wire)
            vm = _Member("value", self._parse_node(shape.value), True, v_wire)
            mp.entry.members = (km, vm)
            mp.entry.by_wire = {k_wire: km, v_wire: vm}
            return mp
        node = _Scalar(self._scalar_conv(shape), bool(meta.get("sensitive")))
        self._parse_nodes[key] = node
        return node

    def _scalar_conv(self, shape: Shape) -> Callable[[str], Any]:
        meta = shape.metadata
        t = shape.type_name
        lo, hi = meta.get("min"), meta.get("max")
        if lo is None:
            lo = EXTRA_MINIMUMS.get((self.service, shape.name))
        if t in ("string", "character"):
            enum_values = meta.get("enum") or getattr(shape, "enum", None)
            enum = frozenset(enum_values) if enum_values else None
            pattern_text = meta.get("pattern") or ""
            pattern = _compile_pattern(pattern_text) if pattern_text else None
            if lo is None and hi is None and enum is None and pattern is None:
                return str
            return _make_string(lo, hi, enum, ", ".join(enum_values or ()), pattern, pattern_text)
        if t in ("integer", "long"):
            return _make_int(t, lo, hi)
        if t in ("float", "double"):
            return _make_float(lo, hi)
        if t == "boolean":
            return _conv_bool
        if t == "timestamp":
            return _parse_timestamp
        if t == "blob":
            return _conv_blob
        return str

    # ---- output compilation ------------------------------------------------------------------

    def _compile_output(self, action: str) -> _OpOut:
        if action not in self._ops:
            raise KeyError(f"{self.service} has no operation {action}")
        shape = self._model.operation_model(action).output_shape
        ns = _esc_attr(self.xml_namespace)
        open_ = f'<{action}Response xmlns="{ns}">'
        if self._ec2:
            open_ = _EC2_DECL + open_
        close = f"</{action}Response>"
        if shape is None:
            op = _OpOut(open_, close, None, None)
        else:
            wrapper = None if self._ec2 else shape.serialization.get("resultWrapper")
            if not self._ec2 and not wrapper:
                wrapper = f"{action}Result"
            op = _OpOut(open_, close, wrapper, self._emitter(shape))
        self._out[action] = op
        return op

    def _emitter(self, shape: Shape) -> _Emit:
        flattened = bool(shape.serialization.get("flattened"))
        key = (shape.name, flattened)
        fn = self._emitters.get(key)
        if fn is not None:
            return fn
        t = shape.type_name
        if t == "structure":
            # Recursive shapes: register an indirection before compiling the members.
            cell: list[_Emit] = []

            def indirect(app: Callable[[str], None], v: Any) -> None:
                cell[0](app, v)

            self._emitters[key] = indirect
            fn = self._struct_emitter(shape)
            cell.append(fn)
            self._emitters[key] = fn
            return fn
        if t == "list":
            fn = self._list_emitter(shape)
        elif t == "map":
            fn = self._map_emitter(shape)
        else:
            text = _TEXT.get(t, _text_string)

            def fn(app: Callable[[str], None], v: Any, _text: Callable[[Any], str] = text) -> None:
                app(_text(v))

        self._emitters[key] = fn
        return fn

    def _struct_emitter(self, shape: Shape) -> _Emit:
        # One row per member: (name, open tag, close tag, how, text fn or emitter). `how` says
        # which of the four ways it is written, so the loop tests one small int per member.
        rows: list[tuple[str, str, str, int, Any]] = []
        for name, ms in shape.members.items():
            ser = ms.serialization
            if ser.get("location") in ("header", "headers", "statusCode"):
                continue
            t = ms.type_name
            flat = t in ("list", "map") and bool(ser.get("flattened"))
            if flat and t == "list":
                tag = ms.member.serialization.get("name") or ser.get("name", name)
                item = ms.member
                text = _TEXT.get(item.type_name)
                if text is not None:
                    rows.append((name, f"<{tag}>", f"</{tag}>", _FLAT_TEXT, text))
                else:
                    rows.append((name, f"<{tag}>", f"</{tag}>", _FLAT, self._emitter(item)))
                continue
            tag = ser.get("name", name)
            if flat:  # flattened map: every entry is wrapped in the member's own tag
                entry = self._map_entry_emitter(ms)
                rows.append((name, f"<{tag}>", f"</{tag}>", _FLAT, entry))
            elif t in ("string", "character"):
                rows.append((name, f"<{tag}>", f"</{tag}>", _STRING, _text_string))
            elif t in _TEXT:
                rows.append((name, f"<{tag}>", f"</{tag}>", _SCALAR, _TEXT[t]))
            else:
                rows.append((name, f"<{tag}>", f"</{tag}>", _NESTED, self._emitter(ms)))
        return _straight_line(shape.name, rows)

    def _list_emitter(self, shape: Shape) -> _Emit:
        item = shape.member
        tag = item.serialization.get("name") or ("item" if self._ec2 else "member")
        o, c = f"<{tag}>", f"</{tag}>"
        text = _TEXT.get(item.type_name)
        if text is not None:
            scalar = text

            def emit_scalars(app: Callable[[str], None], v: Any) -> None:
                for x in v:
                    if x is not None:
                        app(o + scalar(x) + c)

            return emit_scalars
        sub = self._emitter(item)

        def emit_items(app: Callable[[str], None], v: Any) -> None:
            for x in v:
                if x is not None:
                    app(o)
                    sub(app, x)
                    app(c)

        return emit_items

    def _map_entry_emitter(self, shape: Shape) -> _Emit:
        """Emit `<key>k</key><value>v</value>` for one (k, v) pair."""
        k_tag = shape.key.serialization.get("name") or "key"
        v_tag = shape.value.serialization.get("name") or "value"
        k_text = _TEXT.get(shape.key.type_name, _text_string)
        v_emit = self._emitter(shape.value)
        ko, kc, vo, vc = f"<{k_tag}>", f"</{k_tag}>", f"<{v_tag}>", f"</{v_tag}>"

        def emit(app: Callable[[str], None], kv: Any) -> None:
            k, v = kv
            app(ko + k_text(k) + kc)
            if v is not None:
                app(vo)
                v_emit(app, v)
                app(vc)

        return emit

    def _map_emitter(self, shape: Shape) -> _Emit:
        entry = self._map_entry_emitter(shape)

        def emit(app: Callable[[str], None], v: Any) -> None:
            for kv in v.items():
                app("<entry>")
                entry(app, kv)
                app("</entry>")

        return emit


def _straight_line(name: str, rows: list[tuple[str, str, str, int, Any]]) -> _Emit:
    """A structure's emitter as one straight run of statements, one per member, compiled once
    per shape: walking a table of members cost twice as much per response (the loop, unpacking
    each row and branching on its kind for the ~45 members of an AutoScalingGroup)."""
    lines = ["def emit(app, value):", "    get = value.get"]
    env: dict[str, Any] = {"search": _ESC_RE.search, "Mapping": Mapping}
    for n, (member, o, c, how, fn) in enumerate(rows):
        env[f"f{n}"] = fn
        lines += [f"    v = get({member!r})", "    if v is not None:"]
        if how == _STRING:
            lines.append(
                f"        app({o!r} + v + {c!r} if type(v) is str and search(v) is None"
                f" else {o!r} + f{n}(v) + {c!r})"
            )
        elif how == _SCALAR:
            lines.append(f"        app({o!r} + f{n}(v) + {c!r})")
        elif how == _NESTED:
            lines += [f"        app({o!r})", f"        f{n}(app, v)", f"        app({c!r})"]
        else:
            lines += [
                "        for x in v.items() if isinstance(v, Mapping) else v:",
                "            if x is not None:",
            ]
            if how == _FLAT_TEXT:
                lines.append(f"                app({o!r} + f{n}(x) + {c!r})")
            else:
                lines += [
                    f"                app({o!r})",
                    f"                f{n}(app, x)",
                    f"                app({c!r})",
                ]
    if not rows:
        lines.append("    return None")
    exec(compile("\n".join(lines), f"<emit {name}>", "exec"), env)
    emit: _Emit = env["emit"]
    return emit


def _render_path(path: _Path, idx: int) -> str:
    """Join the coral (idx 1) or wire (idx 2) segments of a linked path."""
    segs: list[str] = []
    while path is not None:
        segs.append(path[idx])
        path = path[0]
    return ".".join(reversed(segs))
