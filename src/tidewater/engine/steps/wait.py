"""A pause: the activity holds until the time its facts name, then goes on along its path."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tidewater.engine.context import Context
from tidewater.engine.steps.machinery import advance, move, record
from tidewater.engine.steps.paths import PAUSES


def wait(ctx: Context, activity: Any) -> None:
    """Reached only when something set the deadline (paths.PAUSES); a lifecycle hook will."""
    now = ctx.clock.now()
    deadline = activity.facts.get(PAUSES[activity.step])
    until = datetime.fromisoformat(deadline) if deadline else now
    with record(ctx, activity) as conn:
        if until > now:
            move(conn, activity, activity.step, until)
        else:
            advance(conn, activity, now)
