"""Access keys: one pair signs for both clouds and names the account it acts for."""

from __future__ import annotations

import threading

from sqlalchemy import insert, select, update

from tidewater.engine.context import Context
from tidewater.store.tables import access_keys


class KeyRing:
    """Secrets looked up once per key and kept; signature checks run on every request."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._known: dict[str, tuple[str, str] | None] = {}
        self._lock = threading.Lock()

    def seed(self, access_key_id: str, secret: str, account: str) -> None:
        with self.ctx.db.write() as conn:
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
            self._known.pop(access_key_id, None)

    def lookup(self, access_key_id: str) -> tuple[str, str] | None:
        """(secret, account) for a key, or None when it is unknown."""
        with self._lock:
            if access_key_id in self._known:
                return self._known[access_key_id]
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
            self._known[access_key_id] = found
        return found

    def secret(self, access_key_id: str) -> str | None:
        found = self.lookup(access_key_id)
        return found[0] if found else None
