"""A scope's members: which group holds an instance, and the moves between lifecycle states."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from tidewater.cloud.ports import Machine
from tidewater.domain.instance import Lifecycle, Member, Origin
from tidewater.domain.scope import Scope
from tidewater.engine.gateways.groups import in_scope, rehearsing
from tidewater.engine.records import member_of
from tidewater.store.database import WouldWrite
from tidewater.store.prepared import Prepared
from tidewater.store.tables import groups, members

_NAMED = select(members).where(
    members.c.group_id == bindparam("group"),
    members.c.instance_id.in_(bindparam("ids", expanding=True)),
)
# one instance, the usual request: no IN list to expand, so it runs on the driver
_NAMED_ONE = Prepared(
    select(members).where(
        members.c.group_id == bindparam("group"), members.c.instance_id == bindparam("id")
    )
)


class Members:
    """Instances in the scope's groups."""

    def __init__(self, conn: Connection, scope: Scope) -> None:
        self.conn = conn
        self.scope = scope
        self.rehearsal = rehearsing(conn)

    def of(self, group_id: str) -> dict[str, Member]:
        """A group's members in the order they joined."""
        rows = self.conn.execute(
            select(members)
            .where(members.c.group_id == group_id)
            .order_by(members.c.joined_at, members.c.instance_id)
        ).all()
        return {row.instance_id: member_of(row) for row in rows}

    def named(self, group_id: str, instance_ids: Sequence[str]) -> dict[str, Member]:
        """Those of a group's members a request names; the rest are not read."""
        if len(instance_ids) == 1:
            rows = _NAMED_ONE.all(self.conn, {"group": group_id, "id": instance_ids[0]})
        else:
            rows = list(self.conn.execute(_NAMED, {"group": group_id, "ids": list(instance_ids)}))
        return {row.instance_id: member_of(row) for row in rows}

    def count(self, group_id: str, states: Collection[Lifecycle] | None = None) -> int:
        """A group's members, or only those in `states`."""
        query = select(func.count()).select_from(members).where(members.c.group_id == group_id)
        if states is not None:
            query = query.where(members.c.state.in_([s.value for s in states]))
        return int(self.conn.execute(query).scalar_one())

    def ids(self, group_id: str, state: Lifecycle | None = None) -> list[str]:
        query = select(members.c.instance_id).where(members.c.group_id == group_id)
        if state is not None:
            query = query.where(members.c.state == state.value)
        return list(self.conn.execute(query).scalars())

    def owners(self, instance_ids: Sequence[str], *, anywhere: bool = False) -> dict[str, Any]:
        """The group (id, name) each instance belongs to; `anywhere` looks past the scope.

        An instance belongs to one group in the whole service: attaching it elsewhere is
        refused whichever account or region holds it now.
        """
        query = (
            select(members.c.instance_id, groups.c.id, groups.c.name)
            .join(groups, groups.c.id == members.c.group_id)
            .where(members.c.instance_id.in_(list(instance_ids)))
        )
        if not anywhere:
            query = query.where(in_scope(groups, self.scope))
        return {row.instance_id: row for row in self.conn.execute(query)}

    def move(self, instance_ids: Sequence[str], state: Lifecycle) -> None:
        if self.rehearsal:
            raise WouldWrite("members")
        self.conn.execute(
            update(members)
            .where(members.c.instance_id.in_(list(instance_ids)))
            .values(state=state.value)
        )

    def join(
        self,
        machine: Machine,
        group: Any,
        origin: Origin,
        now: datetime,
        *,
        entrusted: bool = False,
        launch: dict[str, Any] | None = None,
        weight: int | None = None,
        state: Lifecycle = Lifecycle.PENDING,
    ) -> None:
        """A machine joins a group, Pending (or its warm pool, Warmed:Pending); `launch` is the
        source it was made from, if any, and `weight` the units it counts for where the group
        weighs instance types."""
        self.add(
            instance_id=machine.id,
            group_id=group.id,
            zone=machine.zone,
            subnet_id=machine.subnet_id,
            state=state.value,
            healthy=True,
            protected=group.new_instances_protected,
            origin=origin.value,
            entrusted=entrusted,
            instance_type=machine.instance_type,
            launch=launch or {},
            weight=weight,
            joined_at=now,
        )

    def add(self, **values: Any) -> None:
        """A member row; it carries the scope its pages are read by."""
        scope = self.scope
        self.conn.execute(
            members.insert().values(
                account=scope.account, region=scope.region, cloud=scope.cloud.value, **values
            )
        )

    def change(
        self, instance_ids: Sequence[str], group_id: str | None = None, **values: Any
    ) -> int:
        """Set columns of members; with `group_id`, only while they are still that group's."""
        if self.rehearsal:
            raise WouldWrite("members")
        query = update(members).where(members.c.instance_id.in_(list(instance_ids)))
        if group_id is not None:
            query = query.where(members.c.group_id == group_id)
        return int(self.conn.execute(query.values(**values)).rowcount)
