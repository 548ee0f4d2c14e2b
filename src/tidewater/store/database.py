"""Connections and transactions: SQLite for one embedded process, PostgreSQL for many nodes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url


class Database:
    """One engine per process; `write()` serializes writers, `read()` sees a consistent snapshot."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                url,
                json_serializer=_dumps,
                json_deserializer=orjson.loads,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=8,
                max_overflow=8,
            )
            _sqlite_transactions(self.engine)
        else:
            if parsed.drivername == "postgresql":
                url = str(parsed.set(drivername="postgresql+psycopg"))
            self.engine = create_engine(
                url,
                json_serializer=_dumps,
                json_deserializer=orjson.loads,
                pool_size=10,
                max_overflow=20,
                pool_pre_ping=True,
            )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(tidewater_write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def has_tables(self) -> bool:
        return bool(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy, not pysqlite, emits BEGIN: writers lock up front, so no upgrade deadlock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("tidewater_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
