"""Alibaba Cloud API signatures, checked on our side so unmodified aliyun SDKs can call us.

Two schemes arrive (shared/reference/aliyun-ess-wire.md §1.2-§1.4):

* RPC v1, HMAC-SHA1: ``aliyun-python-sdk-core``, the tea SDKs with ``signature_algorithm='v2'``
  and pop-core. Every query and ``application/x-www-form-urlencoded`` body parameter is signed,
  so the string to sign is rebuilt from the raw bytes: '+' is a space, empty values stay, and a
  name sent twice is signed twice (a dict-based signer never does that, so a parameter smuggled
  in beside a signed one cannot verify).
* ACS3-HMAC-SHA256: the tea SDKs' default. Query, signed headers and the body's SHA-256.

Texts and statuses are the gateway's, from shared/reference (aliyun-error-codes.md A.2/A.3,
aliyun-ess-wire.md §1.5/§4) and real responses quoted in public issues and SDK tests; where a
text had to be inferred it is marked "inferred", where a code had to be chosen, "chosen".
Nothing secret-derived is cached: both schemes key the HMAC with the secret itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote_from_bytes, unquote_to_bytes

from tidewater.dialects.auth import AuthFailure

__all__ = ["NonceBook", "Nonces", "Signed", "claimed_key", "verify"]

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
RPC_METHOD = b"HMAC-SHA1"
RPC_VERSION = b"1.0"
MAX_SKEW = timedelta(minutes=15)

_SAFE = "-_.~"  # RFC 3986 unreserved, besides letters and digits
_PLAIN = re.compile(rb"[A-Za-z0-9_.~-]*")
_FORM = "application/x-www-form-urlencoded"
_STAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
# Parameters that say who signed and how: one each, or the request is refused.
_AUTH_PARAMS = frozenset(
    {
        b"AccessKeyId",
        b"Signature",
        b"SignatureMethod",
        b"SignatureVersion",
        b"Timestamp",
        b"SignatureNonce",
        b"SecurityToken",
    }
)

# Gateway texts. The RPC mismatch text must keep its one colon: aliyunsdkcore compares
# `Message.split(':')[1]` with its own string to sign (and raises IndexError without a colon).
_RPC_MISMATCH = "Specified signature is not matched with our calculation. server string to sign is:"
# ACS3 wording as the gateway answered a tea client (aliyun/alibabacloud-csharp-sdk#40);
# the V3 signature doc lists the first sentence alone.
_ACS3_MISMATCH = "Specified signature does not match our calculation. server StringToSign is [{}]"
_INCOMPLETE = "The request signature does not conform to Aliyun standards."
_KEY_NOT_FOUND = "Specified access key is not found."
_EXPIRED = "Specified time stamp or date value is expired."
_BAD_STAMP = "Specified time stamp or date value is not well formatted."
_NONCE_USED = "Specified signature nonce was used already."


@dataclass(frozen=True, slots=True)
class Signed:
    """What a verified signature proves: whose key signed, how, and any STS token it carried."""

    access_key_id: str
    scheme: str  # "rpc" (HMAC-SHA1, v1; also the tea SDK's signature_algorithm='v2') or "acs3"
    security_token: str | None


class Nonces(Protocol):
    """Where spent nonces are kept. The server's is durable and shared by every node
    (tidewater.engine.nonces); NonceBook below keeps them in one process's memory."""

    def spend(self, access_key_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce for this key; False when already spent: that request is a replay."""
        ...


class NonceBook:
    """Nonces seen within the timestamp window, in this process only (tests and tools).

    Bounded memory, thread safe. A server shares its nonces through the database instead.
    """

    LIMIT = 1 << 18  # entries; past it the oldest is forgotten first

    def __init__(self, window_seconds: float = 900) -> None:
        # A request dated T passes the skew check from T - window to T + window, so a nonce
        # first seen at `now` must be remembered until now + 2 * window.
        self._keep = 2 * window_seconds
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    def spend(self, access_key_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce for this key; False when already seen: that request is a replay."""
        at = _utc(now).timestamp()
        # A fixed-size digest keeps memory bounded however long the nonces are.
        entry = hashlib.blake2b(
            f"{len(access_key_id)}:{access_key_id}{nonce}".encode("utf-8", "surrogatepass"),
            digest_size=16,
        ).digest()
        with self._lock:
            self._forget(at)
            until = self._seen.get(entry)
            if until is not None and until > at:
                return False
            self._seen[entry] = at + self._keep
            self._seen.move_to_end(entry)
            if len(self._seen) > self.LIMIT:
                self._seen.popitem(last=False)
            return True

    def _forget(self, at: float) -> None:
        """Drop entries whose window has passed, oldest first (the order they were spent in)."""
        seen = self._seen
        while seen:
            entry, until = next(iter(seen.items()))
            if until > at:
                return
            del seen[entry]


def claimed_key(params: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """AccessKeyId from RPC params or the ACS3 Authorization header, unverified (for routing/lookup)."""  # noqa: E501
    algorithm, rest = _split_authorization(headers.get("authorization", ""))
    if algorithm.startswith("ACS3-"):
        for token in rest.split(","):
            name, eq, value = token.strip().partition("=")
            if eq and name == "Credential":
                return value or None
        return None
    return params.get("AccessKeyId") or None


def verify(
    method: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret_for: Callable[[str], str | None],
    now: datetime,
    nonces: Nonces,
) -> Signed:
    """Prove who signed, or refuse in the gateway's own words so the SDKs react as they would."""
    # `raw_query` is the query as on the wire, its bytes decoded as latin-1 (tidewater.server.http
    # does so); `headers` lower-case names, repeats joined with ",". Both schemes are judged on
    # the raw bytes, so '+', empty values and repeated names count exactly as the client signed.
    now = _utc(now)
    algorithm, rest = _split_authorization(headers.get("authorization", ""))
    if algorithm == ACS3_ALGORITHM:
        return _verify_acs3(method, raw_query, headers, body, rest, secret_for, now, nonces)
    if algorithm.startswith(("ACS3-", "ACS4-")):
        raise _incomplete()  # chosen: ACS3-HMAC-SM3, ACS3-RSA-SHA256 and V4 are not served
    return _verify_rpc(method, raw_query, headers, body, secret_for, now, nonces)


# ---------------------------------------------------------------------------------------------
# RPC v1, HMAC-SHA1


def _verify_rpc(
    method: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    secret_for: Callable[[str], str | None],
    now: datetime,
    nonces: Nonces,
) -> Signed:
    """Check the HMAC-SHA1 parameters in the order the gateway reports them missing or wrong."""
    pairs = _pairs(_wire(raw_query))
    if _is_form(headers):
        pairs += _pairs(body)
    auth = _auth_params(pairs)
    # An unsigned request ends here too: the gateway asks for the AccessKeyId first.
    access_key = _required(auth, b"AccessKeyId")
    given = _required(auth, b"Signature")
    if _required(auth, b"SignatureMethod") != RPC_METHOD:
        raise _invalid_parameter("SignatureMethod")
    if _required(auth, b"SignatureVersion") != RPC_VERSION:
        raise _invalid_parameter("SignatureVersion")
    _check_time(_required(auth, b"Timestamp").decode("latin-1"), now)
    nonce = _required(auth, b"SignatureNonce")

    access_key_id, secret = _secret(access_key, secret_for)
    to_sign = _rpc_string_to_sign(method, pairs)
    expected = base64.b64encode(hmac.digest(_utf8(secret + "&"), _utf8(to_sign), "sha1"))
    if not hmac.compare_digest(expected, given):
        raise AuthFailure("SignatureDoesNotMatch", 400, _RPC_MISMATCH + to_sign)
    if not nonces.spend(access_key_id, _text(nonce), now):
        raise AuthFailure("SignatureNonceUsed", 400, _NONCE_USED)
    token = auth.get(b"SecurityToken")
    return Signed(access_key_id, "rpc", _text(token) if token else None)


def _auth_params(pairs: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """The signing parameters, each present once; a repeat would let two readers disagree."""
    found: dict[bytes, bytes] = {}
    for key, value in pairs:
        if key in _AUTH_PARAMS:
            if key in found:
                raise _incomplete()  # chosen: no SDK sends a signing parameter twice
            found[key] = value
    return found


def _required(auth: Mapping[bytes, bytes], name: bytes) -> bytes:
    """A signing parameter that must be present and non-empty."""
    value = auth.get(name)
    if not value:
        raise _missing(name.decode("ascii"))
    return value


def _rpc_string_to_sign(method: str, pairs: list[tuple[bytes, bytes]]) -> str:
    """METHOD&%2F&pct(sorted pct(k)=pct(v) joined by '&'), sorted by name as the SDKs sort."""
    canonical = "&".join(
        f"{_pct(key)}={_pct(value)}" for key, value in sorted(pairs) if key != b"Signature"
    )
    # pct() of a string made of unreserved characters, %XX escapes, '=' and '&' only has
    # those three to escape: the same result as encoding it again, without the cost.
    return f"{method}&%2F&" + canonical.replace("%", "%25").replace("=", "%3D").replace("&", "%26")


# ---------------------------------------------------------------------------------------------
# ACS3-HMAC-SHA256


def _verify_acs3(
    method: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    authorization: str,
    secret_for: Callable[[str], str | None],
    now: datetime,
    nonces: Nonces,
) -> Signed:
    """Check an ACS3 Authorization header against the canonical request rebuilt from the wire."""
    fields = _acs3_fields(authorization)
    credential = fields.get("Credential", "")
    given = fields.get("Signature", "")
    signed_headers = fields.get("SignedHeaders", "")
    # The gateway reads V3 headers into the same common parameters as RPC, so it asks for
    # them by the same names (MissingAccessKeyId seen answering a tea ACS3 client).
    if not credential:
        raise _missing("AccessKeyId")
    if not given:
        raise _missing("Signature")
    names = [name.lower() for name in signed_headers.split(";")] if signed_headers else []
    _require_signed(names, headers, body)
    stamp = headers.get("x-acs-date")
    if not stamp:
        raise _missing("Timestamp")  # inferred: x-acs-date stands for Timestamp
    _check_time(stamp.strip(), now)
    # Required as SignatureNonce is for RPC: without it a request could be replayed for the
    # whole window. The V3 doc lists x-acs-signature-nonce among the common headers; the
    # refusal is worded as the gateway words other missing common parameters (inferred).
    nonce = headers.get("x-acs-signature-nonce", "").strip()
    if not nonce:
        raise _missing("SignatureNonce")
    body_hash = hashlib.sha256(body).hexdigest()
    claimed_hash = headers.get("x-acs-content-sha256")
    if claimed_hash is None:
        raise _incomplete()  # chosen: the V3 doc makes this header mandatory
    # The payload line holds the hash of what arrived, so a body that does not match its
    # x-acs-content-sha256 header can never verify.
    hash_ok = claimed_hash.strip() == body_hash

    access_key_id, secret = _secret(_utf8(credential), secret_for)
    head = _utf8(f"{method}\n/\n{_acs3_query(_wire(raw_query))}\n")
    tail = _utf8(f"\n{signed_headers}\n{body_hash}")
    key = _utf8(secret)
    reported = ""
    for block in _header_blocks(names, headers):
        to_sign = f"{ACS3_ALGORITHM}\n{hashlib.sha256(head + block + tail).hexdigest()}"
        expected = hmac.digest(key, to_sign.encode("ascii"), "sha256").hex().encode("ascii")
        if hash_ok and hmac.compare_digest(expected, _utf8(given)):
            break
        reported = reported or to_sign
    else:
        raise AuthFailure("SignatureDoesNotMatch", 400, _ACS3_MISMATCH.format(reported))
    if not nonces.spend(access_key_id, nonce, now):
        raise AuthFailure("SignatureNonceUsed", 400, _NONCE_USED)
    token = headers.get("x-acs-security-token", "").strip()
    return Signed(access_key_id, "acs3", token or None)


def _acs3_fields(authorization: str) -> dict[str, str]:
    """Credential, SignedHeaders and Signature from the comma-separated key=value list."""
    fields: dict[str, str] = {}
    for token in authorization.split(","):
        name, eq, value = token.strip().partition("=")
        if not eq:
            raise _incomplete()
        fields.setdefault(name, value)
    return fields


def _require_signed(names: list[str], headers: Mapping[str, str], body: bytes) -> None:
    """The V3 rule: host, every x-acs-* header sent, and content-type for a body, all signed."""
    signed = set(names)
    needed = [name for name in headers if name.startswith("x-acs-")]
    needed.append("host")
    if body and "content-type" in headers:
        needed.append("content-type")  # it decides how the hashed body is read
    if not signed.issuperset(needed):
        raise _incomplete()


def _acs3_query(raw: bytes) -> str:
    """Decoded ('+' as space, which tea sends) then pct-encoded, sorted by name, then value."""
    return "&".join(f"{_pct(key)}={_pct(value)}" for key, value in sorted(_pairs(raw)))


def _header_blocks(names: list[str], headers: Mapping[str, str]) -> Iterator[bytes]:
    """Canonical headers as the client most likely encoded them before sending."""
    values = [headers.get(name, "").strip() for name in names]
    lines = [f"{name}:{value}\n" for name, value in zip(names, values, strict=True)]
    yield _utf8("".join(lines))
    # Headers reach us decoded as latin-1. Python clients sign the text they send as latin-1
    # (yielded above); clients that write UTF-8 text straight to the wire (Go's net/http, for
    # one) signed the bytes we received.
    if any(not value.isascii() for value in values):
        try:
            yield "".join(lines).encode("latin-1")
        except UnicodeEncodeError:
            return


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _split_authorization(authorization: str) -> tuple[str, str]:
    """(algorithm, rest) of an Authorization header; ("", "") when there is none."""
    parts = authorization.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _check_time(stamp: str, now: datetime) -> None:
    """The strict ISO 8601 UTC form both schemes use, within 15 minutes of our clock."""
    found = _STAMP.fullmatch(stamp)
    if found is None:
        raise AuthFailure("InvalidTimeStamp.Format", 400, _BAD_STAMP)
    year, month, day, hour, minute, second = (int(part) for part in found.groups())
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise AuthFailure("InvalidTimeStamp.Format", 400, _BAD_STAMP) from None
    if abs(now - when) > MAX_SKEW:
        raise AuthFailure("InvalidTimeStamp.Expired", 400, _EXPIRED)


def _secret(access_key: bytes, secret_for: Callable[[str], str | None]) -> tuple[str, str]:
    """The key's id as text and its secret; an id that is not UTF-8 cannot be one of ours."""
    try:
        access_key_id = access_key.decode("utf-8")
    except UnicodeDecodeError:
        raise AuthFailure("InvalidAccessKeyId.NotFound", 404, _KEY_NOT_FOUND) from None
    secret = secret_for(access_key_id)
    if secret is None:
        raise AuthFailure("InvalidAccessKeyId.NotFound", 404, _KEY_NOT_FOUND)
    return access_key_id, secret


def _is_form(headers: Mapping[str, str]) -> bool:
    """Form bodies are signed by RPC v1; any other body is not, so it is not read."""
    media_type = headers.get("content-type", "").split(";", 1)[0]
    return media_type.strip().lower() == _FORM


def _pairs(raw: bytes) -> list[tuple[bytes, bytes]]:
    """Form-decode to bytes so re-encoding is exact; empty values and repeats are kept."""
    pairs = []
    for segment in raw.split(b"&"):
        if segment:
            key, _, value = segment.partition(b"=")
            pairs.append((_unform(key), _unform(value)))
    return pairs


def _unform(raw: bytes) -> bytes:
    """Percent-decode with '+' read as a space, as every Alibaba client means it."""
    raw = raw.replace(b"+", b" ")
    return unquote_to_bytes(raw) if b"%" in raw else raw


def _pct(raw: bytes) -> str:
    """RFC 3986 encoding with upper-case hex: space is %20, '*' is %2A, '~' stays."""
    if _PLAIN.fullmatch(raw):
        return raw.decode("ascii")  # most names and values: nothing to escape
    return quote_from_bytes(raw, _SAFE)


def _wire(text: str) -> bytes:
    """The bytes a latin-1-decoded string came from; other text is taken as UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return _utf8(text)


def _text(raw: bytes) -> str:
    """Bytes handed back to callers as text, never failing."""
    return raw.decode("utf-8", "replace")


def _utc(now: datetime) -> datetime:
    """Naive datetimes are taken as UTC, as the rest of tidewater's clock code does."""
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _utf8(text: str) -> bytes:
    """UTF-8 that cannot raise, so hostile input ends in a refusal rather than a crash."""
    return text.encode("utf-8", "surrogatepass")


def _missing(name: str) -> AuthFailure:
    # Current gateway form, e.g. MissingAccessKeyId / MissingSignature / MissingTimestamp seen
    # in real responses; the same pattern is inferred for the other signing parameters.
    return AuthFailure(f"Missing{name}", 400, f"{name} is mandatory for this action.")


def _invalid_parameter(name: str) -> AuthFailure:
    # Code (sic) and text from Alibaba's common error tables (ECS and SLB docs agree).
    return AuthFailure("InvalidParamater", 400, f'The specified parameter "{name}" is not valid.')


def _incomplete() -> AuthFailure:
    return AuthFailure("IncompleteSignature", 400, _INCOMPLETE)
