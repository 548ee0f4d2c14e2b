"""Alembic migrations, applied by `tidewater migrate` and checked before `serve` starts.

Starting a server only reads `alembic_version`; Alembic itself (half a second of imports) is
loaded when a migration actually runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from tidewater.store.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0027"  # the newest migration; tests/test_schema.py holds it to Alembic's own answer


def head() -> str:
    return HEAD


def script_head() -> str:
    """The head as Alembic computes it from the migration files."""
    from alembic.script import ScriptDirectory

    config = _config()
    current = ScriptDirectory.from_config(config).get_current_head()
    assert current is not None
    return current


def _config(db: Database | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if db is not None:
        config.attributes["engine"] = db.engine
    return config


def current(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(db), revision)


def behind(db: Database) -> tuple[str | None, str] | None:
    """(current, head) when the database needs `tidewater migrate`, else None."""
    now = current(db)
    return None if now == HEAD else (now, HEAD)
