"""Signature nonces spent once across every node and every restart, kept in the database.

A nonce is spent by inserting its digest; a row already there, still inside its window, means
the request is a replay. One indexed insert per signed request; expired rows are purged a
bounded batch at a time, every `purge_every` spends, so the table holds about one window of
traffic.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tidewater.store.database import Database
from tidewater.store.tables import signature_nonces


@dataclass(slots=True)
class _Claim:
    """One spend waiting for its batch's commit."""

    digest: str
    now: datetime
    fresh: bool = False
    lead: bool = False  # this caller writes the next batch
    decided: bool = False
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


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
        self._queue: list[_Claim] = []
        self._writing = False  # a caller is writing a batch; later ones queue behind it
        insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        # RETURNING says whether the row went in (psycopg reports no rowcount for an INSERT);
        # built once, the rows passed as parameters: no statement to compile per batch.
        self._insert: Any = (
            insert(signature_nonces).on_conflict_do_nothing().returning(signature_nonces.c.digest)
        )

    def spend(self, access_key_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce for this key; False when it was spent within its window (a replay).

        Spends that arrive together share one transaction (a group commit): one caller writes
        every nonce queued so far while later ones queue for the next batch, whose first
        caller writes it; so concurrent requests do not each wait for the single writer.
        """
        claim = _Claim(_digest(access_key_id, nonce), now)
        with self._lock:
            self._queue.append(claim)
            if not self._writing:
                self._writing = claim.lead = True
        if not claim.lead:
            claim.done.wait()  # decided by a batch, or made the next batch's writer
        if not claim.decided:
            try:
                with self._lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
            finally:  # the next batch's first caller writes it, whatever became of this one
                with self._lock:
                    if self._queue:
                        self._queue[0].lead = True
                        self._queue[0].done.set()
                    else:
                        self._writing = False
        if claim.error is not None:
            raise claim.error
        return claim.fresh

    def _write(self, batch: list[_Claim]) -> None:
        """One transaction for the batch; a nonce twice in it is fresh only the first time."""
        first: dict[str, _Claim] = {}
        for claim in batch:
            first.setdefault(claim.digest, claim)
        try:
            with self.db.write() as conn:
                rows = [
                    {"digest": c.digest, "expires_at": c.now + self._keep} for c in first.values()
                ]
                inserted = set(conn.execute(self._insert, rows).scalars())
                for digest, claim in first.items():
                    # spent before: usable again only once its window has passed (not purged)
                    claim.fresh = digest in inserted or bool(
                        conn.execute(
                            update(signature_nonces)
                            .where(signature_nonces.c.digest == digest)
                            .where(signature_nonces.c.expires_at <= claim.now)
                            .values(expires_at=claim.now + self._keep)
                        ).rowcount
                    )
        except Exception as error:  # every caller in the batch learns it failed; none hangs
            for claim in batch:
                claim.error = error
        for claim in batch:
            claim.decided = True
            claim.done.set()
        with self._lock:
            before, self._spent = self._spent, self._spent + len(batch)
        if self._spent // self._purge_every != before // self._purge_every:
            self.purge(batch[-1].now)

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
