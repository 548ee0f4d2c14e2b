"""Step paths: a pause in a path holds an activity only when something set its deadline.

In process, against a real database (SQLite or PostgreSQL) and the real simulated cloud.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from tidewater.app import Tidewater, build
from tidewater.clock import Clock
from tidewater.config import Settings
from tidewater.domain.launch import Blueprint
from tidewater.domain.lifecycle_hook import Hook, Result, Transition
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import groups, launch_configurations, lifecycle_hooks
from tidewater.engine.groups import GroupSpec
from tidewater.engine.steps import STEPS
from tidewater.engine.steps.paths import PATHS, PAUSES
from tidewater.store.tables import activities, lifecycle_actions, members

SCOPE = Scope("000000000000", "us-east-1", Cloud.AWS)
START = datetime(2026, 1, 1, tzinfo=UTC)


def configured(made: Tidewater) -> None:
    """The launch configuration `lc` every group of these tests launches from."""
    launch_configurations.create(
        made.ctx,
        SCOPE,
        "lc",
        Blueprint("ami-0c02fb55956c7d316", "t3.micro"),
        {"ImageId": "ami-0c02fb55956c7d316", "InstanceType": "t3.micro"},
    )


def built(tmp_path: Path, database_url: str) -> Tidewater:
    """A service whose runner moves only when asked, on a frozen clock, with `lc`."""
    clock = Clock(frozen_at=START)
    made = build(Settings(data_dir=tmp_path, database_url=database_url, runner="manual"), clock)
    configured(made)
    return made


@pytest.fixture
def app(tmp_path: Path, own_database_url: str) -> Iterator[Tidewater]:
    made = built(tmp_path, own_database_url)
    groups.create(
        made.ctx,
        SCOPE,
        GroupSpec(
            name="g",
            min_size=0,
            max_size=1,
            desired=1,
            launch={"kind": "configuration", "name": "lc"},
            zones=["us-east-1a"],
        ),
    )
    made.runner.tick()  # the reconciler records the launch
    yield made
    made.db.dispose()


def _launch(app: Tidewater) -> Any:
    with app.db.read() as conn:
        return conn.execute(select(activities).where(activities.c.kind == "launch")).one()


def _member_state(app: Tidewater) -> str | None:
    with app.db.read() as conn:
        return conn.execute(select(members.c.state)).scalar()


def test_a_launch_with_nothing_to_wait_for_goes_past_the_pause_in_the_launch_steps_own_write(
    app: Tidewater,
) -> None:
    app.runner.tick()  # the launch step
    assert _launch(app).step == "boot"  # never stored at `wait`: no write, no pass of its own


def test_a_launch_waits_where_its_path_pauses_until_its_deadline(app: Tidewater) -> None:
    clock = app.ctx.clock
    until = START + timedelta(minutes=5)
    with app.db.write() as conn:
        row = _launch(app)
        conn.execute(
            update(activities)
            .where(activities.c.id == row.id)
            .values(facts={**row.facts, "wait_until": until.isoformat()})
        )
    app.runner.tick()  # the launch step
    assert _launch(app).step == "wait"
    for _ in range(4):
        clock.advance(60)
        app.runner.drain()
        assert _launch(app).step == "wait"
        assert _launch(app).due_at == until
        assert _member_state(app) == "Pending"  # made, in no balancer, not yet in service
    clock.advance(60)
    app.runner.drain()
    assert _launch(app).status == "Successful"
    assert _member_state(app) == "InService"


def test_every_step_of_every_path_names_a_step_the_runner_knows() -> None:
    assert {step for path in PATHS.values() for step in path} <= set(STEPS)
    assert set(PAUSES) <= set(STEPS)


class Recorder:
    """A notifier that keeps what it is given (the SQS one is built elsewhere)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def lifecycle_action(self, scope: Scope, notice: Any, within: Any) -> None:
        self.sent.append((scope, notice))

    def reaches(self, scope: Scope, check: Any, within: Any) -> bool:
        return True


def hooked(app: Tidewater, hook: Hook) -> None:
    """Group `h` of one instance, launched until the hook holds it."""
    groups.create(
        app.ctx,
        SCOPE,
        GroupSpec(
            name="h",
            min_size=0,
            max_size=1,
            desired=1,
            launch={"kind": "configuration", "name": "lc"},
            zones=["us-east-1a"],
            hooks=[hook],
        ),
    )
    for _ in range(3):
        app.ctx.clock.advance(10)
        app.runner.drain()


def test_a_hook_opens_its_action_at_the_pause_and_tells_its_target(app: Tidewater) -> None:
    recorder = Recorder()
    app.ctx.notices = recorder
    target = "arn:aws:sqs:us-east-1:000000000000:ready"
    hooked(app, Hook("ready", Transition.LAUNCHING, metadata="m", target=target))
    with app.db.read() as conn:
        (action,) = conn.execute(select(lifecycle_actions)).all()
        state = conn.execute(
            select(members.c.state).where(members.c.instance_id == action.instance_id)
        ).scalar()
    assert state == "Pending:Wait"
    ((scope, notice),) = recorder.sent
    assert scope == SCOPE
    assert (notice.target, notice.token, notice.hook, notice.metadata) == (
        target,
        action.token,
        "ready",
        "m",
    )
    assert (notice.instance_id, notice.transition, notice.group_name) == (
        action.instance_id,
        "launching",
        "h",
    )


def test_an_action_past_its_timeout_is_no_longer_active(app: Tidewater) -> None:
    """Between the deadline and the runner's next pass the action is still stored open; a
    heartbeat or a completion then is refused as one for a finished action."""
    hooked(app, Hook("ready", Transition.LAUNCHING, heartbeat=30))
    with app.db.read() as conn:
        (action,) = conn.execute(select(lifecycle_actions)).all()
    ref = lifecycle_hooks.ActionRef("h", "ready", instance_id=action.instance_id)
    left = (action.deadline.replace(tzinfo=UTC) - app.ctx.clock.now()).total_seconds()
    app.ctx.clock.advance(left - 10)  # inside the heartbeat timeout: the beat is taken
    lifecycle_hooks.heartbeat(app.ctx, SCOPE, ref)
    app.ctx.clock.advance(30)  # past it, and the runner has not run
    for call in (
        lambda: lifecycle_hooks.heartbeat(app.ctx, SCOPE, ref),
        lambda: lifecycle_hooks.complete(app.ctx, SCOPE, ref, Result.CONTINUE),
    ):
        with pytest.raises(Refusal) as refused:
            call()
        assert refused.value.reason == "hook.no_action_instance"
    with app.db.read() as conn:
        assert conn.execute(select(lifecycle_actions.c.result)).scalar() is None
