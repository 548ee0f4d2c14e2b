"""What every engine operation works with, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection

from tidewater.clock import Clock
from tidewater.cloud.ports import Compute, Traffic
from tidewater.domain.limits import AWS, ESS, Limits
from tidewater.domain.scope import Cloud
from tidewater.store.database import Database


@dataclass
class Context:
    db: Database
    clock: Clock
    compute: Compute
    traffic: Traffic
    node: str = "node-1"
    wake: Callable[[], None] = field(default=lambda: None)
    quotas: dict[Cloud, Limits] = field(default_factory=lambda: {Cloud.AWS: AWS, Cloud.ALIYUN: ESS})

    def limits(self, cloud: Cloud) -> Limits:
        return self.quotas[cloud]

    @contextmanager
    def change(self) -> Iterator[Connection]:
        """One command, one transaction; every node's runner is woken once it commits."""
        with self.db.write() as conn:
            yield conn
            self.db.notify(conn)
        self.wake()
