"""A scope's groups, found by the key their cloud uses and locked in one order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.profile import Profile
from tidewater.store.database import WouldWrite
from tidewater.store.prepared import Prepared
from tidewater.store.tables import groups


def within(table: Any, account: Any, region: Any, cloud: Any) -> ColumnElement[bool]:
    """The scope condition, written once; values or bound parameters. A table of one cloud's
    records (launch configurations) has no cloud column; `cloud` None leaves the cloud open."""
    conditions = [table.c.account == account, table.c.region == region]
    if cloud is not None and "cloud" in table.c:
        conditions.append(table.c.cloud == cloud)
    return and_(*conditions)


def rehearsing(conn: Connection) -> bool:
    """Whether the connection belongs to a rehearsal (`Database.rehearse`), where writes stop."""
    return bool(conn.get_execution_options().get("tidewater_rehearsal", False))


def in_scope(table: Any, scope: Scope) -> ColumnElement[bool]:
    """The account, region and cloud every scoped table carries."""
    return within(table, scope.account, scope.region, scope.cloud.value)


def owned_row(conn: Connection, table: Any, match: ColumnElement[bool], scope: Scope) -> Any:
    """A row of a group-owned table, found through its group's scope, with the group's key."""
    return conn.execute(
        select(table, groups.c.id.label("group_key"))
        .join(groups, groups.c.id == table.c.group_id)
        .where(match, in_scope(groups, scope))
    ).first()


def in_region(table: Any, scope: Scope) -> ColumnElement[bool]:
    """The account and region, for records only one cloud has (launch configurations)."""
    return within(table, scope.account, scope.region, None)


class Groups:
    """Groups of one scope: AWS requests name a group, ESS requests give its id."""

    def __init__(self, conn: Connection, scope: Scope, profile: Profile) -> None:
        self.conn = conn
        self.scope = scope
        self.key = groups.c.name if profile.group_key == "name" else groups.c.id
        self.where = {"account": scope.account, "region": scope.region, "cloud": scope.cloud.value}
        # a rehearsal reads one snapshot and takes no lock: the write that follows it does
        self.locks = not rehearsing(conn)

    def find(self, key: str, *, lock: bool = False) -> Any:
        """The group a request names; with `lock`, held until the transaction ends."""
        query = _find(self.key is groups.c.name, lock and self.locks)
        rows = query.all(self.conn, {**self.where, "key": key})
        if not rows:
            raise Refusal("group.not_found", group=key)
        return rows[0]

    def lock(self, key: str) -> Any:
        return self.find(key, lock=True)

    def lock_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """Lock several groups in id order, the order every multi-group change keeps."""
        rows = {key: self.find(key) for key in dict.fromkeys(keys)}
        self.conn.execute(
            select(groups.c.id)
            .where(groups.c.id.in_(sorted(row.id for row in rows.values())))
            .order_by(groups.c.id)
            .with_for_update()
        )
        return rows

    def lock_id(self, group_id: str) -> None:
        """Take a group's lock by id, as every change does before it touches the group."""
        query = select(groups.c.id).where(groups.c.id == group_id)
        self.conn.execute(query.with_for_update() if self.locks else query)

    def named(self, name: str) -> Any:
        """A group by its name, whatever key requests use: names are unique in a scope."""
        return self.conn.execute(
            select(groups.c.id).where(in_scope(groups, self.scope), groups.c.name == name)
        ).first()

    def count(self) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(groups).where(in_scope(groups, self.scope))
            ).scalar_one()
        )

    def change(self, group_id: str, **values: Any) -> None:
        if not self.locks:
            raise WouldWrite("groups")  # before building the statement, which costs more
        self.conn.execute(update(groups).where(groups.c.id == group_id).values(**values))

    def lock_quota(self, kind: str) -> None:
        """Count-then-insert under a quota is one step: creates of one kind in a scope queue.

        PostgreSQL takes a transaction-scoped advisory lock (it honours lock_timeout, so a long
        wait becomes Contention); SQLite already admits one writer at a time.
        """
        if self.conn.dialect.name == "postgresql":
            scope = self.scope
            key = f"quota:{kind}:{scope.account}:{scope.region}:{scope.cloud.value}"
            self.conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


@lru_cache(maxsize=4)
def _find(by_name: bool, lock: bool) -> Prepared:
    """One group by its key, built once per shape (building costs more than running it) and
    run on the driver."""
    key = groups.c.name if by_name else groups.c.id
    scoped = within(groups, bindparam("account"), bindparam("region"), bindparam("cloud"))
    query = select(groups).where(scoped, key == bindparam("key"))
    return Prepared(query.with_for_update() if lock else query)


def lock_owned(conn: Connection, table: Any, key: ColumnElement[Any]) -> tuple[Any, Any] | None:
    """Lock the group that owns a row, then the row (the order every writer takes locks in);
    None when the row is gone. For passes that start from a row, not from a request's scope."""
    group_id = conn.execute(select(table.c.group_id).where(key)).scalar()
    if group_id is None:
        return None
    group = conn.execute(select(groups).where(groups.c.id == group_id).with_for_update()).one()
    row = conn.execute(select(table).where(key).with_for_update()).first()
    return None if row is None else (group, row)
