"""Commands rehearsed on a read snapshot: a refusal, or a change that changes nothing, is answered
without the write lock; the first write starts the command over in a write transaction.

In process, on the test backend (SQLite, or PostgreSQL with TIDEWATER_TEST_BACKEND=postgresql),
with the clock frozen and the runner idle unless a test drives it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, select, text

from tidewater.app import Tidewater, build
from tidewater.clock import Clock
from tidewater.config import Settings
from tidewater.dialects.aws.autoscaling import AutoScalingService
from tidewater.domain.launch import Blueprint
from tidewater.domain.refusal import Contention, Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import groups, instances, launch_configurations, leaving
from tidewater.engine.groups import GroupSpec
from tidewater.store.database import WouldWrite
from tidewater.store.tables import groups as group_table
from tidewater.store.tables import members

SCOPE = Scope("000000000000", "us-east-1", Cloud.AWS)
DEAD = "i-0000000000000dead"
LOCK_WAIT = 0.5


@pytest.fixture
def app(tmp_path: Path, own_database_url: str) -> Iterator[Tidewater]:
    """Group "g" of four InService members, and "h", empty, beside it (both may hold six)."""
    clock = Clock(frozen_at=datetime(2026, 1, 1, tzinfo=UTC))
    settings = Settings(
        data_dir=tmp_path,
        database_url=own_database_url,
        runner="manual",
        lock_wait_seconds=LOCK_WAIT,
    )
    service = build(settings, clock)
    image = "ami-0c02fb55956c7d316"
    launch_configurations.create(
        service.ctx,
        SCOPE,
        "lc",
        Blueprint(image, "t3.micro"),
        {"ImageId": image, "InstanceType": "t3.micro"},
    )
    for name, desired in (("g", 4), ("h", 0)):
        launch = {"kind": "configuration", "name": "lc"}
        spec = GroupSpec(name, 0, 6, desired, launch=launch, zones=["us-east-1a"])
        groups.create(service.ctx, SCOPE, spec)
    settle(service)
    yield service
    service.db.dispose()


def settle(app: Tidewater) -> None:
    for _ in range(4):
        app.runner.drain()
        app.ctx.clock.advance(10)
    app.runner.drain()


def members_of(app: Tidewater, name: str) -> dict[str, str]:
    with app.db.read() as conn:
        group_id = conn.execute(select(group_table.c.id).where(group_table.c.name == name))
        rows = conn.execute(
            select(members.c.instance_id, members.c.state).where(
                members.c.group_id == group_id.scalar_one()
            )
        )
        return {row.instance_id: row.state for row in rows}


def desired_of(app: Tidewater, name: str) -> int:
    with app.db.read() as conn:
        query = select(group_table.c.desired).where(group_table.c.name == name)
        return int(conn.execute(query).scalar_one())


def detach(app: Tidewater, ids: list[str], how: leaving.Leave = leaving.DETACH) -> Any:
    return leaving.leave(app.ctx, SCOPE, "g", ids, how, decrement=True)


@contextmanager
def write_lock_held_elsewhere(app: Tidewater) -> Iterator[None]:
    """Another connection holds what every change of group "g" waits for: SQLite's write lock,
    or on PostgreSQL the group's row lock."""
    if app.db.dialect == "sqlite":
        path = make_url(app.db.url).database
        assert path
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with app.db.engine.connect() as other, other.begin():
        other.execute(text("SELECT id FROM groups WHERE name = 'g' FOR UPDATE"))
        yield


def test_refusals_and_unchanged_capacity_take_no_write_lock(app: Tidewater) -> None:
    wakes: list[int] = []
    app.ctx.wake = lambda: wakes.append(1)
    member = next(iter(members_of(app, "g")))
    with write_lock_held_elsewhere(app):
        began = time.perf_counter()
        with pytest.raises(Refusal) as refused:
            detach(app, [DEAD])
        assert refused.value.reason == "instance.not_member"
        with pytest.raises(Refusal):
            groups.set_desired(app.ctx, SCOPE, "g", 9, False)  # above the maximum
        groups.set_desired(app.ctx, SCOPE, "g", 4, False)  # what it already is
        assert time.perf_counter() - began < LOCK_WAIT  # none of them waited for the lock
        # the control: a change that writes does wait, and gives up
        with pytest.raises(Contention):
            detach(app, [member])
        with pytest.raises(Contention):
            groups.set_desired(app.ctx, SCOPE, "g", 3, False)
    assert wakes == []  # no runner was woken for them
    assert members_of(app, "g")[member] == "InService"
    detach(app, [member])
    groups.set_desired(app.ctx, SCOPE, "g", 2, False)
    assert wakes == [1, 1]
    assert desired_of(app, "g") == 2


def test_refused_policy_executions_take_no_write_lock(app: Tidewater) -> None:
    """ExecutePolicy refused for its cooldown or a disabled policy is answered from the
    rehearsal; one that changes capacity still takes the lock."""
    aws = AutoScalingService(app.ctx)
    for name, enabled in (("up", True), ("off", False)):
        aws.PutScalingPolicy(
            SCOPE,
            {
                "AutoScalingGroupName": "g",
                "PolicyName": name,
                "AdjustmentType": "ChangeInCapacity",
                "ScalingAdjustment": 1,
                "Cooldown": 300,
                "Enabled": enabled,
            },
        )
    aws.ExecutePolicy(SCOPE, {"AutoScalingGroupName": "g", "PolicyName": "up"})
    assert desired_of(app, "g") == 5
    wakes: list[int] = []
    app.ctx.wake = lambda: wakes.append(1)
    refusals = []
    with write_lock_held_elsewhere(app):
        began = time.perf_counter()
        for name in ("up", "off"):
            with pytest.raises(Refusal) as refused:
                aws.ExecutePolicy(
                    SCOPE, {"AutoScalingGroupName": "g", "PolicyName": name, "HonorCooldown": True}
                )
            refusals.append(refused.value.reason)
        assert time.perf_counter() - began < LOCK_WAIT
        with pytest.raises(Contention):  # not honouring the cooldown: it changes capacity
            aws.ExecutePolicy(SCOPE, {"AutoScalingGroupName": "g", "PolicyName": "up"})
    assert refusals == ["cooldown", "policy.disabled"]
    assert wakes == []
    assert desired_of(app, "g") == 5
    aws.ExecutePolicy(SCOPE, {"AutoScalingGroupName": "g", "PolicyName": "up"})
    assert (desired_of(app, "g"), wakes) == (6, [1])


def test_a_rehearsal_stops_at_its_first_write_and_commits_nothing(app: Tidewater) -> None:
    member = next(iter(members_of(app, "g")))

    def body(books: Any) -> None:
        books.members.move([member], leaving.Lifecycle.STANDBY)

    with pytest.raises(WouldWrite), app.db.rehearse() as conn:
        body(app.ctx.books(conn, SCOPE))
    assert members_of(app, "g")[member] == "InService"
    # past the gateways, the engine's guard stops any statement but a plain read
    with pytest.raises(WouldWrite), app.db.rehearse() as conn:
        conn.execute(text("UPDATE members SET state = 'Standby'"))
    assert members_of(app, "g")[member] == "InService"
    if app.db.dialect == "postgresql":  # SQLite has no row locks: its FOR UPDATE is a read
        with pytest.raises(WouldWrite), app.db.rehearse() as conn:
            conn.execute(select(group_table.c.id).with_for_update())
        settings = (
            "current_setting('transaction_isolation'), current_setting('transaction_read_only')"
        )
        with app.db.rehearse() as conn:  # one snapshot, and the database refuses writes too
            assert tuple(conn.execute(text(f"SELECT {settings}")).one()) == (
                "repeatable read",
                "on",
            )
        for _ in range(12):  # every pooled connection is a plain one again afterwards
            with app.db.write() as conn:
                found = tuple(conn.execute(text(f"SELECT {settings}")).one())
                assert found == ("read committed", "off")
    app.ctx.attempt(SCOPE, body)  # runs again in a write transaction
    assert members_of(app, "g")[member] == "Standby"


def race(calls: list[Callable[[], Any]]) -> list[str]:
    """Run the calls at once; each one's outcome: "ok", or the refusal's code."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(n: int) -> None:
        start.wait()
        try:
            calls[n]()
            outcomes[n] = "ok"
        except Refusal as refusal:
            outcomes[n] = refusal.reason

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_racing_requests_for_one_instance_take_it_once(app: Tidewater) -> None:
    """Detach and standby race for each member: exactly one wins, every other is refused for
    the state the winner left it in, and the desired capacity falls once per member."""
    for member in list(members_of(app, "g")):
        before = desired_of(app, "g")
        hows = [leaving.DETACH, leaving.ENTER_STANDBY] * 3
        outcomes = race([lambda h=how, m=member: detach(app, [m], h) for how in hows])
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) == {"ok", "instance.bad_state"}, outcomes
        winner = hows[outcomes.index("ok")]
        state = members_of(app, "g")[member]
        assert state == ("Detaching" if winner is leaving.DETACH else "EnteringStandby")
        assert desired_of(app, "g") == before - 1


def test_attach_races_terminate_of_the_same_instance(app: Tidewater) -> None:
    """A free machine is attached while terminates of it race: they are refused until the attach
    has committed, then exactly one is accepted, and neither change is lost."""
    free = list(members_of(app, "g"))
    for member in free:
        detach(app, [member])
    settle(app)
    assert members_of(app, "g") == {}
    for machine in free:
        rounds = 0

        def terminate(machine: str = machine) -> None:
            leaving.leave(app.ctx, SCOPE, None, [machine], leaving.TERMINATE)

        def terminate_until_accepted() -> None:
            nonlocal rounds
            while True:
                rounds += 1
                try:
                    terminate()
                    return
                except Refusal as refusal:
                    assert refusal.reason == "instance.unmanaged"

        before = desired_of(app, "h")
        attaching = threading.Thread(
            target=lambda m=machine: instances.attach(app.ctx, SCOPE, "h", [m])
        )
        terminating = threading.Thread(target=terminate_until_accepted)
        terminating.start()
        attaching.start()
        attaching.join()
        terminating.join(timeout=30)
        assert not terminating.is_alive()
        assert members_of(app, "h")[machine] == "Terminating"
        assert desired_of(app, "h") == before + 1  # the attach's growth kept, terminate keeps it
        with pytest.raises(Refusal) as again:
            terminate()
        assert again.value.reason == "instance.bad_state"


def test_set_desired_races_keep_the_last_accepted_value(app: Tidewater) -> None:
    """Unchanged values answered from the snapshot never undo a change that committed first."""
    for target in (1, 5, 2, 6, 0):
        outcomes = race(
            [lambda t=target: groups.set_desired(app.ctx, SCOPE, "h", t, False) for _ in range(6)]
        )
        assert outcomes == ["ok"] * 6
        assert desired_of(app, "h") == target
