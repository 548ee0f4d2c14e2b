"""Alembic migrations, applied by `tidewater migrate` and checked before `serve` starts."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tidewater.store.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def head() -> str:
    script = ScriptDirectory.from_config(_config_without_db())
    current = script.get_current_head()
    assert current is not None
    return current


def _config_without_db() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(_config(db), revision)


def behind(db: Database) -> tuple[str | None, str] | None:
    """(current, head) when the database needs `tidewater migrate`, else None."""
    now, latest = current(db), head()
    return None if now == latest else (now, latest)
