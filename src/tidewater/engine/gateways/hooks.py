"""Which of a group's hooks hold an activity: written once for recording and for waiting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, or_, select

from tidewater.domain.lifecycle_hook import IGNORED
from tidewater.store.tables import lifecycle_hooks


def holding(group_id: str, transition: str, facts: Mapping[str, Any]) -> Select[Any]:
    """Active hooks on the transition, less those the activity's request passed by (ESS)."""
    query = select(lifecycle_hooks).where(
        lifecycle_hooks.c.group_id == group_id,
        lifecycle_hooks.c.transition == transition,
        lifecycle_hooks.c.active.is_(True),
    )
    ignored = list(facts.get(IGNORED) or [])
    if ignored:
        query = query.where(
            or_(lifecycle_hooks.c.hook_id.is_(None), lifecycle_hooks.c.hook_id.not_in(ignored))
        )
    return query.order_by(lifecycle_hooks.c.seq)
