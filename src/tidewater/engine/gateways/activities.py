"""A scope's activities: recorded in a command's transaction, found again by ClientToken."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tidewater.domain.activity import TERMINAL, Kind, Status
from tidewater.domain.lifecycle_hook import PAUSE, held_at
from tidewater.domain.scope import Scope
from tidewater.engine.gateways.groups import in_scope
from tidewater.engine.gateways.hooks import holding
from tidewater.engine.profile import Profile, Record
from tidewater.store.tables import activities

UNFINISHED = [s.value for s in TERMINAL]


class Activities:
    """Activities of one scope, with ids as its cloud makes them."""

    def __init__(self, conn: Connection, scope: Scope, profile: Profile) -> None:
        self.conn = conn
        self.scope = scope
        self.profile = profile

    def add(
        self,
        group: Any,
        kind: Kind,
        now: datetime,
        *,
        instance_id: str | None = None,
        zone: str | None = None,
        subnet_id: str | None = None,
        status: Status = Status.IN_PROGRESS,
        progress: int = 0,
        step: str = "start",
        facts: dict[str, Any] | None = None,
        parent_id: str | None = None,
        client_token: str | None = None,
        runs: bool = True,
    ) -> dict[str, Any]:
        """Record an activity; the runner advances it from `step` (a request's own waits)."""
        scope = self.scope
        facts = dict(facts or {})
        transition = held_at(kind, facts)
        if runs and transition is not None and self._hooked(group.id, transition, facts):
            facts[PAUSE] = now.isoformat()  # its `wait` step opens the hooks' actions
        row = {
            "id": self.profile.new_id(Record.ACTIVITY),
            "account": scope.account,
            "region": scope.region,
            "cloud": scope.cloud.value,
            "group_id": group.id,
            "group_name": group.name,
            "group_arn": group.arn,
            "group_deleted": False,
            "kind": kind.value,
            "instance_id": instance_id,
            "zone": zone,
            "subnet_id": subnet_id,
            "status": status.value,
            "progress": progress,
            "step": step,
            "due_at": now if runs else None,
            "parent_id": parent_id,
            "client_token": client_token,
            "facts": facts,
            "status_message": None,
            "started_at": now,
            "ended_at": None,
            "lease_owner": None,
            "lease_until": None,
        }
        self.conn.execute(insert(activities).values(row))
        return row

    def _hooked(self, group_id: str, transition: str, facts: dict[str, Any]) -> bool:
        """Whether a hook of the group holds such an activity."""
        found = self.conn.execute(holding(group_id, transition, facts).limit(1)).first()
        return found is not None

    def end(
        self, activity: dict[str, Any], now: datetime, status: Status, failure: dict[str, Any]
    ) -> dict[str, Any]:
        """End an activity nothing will run, with why as a neutral fact its dialect words."""
        values = {
            "status": status.value,
            "progress": 100,
            "step": "done",
            "due_at": None,
            "ended_at": now,
            "facts": {**activity["facts"], "failure": failure},
        }
        ended = update(activities).where(activities.c.id == activity["id"]).values(values)
        self.conn.execute(ended)
        return {**activity, **values}

    def by_token(self, token: str | None) -> dict[str, Any] | None:
        """The activity an earlier request with this ClientToken started, if any."""
        if not token:
            return None
        row = self.conn.execute(
            select(activities).where(
                in_scope(activities, self.scope), activities.c.client_token == token
            )
        ).first()
        return dict(row._mapping) if row is not None else None

    def busy(self, group_id: str) -> bool:
        """Whether the group has an activity that has not finished."""
        return (
            self.conn.execute(
                select(activities.c.id)
                .where(activities.c.group_id == group_id, activities.c.status.not_in(UNFINISHED))
                .limit(1)
            ).first()
            is not None
        )
