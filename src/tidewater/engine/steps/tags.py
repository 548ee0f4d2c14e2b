"""The tags a group's instances carry: its propagated tags and the one naming the group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from tidewater.domain.scope import Cloud
from tidewater.store.tables import group_tags

GROUP_TAG = {Cloud.AWS: "aws:autoscaling:groupName", Cloud.ALIYUN: "acs:autoscaling:scalingGroupId"}


def member_tags(conn: Connection, group: Any, cloud: Cloud) -> dict[str, str]:
    tags = {
        r.key: r.value
        for r in conn.execute(
            select(group_tags.c.key, group_tags.c.value).where(
                group_tags.c.group_id == group.id, group_tags.c.propagate
            )
        )
    }
    tags[GROUP_TAG[cloud]] = group.name if cloud is Cloud.AWS else group.id
    return tags
