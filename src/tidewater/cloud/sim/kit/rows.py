"""Row conditions every service's tables share: a resource belongs to an account and region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, insert, select

from tidewater.domain.scope import Scope


def owned(table: Table, scope: Scope) -> list[ColumnElement[bool]]:
    return [table.c.account == scope.account, table.c.region == scope.region]


def of_cloud(table: Table, scope: Scope) -> list[ColumnElement[bool]]:
    """Machines of both clouds share one table, so theirs also name the cloud."""
    return [*owned(table, scope), table.c.cloud == scope.cloud.value]


def owner_columns(scope: Scope) -> dict[str, str]:
    """The columns that make a new row the scope's own, the counterpart of `owned`."""
    return {"account": scope.account, "region": scope.region}


def add(conn: Connection, table: Table, scope: Scope, **values: Any) -> Row[Any]:
    """Stores a row the scope owns and reads it back by its primary key, as the store keeps it
    (JSON columns and times as a later read sees them), for the answer that follows a create."""
    row = {**owner_columns(scope), **values}
    conn.execute(insert(table).values(row))
    key = [column == row[column.name] for column in table.primary_key.columns]
    return conn.execute(select(table).where(*key)).one()
