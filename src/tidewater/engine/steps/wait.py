"""A pause: the activity holds until the time its facts name, and while lifecycle hooks hold it.

On arrival it opens one action per hook on its transition (the instance waits in
`Pending:Wait` or `Terminating:Wait`); it wakes at the earliest deadline, when an action is
completed (the command brings `due_at` forward) or when a hook is deleted. A timed-out action
takes its hook's default result. A stop result the cloud's `HookRules.cuts` name ends the other
hooks' waits at once and decides; otherwise every hook is waited out and the last to end
decides. CONTINUE: the instance proceeds along the path. ABANDON (or ESS's ROLLBACK) on launch
ends the instance and the activity (the reconciler launches another); on termination ABANDON
lets the instance go on to be terminated, ROLLBACK (ESS) sends it back into service. Ended
actions keep their results.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, delete, insert, select, update

from tidewater.cloud.ports import LifecycleNotice
from tidewater.domain.activity import Status
from tidewater.domain.instance import Lifecycle
from tidewater.domain.lifecycle_hook import (
    STOPS,
    WAITING,
    HookRules,
    Result,
    Transition,
    deadlines,
    held_at,
    hold_states,
)
from tidewater.domain.scope import Cloud
from tidewater.engine.context import Context
from tidewater.engine.gateways.hooks import holding
from tidewater.engine.profile import Record
from tidewater.engine.steps.machinery import advance, finish, move, record, scope_of
from tidewater.engine.steps.paths import PAUSES
from tidewater.engine.steps.warm import WARM
from tidewater.store.tables import groups, lifecycle_actions, members

# The path a removal rolled back by its hook walks from its pause: back into its targets.
ROLLED_BACK = ("wait", "register")


def shared_token(parent_id: str | None, hook_seq: int) -> str | None:
    """ESS: one token per hook over one request's activity, whichever instance opens it first."""
    if parent_id is None:
        return None
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{parent_id}/{hook_seq}")).upper()


# The activity's status once its hooks let the instance go on.
ONWARD = {Transition.LAUNCHING: Status.PRE_IN_SERVICE, Transition.TERMINATING: Status.IN_PROGRESS}


def wait(ctx: Context, activity: Any) -> None:
    now = ctx.clock.now()
    deadline = activity.facts.get(PAUSES[activity.step])
    until = datetime.fromisoformat(deadline) if deadline else now
    transition = held_at(activity.kind, activity.facts)
    if (activity.facts.get("hooks") or {}).get("result") in STOPS:
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
            rules = ctx.limits(Cloud(activity.cloud)).hooks
            assert rules is not None
            _settle(conn, activity, transition, rules, now)


def _open(
    ctx: Context, conn: Connection, activity: Any, transition: Transition, now: datetime
) -> None:
    """One action per hook on the transition; without any (deleted meanwhile), go on."""
    hooks = list(conn.execute(holding(activity.group_id, transition.value, activity.facts)))
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
                handle=shared_token(activity.parent_id, hook.seq),
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
                activity_id=activity.id,
                group_arn=activity.group_arn,
            )
            ctx.notices.lifecycle_action(scope_of(activity), notice, conn)
    _set_state(conn, activity, hold_states(transition, _warm(activity))[0])
    facts = {**activity.facts, "hooks": {"opened": now.isoformat()}}
    move(conn, activity, "wait", min(due), status=Status.MID_LIFECYCLE.value, facts=facts)


def _settle(
    conn: Connection, activity: Any, transition: Transition, rules: HookRules, now: datetime
) -> None:
    """Time out what is due, then keep waiting, or go on as the deciding result says.

    An ended action's deadline is when it ended (`lifecycle_hooks.resolve`), so the last to
    end is the one with the latest deadline (ties: the last in hook order).
    """
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
    cut = next(((a, r, t) for a, r, t in results if rules.cuts_short(transition, r, t)), None)
    if cut is None and waiting:
        for action, result, timed_out in results:
            if action.result is None:
                conn.execute(
                    update(lifecycle_actions)
                    .where(lifecycle_actions.c.token == action.token)
                    .values(result=result.value, timed_out=timed_out)
                )
        move(conn, activity, "wait", min(a.deadline for a in waiting))
        return
    # every hook ended, or one cut the others short (they end CONTINUE, skipped); the rows stay,
    # with their results, for ESS's DescribeLifecycleActions
    for action, result, timed_out in results + [(a, Result.CONTINUE, False) for a in waiting]:
        if action.result is None:
            conn.execute(
                update(lifecycle_actions)
                .where(lifecycle_actions.c.token == action.token)
                .values(result=result.value, timed_out=timed_out)
            )
    decider = cut or sorted(results, key=lambda ended: ended[0].deadline)[-1]
    outcome = decider[1]
    hooks = {**activity.facts["hooks"], "result": outcome.value}
    if outcome is not Result.CONTINUE:
        hooks.update(token=decider[0].handle or decider[0].token, timed_out=decider[2])
    facts = {**activity.facts, "hooks": hooks}
    if outcome in STOPS and transition is Transition.LAUNCHING:
        # the machine is ended outside this transaction, on the step's next run (_abandon)
        _set_state(conn, activity, Lifecycle.TERMINATING)
        move(conn, activity, "wait", now, facts=facts)
        return
    if outcome is Result.ROLLBACK:
        _roll_back(conn, activity, facts, now)
        return
    held, proceeding = hold_states(transition, _warm(activity))
    _set_state(conn, activity, proceeding, only=held)
    advance(conn, activity, now, status=ONWARD[transition].value, facts=facts)


def _warm(activity: Any) -> bool:
    """Whether the instance moves into, back to or out of a warm pool: its own wait states."""
    return activity.facts.get(WARM) in ("into", "back", "drop")


def _roll_back(conn: Connection, activity: Any, facts: dict[str, Any], now: datetime) -> None:
    """ESS ROLLBACK on scale-in: the instance stays; it rejoins its targets and goes InService.

    The removal had lowered the desired capacity by one for it (when it did); that is undone
    too, or the group would pick a victim again at once.
    """
    _set_state(conn, activity, Lifecycle.PENDING, only=WAITING[Transition.TERMINATING])
    if facts.get("decrement", True) and facts.get("to") != facts.get("from"):
        conn.execute(
            update(groups)
            .where(groups.c.id == activity.group_id)
            .values(
                desired=case(
                    (groups.c.desired < groups.c.max_size, groups.c.desired + 1),
                    else_=groups.c.desired,
                ),
                dirty=True,
            )
        )
    back = {**facts, "path": list(ROLLED_BACK), "rolled_back": True}
    move(conn, activity, ROLLED_BACK[-1], now, status=Status.IN_PROGRESS.value, facts=back)


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
