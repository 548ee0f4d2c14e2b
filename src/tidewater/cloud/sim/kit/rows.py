"""Row conditions every service's tables share: a resource belongs to an account and region."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table

from tidewater.domain.scope import Scope


def owned(table: Table, scope: Scope) -> list[ColumnElement[bool]]:
    return [table.c.account == scope.account, table.c.region == scope.region]


def of_cloud(table: Table, scope: Scope) -> list[ColumnElement[bool]]:
    """Machines of both clouds share one table, so theirs also name the cloud."""
    return [*owned(table, scope), table.c.cloud == scope.cloud.value]
