"""One scoped gateway per aggregate: the scope filter and the cloud's keys are written once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tidewater.domain.activity import Kind
from tidewater.domain.group import Group
from tidewater.domain.instance import Member
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.gateways.activities import Activities
from tidewater.engine.gateways.groups import Groups
from tidewater.engine.gateways.members import Members
from tidewater.engine.profile import Profile
from tidewater.engine.records import group_of

__all__ = ["Activities", "Books", "Groups", "Members"]


@dataclass(frozen=True, slots=True)
class Books:
    """A command's view of one scope inside its transaction: groups, members and activities."""

    conn: Connection
    scope: Scope
    profile: Profile
    groups: Groups
    members: Members
    activities: Activities

    @classmethod
    def of(cls, conn: Connection, scope: Scope, profile: Profile) -> Books:
        return cls(
            conn,
            scope,
            profile,
            Groups(conn, scope, profile),
            Members(conn, scope),
            Activities(conn, scope, profile),
        )

    def open(self, key: str) -> tuple[Any, Group, dict[str, Member]]:
        """Lock a group for a change to its instances; ESS refuses while an activity runs."""
        row, group = self.hold(key)
        self.admit(group, key)
        return row, group, self.members.of(group.id)

    def hold(self, key: str) -> tuple[Any, Group]:
        """Lock a group, before anything about it is read or checked."""
        row = self.groups.lock(key)
        return row, group_of(row)

    def admit(self, group: Group, key: str) -> None:
        """Refuse a change to a group's instances that its status (or, on ESS, a running
        activity) does not allow."""
        group.require_active()
        if group.rules.exclusive_activities and self.activities.busy(group.id):
            raise Refusal("group.activity_in_progress", group=key)

    def request(
        self,
        row: Any,
        group: Group,
        kind: Kind,
        now: datetime,
        facts: dict[str, Any],
        client_token: str | None = None,
    ) -> dict[str, Any] | None:
        """ESS answers a request with one activity standing for all of its instances."""
        if not group.rules.batched_activities:
            return None
        return self.activities.add(
            row, kind, now, runs=False, facts=facts, client_token=client_token
        )
