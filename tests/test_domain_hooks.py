"""Hook settings: AWS's bounds hold for every value, not only the ones a test thought of."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.hooks import hook_of
from tidewater.domain.lifecycle_hook import AWS_HOOKS, Result, Transition, deadlines
from tidewater.domain.refusal import Refusal

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_heartbeat_bounds(seconds: int) -> None:
    if 30 <= seconds <= 7200:
        AWS_HOOKS.check_heartbeat(seconds)
        timeout = AWS_HOOKS.global_timeout(seconds)
        assert timeout == min(172800, 100 * seconds) and seconds <= timeout
        first, last = deadlines(NOW, seconds, timeout)
        assert NOW < first <= last
    else:
        with pytest.raises(Refusal) as refused:
            AWS_HOOKS.check_heartbeat(seconds)
        assert refused.value.reason == "hook.heartbeat_range"


@given(st.text(max_size=40), st.text(max_size=12))
def test_only_aws_names_pass(transition: str, result: str) -> None:
    params = {"LifecycleHookName": "h", "LifecycleTransition": transition, "DefaultResult": result}
    valid = transition in (
        "autoscaling:EC2_INSTANCE_LAUNCHING",
        "autoscaling:EC2_INSTANCE_TERMINATING",
    ) and result in ("CONTINUE", "ABANDON")
    if not valid:
        with pytest.raises(AwsError):
            hook_of(params)
        return
    hook = hook_of(params)
    assert hook.transition in set(Transition) and hook.default_result in set(Result)
