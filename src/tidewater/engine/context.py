"""What every engine operation works with, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection

from tidewater.clock import Clock
from tidewater.cloud.ports import Alarms, Compute, Metrics, NoAlarms, Notices, Traffic, Unsent
from tidewater.domain.limits import AWS, ESS, Limits
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine.gateways import Books
from tidewater.engine.profile import Profile
from tidewater.store.database import Database, WouldWrite

Result = TypeVar("Result")
Handler = TypeVar("Handler", bound=Callable[..., Any])

# set while the front door runs a rehearsed handler on its event loop (see `on_the_loop`)
_ON_THE_LOOP: ContextVar[bool] = ContextVar("tidewater_on_the_loop", default=False)


class Escalate(Exception):
    """A handler run on the event loop must write: run it again in a worker thread."""


def rehearsed(handler: Handler) -> Handler:
    """Mark a handler whose commands all go through `Context.attempt` and that does nothing
    else that could wait or be seen before them: the front door may run it on its event loop
    first, where a refusal or a change that writes nothing costs no thread hop."""
    handler.rehearsed = True  # type: ignore[attr-defined]
    return handler


@contextmanager
def on_the_loop() -> Iterator[None]:
    """Run a rehearsed handler where nothing may wait: its first write raises Escalate."""
    token = _ON_THE_LOOP.set(True)
    try:
        yield
    finally:
        _ON_THE_LOOP.reset(token)


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
        if _ON_THE_LOOP.get():
            raise Escalate  # a write may wait for its lock: never on the event loop
        with self.db.write() as conn:
            yield self.books(conn, scope)
            self.db.notify(conn)
        self.wake()

    def attempt(
        self, scope: Scope, body: Callable[[Books], Result], *, rehearse: bool = True
    ) -> Result:
        """Run a command's body on a read snapshot first, then, only if it writes, in `change`.

        A refusal found in the rehearsal, or a body that ends without writing, is the answer:
        no write lock is taken and no runner woken. The body's first write (or row lock) stops
        the rehearsal, and the body runs again from the start in a write transaction, where it
        reads the state afresh under the group's lock. So a body must read before it writes,
        and do nothing outside the database before its transaction ends.
        """
        if rehearse:
            try:
                with self.db.rehearse() as conn:
                    return body(self.books(conn, scope))
            except WouldWrite:
                pass
        with self.change(scope) as books:  # on the event loop, this escalates
            return body(books)

    @contextmanager
    def read(self, scope: Scope) -> Iterator[Books]:
        with self.db.read() as conn:
            yield self.books(conn, scope)
