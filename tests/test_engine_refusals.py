"""Refusals that HTTP tests cannot reach on a settled server, checked at the engine and rendered."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tidewater.app import Tidewater, build
from tidewater.clock import Clock
from tidewater.config import Settings
from tidewater.dialects.aws.refusals import render
from tidewater.domain.launch import Blueprint
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import groups, launch_configurations, reconciler
from tidewater.engine.groups import GroupSpec

SCOPE = Scope("000000000000", "us-east-1", Cloud.AWS)


def _launching_group(clock: Clock) -> Tidewater:
    """An AWS group "g" whose one launch is recorded but has not run: no instance exists yet."""
    app = build(Settings(data_dir=Path(tempfile.mkdtemp()), runner="manual"), clock)
    launch_configurations.create(
        app.ctx,
        SCOPE,
        "lc",
        Blueprint("ami-0c02fb55956c7d316", "t3.micro"),
        {"ImageId": "ami-0c02fb55956c7d316", "InstanceType": "t3.micro"},
    )
    group_id = groups.create(
        app.ctx,
        SCOPE,
        GroupSpec(
            name="g",
            min_size=0,
            max_size=2,
            desired=1,
            launch={"kind": "configuration", "name": "lc"},
            zones=["us-east-1a"],
        ),
    )
    reconciler.reconcile(app.ctx, group_id)
    return app


def test_delete_while_a_launch_is_only_planned_is_scaling_activity_in_progress() -> None:
    clock = Clock(frozen_at=datetime(2026, 1, 1, tzinfo=UTC))
    app = _launching_group(clock)
    with pytest.raises(Refusal) as refused:
        groups.delete_group(app.ctx, SCOPE, "g", force=False)
    error = render(refused.value, "DeleteAutoScalingGroup")
    assert (error.code, error.status) == ("ScalingActivityInProgress", 400)
    assert error.message == (
        "You cannot delete an AutoScalingGroup while there are scaling activities in progress "
        "for that group."
    )
    app.runner.drain()
    clock.advance(10)
    app.runner.drain()
    groups.delete_group(app.ctx, SCOPE, "g", force=True)
    app.runner.drain()
    clock.advance(10)
    app.runner.drain()
    with pytest.raises(Refusal) as gone:
        groups.delete_group(app.ctx, SCOPE, "g", force=True)
    assert render(gone.value, "DeleteAutoScalingGroup").message == (
        "AutoScalingGroup name not found - AutoScalingGroup 'g' not found"
    )
    app.db.dispose()


def test_a_group_pending_delete_refuses_suspending_its_processes_in_aws_words() -> None:
    app = _launching_group(Clock(frozen_at=datetime(2026, 1, 1, tzinfo=UTC)))
    groups.delete_group(app.ctx, SCOPE, "g", force=True)  # pending delete until its launch ends
    with pytest.raises(Refusal) as refused:
        groups.set_processes(app.ctx, SCOPE, "g", None, suspend=True)
    assert render(refused.value, "SuspendProcesses").message == (
        "Processes may not be suspended while the AutoScaling group is pending delete"
    )
    with pytest.raises(Refusal) as modified:
        groups.modify(app.ctx, SCOPE, GroupSpec(name="g", max_size=3))
    assert render(modified.value, "UpdateAutoScalingGroup").message == (
        "The AutoScaling group may not be modified while it is pending delete"
    )
    app.db.dispose()
