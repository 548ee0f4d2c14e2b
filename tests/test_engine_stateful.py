"""The engine as a state machine: random commands, a runner that catches up, invariants that hold.

Runs in process against a real SQLite database and the real simulated cloud; only the clock is
ours to move.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from tidewater.app import build
from tidewater.clock import Clock
from tidewater.config import Settings
from tidewater.dialects.aws.autoscaling import AutoScalingService
from tidewater.domain.activity import TERMINAL
from tidewater.domain.launch import Blueprint
from tidewater.domain.processes import AWS, Gate
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import groups, instances, launch_configurations, leaving, policies
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.groups import GroupSpec
from tidewater.store.database import WouldWrite
from tidewater.store.tables import activities, machines, members
from tidewater.store.tables import groups as group_table

SCOPE = Scope("000000000000", "us-east-1", Cloud.AWS)
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]


DEAD = "i-0000000000000dead"


def _only(ctx: Context, *, rehearsal: bool) -> Context:
    """A context whose commands only rehearse (their first write raises WouldWrite), or only
    run in a write transaction."""
    copy = dataclasses.replace(ctx)

    def attempt(scope: Scope, body: Callable[[Books], object], *, rehearse: bool = True) -> object:
        if not rehearsal:
            return Context.attempt(copy, scope, body, rehearse=False)
        with copy.db.rehearse() as conn:
            return body(copy.books(conn, scope))

    copy.attempt = attempt  # type: ignore[method-assign,assignment]
    return copy


def _outcome(call: Callable[[Context], object], ctx: Context) -> tuple[object, ...]:
    try:
        return ("done", call(ctx))
    except WouldWrite:
        return ("writes",)
    except Refusal as refusal:
        return ("refused", refusal.reason, refusal.facts)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp()
        self.clock = Clock(frozen_at=datetime(2026, 1, 1, tzinfo=UTC))
        numbers = itertools.count(1)
        self.app = build(
            Settings(data_dir=Path(self.dir), runner="manual"),
            self.clock,
            lambda cloud: f"i-{next(numbers):017x}",  # repeatable runs for hypothesis
        )
        self.ctx = self.app.ctx
        launch_configurations.create(
            self.ctx,
            SCOPE,
            "lc",
            Blueprint("ami-0c02fb55956c7d316", "t3.micro"),
            {"ImageId": "ami-0c02fb55956c7d316", "InstanceType": "t3.micro"},
        )
        groups.create(
            self.ctx,
            SCOPE,
            GroupSpec(
                name="g",
                min_size=0,
                max_size=8,
                desired=3,
                launch={"kind": "configuration", "name": "lc"},
                zones=ZONES[:2],
            ),
        )
        service = AutoScalingService(self.ctx)
        self.policies = [
            service.PutScalingPolicy(
                SCOPE,
                {
                    "AutoScalingGroupName": "g",
                    "PolicyName": f"by{step}",
                    "AdjustmentType": "ChangeInCapacity",
                    "ScalingAdjustment": step,
                    "Cooldown": 60,
                },
            )["PolicyARN"]
            for step in (1, -2)
        ]
        self.settle()

    def teardown(self) -> None:
        self.app.db.dispose()

    def settle(self) -> None:
        for _ in range(4):
            self.app.runner.drain()
            self.clock.advance(10)
        self.app.runner.drain()

    def members(self, state: str | None = None) -> list[str]:
        with self.ctx.db.read() as conn:
            query = select(members.c.instance_id)
            if state:
                query = query.where(members.c.state == state)
            return sorted(conn.execute(query).scalars())

    def attempt(self, command: object, *args: object, **kwargs: object) -> None:
        with contextlib.suppress(Refusal):
            command(self.ctx, SCOPE, *args, **kwargs)  # type: ignore[operator]

    @rule(desired=st.integers(0, 8))
    def set_desired(self, desired: int) -> None:
        self.attempt(groups.set_desired, "g", desired, False)

    @rule(which=st.integers(0, 1), honor=st.booleans())
    def execute_policy(self, which: int, honor: bool) -> None:
        self.attempt(policies.fire, self.policies[which], None, honor_cooldown=honor)

    @rule(data=st.data(), decrement=st.booleans())
    def detach(self, data: st.DataObject, decrement: bool) -> None:
        ids = self.members()
        if ids:
            chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))
            self.attempt(leaving.leave, "g", chosen, leaving.DETACH, decrement=decrement)

    @rule(data=st.data(), decrement=st.booleans())
    def standby(self, data: st.DataObject, decrement: bool) -> None:
        ids = self.members("InService")
        if ids:
            chosen = [data.draw(st.sampled_from(ids))]
            self.attempt(leaving.leave, "g", chosen, leaving.ENTER_STANDBY, decrement=decrement)

    @rule(data=st.data())
    def exit_standby(self, data: st.DataObject) -> None:
        ids = self.members("Standby")
        if ids:
            chosen = [data.draw(st.sampled_from(ids))]
            self.attempt(leaving.leave, "g", chosen, leaving.EXIT_STANDBY)

    @rule(data=st.data(), decrement=st.booleans())
    def terminate(self, data: st.DataObject, decrement: bool) -> None:
        ids = self.members()
        if ids:
            chosen = [data.draw(st.sampled_from(ids))]
            self.attempt(leaving.leave, None, chosen, leaving.TERMINATE, decrement=decrement)

    @rule(data=st.data())
    def protect(self, data: st.DataObject) -> None:
        ids = self.members("InService")
        if ids:
            self.attempt(
                instances.set_protection,
                "g",
                [data.draw(st.sampled_from(ids))],
                data.draw(st.booleans()),
            )

    @rule(
        process=st.sampled_from(
            ["Launch", "Terminate", "AZRebalance", "ReplaceUnhealthy", "HealthCheck"]
        ),
        suspend=st.booleans(),
    )
    def processes(self, process: str, suspend: bool) -> None:
        self.attempt(groups.set_processes, "g", [process], suspend)

    @rule(data=st.data())
    def stop_behind_its_back(self, data: st.DataObject) -> None:
        ids = self.members("InService")
        if ids:
            self.ctx.compute.stop(SCOPE, [data.draw(st.sampled_from(ids))])

    @rule(
        data=st.data(),
        command=st.sampled_from(
            [
                "detach",
                "standby",
                "exit",
                "terminate",
                "attach",
                "desired",
                "protect",
                "health",
                "policy",
            ]
        ),
    )
    def rehearsal_agrees_with_the_write(self, data: st.DataObject, command: str) -> None:
        """A command answered from its rehearsal (refused, or done without writing) gets the
        same answer when it runs straight in a write transaction on the same state."""
        chosen = data.draw(st.lists(st.sampled_from([*self.members(), DEAD]), max_size=2))
        desired = data.draw(st.integers(0, 10))
        hows = {
            "detach": leaving.DETACH,
            "standby": leaving.ENTER_STANDBY,
            "exit": leaving.EXIT_STANDBY,
            "terminate": leaving.TERMINATE,
        }

        def call(ctx: Context) -> object:
            if command == "attach":
                return instances.attach(ctx, SCOPE, "g", chosen)
            if command == "desired":
                return groups.set_desired(ctx, SCOPE, "g", desired, False)
            if command == "protect":
                return instances.set_protection(ctx, SCOPE, "g", chosen, desired % 2 == 0)
            if command == "policy":
                ari = self.policies[desired % 2]
                return policies.fire(ctx, SCOPE, ari, None, honor_cooldown=desired > 4)
            if command == "health":
                return instances.set_health(ctx, SCOPE, [*chosen, DEAD][0], desired % 2 == 0)
            key = None if command == "terminate" else "g"
            return leaving.leave(ctx, SCOPE, key, chosen, hows[command], decrement=True)

        rehearsed = _outcome(call, _only(self.ctx, rehearsal=True))
        written = _outcome(call, _only(self.ctx, rehearsal=False))
        if rehearsed[0] == "writes":
            assert written[0] == "done", written
        else:
            assert written == rehearsed

    @rule()
    def catch_up(self) -> None:
        self.settle()

    @invariant()
    def machines_in_use_are_kept_counted(self) -> None:
        with self.ctx.db.read() as conn:
            counted = conn.execute(
                select(func.count())
                .select_from(machines)
                .where(machines.c.state.in_(["pending", "running"]))
            ).scalar_one()
        assert self.ctx.compute.in_use(SCOPE) == counted

    @invariant()
    def desired_within_bounds_and_no_instance_twice(self) -> None:
        with self.ctx.db.read() as conn:
            group = conn.execute(select(group_table)).one()
            assert group.min_size <= group.desired <= group.max_size
            total = conn.execute(select(func.count()).select_from(members)).scalar_one()
            unique = conn.execute(
                select(func.count(func.distinct(members.c.instance_id)))
            ).scalar_one()
            assert total == unique
            orphans = conn.execute(
                select(func.count())
                .select_from(members)
                .outerjoin(machines, machines.c.id == members.c.instance_id)
                .where(machines.c.id.is_(None))
            ).scalar_one()
            assert orphans == 0, "every member is a real machine"

    @invariant()
    def settled_group_matches_desired(self) -> None:
        self.settle()
        with self.ctx.db.read() as conn:
            group = conn.execute(select(group_table)).one()
            open_activities = conn.execute(
                select(func.count())
                .select_from(activities)
                .where(activities.c.status.not_in([s.value for s in TERMINAL]))
            ).scalar_one()
            assert open_activities == 0, "the runner finishes everything"
            counted = conn.execute(
                select(func.count())
                .select_from(members)
                .where(members.c.state.in_(["InService", "Pending"]))
            ).scalar_one()
            protected = conn.execute(
                select(func.count())
                .select_from(members)
                .where(members.c.state.in_(["InService", "Pending"]), members.c.protected)
            ).scalar_one()
            held = (Gate.SCALE_OUT, Gate.SCALE_IN, Gate.REPLACE_UNHEALTHY)
            if not any(AWS.blocks(gate, group.suspended) for gate in held):
                # scale-in spares protected instances, so only they may stand above desired
                assert group.desired <= counted <= group.desired + protected
            tokens = (
                conn.execute(
                    select(machines.c.client_token).where(machines.c.client_token.is_not(None))
                )
                .scalars()
                .all()
            )
            assert len(tokens) == len(set(tokens)), "no activity launched twice"


EngineMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
)
TestEngine = EngineMachine.TestCase
