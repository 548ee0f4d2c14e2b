"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tidewater.app import SchemaBehind, prepare_database
from tidewater.store import schema
from tidewater.store.database import Database
from tidewater.store.tables import metadata


def _url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'schema.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migrations_match_the_tables(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = Database(_url(backend, tmp_path, request))
    metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    schema.upgrade(db)
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
    assert schema.behind(db) is None
    db.dispose()


def test_a_fresh_database_is_created_and_an_old_one_refused(tmp_path: Path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    prepare_database(fresh)
    assert schema.current(fresh) == schema.head()
    with fresh.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
    with pytest.raises(SchemaBehind, match="run `tidewater migrate` first"):
        prepare_database(fresh)
    fresh.dispose()
