"""PostgreSQL: a pooled connection the server let go is never handed to a transaction."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tidewater.store.database import Database

from .conftest import BACKEND


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has no server to let go")
def test_a_terminated_backend_is_replaced_before_the_next_transaction(
    own_database_url: str,
) -> None:
    db = Database(own_database_url)
    name = make_url(own_database_url).database
    admin = create_engine(
        make_url(own_database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with db.read() as conn:  # the pool now holds one idle connection
            before = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        time.sleep(0.2)  # the server's farewell reaches the idle socket
        for _ in range(3):  # every pooled connection, not only the first one out
            with db.write() as conn:
                after = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert after != before
    finally:
        admin.dispose()
        db.dispose()


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has no server to let go")
def test_a_prepared_read_on_a_lost_connection_invalidates_it(own_database_url: str) -> None:
    """A hot read that finds its backend gone fails as SQLAlchemy's own path fails: the
    connection is invalidated, never pooled again, and the next read gets a live one."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import DBAPIError

    from tidewater.store.prepared import Prepared

    db = Database(own_database_url)
    admin = create_engine(
        make_url(own_database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    backend = Prepared(select(func.pg_backend_pid().label("pid")))
    try:
        seen: dict[str, bool] = {}
        with pytest.raises(DBAPIError), db.read() as conn:  # the read then ends as a failed one
            (before,) = backend.all(conn, {})[0]
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": before})
            try:
                backend.all(conn, {})
            except DBAPIError as error:
                seen = {"reported": error.connection_invalidated, "invalidated": conn.invalidated}
                raise
        assert seen == {"reported": True, "invalidated": True}
        with db.read() as conn:
            (after,) = backend.all(conn, {})[0]
        assert after != before
    finally:
        admin.dispose()
        db.dispose()
