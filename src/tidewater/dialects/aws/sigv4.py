"""AWS Signature Version 4, checked on our side so unmodified boto3 / aws CLI / SDKs can call us.

The canonical request is rebuilt exactly as botocore's `SigV4Auth` builds it for non-S3
services (path normalised then URI-encoded again, query re-encoded per RFC 3986 and sorted,
headers taken from `SignedHeaders` in the order given). Error codes, statuses and texts are
those of AWS's query-protocol front end; where no real AWS text was found the choice is
marked "chosen" next to it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

from tidewater.dialects.auth import AuthFailure

__all__ = ["Credential", "scope_of", "scope_refused", "verify"]

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW = timedelta(minutes=15)
MAX_EXPIRES = 604800  # seconds; a presigned URL lives at most a week

_QUERY_SAFE = "-_.~"
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_AUTH_SPLIT = re.compile(r"[\s,]+")
_CREDENTIAL_IN_HEADER = re.compile(r"(?:^|[\s,])Credential=([^\s,]*)")

# Texts seen in real AWS responses (DynamoDB/STS/IAM/SES/EC2 captures quoted in public
# issues and in emulators written against AWS: dynalite, scratchstack-aws-signature).
_MISSING_TOKEN = "Request is missing Authentication Token"
_BAD_KEY = "The security token included in the request is invalid."
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_EXPIRED = "Request has expired."  # EC2 / Auto Scaling wording for RequestExpired
_HOST_UNSIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
_NEEDS_DATE = (
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
)
_BOTH_FORMS = (
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)


@dataclass(frozen=True, slots=True)
class Credential:
    """What a verified signature proves: who signed, and for which region and service."""

    access_key_id: str
    region: str
    service: str  # e.g. "autoscaling", "ec2", "elasticloadbalancing"


def scope_of(headers: Mapping[str, str], query: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(access_key_id, region, service) read from Authorization header or presigned X-Amz-Credential, without verifying; None when unsigned. Used for routing."""  # noqa: E501
    authorization = headers.get("authorization", "")
    if authorization.strip():
        found = _CREDENTIAL_IN_HEADER.search(authorization)
        credential = found.group(1) if found else ""
    else:
        credential = query.get("X-Amz-Credential", "")
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        return None  # unsigned or malformed: verify() words the precise refusal
    return parts[0], parts[2], parts[3]


def scope_refused(*, region: str | None = None, service: str | None = None) -> AuthFailure:
    """Let the router refuse a foreign region or service in AWS's words; `service` is ours."""
    text = ""
    if region is not None:
        text += f"Credential should be scoped to a valid region, not '{region}'. "
    if service is not None:
        text += f"Credential should be scoped to correct service: '{service}'. "
    return _mismatch(text or _MISMATCH)


def verify(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret_for: Callable[[str], str | None],
    now: datetime,
) -> Credential:
    """Prove who signed the request, or refuse in AWS's own words so clients react as they would."""
    # `path` is the path as on the request line (ASGI `raw_path`), escapes intact; `raw_query`
    # the undecoded query; `headers` lower-case names, repeated headers joined with ",".
    # Region and service are returned, not judged: the caller checks them (see scope_refused).
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    pairs = _query_pairs(raw_query)
    authorization = headers.get("authorization", "")
    presigned = any(key == b"X-Amz-Algorithm" for key, _ in pairs)
    if authorization.strip():
        if presigned:
            raise _mismatch(_BOTH_FORMS)  # chosen: query-protocol code for InvalidSignature
        claim = _from_header(authorization, headers, now)
    elif presigned:
        claim = _from_query(pairs, now)
    else:
        raise AuthFailure("MissingAuthenticationToken", 403, _MISSING_TOKEN)

    access_key_id, scope_date, region, service, terminator = _credential_parts(claim.credential)
    problems = ""
    if terminator != TERMINATOR:
        problems += (
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator}'. "
        )
    if scope_date != claim.stamp[:8]:
        problems += (
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{claim.stamp[:8]}', from '{claim.stamp}'."
        )
    if problems:
        raise _mismatch(problems)

    secret = secret_for(access_key_id)
    if secret is None:
        raise AuthFailure("InvalidClientTokenId", 403, _BAD_KEY)

    lines = [method, _canonical_uri(path), _canonical_query(pairs, claim.presigned)]
    for name in claim.signed_headers.split(";"):
        value = headers.get(name.lower())
        if value is None:
            raise _mismatch()  # chosen: a header the client signed never reached us
        lines.append(f"{name}:{' '.join(value.split())}")
    head = "\n".join(lines) + "\n\n" + claim.signed_headers + "\n"

    scope = f"{scope_date}/{region}/{service}/{terminator}"
    key = _signing_key(secret, scope_date, region, service)
    given = claim.signature.encode("utf-8", "surrogatepass")
    for payload_hash in _payload_hashes(headers, body, claim.presigned):
        canonical = hashlib.sha256(_utf8(head + payload_hash)).hexdigest()
        to_sign = f"{ALGORITHM}\n{claim.stamp}\n{scope}\n{canonical}"
        expected = hmac.digest(key, _utf8(to_sign), "sha256").hex().encode("ascii")
        if hmac.compare_digest(expected, given):
            return Credential(access_key_id, region, service)
    raise _mismatch()


@dataclass(frozen=True, slots=True)
class _Claim:
    """The signature's own statements, gathered from whichever form the client used."""

    credential: str
    signed_headers: str
    signature: str
    stamp: str  # ISO-8601 basic timestamp that went into the string to sign
    presigned: bool


def _from_header(authorization: str, headers: Mapping[str, str], now: datetime) -> _Claim:
    """Read the Authorization-header form, refusing in the order AWS checks."""
    algorithm, rest = [*authorization.split(None, 1), ""][:2]
    date_given = bool(headers.get("x-amz-date") or headers.get("date"))
    if algorithm != ALGORITHM:
        if algorithm.startswith("AWS4-"):
            raise _unsupported(algorithm)
        # Foreign schemes (Bearer, Basic, SigV2 "AWS ...") get the full list, as API Gateway
        # and CloudFront answer; DynamoDB says MissingAuthenticationToken instead.
        everything = ("Credential", "Signature", "SignedHeaders")
        raise _incomplete(_requires(everything, date_given, authorization))
    params: dict[str, str] = {}
    for token in _AUTH_SPLIT.split(rest):
        if not token:
            continue
        name, eq, value = token.partition("=")
        if not eq:
            raise _incomplete(
                f"'{token}' not a valid key=value pair (missing equal-sign) in Authorization "
                f"header: '{authorization}'."
            )
        params.setdefault(name, value)
    missing = [name for name in ("Credential", "Signature") if not params.get(name)]
    if "SignedHeaders" not in params:  # present but empty is judged later, as AWS does
        missing.append("SignedHeaders")
    if missing or not date_given:
        raise _incomplete(_requires(missing, date_given, authorization))
    signed_headers = params["SignedHeaders"]
    _require_host(signed_headers)

    raw_date = headers.get("x-amz-date") or ""
    if raw_date:
        when = _parse_amz_date(raw_date)
    else:
        raw_date = headers.get("date") or ""
        when = _parse_http_date(raw_date)
    if when is None:
        raise _bad_date(raw_date)
    if abs(now - when) > MAX_SKEW:
        raise _expired()
    return _Claim(params["Credential"], signed_headers, params["Signature"], _iso(when), False)


def _from_query(pairs: list[tuple[bytes, bytes]], now: datetime) -> _Claim:
    """Read the presigned-URL form, refusing in the order AWS checks."""
    params: dict[str, str] = {}
    for key, value in pairs:
        if key.startswith(b"X-Amz-"):
            params.setdefault(key.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    missing = [name for name in _PRESIGN_PARAMS if not params.get(name)]
    if missing:
        raise _incomplete(
            "".join(f"AWS query-string parameters must include '{name}'. " for name in missing)
            + "Re-examine the query-string parameters."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _unsupported(params["X-Amz-Algorithm"])
    signed_headers = params["X-Amz-SignedHeaders"]
    _require_host(signed_headers)
    stamp = params["X-Amz-Date"]
    when = _parse_amz_date(stamp)
    if when is None:
        raise _bad_date(stamp)
    lifetime = _expires(params.get("X-Amz-Expires"))
    if when - now > MAX_SKEW or now - when > lifetime:
        raise _expired()
    return _Claim(
        params["X-Amz-Credential"], signed_headers, params["X-Amz-Signature"], stamp, True
    )


def _expires(value: str | None) -> timedelta:
    """How long a presigned URL stays good; without X-Amz-Expires the ordinary skew applies."""
    if value is None:
        return MAX_SKEW
    # Texts are S3's (AuthorizationQueryParametersError); the code is chosen.
    if value.startswith("-") and value[1:].isascii() and value[1:].isdigit():
        raise _incomplete("X-Amz-Expires must be non-negative")
    if not (value.isascii() and value.isdigit()):
        raise _incomplete("X-Amz-Expires should be a number")
    if len(value) > 7 or int(value) > MAX_EXPIRES:
        raise _incomplete(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}"
        )
    return timedelta(seconds=int(value))


def _credential_parts(credential: str) -> tuple[str, str, str, str, str]:
    """Split keyid/date/region/service/term, ignoring trailing slashes as AWS does."""
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def _require_host(signed_headers: str) -> None:
    """Refuse signatures that leave the host open, so they cannot be replayed elsewhere."""
    names = {name.lower() for name in signed_headers.split(";")}
    if "host" not in names and ":authority" not in names:
        raise _mismatch(_HOST_UNSIGNED)


def _requires(missing: list[str] | tuple[str, ...], date_given: bool, authorization: str) -> str:
    """AWS lists every missing piece at once, then echoes the header."""
    text = "".join(f"Authorization header requires '{name}' parameter. " for name in missing)
    if not date_given:
        text += _NEEDS_DATE
    return text + "Authorization=" + authorization


def _payload_hashes(headers: Mapping[str, str], body: bytes, presigned: bool) -> tuple[str, ...]:
    """Payload hashes the client may have signed; an unsigned payload is only allowed when empty."""
    body_hash = hashlib.sha256(body).hexdigest()
    claimed = headers.get("x-amz-content-sha256")
    if claimed is not None:
        # Honoured verbatim (the JS SDK sends it), but it must describe the body we got;
        # chosen: a lie about the body reads as a bad signature (S3 has its own code).
        if claimed.lower() == body_hash or (claimed == UNSIGNED_PAYLOAD and not body):
            return (claimed,)
        raise _mismatch()
    if presigned and not body:
        # botocore presigns non-S3 requests over the empty body's hash; S3-style presigners
        # use UNSIGNED-PAYLOAD.
        return (body_hash, UNSIGNED_PAYLOAD)
    return (body_hash,)


def _query_pairs(raw_query: str) -> list[tuple[bytes, bytes]]:
    """Decode the query to bytes so re-encoding is exact, with '+' read as a space as forms do."""
    pairs = []
    for segment in raw_query.split("&"):
        if segment:
            key, _, value = segment.partition("=")
            pairs.append((_unescape(key), _unescape(value)))
    return pairs


def _unescape(text: str) -> bytes:
    """Percent-decode without ever failing on odd input."""
    return unquote_to_bytes(_utf8(text.replace("+", " ")))


def _canonical_query(pairs: list[tuple[bytes, bytes]], presigned: bool) -> str:
    """RFC 3986 re-encoding, sorted by encoded key then value, as botocore signs it."""
    encoded = sorted(
        (quote_from_bytes(key, _QUERY_SAFE), quote_from_bytes(value, _QUERY_SAFE))
        for key, value in pairs
        if not (presigned and key == b"X-Amz-Signature")
    )
    return "&".join(f"{key}={value}" for key, value in encoded)


def _canonical_uri(path: str) -> str:
    """Normalise then encode the already-encoded path again: AWS's rule for all but S3."""
    if path == "/":
        return path
    return quote(_remove_dot_segments(path) or "/", safe="/~", errors="surrogatepass")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 plus collapsing repeated slashes, exactly as botocore normalises."""
    if not path:
        return ""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and segments else ""
    return first + "/".join(segments) + last


def _parse_amz_date(value: str) -> datetime | None:
    """Strict ISO-8601 basic format, the only one X-Amz-Date may use."""
    if not _AMZ_DATE.fullmatch(value):
        return None
    try:
        return datetime(
            int(value[0:4]), int(value[4:6]), int(value[6:8]),
            int(value[9:11]), int(value[11:13]), int(value[13:15]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        return None


def _parse_http_date(value: str) -> datetime | None:
    """The Date header fallback; clients that use it still sign its ISO-8601 form."""
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _iso(when: datetime) -> str:
    """Format by hand: strftime does not zero-pad years below 1000 on every platform."""
    return (
        f"{when.year:04d}{when.month:02d}{when.day:02d}"
        f"T{when.hour:02d}{when.minute:02d}{when.second:02d}Z"
    )


@lru_cache(maxsize=256)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """Four HMACs per request add up; the key only changes daily per scope, so keep a few."""
    key = hmac.digest(_utf8("AWS4" + secret), _utf8(date), "sha256")
    key = hmac.digest(key, _utf8(region), "sha256")
    key = hmac.digest(key, _utf8(service), "sha256")
    return hmac.digest(key, TERMINATOR.encode("ascii"), "sha256")


def _utf8(text: str) -> bytes:
    """UTF-8 that cannot raise, so hostile input ends in a refusal rather than a crash."""
    return text.encode("utf-8", "surrogatepass")


def _incomplete(message: str) -> AuthFailure:
    return AuthFailure("IncompleteSignature", 400, message)


def _mismatch(message: str = _MISMATCH) -> AuthFailure:
    return AuthFailure("SignatureDoesNotMatch", 403, message)


def _expired() -> AuthFailure:
    return AuthFailure("RequestExpired", 400, _EXPIRED)


def _unsupported(algorithm: str) -> AuthFailure:
    return _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}' (only {ALGORITHM} for now). ")


def _bad_date(value: str) -> AuthFailure:
    return _incomplete(
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )
