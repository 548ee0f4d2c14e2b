"""What every engine operation works with, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection

from tidewater.clock import Clock
from tidewater.cloud.ports import Alarms, Compute, Metrics, NoAlarms, Notices, Traffic, Unsent
from tidewater.domain.limits import AWS, ESS, Limits
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.gateways import Books
from tidewater.engine.profile import Profile
from tidewater.store.database import Database


@dataclass
class Context:
    db: Database
    clock: Clock
    compute: Compute
    traffic: Traffic
    node: str = "node-1"
    wake: Callable[[], None] = field(default=lambda: None)
    notices: Notices = field(default_factory=Unsent)  # where lifecycle hooks' notices go
    alarms: Alarms = field(default_factory=NoAlarms)  # metric alarms the runner evaluates
    metrics: Metrics | None = None  # what ESS event-triggered tasks read
    quotas: dict[Cloud, Limits] = field(default_factory=lambda: {Cloud.AWS: AWS, Cloud.ALIYUN: ESS})
    profiles: dict[Cloud, Profile] = field(default_factory=dict)  # handed down by the dialects

    def limits(self, cloud: Cloud) -> Limits:
        return self.quotas[cloud]

    def profile(self, cloud: Cloud) -> Profile:
        return self.profiles[cloud]

    def books(self, conn: Connection, scope: Scope) -> Books:
        return Books.of(conn, scope, self.profile(scope.cloud))

    @contextmanager
    def change(self, scope: Scope) -> Iterator[Books]:
        """One command, one transaction; every node's runner is woken once it commits."""
        with self.db.write() as conn:
            yield self.books(conn, scope)
            self.db.notify(conn)
        self.wake()

    @contextmanager
    def read(self, scope: Scope) -> Iterator[Books]:
        with self.db.read() as conn:
            yield self.books(conn, scope)
