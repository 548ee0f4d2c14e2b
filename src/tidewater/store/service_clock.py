"""The service clock kept in the database, so a restart and every other node share its time.

Each process keeps its `Clock` in memory (reading it costs nothing); the database holds the
offset every move adds and, for a frozen clock, the instant it stands at. A process takes the
stored time up when it starts, when it moves the clock, and, on PostgreSQL, at the start of
each runner pass.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.clock import Clock
from tidewater.store.database import Database
from tidewater.store.tables import service_clock

ROW = service_clock.c.id == 1


def restore(db: Database, clock: Clock) -> None:
    """Take up the stored time, or store this clock's as the first (a frozen one's instant)."""
    try:
        with db.write() as conn:
            row = conn.execute(select(service_clock).where(ROW)).first()
            if row is None:
                conn.execute(
                    insert(service_clock).values(
                        id=1,
                        offset_seconds=clock.offset.total_seconds(),
                        frozen_at=clock.frozen_at,
                    )
                )
                return
            if clock.frozen and row.frozen_at is None:  # the first frozen run on this database
                conn.execute(update(service_clock).where(ROW).values(frozen_at=clock.frozen_at))
    except IntegrityError:  # another node stored its clock first: take that one up
        restore(db, clock)
        return
    clock.take_up(timedelta(seconds=row.offset_seconds), row.frozen_at)


def advance(db: Database, clock: Clock, seconds: float) -> None:
    """Move every node's clock: add to the stored offset, then take the sum up here."""
    clock.check(seconds)
    with db.write() as conn:
        conn.execute(
            update(service_clock)
            .where(ROW)
            .values(offset_seconds=service_clock.c.offset_seconds + seconds)
        )
        db.notify(conn)  # other nodes' runners wake, take the move up and run what fell due
        offset = conn.execute(select(service_clock.c.offset_seconds).where(ROW)).scalar_one()
    clock.take_up(timedelta(seconds=offset))


def catch_up(db: Database, clock: Clock) -> None:
    """Take up a move another node made."""
    with db.read() as conn:
        offset = conn.execute(select(service_clock.c.offset_seconds).where(ROW)).scalar()
    if offset is not None:
        clock.take_up(timedelta(seconds=offset))
