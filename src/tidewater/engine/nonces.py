"""Signature nonces spent once across every node and every restart, kept in the database.

A nonce is spent by inserting its digest; a row already there, still inside its window, means
the request is a replay. One indexed insert per signed request; expired rows are purged a
bounded batch at a time, every `purge_every` spends, so the table holds about one window of
traffic.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tidewater.store.database import Database
from tidewater.store.tables import signature_nonces


class NonceLedger:
    """The durable nonce book: `spend` says whether a key's nonce is fresh, recording it if so."""

    def __init__(
        self,
        db: Database,
        window_seconds: float = 900,
        purge_every: int = 256,
        purge_batch: int = 1000,
    ) -> None:
        self.db = db
        # A request dated T passes the skew check from T - window to T + window, so a nonce
        # first seen at `now` must be remembered until now + 2 * window.
        self._keep = timedelta(seconds=2 * window_seconds)
        self._purge_every = purge_every
        self._purge_batch = purge_batch
        self._spent = 0
        self._lock = threading.Lock()
        insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        # RETURNING says whether the row went in (psycopg reports no rowcount for an INSERT).
        self._insert: Any = (
            insert(signature_nonces).on_conflict_do_nothing().returning(signature_nonces.c.digest)
        )

    def spend(self, access_key_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce for this key; False when it was spent within its window (a replay)."""
        digest = _digest(access_key_id, nonce)
        until = now + self._keep
        with self.db.write() as conn:
            row = conn.execute(self._insert, {"digest": digest, "expires_at": until}).first()
            fresh = 1 if row is not None else 0
            if not fresh:
                # Spent before: usable again only once its window has passed (not yet purged).
                fresh = conn.execute(
                    update(signature_nonces)
                    .where(signature_nonces.c.digest == digest)
                    .where(signature_nonces.c.expires_at <= now)
                    .values(expires_at=until)
                ).rowcount
        with self._lock:
            self._spent += 1
            due = self._spent % self._purge_every == 0
        if due:
            self.purge(now)
        return fresh == 1

    def purge(self, now: datetime) -> int:
        """Delete one batch of nonces whose window has passed; returns how many went."""
        expired = (
            select(signature_nonces.c.digest)
            .where(signature_nonces.c.expires_at <= now)
            .order_by(signature_nonces.c.expires_at)
            .limit(self._purge_batch)
        )
        with self.db.write() as conn:
            return int(
                conn.execute(
                    delete(signature_nonces).where(signature_nonces.c.digest.in_(expired))
                ).rowcount
            )


def _digest(access_key_id: str, nonce: str) -> str:
    """A fixed-size key however long the nonce; the length prefix keeps key and nonce apart."""
    text = f"{len(access_key_id)}:{access_key_id}{nonce}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
