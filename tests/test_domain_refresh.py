"""The instance refresh's rules: its state machine, its preferences and the size of its batches."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain import refresh as rules
from tidewater.domain.refresh import ACTIVE, ENDED, MOVES, Event, Phase
from tidewater.domain.refusal import Refusal


@given(st.lists(st.sampled_from(list(Event)), max_size=12))
def test_every_path_through_the_state_machine_ends_or_stays_active(events: list[Event]) -> None:
    phase = Phase.PENDING
    for event in events:
        try:
            after = rules.move(phase, event)
        except Refusal:
            assert (phase, event) not in MOVES
            continue
        # nothing leaves an ended refresh; a cancel always ends in Cancelled, never elsewhere
        assert phase in ACTIVE
        if phase is Phase.CANCELLING:
            assert after is Phase.CANCELLED
        phase = after
    assert phase in ACTIVE or phase in ENDED


def test_ended_refreshes_accept_nothing_and_every_active_one_can_be_cancelled() -> None:
    for phase in ENDED:
        for event in Event:
            with pytest.raises(Refusal):
                rules.move(phase, event)
    for phase in ACTIVE - {Phase.CANCELLING}:
        assert rules.move(phase, Event.CANCEL) is Phase.CANCELLING
    with pytest.raises(Refusal):
        rules.move(Phase.CANCELLING, Event.CANCEL)
    # a rollback is not rolled back, and a cancelled refresh cannot be
    with pytest.raises(Refusal):
        rules.move(Phase.ROLLING_BACK, Event.ROLLBACK)
    # only a running refresh is suspended (ESS: not in its rollback), only a paused one resumed
    assert rules.move(Phase.RUNNING, Event.SUSPEND) is Phase.PAUSED
    assert rules.move(Phase.PAUSED, Event.RESUME) is Phase.RUNNING
    for phase, event in [
        (Phase.ROLLING_BACK, Event.SUSPEND),
        (Phase.PAUSED, Event.SUSPEND),
        (Phase.RUNNING, Event.RESUME),
    ]:
        with pytest.raises(Refusal):
            rules.move(phase, event)


preferences = st.builds(
    lambda low, spread: rules.preferences(min_healthy=low, max_healthy=max(100, low + spread)),
    st.integers(0, 100),
    st.integers(0, 100),
)


@given(
    desired=st.integers(1, 60),
    left=st.integers(0, 60),
    prefs=preferences,
)
def test_a_batch_keeps_the_healthy_minimum_and_the_maximum(
    desired: int, left: int, prefs: rules.Preferences
) -> None:
    healthy = desired  # a batch starts when nothing else is under way
    step = rules.batch(desired, healthy, left, prefs)
    assert 0 <= step.end <= step.launch <= left
    if left == 0:
        assert step == rules.Batch(0, 0)
        return
    assert step.launch >= 1  # it always moves
    floor = math.ceil(desired * prefs.min_healthy / 100)
    ceiling = math.floor(desired * prefs.max_healthy / 100)
    if prefs.max_healthy == 100:
        assert step.end == step.launch  # terminate-then-launch: the group never grows
        assert healthy - step.end >= floor or step.end == 1
    else:
        # launch before terminate: never above the maximum, unless one at a time
        assert healthy - step.end + step.launch <= max(ceiling, desired + 1) or step.launch == 1
        assert healthy - step.end >= floor


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"max_healthy": 150}, "refresh.max_without_min"),
        ({"min_healthy": 10, "max_healthy": 150}, "refresh.spread"),
        ({"checkpoint_delay": 10}, "refresh.delay_without_checkpoints"),
        ({"checkpoints": [50, 20]}, "refresh.checkpoints"),
        ({"checkpoints": [0, 100]}, "refresh.checkpoints"),
        ({"auto_rollback": True}, "refresh.rollback_without_desired"),
    ],
)
def test_preferences_refused(given: dict[str, object], reason: str) -> None:
    with pytest.raises(Refusal) as refused:
        rules.preferences(**given)  # type: ignore[arg-type]
    assert refused.value.reason == reason


def test_defaults_and_checkpoints() -> None:
    prefs = rules.preferences(checkpoints=[25, 100])
    assert (prefs.min_healthy, prefs.max_healthy, prefs.delay) == (90, 100, 3600)
    assert rules.checkpoints_reached(prefs, 0, 8) == 0
    assert rules.share_before(prefs, 0, 8, 0) == 2
    assert rules.checkpoints_reached(prefs, 2, 8) == 1
    assert rules.checkpoints_reached(prefs, 8, 8) == 1  # 100 is the end itself
    assert rules.share_before(prefs, 2, 8, 1) == 6
    assert not rules.partial(prefs)
    # two instances, [10, 40, 100]: the first replacement (50%) reaches 10 and 40 together
    skipping = rules.preferences(checkpoints=[10, 40, 100])
    assert rules.checkpoints_reached(skipping, 1, 2) == 2
    assert rules.partial(rules.preferences(checkpoints=[25, 50]))
    assert rules.percentage(0, 0) == 100 and rules.percentage(1, 3) == 33
