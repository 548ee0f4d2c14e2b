"""Statements run on the driver (`store.prepared`) give exactly the rows SQLAlchemy gives.

Every describe statement the engine prepares is run both ways over the same data, on SQLite
or PostgreSQL, after random changes to the columns whose decoding matters (JSON, times,
booleans, NULLs): each row must hold the same values, of the same types.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, update

from tidewater.app import Tidewater
from tidewater.engine import queries
from tidewater.engine.queries import Named
from tidewater.store.prepared import Prepared, fetch
from tidewater.store.tables import groups as group_rows
from tidewater.store.tables import members as member_rows

from .test_settled import settled_group
from .test_steps import SCOPE, START, built

NAMES = ("p0", "p1", "p2")


@pytest.fixture
def seeded(tmp_path: Path, own_database_url: str) -> Iterator[Tidewater]:
    """Three groups of one to three instances, settled."""
    app = built(tmp_path, own_database_url)
    for n, name in enumerate(NAMES):
        settled_group(app, name, n + 1, ["us-east-1a", "us-east-1b"])
    yield app
    app.db.dispose()


def _statements() -> list[tuple[str, Prepared, dict[str, Any]]]:
    """Each prepared describe statement, with parameters that find rows."""
    scope = {"account": SCOPE.account, "region": SCOPE.region, "cloud": SCOPE.cloud.value}
    made: list[tuple[str, Any, dict[str, Any]]] = []
    for named in (Named.ALL, Named.ONE):
        for after in (False, True):
            shapes = queries._groups_statements(named, after, ())
            params = {**scope, "limit": 10, "name": "p1", "after": "p0"}
            made += [(f"groups {named} {after} {n}", s, params) for n, s in enumerate(shapes)]
    for after in (False, True):
        made.append(
            (
                f"instances {after}",
                queries._instances_statement(False, after),
                {**scope, "limit": 50, "after": "i-0"},
            )
        )
    for grouped in (False, True):
        made.append(
            (
                f"activities {grouped}",
                queries._activities_statement(grouped, False, False, False),
                {**scope, "limit": 50, "group": "p2"},
            )
        )
    numbered = {**scope, "offset": 0, "limit": 10, "group": None, "healthy": None}
    made += [
        (f"groups by number {n}", s, numbered)
        for n, s in enumerate(queries._groups_by_number_statements(False, False))
    ]
    made += [
        (f"instances by number {n}", s, numbered)
        for n, s in enumerate(
            queries._instances_by_number_statements(False, False, None, False, False)
        )
    ]
    return [(name, s, p) for name, s, p in made if isinstance(s, Prepared)]


def _same(conn: Connection, statement: Prepared, params: dict[str, Any]) -> int:
    ours = statement.all(conn, params)
    theirs = list(conn.execute(statement.statement, params))
    assert len(ours) == len(theirs)
    for mine, given_ in zip(ours, theirs, strict=True):
        assert tuple(mine) == tuple(given_)
        assert [type(v) for v in mine] == [type(v) for v in given_]
        assert mine._fields == tuple(given_._fields)
        assert dict(mine._mapping) == dict(given_._mapping)
    return len(ours)


def test_every_prepared_statement_is_prepared_and_finds_rows(seeded: Tidewater) -> None:
    found = _statements()
    assert len(found) >= 16  # none fell back to SQLAlchemy's path unnoticed
    with seeded.db.read() as conn:
        assert sum(_same(conn, s, p) for _, s, p in found) > 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
times = st.none() | st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)
).map(lambda t: t.replace(tzinfo=UTC))


@settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    name=st.sampled_from(NAMES),
    settings_=st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    cooldown=times,
    protected=st.booleans(),
    healthy=st.booleans(),
    joined=st.integers(0, 10**6),
)
def test_rows_match_whatever_the_columns_hold(
    seeded: Tidewater,
    name: str,
    settings_: dict[str, Any],
    cooldown: datetime | None,
    protected: bool,
    healthy: bool,
    joined: int,
) -> None:
    with seeded.db.write() as conn:
        conn.execute(
            update(group_rows)
            .where(group_rows.c.name == name)
            .values(settings=settings_, cooldown_until=cooldown, new_instances_protected=protected)
        )
        conn.execute(
            update(member_rows)
            .where(
                member_rows.c.group_id.in_(
                    group_rows.select()
                    .with_only_columns(group_rows.c.id)
                    .where(group_rows.c.name == name)
                )
            )
            .values(
                protected=protected,
                healthy=healthy,
                joined_at=START + timedelta(microseconds=joined),
            )
        )
    with seeded.db.read() as conn:
        for _, statement, params in _statements():
            _same(conn, statement, params)


def test_fetch_leaves_expanding_statements_to_sqlalchemy(seeded: Tidewater) -> None:
    page, _, _ = queries._groups_statements(Named.MANY, False, ())
    assert not isinstance(page, Prepared)
    scope = {"account": SCOPE.account, "region": SCOPE.region, "cloud": SCOPE.cloud.value}
    with seeded.db.read() as conn:
        rows = fetch(conn, page, {**scope, "names": ["p0", "p2"], "limit": 10})
    assert [r.name for r in rows] == ["p0", "p2"]
