"""`engine.policies.fire` as an alarm calls it (no HTTP route reaches an alarm yet): the same
path as ExecutePolicy, with the alarm named in the activity's cause, and target tracking."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tidewater.app import Tidewater, build
from tidewater.clock import Clock
from tidewater.config import Settings
from tidewater.dialects.aws.activities import change_sentence
from tidewater.dialects.aws.refusals import render
from tidewater.domain.launch import Blueprint
from tidewater.domain.policy import Breach
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import Change, RuleKind, ScalingRule, Target
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import groups, launch_configurations, policies
from tidewater.engine.groups import GroupSpec

SCOPE = Scope("000000000000", "us-east-1", Cloud.AWS)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _group(desired: int) -> Tidewater:
    """An AWS group "g" of `desired` (0..10), its launches left unrun."""
    app = build(Settings(data_dir=Path(tempfile.mkdtemp()), runner="manual"), Clock(frozen_at=NOW))
    launch_configurations.create(
        app.ctx,
        SCOPE,
        "lc",
        Blueprint("ami-0c02fb55956c7d316", "t3.micro"),
        {"ImageId": "ami-0c02fb55956c7d316", "InstanceType": "t3.micro"},
    )
    groups.create(
        app.ctx,
        SCOPE,
        GroupSpec(
            name="g",
            min_size=0,
            max_size=10,
            desired=desired,
            launch={"kind": "configuration", "name": "lc"},
            zones=["us-east-1a"],
        ),
    )
    return app


def _desired(app: Tidewater) -> int:
    with app.ctx.read(SCOPE) as books:
        return int(books.groups.find("g").desired)


def test_an_alarm_fires_a_simple_policy_and_is_named_in_the_cause() -> None:
    app = _group(1)
    rule = ScalingRule(RuleKind.SIMPLE, Change.BY_COUNT, 1)
    _, arn = policies.put(app.ctx, SCOPE, "g", "up", rule, {})
    trigger = policies.fire(
        app.ctx, SCOPE, arn, Breach(91.0, 80.0), honor_cooldown=True, alarm="cpu-high"
    )
    assert trigger is not None and _desired(app) == 2
    assert change_sentence(trigger) == (
        "At 2026-01-01T00:00:00Z a monitor alarm cpu-high in state ALARM triggered policy up "
        "changing the desired capacity from 1 to 2.  "
    )
    # the alarm honours the cooldown the firing started (the group's default, 300 s)
    with pytest.raises(Refusal) as refused:
        policies.fire(app.ctx, SCOPE, arn, Breach(91, 80), honor_cooldown=True, alarm="cpu-high")
    assert render(refused.value, "ExecutePolicy").code == "ScalingActivityInProgress"


def test_an_alarm_fires_target_tracking_to_the_capacity_that_meets_the_target() -> None:
    app = _group(2)
    rule = ScalingRule(RuleKind.TARGET_TRACKING, target=Target(50.0, disable_scale_in=True))
    _, arn = policies.put(app.ctx, SCOPE, "g", "cpu", rule, {})
    fired = policies.fire(app.ctx, SCOPE, arn, Breach(75, 50), honor_cooldown=False, alarm="hi")
    assert fired is not None and (fired["from"], fired["to"]) == (2, 3)
    # scale-in disabled: a low metric changes nothing
    assert (
        policies.fire(app.ctx, SCOPE, arn, Breach(10, 50), honor_cooldown=False, alarm="lo") is None
    )
    assert _desired(app) == 3
    # a request may not execute it
    with pytest.raises(Refusal) as refused:
        policies.fire(app.ctx, SCOPE, arn, None, honor_cooldown=False, alarm=None)
    assert refused.value.reason == "policy.not_executable"


def test_target_tracking_scales_in_conservatively() -> None:
    app = _group(4)
    rule = ScalingRule(RuleKind.TARGET_TRACKING, target=Target(50.0))
    _, arn = policies.put(app.ctx, SCOPE, "g", "cpu", rule, {})
    policies.fire(app.ctx, SCOPE, arn, Breach(20, 50), honor_cooldown=False, alarm="lo")
    assert _desired(app) == 2  # 4 x 20 = 80 of load: 1.6 instances at 50, rounded up
