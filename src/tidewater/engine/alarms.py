"""Metric alarms on the service clock: the runner evaluates each due alarm through the `Alarms`
port and hands every action it asks for to the one dispatch table below."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Select

from tidewater.cloud.ports import AlarmAction
from tidewater.domain.policy import Breach
from tidewater.domain.refusal import Refusal
from tidewater.engine import policies
from tidewater.engine.context import Context

log = logging.getLogger("tidewater.alarms")

# An action's runner: None when it ran, else the error the alarm's history records
Dispatch = Callable[[Context, AlarmAction], str | None]

# What a policy may answer an alarm without the action failing: it ran, and chose to do nothing
QUIET: Final = frozenset({"cooldown", "policy.no_step", "capacity.no_change"})


def policy(ctx: Context, action: AlarmAction) -> str | None:
    """An Auto Scaling policy or ESS rule: the breach goes through `policies.fire`."""
    breach = None if action.value is None else Breach(action.value, action.threshold)
    try:
        policies.fire(
            ctx, action.scope, action.arn, breach, honor_cooldown=True, alarm=action.alarm
        )
    except Refusal as refusal:
        if refusal.reason in QUIET:
            return None
        if refusal.reason == "policy.not_found":
            return f"No scaling policy or rule {action.arn}"
        return f"The policy was not run ({refusal.reason})"
    return None


def recorded(ctx: Context, action: AlarmAction) -> str | None:
    """SNS topics: the simulated cloud has none, so the action is recorded as executed."""
    return None


def unknown(ctx: Context, action: AlarmAction) -> str | None:
    return f"Unsupported action {action.arn}"


# ARN prefix → the action's runner; the first match wins, the last row catches the rest
ACTIONS: Final[tuple[tuple[str, Dispatch], ...]] = (
    ("arn:aws:autoscaling:", policy),
    ("ari:acs:ess:", policy),  # ESS scaling rules
    ("arn:aws:sns:", recorded),
    ("", unknown),
)


def dispatch_of(arn: str) -> Dispatch:
    return next(run for prefix, run in ACTIONS if arn.startswith(prefix))


def due(ctx: Context) -> Select[Any] | None:
    """The cloud's alarms due at the service time `now` (a bound parameter), if it has any."""
    return ctx.alarms.due()


def evaluate(ctx: Context, key: int) -> bool:
    """Evaluate one due alarm, then run what it asks for and record each outcome."""
    actions = ctx.alarms.evaluate(key, ctx.clock.now())
    if actions is None:
        return False
    for action in actions:
        ctx.alarms.acted(action, run(ctx, action), ctx.clock.now())
    return True


def run(ctx: Context, action: AlarmAction) -> str | None:
    try:
        return dispatch_of(action.arn)(ctx, action)
    except Exception as error:  # a failed action is the alarm's history, never the runner's
        log.exception("alarm %s action %s failed", action.alarm, action.arn)
        return str(error)
