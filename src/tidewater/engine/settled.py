"""Whether a change leaves its group needing the reconciler: a pass that would do nothing is
skipped, so an activity that moved one member costs no reconcile of its group."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, bindparam, exists, func, select

from tidewater.domain import capacity
from tidewater.domain.activity import TERMINAL, Kind
from tidewater.domain.instance import Lifecycle
from tidewater.engine.records import group_of
from tidewater.store.tables import activities, groups, members

# Built once: asked by every activity's last step and by the requests that move members
_GROUP = select(
    groups,
    exists()
    .where(
        activities.c.group_id == groups.c.id,
        activities.c.kind == Kind.LAUNCH.value,
        activities.c.status.not_in([s.value for s in TERMINAL]),
    )
    .label("launching"),
).where(groups.c.id == bindparam("group"))
# the members counted by (zone, state, healthy, weight): a few rows however big the group
_TALLY = (
    select(members.c.zone, members.c.state, members.c.healthy, members.c.weight, func.count())
    .where(members.c.group_id == bindparam("group"))
    .group_by(members.c.zone, members.c.state, members.c.healthy, members.c.weight)
)


def needs_look(conn: Connection, group_id: str) -> bool:
    """Read in the change's own transaction, after its writes: True unless a reconcile pass
    would find the group settled (and has no request of its own waiting, `trigger`)."""
    row = conn.execute(_GROUP, {"group": group_id}).first()
    if row is None or row.trigger is not None:
        return row is not None
    counts: capacity.Tally = Counter()
    for zone, state, healthy, weight, n in conn.execute(_TALLY, {"group": group_id}):
        counts[(zone, Lifecycle(state), bool(healthy), weight or 1)] += n
    return not capacity.settled_tally(group_of(row), counts, bool(row.launching))
