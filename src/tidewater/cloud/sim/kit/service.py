"""What every simulated service stands on: the sim's machines, its database, clock and timing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Connection, Row, Table, select

from tidewater.cloud.sim.compute import SimCompute
from tidewater.cloud.sim.kit.rows import owned
from tidewater.cloud.sim.kit.rpc import RpcReader
from tidewater.domain.scope import Scope


class SimService:
    """The base of each service's state: one place that says what a service may reach."""

    def __init__(self, compute: SimCompute) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.timing = compute.timing


class OwnedRows(SimService):
    """A service whose resources are rows of one table of its own, found by id in a scope.

    A subclass names them as data: the table, the request parameter carrying the id, the
    reader that words a missing parameter, the refusal for an unknown id, and how ids are made.
    """

    table: ClassVar[Table]
    id_parameter: ClassVar[str]
    reader: ClassVar[RpcReader]
    # staticmethod objects, so reading them through an instance binds no self
    unknown: ClassVar[staticmethod[[], Exception]]
    default_id: ClassVar[staticmethod[[], str]]

    def __init__(self, compute: SimCompute, new_id: Callable[[], str] | None = None) -> None:
        super().__init__(compute)
        self.new_id = new_id or self.default_id

    def _in_scope(self, scope: Scope) -> list[ColumnElement[bool]]:
        return owned(self.table, scope)

    def _row(self, conn: Connection, scope: Scope, resource_id: str) -> Row[Any] | None:
        query = select(self.table).where(*self._in_scope(scope), self.table.c.id == resource_id)
        return conn.execute(query).first()

    def _existing(self, conn: Connection, scope: Scope, params: Mapping[str, str]) -> Row[Any]:
        """The row the request's id names; the product's refusal when there is none."""
        row = self._row(conn, scope, self.reader.required(params, self.id_parameter))
        if row is None:
            raise self.unknown()
        return row

    def _find(
        self, scope: Scope, resource_id: str, within: Connection | None = None
    ) -> Row[Any] | None:
        """`within`: the caller's transaction, so it reads what it has not committed yet."""
        if within is not None:
            return self._row(within, scope, resource_id)
        with self.db.read() as conn:
            return self._row(conn, scope, resource_id)
