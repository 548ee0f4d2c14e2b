"""Alibaba Cloud POP (RPC style) envelope: read a call, write a result or an error.

Product-agnostic: the same code serves ESS, and would serve ECS or SLB. What arrives and what
each SDK expects back is recorded in shared/reference/aliyun-ess-wire.md:

* the legacy ``aliyun-python-sdk-core`` puts everything in the query string (``Action``,
  ``Version``, ``Format=JSON`` and the HMAC-SHA1 parameters) and repeats Action/Version in
  unsigned ``x-acs-action``/``x-acs-version`` headers;
* the tea SDKs (ACS3-HMAC-SHA256) put business parameters in the query string and Action/Version
  in the ``x-acs-*`` headers only; the old tea 2014 client sends a form body;
* ``@alicloud/pop-core`` may POST everything as a form body with no query string at all.

Responses are JSON unless the caller asked for ``Format=XML``; errors carry ``RequestId``,
``HostId``, ``Code``, ``Message`` and ``Recommend`` like the real gateway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Final
from urllib.parse import parse_qsl, quote

import orjson

from tidewater.dialects.aliyun.errors import AliyunError

__all__ = [
    "COMMON_PARAMS",
    "JSON_CONTENT_TYPE",
    "XML_CONTENT_TYPE",
    "AliyunError",
    "Call",
    "is_aliyun",
    "read_call",
    "recommend_url",
    "render",
    "render_error",
]

JSON_CONTENT_TYPE: Final = "application/json;charset=utf-8"
# tea-openapi parses an XML error body only when the Content-Type is exactly this string.
XML_CONTENT_TYPE: Final = "text/xml;charset=utf-8"

# Signature and protocol parameters: consumed by the envelope and the signature check, never
# handed to an action.
COMMON_PARAMS: Final = frozenset(
    {
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "SignatureType",
        "Timestamp",
        "Format",
        "Version",
        "Action",
        "SecurityToken",
    }
)

_VERSION_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_FORM_TYPE: Final = "application/x-www-form-urlencoded"
# Parameters only Alibaba's RPC signer sends (AWS SigV2 says AWSAccessKeyId, has no nonce and no
# Format). Searched in the raw query as "&name=" so that AWSAccessKeyId does not match.
_QUERY_MARKERS: Final = ("&AccessKeyId=", "&SignatureNonce=", "&Format=", "&SignatureMethod=HMAC-")


@dataclass(frozen=True)
class Call:
    """One decoded Alibaba RPC call: its action, API version, business parameters and format."""

    action: str
    version: str
    params: dict[str, str]
    format: str  # "JSON" or "XML"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Look up a lower-case header name in a case-insensitive or a plain mapping."""
    v = headers.get(name)
    if v is not None:
        return v
    for k, val in headers.items():
        if k.lower() == name:
            return val
    return None


def _version_ok(v: str | None) -> bool:
    return v is not None and _VERSION_RE.match(v) is not None


def is_aliyun(raw_query: str, headers: Mapping[str, str]) -> bool:
    """Cheap routing test: does this request look like an Alibaba Cloud RPC call?

    True for any request with an ``x-acs-action`` header or an ACS3 ``Authorization``, and for
    query strings that carry a date-shaped ``Version`` together with a parameter only Alibaba's
    RPC signer sends (``AccessKeyId``, ``SignatureNonce``, ``Format``, ``SignatureMethod=HMAC-``).
    A request whose parameters are all in a form body (pop-core POST) is recognised only by its
    ``User-Agent`` (``AlibabaCloud``); otherwise call :func:`read_call` with the body.
    """
    if _header(headers, "x-acs-action") is not None:
        return True
    auth = _header(headers, "authorization")
    if auth is not None and auth.startswith("ACS3-"):
        return True
    if raw_query:
        q = "&" + raw_query
        if "&Version=" in q and any(m in q for m in _QUERY_MARKERS):
            for k, v in parse_qsl(raw_query, keep_blank_values=True):
                if k == "Version":
                    return _version_ok(v)
    ua = _header(headers, "user-agent")
    return ua is not None and "AlibabaCloud" in ua


def _merge_params(raw_query: str, body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
    params: dict[str, str] = dict(parse_qsl(raw_query, keep_blank_values=True)) if raw_query else {}
    if body:
        ctype = _header(headers, "content-type")
        if ctype is not None and ctype.lower().startswith(_FORM_TYPE):
            text = body.decode("utf-8", "replace")
            params.update(parse_qsl(text, keep_blank_values=True))
    return params


def read_call(raw_query: str, body: bytes, headers: Mapping[str, str]) -> Call | None:
    """Decode an Alibaba RPC request, or return None when it is not one.

    Parameters are merged from the query string and an ``application/x-www-form-urlencoded``
    body (the body wins on a clash), URL-decoded with ``+`` as a space, empty values kept.
    Action and Version come from the parameters or the ``x-acs-action``/``x-acs-version``
    headers. A request carrying neither an ``x-acs-*`` header, an ACS3 ``Authorization`` nor an
    Alibaba-only RPC parameter (``AccessKeyId``, ``SignatureNonce``, ``Format``) is not ours
    (an AWS Query call has ``Action`` and a dated ``Version`` too).
    """
    params = _merge_params(raw_query, body, headers)
    h_action = _header(headers, "x-acs-action")
    h_version = _header(headers, "x-acs-version")
    action = params.get("Action") or h_action
    version = params.get("Version") or h_version
    if not action or not version:
        return None
    if h_action is None:
        auth = _header(headers, "authorization")
        acs3 = auth is not None and auth.startswith("ACS3-")
        if not acs3 and not (
            "AccessKeyId" in params
            or "SignatureNonce" in params
            or "Format" in params
            or params.get("SignatureMethod", "").startswith("HMAC-")
        ):
            return None
        if not _version_ok(version):
            return None
    fmt = "XML" if params.get("Format", "").upper() == "XML" else "JSON"
    for k in COMMON_PARAMS.intersection(params):
        del params[k]
    return Call(action=action, version=version, params=params, format=fmt)


# --------------------------------------------------------------------------------------------
# JSON


def _json_default(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, set | frozenset | tuple):
        return list(v)
    return str(v)


def _dumps(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj, default=_json_default)
    except (orjson.JSONEncodeError, TypeError):
        # Lone surrogates (or other oddities orjson refuses): escaped, still valid JSON text.
        return json.dumps(obj, default=_json_default, ensure_ascii=True).encode("ascii")


# --------------------------------------------------------------------------------------------
# XML

# Everything XML 1.0 cannot carry (C0 controls other than TAB/LF/CR, lone surrogates, U+FFFE/F)
# is dropped; CR is written as a character reference because parsers normalise a literal CR.
_ESC_RE: Final = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESC_MAP: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_XML_DECL: Final = '<?xml version="1.0" encoding="UTF-8"?>'


def _esc_char(m: re.Match[str]) -> str:
    return _ESC_MAP.get(m.group(), "")


def _esc(s: str) -> str:
    """Escape element text so that any Python string yields well-formed XML."""
    if _ESC_RE.search(s) is None:
        return s
    return _ESC_RE.sub(_esc_char, s)


# Element names are kept to an ASCII subset every parser accepts (expat still applies the 4th
# edition's name rules); anything else in a key becomes "_". Result keys are API field names, so
# this only ever touches user-chosen map keys.
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_NAME_BAD: Final = re.compile(r"[^A-Za-z0-9_.\-]")
_names: dict[str, str] = {}


def _tag(key: Any) -> str:
    """A well-formed element name for a result key (cached: keys repeat)."""
    raw = key if isinstance(key, str) else str(key)
    name = _names.get(raw)
    if name is not None:
        return name
    if _NAME_RE.match(raw) is not None:
        name = raw
    else:
        name = _NAME_BAD.sub("_", raw)
        if _NAME_RE.match(name) is None:
            name = "_" + name
    if len(_names) < 4096:
        _names[raw] = name
    return name


def _scalar_text(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return _esc(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(v)
    if isinstance(v, Enum):
        return _scalar_text(v.value)
    if isinstance(v, datetime | date):
        return _esc(v.isoformat())
    if isinstance(v, bytes):
        return _esc(v.decode("utf-8", "replace"))
    return _esc(str(v))


def _emit_value(out: Callable[[str], None], tag: str, v: Any) -> None:
    t = type(v)
    if t is str:
        out(f"<{tag}>{_esc(v)}</{tag}>")
    elif t is dict:
        out(f"<{tag}>")
        _emit_map(out, v)
        out(f"</{tag}>")
    elif t is list:
        for item in v:
            _emit_value(out, tag, item)
    elif t is bool:
        out(f"<{tag}>true</{tag}>" if v else f"<{tag}>false</{tag}>")
    elif t is int:
        out(f"<{tag}>{v}</{tag}>")
    elif v is None:
        return
    elif isinstance(v, Mapping):
        out(f"<{tag}>")
        _emit_map(out, v)
        out(f"</{tag}>")
    elif isinstance(v, list | tuple | set | frozenset):
        for item in v:
            _emit_value(out, tag, item)
    else:
        out(f"<{tag}>{_scalar_text(v)}</{tag}>")


def _emit_map(out: Callable[[str], None], m: Mapping[Any, Any]) -> None:
    names = _names
    esc_search = _ESC_RE.search
    for k, v in m.items():
        tag = names.get(k) if type(k) is str else None
        if tag is None:
            tag = _tag(k)
        # The common scalars inline; containers and the rest through _emit_value.
        t = type(v)
        if t is str:
            out(f"<{tag}>{v if esc_search(v) is None else _esc(v)}</{tag}>")
        elif t is int:
            out(f"<{tag}>{v}</{tag}>")
        elif t is bool:
            out(f"<{tag}>true</{tag}>" if v else f"<{tag}>false</{tag}>")
        elif v is not None:
            _emit_value(out, tag, v)


# --------------------------------------------------------------------------------------------
# Public rendering


def render(result: Mapping[str, Any], request_id: str, fmt: str, root: str) -> tuple[bytes, str]:
    """Serialise an action's result; returns (body, content type).

    JSON: the result with ``RequestId`` added (first). XML: ``<{root}>`` (for example
    ``RemoveInstancesResponse``) holding ``RequestId`` and the result, nested mappings as
    elements, a list under key ``K`` as repeated ``<K>`` elements, booleans as ``true``/``false``
    and ``None`` omitted; any string is escaped and stripped of XML-invalid characters.
    """
    if fmt.upper() != "XML":
        out: dict[str, Any] = {"RequestId": request_id}
        out.update(result)
        out["RequestId"] = request_id
        return _dumps(out), JSON_CONTENT_TYPE
    parts: list[str] = [_XML_DECL]
    append = parts.append
    tag = _tag(root)
    append(f"<{tag}><RequestId>{_esc(request_id)}</RequestId>")
    if "RequestId" in result:
        result = {k: v for k, v in result.items() if k != "RequestId"}
    _emit_map(append, result)
    append(f"</{tag}>")
    return "".join(parts).encode("utf-8"), XML_CONTENT_TYPE


def recommend_url(code: str, product: str, request_id: str) -> str:
    """The gateway's troubleshooting link carried in every error body."""
    q = quote(code, safe=".", errors="replace")
    p = quote(product, safe="", errors="replace")
    r = quote(request_id, safe="-", errors="replace")
    return f"https://api.aliyun.com/troubleshoot?q={q}&product={p}&requestId={r}"


def render_error(
    code: str,
    message: str,
    request_id: str,
    fmt: str,
    host_id: str,
    product: str = "Ess",
) -> tuple[bytes, str]:
    """Serialise an error the way the gateway does; returns (body, content type).

    ``{RequestId, HostId, Code, Message, Recommend}``; XML as ``<Error>…</Error>``. The legacy
    core reads Code/Message/RequestId from the JSON; tea-openapi reads the same keys, from XML
    only when the Content-Type is exactly ``text/xml;charset=utf-8``.
    """
    fields = {
        "RequestId": request_id,
        "HostId": host_id,
        "Code": code,
        "Message": message,
        "Recommend": recommend_url(code, product, request_id),
    }
    if fmt.upper() != "XML":
        return _dumps(fields), JSON_CONTENT_TYPE
    inner = "".join(f"<{k}>{_esc(v)}</{k}>" for k, v in fields.items())
    return f"{_XML_DECL}<Error>{inner}</Error>".encode(), XML_CONTENT_TYPE
