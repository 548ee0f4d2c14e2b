"""A pause: the activity holds until the time its facts name, and while lifecycle hooks hold it.

On arrival it opens one action per hook on its transition (the instance waits in
`Pending:Wait` or `Terminating:Wait`); it wakes at the earliest deadline, when an action is
completed (the command brings `due_at` forward) or when a hook is deleted. A timed-out action
takes its hook's default result. All CONTINUE: the instance proceeds along the path. An ABANDON
on launch ends the instance and the activity (the reconciler launches another); on termination
it skips the other hooks and the instance goes on to be terminated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tidewater.cloud.ports import LifecycleNotice
from tidewater.domain.activity import Status
from tidewater.domain.instance import Lifecycle
from tidewater.domain.lifecycle_hook import (
    PROCEEDING,
    WAITING,
    Result,
    Transition,
    deadlines,
    held_at,
)
from tidewater.domain.scope import Cloud
from tidewater.engine.context import Context
from tidewater.engine.profile import Record
from tidewater.engine.steps.machinery import advance, finish, move, record, scope_of
from tidewater.engine.steps.paths import PAUSES
from tidewater.store.tables import lifecycle_actions, lifecycle_hooks, members

# The activity's status once its hooks let the instance go on.
ONWARD = {Transition.LAUNCHING: Status.PRE_IN_SERVICE, Transition.TERMINATING: Status.IN_PROGRESS}


def wait(ctx: Context, activity: Any) -> None:
    now = ctx.clock.now()
    deadline = activity.facts.get(PAUSES[activity.step])
    until = datetime.fromisoformat(deadline) if deadline else now
    transition = held_at(activity.kind, activity.facts)
    if (activity.facts.get("hooks") or {}).get("result") == Result.ABANDON:
        _abandon(ctx, activity, now)
        return
    with record(ctx, activity) as conn:
        if until > now:
            move(conn, activity, activity.step, until)
        elif transition is None:
            advance(conn, activity, now)
        elif "hooks" not in activity.facts:
            _open(ctx, conn, activity, transition, now)
        else:
            _settle(conn, activity, transition, now)


def _open(
    ctx: Context, conn: Connection, activity: Any, transition: Transition, now: datetime
) -> None:
    """One action per hook on the transition; without any (deleted meanwhile), go on."""
    hooks = list(
        conn.execute(
            select(lifecycle_hooks)
            .where(
                lifecycle_hooks.c.group_id == activity.group_id,
                lifecycle_hooks.c.transition == transition.value,
            )
            .order_by(lifecycle_hooks.c.seq)
        )
    )
    if not hooks:
        advance(conn, activity, now)
        return
    profile, rules = ctx.profile(Cloud(activity.cloud)), ctx.limits(Cloud(activity.cloud)).hooks
    assert rules is not None
    due = []
    for hook in hooks:
        deadline, last = deadlines(now, hook.heartbeat, rules.global_timeout(hook.heartbeat))
        due.append(deadline)
        token = profile.new_id(Record.LIFECYCLE_ACTION)
        conn.execute(
            insert(lifecycle_actions).values(
                token=token,
                group_id=activity.group_id,
                hook_name=hook.name,
                instance_id=activity.instance_id,
                activity_id=activity.id,
                transition=transition.value,
                heartbeat=hook.heartbeat,
                default_result=hook.default_result,
                deadline=deadline,
                global_deadline=last,
                result=None,
                timed_out=False,
                opened_at=now,
            )
        )
        if hook.target:
            notice = LifecycleNotice(
                hook.target,
                hook.role,
                token,
                activity.group_id,
                activity.group_name,
                hook.name,
                activity.instance_id,
                transition.value,
                hook.metadata,
                now,
            )
            ctx.notices.lifecycle_action(scope_of(activity), notice, conn)
    _set_state(conn, activity, WAITING[transition])
    facts = {**activity.facts, "hooks": {"opened": now.isoformat()}}
    move(conn, activity, "wait", min(due), status=Status.MID_LIFECYCLE.value, facts=facts)


def _settle(conn: Connection, activity: Any, transition: Transition, now: datetime) -> None:
    """Time out what is due, then go on, keep waiting, or record the ABANDON that ends it."""
    actions = list(
        conn.execute(
            select(lifecycle_actions)
            .where(lifecycle_actions.c.activity_id == activity.id)
            .order_by(lifecycle_actions.c.opened_at, lifecycle_actions.c.hook_name)
        )
    )
    results: list[tuple[Any, Result, bool]] = []
    waiting = []
    for action in actions:
        if action.result is not None:
            results.append((action, Result(action.result), action.timed_out))
        elif action.deadline <= now:
            results.append((action, Result(action.default_result), True))
        else:
            waiting.append(action)
    abandoned = next(((a, t) for a, r, t in results if r is Result.ABANDON), None)
    if abandoned is None and waiting:
        for action, result, timed_out in results:
            if action.result is None:
                conn.execute(
                    update(lifecycle_actions)
                    .where(lifecycle_actions.c.token == action.token)
                    .values(result=result.value, timed_out=timed_out)
                )
        move(conn, activity, "wait", min(a.deadline for a in waiting))
        return
    # every hook let it go, or one abandoned it (the others are skipped)
    conn.execute(delete(lifecycle_actions).where(lifecycle_actions.c.activity_id == activity.id))
    outcome = Result.CONTINUE if abandoned is None else Result.ABANDON
    hooks = {**activity.facts["hooks"], "result": outcome.value}
    if abandoned is not None:
        hooks.update(token=abandoned[0].token, timed_out=abandoned[1])
    facts = {**activity.facts, "hooks": hooks}
    if outcome is Result.ABANDON and transition is Transition.LAUNCHING:
        # the machine is ended outside this transaction, on the step's next run (_abandon)
        _set_state(conn, activity, Lifecycle.TERMINATING)
        move(conn, activity, "wait", now, facts=facts)
        return
    _set_state(conn, activity, PROCEEDING[transition], only=WAITING[transition])
    advance(conn, activity, now, status=ONWARD[transition].value, facts=facts)


def _abandon(ctx: Context, activity: Any, now: datetime) -> None:
    """A launch its hook abandoned: end the machine, then the member and the activity."""
    ctx.compute.terminate(scope_of(activity), [activity.instance_id])
    with record(ctx, activity) as conn:
        conn.execute(delete(members).where(members.c.instance_id == activity.instance_id))
        hooks = activity.facts["hooks"]
        failure = {"reason": "hook.abandoned", "token": hooks["token"]}
        if hooks.get("timed_out"):
            failure["timed_out"] = True
        finish(conn, activity, now, Status.CANCELLED, failure=failure)


def _set_state(
    conn: Connection, activity: Any, state: Lifecycle, *, only: Lifecycle | None = None
) -> None:
    """Move the activity's member on; with `only`, unless something else moved it meanwhile."""
    query = update(members).where(members.c.instance_id == activity.instance_id)
    if only is not None:
        query = query.where(members.c.state == only.value)
    conn.execute(query.values(state=state.value))
