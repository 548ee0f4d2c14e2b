"""Access keys: one pair signs for both clouds and names the account it acts for.

The configured pair is the only root key: starting with another pair retires every key an
earlier run stored, so a key taken out of the configuration stops signing at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import delete, insert, select, update

from tidewater.engine.context import Context
from tidewater.store.tables import access_keys


class KeyRing:
    """Secrets looked up once per key and kept a few seconds; signatures are checked per request.

    The short memory lets a key retired by another node's start stop working here too.
    """

    REMEMBER_SECONDS = 5.0

    def __init__(self, ctx: Context, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ctx = ctx
        self._known: dict[str, tuple[tuple[str, str] | None, float]] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic

    def seed(self, access_key_id: str, secret: str, account: str) -> list[str]:
        """Make the configured pair the only key; returns the ids of the keys it retired."""
        with self.ctx.db.write() as conn:
            retired = sorted(
                conn.execute(
                    select(access_keys.c.access_key_id).where(
                        access_keys.c.access_key_id != access_key_id
                    )
                ).scalars()
            )
            if retired:
                conn.execute(
                    delete(access_keys).where(access_keys.c.access_key_id != access_key_id)
                )
            found = conn.execute(
                select(access_keys.c.access_key_id).where(
                    access_keys.c.access_key_id == access_key_id
                )
            ).first()
            if found is None:
                conn.execute(
                    insert(access_keys).values(
                        access_key_id=access_key_id,
                        secret=secret,
                        account=account,
                        created_at=self.ctx.clock.now(),
                    )
                )
            else:
                conn.execute(
                    update(access_keys)
                    .where(access_keys.c.access_key_id == access_key_id)
                    .values(secret=secret, account=account)
                )
        with self._lock:
            self._known.clear()
        return retired

    def lookup(self, access_key_id: str) -> tuple[str, str] | None:
        """(secret, account) for a key, or None when it is unknown."""
        now = self._monotonic()
        with self._lock:
            known = self._known.get(access_key_id)
            if known is not None and known[1] > now:
                return known[0]
        with self.ctx.db.read() as conn:
            row = conn.execute(
                select(access_keys.c.secret, access_keys.c.account).where(
                    access_keys.c.access_key_id == access_key_id
                )
            ).first()
        found = (row.secret, row.account) if row is not None else None
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[access_key_id] = (found, now + self.REMEMBER_SECONDS)
        return found

    def secret(self, access_key_id: str) -> str | None:
        found = self.lookup(access_key_id)
        return found[0] if found else None
