"""Who is signed in to the console: an access key pair, proved once, carried by a signed cookie.

The cookie holds the key id and an expiry, signed with a key derived from that access key's own
secret: any node can check it, a restart signs nobody out, and retiring the key ends its sessions.
Every change also carries a CSRF token derived from the cookie, which a page of another site
cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "tidewater_console"
LIFETIME = 8 * 3600.0  # a working day; then the console asks for the key again


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in person: the key they proved, its account, and the cookie that says so."""

    key: str
    secret: str
    account: str
    cookie: str


class Sessions:
    """Issues and checks console cookies; `lookup` gives (secret, account) for a key id."""

    def __init__(
        self,
        lookup: Callable[[str], tuple[str, str] | None],
        wall: Callable[[], float] = time.time,
        lifetime: float = LIFETIME,
    ) -> None:
        self.lookup = lookup
        self.wall = wall  # real time: a session's age is not the simulated service clock's
        self.lifetime = lifetime

    def sign_in(self, key: str, secret: str) -> Visitor | None:
        """A cookie for a key pair the service knows; None for any other pair."""
        found = self.lookup(key) if key else None
        if found is None or not hmac.compare_digest(found[0].encode(), secret.encode()):
            return None
        expires = int(self.wall() + self.lifetime)
        body = f"{key}.{expires}"
        return Visitor(key, found[0], found[1], f"{body}.{_mac(found[0], body)}")

    def visitor(self, cookie: str | None) -> Visitor | None:
        """The visitor a cookie names, if it is well signed, unexpired, and its key still known."""
        if not cookie or cookie.count(".") < 2:
            return None
        body, _, mac = cookie.rpartition(".")
        key, _, expires = body.rpartition(".")
        if not expires.isdigit() or int(expires) <= self.wall():
            return None
        found = self.lookup(key)
        if found is None or not hmac.compare_digest(_mac(found[0], body), mac):
            return None
        return Visitor(key, found[0], found[1], cookie)

    @staticmethod
    def csrf(visitor: Visitor) -> str:
        """The token every form of this session carries back."""
        return _mac(visitor.secret, "csrf." + visitor.cookie)

    def csrf_ok(self, visitor: Visitor, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf(visitor), token)


def _mac(secret: str, body: str) -> str:
    """HMAC-SHA256 under a key derived from the access key's secret, never the secret itself."""
    key = hmac.new(secret.encode(), b"tidewater console session", hashlib.sha256).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
