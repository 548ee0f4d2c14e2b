"""What every engine operation works with, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection

from tidewater.clock import Clock
from tidewater.cloud.ports import Compute, Traffic
from tidewater.store.database import Database


@dataclass
class Context:
    db: Database
    clock: Clock
    compute: Compute
    traffic: Traffic
    node: str = "node-1"
    wake: Callable[[], None] = field(default=lambda: None)

    @contextmanager
    def change(self) -> Iterator[Connection]:
        """One command, one transaction; every node's runner is woken once it commits."""
        with self.db.write() as conn:
            yield conn
            self.db.notify(conn)
        self.wake()
