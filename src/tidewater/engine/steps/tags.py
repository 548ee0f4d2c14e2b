"""The tags a group's instances carry: its propagated tags and the one naming the group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from tidewater.engine.profile import Profile
from tidewater.store.tables import group_tags


def group_tag(profile: Profile, group: Any) -> dict[str, str]:
    """The tag that marks an instance as the group's, as its cloud spells it."""
    return {profile.group_tag: profile.group_tag_value(group.id, group.name)}


def member_tags(conn: Connection, group: Any, profile: Profile) -> dict[str, str]:
    tags = {
        r.key: r.value
        for r in conn.execute(
            select(group_tags.c.key, group_tags.c.value).where(
                group_tags.c.group_id == group.id, group_tags.c.propagate
            )
        )
    }
    return {**tags, **group_tag(profile, group)}
