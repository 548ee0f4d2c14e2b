"""Connections and transactions: SQLite for one embedded process, PostgreSQL for many nodes."""

from __future__ import annotations

import functools
import logging
import re
import secrets
import select
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError

from tidewater.domain.refusal import Contention

log = logging.getLogger("tidewater.database")

CHANNEL = "tidewater"
# PostgreSQL's codes for "gave up waiting": lock_timeout, deadlock, serialization failure
GAVE_UP = frozenset({"55P03", "40P01", "40001"})


class WouldWrite(Exception):
    """A rehearsal tried to write: the command starts over in a write transaction."""


class Database:
    """One engine per process; `write()` serializes writers, `read()` reads committed state.

    A writer waits at most `lock_wait` seconds for a lock, then gives up with Contention.
    """

    def __init__(self, url: str, lock_wait: float = 5.0) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        wait_ms = max(1, int(lock_wait * 1000))
        self.lock_wait = lock_wait
        # signs this process's notifications: its own runner was already woken in process
        self.token = secrets.token_hex(8)
        self.turns: Turns | None = None
        self._reads: Engine | None = None  # PostgreSQL's reads: statements without a transaction
        if self.dialect == "sqlite":
            self.turns = Turns()
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                url,
                json_serializer=_dumps,
                json_deserializer=orjson.loads,
                connect_args={"check_same_thread": False, "timeout": lock_wait},
                pool_size=8,
                max_overflow=8,
            )
            _sqlite_transactions(self.engine, wait_ms)
        else:
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            self.listen_url = parsed.set(drivername="postgresql").render_as_string(
                hide_password=False
            )
            self.engine = create_engine(
                parsed,
                json_serializer=_dumps,
                json_deserializer=orjson.loads,
                connect_args={"options": f"-c lock_timeout={wait_ms}"},
                pool_size=10,
                max_overflow=20,
            )
            _drop_dead_connections(self.engine)
            self._reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(self.engine, "before_cursor_execute", _rehearsal_guard)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self.turns is not None and not self.turns.take(self.lock_wait):
            raise Contention("contention")
        try:
            with (
                self.engine.connect().execution_options(tidewater_write=True) as conn,
                conn.begin(),
            ):
                yield conn
        except (OperationalError, sqlite3.OperationalError) as error:
            if _gave_up(error):
                raise Contention("contention") from error
            raise
        finally:
            if self.turns is not None:
                self.turns.hand_on()

    def notify(self, conn: Connection) -> None:
        """Tell every node's runner, once this transaction commits, that there is work."""
        if self.dialect == "postgresql":
            conn.execute(text(f"NOTIFY {CHANNEL}, '{self.token}'"))

    def listen(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake` on each other node's notification (this process's own wake their runner
        in process, so hearing them again would only cost a pass); returns the stopper."""
        if self.dialect != "postgresql":
            return lambda: None
        stopping = threading.Event()
        thread = threading.Thread(
            target=_listen,
            args=(self.listen_url, wake, stopping, self.token),
            name="listen",
            daemon=True,
        )
        thread.start()

        def stop() -> None:
            stopping.set()
            thread.join(timeout=5)

        return stop

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """SQLite: one snapshot for the whole read. PostgreSQL: each statement its own committed
        snapshot, as READ COMMITTED gave inside BEGIN/COMMIT, without their two round trips."""
        if self._reads is None:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        else:
            with self._reads.connect() as conn:
                yield conn

    @contextmanager
    def rehearse(self) -> Iterator[Connection]:
        """A read transaction on one snapshot, always rolled back, in which a write raises
        WouldWrite.

        Statements other than plain SELECTs are stopped before they reach the database
        (`_rehearsal_guard`). PostgreSQL's transaction is also READ ONLY, and REPEATABLE READ so
        every statement sees the same state; SQLite's read transaction keeps one snapshot by
        itself, and its count of changed rows must not have moved (`PRAGMA query_only` would
        expire every prepared statement each time it is switched).
        """
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                # the driver says so in its BEGIN: no statement, no round trip of its own
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            transaction = conn.begin()
            try:
                if self.dialect == "postgresql":
                    yield conn.execution_options(tidewater_rehearsal=True)
                    return
                raw = conn.connection.driver_connection
                changes = raw.total_changes  # type: ignore[union-attr]
                yield conn.execution_options(tidewater_rehearsal=True)
                assert raw.total_changes == changes, "a rehearsal wrote"  # type: ignore[union-attr]
            finally:
                transaction.rollback()

    def has_tables(self) -> bool:
        return bool(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()


class Turns:
    """SQLite writers of this process go in arrival order.

    SQLite's own busy wait polls with growing sleeps, so a writer that lets go and asks again
    at once (the runner, step after step) keeps winning, and a request can wait seconds behind
    work on another group. Waiting here, first come first served, it is next.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def take(self, timeout: float) -> bool:
        """Wait for this writer's turn; False when it did not come within `timeout` seconds."""
        with self._lock:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def hand_on(self) -> None:
        """Give the turn to the longest waiter, or free it."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _gave_up(error: OperationalError | sqlite3.OperationalError) -> bool:
    """A lock wait that ran out; SQLite's BEGIN IMMEDIATE reports it unwrapped (see _begin)."""
    cause = error.orig if isinstance(error, OperationalError) else error
    if getattr(cause, "sqlstate", None) in GAVE_UP:
        return True
    return "database is locked" in str(cause)


def _rehearsal_guard(
    conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """Stop a rehearsal's first write, or lock, before it reaches the database."""
    if conn.get_execution_options().get("tidewater_rehearsal") and not plain_read(statement):
        raise WouldWrite(statement)


# what a rehearsal may run: a plain SELECT, taking no lock
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b|advisory", re.I)


@functools.lru_cache(maxsize=1024)
def plain_read(statement: str) -> bool:
    """A SELECT that takes no lock (cached: statements come from SQLAlchemy's compiled cache)."""
    return statement.lstrip()[:6].upper() == "SELECT" and not _LOCKING.search(statement)


def _listen(url: str, wake: Callable[[], None], stopping: threading.Event, own: str) -> None:
    """Hold one connection in LISTEN; reconnect after a lost connection, the sweep covers gaps."""
    import psycopg

    while not stopping.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                wake()  # anything sent while we were not listening
                while not stopping.is_set():
                    heard = conn.notifies(timeout=0.5, stop_after=1)
                    if any(notice.payload != own for notice in heard):
                        wake()
        except psycopg.Error as error:
            log.warning("listening for wake-ups failed (%s); retrying", error)
            stopping.wait(1.0)


def _drop_dead_connections(engine: Engine) -> None:
    """Hand out no connection the server has let go (a restart, a terminated backend).

    An idle pooled connection hears nothing from PostgreSQL unless it was closed: then its
    socket has the server's farewell or its end waiting. Looking costs no round trip, where
    `pool_pre_ping` sent one per checkout; the pool replaces a connection found so at once.
    """

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or dbapi_connection.broken:
            raise DisconnectionError("the connection was closed")
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
        if readable:
            raise DisconnectionError("the server let the connection go")


def _sqlite_transactions(engine: Engine, wait_ms: int) -> None:
    """SQLAlchemy, not pysqlite, emits BEGIN: writers lock up front, so no upgrade deadlock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("tidewater_write", False)
        # straight to the driver: SQLAlchemy's statement path costs more than BEGIN itself
        conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            "BEGIN IMMEDIATE" if write else "BEGIN"
        )
