"""Metric alarms on the service clock: the runner evaluates each due alarm through the `Alarms`
port and hands every action it asks for to the one dispatch table below."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Final

from tidewater.cloud.ports import AlarmAction
from tidewater.domain.alarm import Breach
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context

log = logging.getLogger("tidewater.alarms")

# An action's runner: None when it ran, else the error the alarm's history records
Dispatch = Callable[[Context, Scope, str, Breach], str | None]


def unwired(ctx: Context, scope: Scope, arn: str, breach: Breach) -> str | None:
    """Policies and rules are run from alarms once the policy engine is wired in at merge."""
    return "Scaling policies are not run from alarms yet"


def recorded(ctx: Context, scope: Scope, arn: str, breach: Breach) -> str | None:
    """SNS topics: the simulated cloud has none, so the action is recorded as executed."""
    return None


def unknown(ctx: Context, scope: Scope, arn: str, breach: Breach) -> str | None:
    return f"Unsupported action {arn}"


# ARN prefix → the action's runner; the first match wins, the last row catches the rest
ACTIONS: Final[tuple[tuple[str, Dispatch], ...]] = (
    ("arn:aws:autoscaling:", unwired),  # engine.policies.fire(ctx, scope, arn, breach, ...)
    ("ari:acs:ess:", unwired),  # ESS scaling rules, the same way
    ("arn:aws:sns:", recorded),
    ("", unknown),
)


def dispatch_of(arn: str) -> Dispatch:
    return next(run for prefix, run in ACTIONS if arn.startswith(prefix))


def due(ctx: Context, now: datetime) -> list[int]:
    return ctx.alarms.due(now)


def evaluate(ctx: Context, key: int) -> bool:
    """Evaluate one due alarm, then run what it asks for and record each outcome."""
    actions = ctx.alarms.evaluate(key, ctx.clock.now())
    if actions is None:
        return False
    for action in actions:
        ctx.alarms.acted(action, run(ctx, action), ctx.clock.now())
    return True


def run(ctx: Context, action: AlarmAction) -> str | None:
    breach = Breach(action.value, action.threshold)
    try:
        return dispatch_of(action.arn)(ctx, action.scope, action.arn, breach)
    except Exception as error:  # a failed action is the alarm's history, never the runner's
        log.exception("alarm %s action %s failed", action.alarm, action.arn)
        return str(error)
