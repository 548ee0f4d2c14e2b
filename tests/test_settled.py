"""A change that leaves its group settled skips the reconcile pass; every other still gets one.

The property is proved on the domain rule (settled means `plan` finds nothing, whatever else
it is given), then the engine's use of it in process, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from tidewater.app import Tidewater
from tidewater.domain import capacity
from tidewater.domain.group import Group, GroupStatus
from tidewater.domain.instance import COUNTED, Lifecycle, Member
from tidewater.engine import groups, instances, invariants, reconciler
from tidewater.engine.groups import GroupSpec
from tidewater.engine.leaving import DETACH, leave
from tidewater.store.tables import activities
from tidewater.store.tables import groups as group_rows
from tidewater.store.tables import members as member_rows

from .test_domain_capacity import ZONES, weighted
from .test_domain_capacity import groups as any_group
from .test_domain_capacity import members as any_members
from .test_steps import SCOPE, START, built


@given(
    any_group(),
    any_members(),
    st.sampled_from(list(GroupStatus)),
    st.lists(st.sampled_from(ZONES), max_size=2),
    st.booleans(),
    st.none() | st.integers(0, 5),
    st.integers(0, 3),
    st.integers(1, 100),
)
def test_a_settled_group_plans_nothing_whatever_else_the_plan_is_given(
    group: Group,
    current: list[Member],
    status: GroupStatus,
    pending: list[str],
    rebalancing: bool,
    room: int | None,
    allowance: int,
    batch: int,
) -> None:
    group.status = status
    launching = bool(pending) or rebalancing
    if not capacity.settled(group, current, launching):
        return
    plan = capacity.plan(
        group, current, pending, START, rebalancing, batch=batch, room=room, allowance=allowance
    )
    assert not (plan.launch_zones or plan.terminate or plan.replace_unhealthy or plan.more)


@given(weighted(), st.integers(0, 3), st.integers(1, 100))
def test_a_settled_weighted_group_plans_nothing(
    drawn: tuple[Group, list[Member]], allowance: int, batch: int
) -> None:
    """With weights a group may sit above its desired capacity and still be settled: only
    while no member is light enough to end."""
    group, current = drawn
    if not capacity.settled(group, current, False):
        return
    plan = capacity.plan(group, current, [], START, batch=batch, allowance=allowance)
    assert not (plan.launch_zones or plan.terminate or plan.replace_unhealthy or plan.more)


def test_settled_is_exactly_desired_healthy_and_even() -> None:
    group = Group(id="g", name="g", min_size=0, max_size=4, desired=2, zones=("a", "b"))
    one = Member("i-1", "g", "a", "s", Lifecycle.IN_SERVICE, True, False, "launched", START)  # type: ignore[arg-type]
    two = Member("i-2", "g", "b", "s", Lifecycle.PENDING, True, False, "launched", START)  # type: ignore[arg-type]
    assert capacity.settled(group, [one, two], launching=False)
    assert not capacity.settled(group, [one, two], launching=True)
    assert not capacity.settled(group, [one], launching=False)  # a gap
    assert not capacity.settled(
        group, [one, two, Member(**{**_fields(two), "instance_id": "i-3"})], False
    )
    sick = Member(**{**_fields(two), "healthy": False})
    assert not capacity.settled(group, [one, sick], launching=False)
    leaning = Member(**{**_fields(two), "zone": "a"})
    group.desired, group.zones = 2, ("a", "b", "c")
    assert not capacity.settled(group, [one, leaning], launching=False)  # two zones apart
    group.status = GroupStatus.DELETING
    assert not capacity.settled(group, [one, two], launching=False)


def _fields(member: Member) -> dict[str, object]:
    return {name: getattr(member, name) for name in member.__slots__}  # type: ignore[attr-defined]


@pytest.fixture
def app(tmp_path: Path, own_database_url: str) -> Iterator[Tidewater]:
    made = built(tmp_path, own_database_url)
    yield made
    made.db.dispose()


def settled_group(app: Tidewater, name: str, desired: int, zones: list[str]) -> list[str]:
    """A group settled at `desired` InService instances; their ids."""
    groups.create(
        app.ctx,
        SCOPE,
        GroupSpec(
            name=name,
            min_size=0,
            max_size=6,
            desired=desired,
            launch={"kind": "configuration", "name": "lc"},
            zones=zones,
        ),
    )
    _settle(app)
    with app.db.read() as conn:
        ids = list(
            conn.execute(
                select(member_rows.c.instance_id)
                .join(group_rows, group_rows.c.id == member_rows.c.group_id)
                .where(group_rows.c.name == name, member_rows.c.state == "InService")
                .order_by(member_rows.c.zone, member_rows.c.instance_id)
            ).scalars()
        )
    assert len(ids) == desired
    return ids


def _settle(app: Tidewater) -> None:
    for _ in range(20):
        app.ctx.clock.advance(60)
        app.runner.drain()


def _dirty(app: Tidewater, name: str) -> bool:
    with app.db.read() as conn:
        return bool(
            conn.execute(select(group_rows.c.dirty).where(group_rows.c.name == name)).scalar()
        )


def _counted(app: Tidewater, name: str) -> int:
    with app.db.read() as conn:
        return len(
            conn.execute(
                select(member_rows.c.instance_id)
                .join(group_rows, group_rows.c.id == member_rows.c.group_id)
                .where(
                    group_rows.c.name == name,
                    member_rows.c.state.in_([s.value for s in COUNTED]),
                )
            ).all()
        )


def test_detach_with_decrement_then_attach_ask_no_reconcile_of_a_settled_group(
    app: Tidewater, monkeypatch: pytest.MonkeyPatch
) -> None:
    [instance] = settled_group(app, "g", 1, ["us-east-1a"])
    passes: list[str] = []
    real = reconciler.reconcile
    monkeypatch.setattr(reconciler, "reconcile", lambda ctx, g: (passes.append(g), real(ctx, g)))
    leave(app.ctx, SCOPE, "g", [instance], DETACH, decrement=True)
    assert not _dirty(app, "g")
    app.runner.drain()
    instances.attach(app.ctx, SCOPE, "g", [instance])
    assert not _dirty(app, "g")
    app.runner.drain()
    assert passes == []
    assert _counted(app, "g") == 1
    assert invariants.check(app.db, app.ctx.clock.now()) == []


def test_detach_without_decrement_still_launches_a_replacement(app: Tidewater) -> None:
    [instance] = settled_group(app, "g", 1, ["us-east-1a"])
    leave(app.ctx, SCOPE, "g", [instance], DETACH, decrement=False)
    assert _dirty(app, "g")
    _settle(app)
    assert _counted(app, "g") == 1
    assert invariants.check(app.db, app.ctx.clock.now()) == []


def test_a_detach_that_leaves_zones_uneven_still_rebalances(app: Tidewater) -> None:
    ids = settled_group(app, "g", 4, ["us-east-1a", "us-east-1b"])
    leave(app.ctx, SCOPE, "g", ids[:2], DETACH, decrement=True)  # both of us-east-1a
    assert _dirty(app, "g")
    _settle(app)
    with app.db.read() as conn:
        zones = sorted(conn.execute(select(member_rows.c.zone)).scalars())
    assert zones == ["us-east-1a", "us-east-1b"]


def test_an_activity_ending_in_an_unsettled_group_asks_for_a_reconcile(app: Tidewater) -> None:
    [instance] = settled_group(app, "g", 1, ["us-east-1a"])
    leave(app.ctx, SCOPE, "g", [instance], DETACH, decrement=True)
    # meanwhile the group wants one more than it has: the activity's end must not hide it
    with app.db.write() as conn:
        conn.execute(update(group_rows).where(group_rows.c.name == "g").values(desired=1))
    app.runner.tick()  # the detach ends, and the same pass reconciles the group
    with app.db.read() as conn:
        kinds = list(conn.execute(select(activities.c.kind).order_by(activities.c.seq)).scalars())
    assert kinds[-1] == "launch"
    _settle(app)
    assert _counted(app, "g") == 1
