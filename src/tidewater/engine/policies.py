"""Scaling policies (AWS) and rules (ESS) kept by name, and fired through one path.

`fire` is the one way a policy or rule changes a group's capacity, whether a request
(ExecutePolicy, ExecuteScalingRule) or an alarm breach asks: the rule must be enabled, a simple
rule honours its cooldown when asked to, a step or target tracking rule does not count again the
instances still warming up, and the change is recorded on the group's desired-capacity path with
the policy (and alarm) that caused it, for the dialects to word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tidewater.domain.instance import Lifecycle
from tidewater.domain.policy import Breach, Step
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import (
    AWS_ROUNDING,
    ESS_ROUNDING,
    Change,
    Rounding,
    RuleKind,
    ScalingRule,
    Target,
)
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import tracking
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.gateways.groups import in_scope, owned_row
from tidewater.engine.profile import Record
from tidewater.engine.queries import Page, decode_token, encode_token
from tidewater.engine.scaling_rules import requested
from tidewater.store.tables import groups, members, scaling_rules


@dataclass(frozen=True, slots=True)
class Firing:
    """How a cloud runs a policy or rule: where the clouds differ, a row, not a branch."""

    rounding: Rounding  # how a percentage becomes instances
    quiet: bool  # nothing to change (no step, at a bound) is a success, not a refusal
    own_activity: bool  # a request's change is an activity of its own (ESS), answered by id
    breach_only_for_steps: bool  # a simple rule given a metric and threshold is refused


FIRING: dict[Cloud, Firing] = {
    # AWS: ExecutePolicy answers nothing; the instances' activities quote the policy
    Cloud.AWS: Firing(AWS_ROUNDING, quiet=True, own_activity=False, breach_only_for_steps=True),
    # ESS: IncorrectCapacity.NoChange and InvalidStepAdjustments.NoStepFound are errors
    Cloud.ALIYUN: Firing(ESS_ROUNDING, quiet=False, own_activity=True, breach_only_for_steps=False),
}
WARMING = (Lifecycle.PENDING, Lifecycle.PENDING_WAIT, Lifecycle.PENDING_PROCEED)
# the kinds whose instances warm up before they count (EstimatedInstanceWarmup)
WARMED = (RuleKind.STEP, RuleKind.TARGET_TRACKING)


def rule_of(row: Any) -> ScalingRule:
    """The rule a stored row holds."""
    target = row.target
    return ScalingRule(
        kind=RuleKind(row.kind),
        change=None if row.change is None else Change(row.change),
        value=row.value,
        min_step=row.min_step,
        cooldown=row.cooldown,
        steps=tuple(Step(s["lower"], s["upper"], s["adjustment"]) for s in row.steps or ()),
        warmup=row.warmup,
        target=None if not target else Target(target["value"], target["disable_scale_in"]),
        enabled=row.enabled,
    )


def columns(rule: ScalingRule) -> dict[str, Any]:
    """The rule's own fields as table `scaling_rules` stores them."""
    target = rule.target
    return {
        "kind": rule.kind.value,
        "change": None if rule.change is None else rule.change.value,
        "value": rule.value,
        "min_step": rule.min_step,
        "cooldown": rule.cooldown,
        "steps": [
            {"lower": s.lower, "upper": s.upper, "adjustment": s.adjustment} for s in rule.steps
        ]
        or None,
        "warmup": rule.warmup,
        "target": None
        if target is None
        else {"value": target.value, "disable_scale_in": target.disable_scale_in},
        "enabled": rule.enabled,
    }


def put(
    ctx: Context, scope: Scope, group: str, name: str, rule: ScalingRule, data: dict[str, Any]
) -> tuple[str, str]:
    """Create a rule, or replace the group's rule of that name (PutScalingPolicy); its id, ARN."""
    profile = ctx.profile(scope.cloud)
    with ctx.change(scope) as books:
        row = books.groups.lock(group)
        found = books.conn.execute(
            select(scaling_rules.c.id, scaling_rules.c.ari).where(
                scaling_rules.c.group_id == row.id, scaling_rules.c.name == name
            )
        ).first()
        if found is not None:
            books.conn.execute(
                update(scaling_rules)
                .where(scaling_rules.c.id == found.id)
                .values(data=data, **columns(rule))
            )
            tracking.keep(ctx, books.conn, scope, row.name, found.id, rule.kind, data)
            return found.id, found.ari
        _check_quota(ctx, books.conn, scope, row.id, group)
        rule_id = profile.new_id(Record.SCALING_RULE)
        path = f"autoScalingGroupName/{row.name}:policyName/{name}"
        ari = profile.arn(Record.SCALING_RULE, scope, rule_id, path)
        books.conn.execute(
            insert(scaling_rules).values(
                id=rule_id,
                ari=ari,
                group_id=row.id,
                name=name,
                data=data,
                created_at=ctx.clock.now(),
                **columns(rule),
            )
        )
        tracking.keep(ctx, books.conn, scope, row.name, rule_id, rule.kind, data)
        return rule_id, ari


def create(
    ctx: Context,
    scope: Scope,
    group: str,
    name: str | None,
    rule: ScalingRule,
    data: dict[str, Any],
) -> tuple[str, str]:
    """Store a new rule (ESS CreateScalingRule): a name the group already has is refused."""
    profile = ctx.profile(scope.cloud)
    rule_id = profile.new_id(Record.SCALING_RULE)
    ari = profile.arn(Record.SCALING_RULE, scope, rule_id, name or rule_id)
    with ctx.change(scope) as books:
        row = books.groups.lock(group)
        _check_name(books.conn, row.id, name)
        _check_quota(ctx, books.conn, scope, row.id, group)
        books.conn.execute(
            insert(scaling_rules).values(
                id=rule_id,
                ari=ari,
                group_id=row.id,
                name=name or rule_id,
                data=data,
                created_at=ctx.clock.now(),
                **columns(rule),
            )
        )
        tracking.keep_tasks(books.conn, scope, rule_id, ctx.clock.now())
    return rule_id, ari


def _check_quota(ctx: Context, conn: Connection, scope: Scope, group_id: str, group: str) -> None:
    """A group holds at most the cloud's number of rules (ESS 20, AWS 50 policies)."""
    limit = ctx.limits(scope.cloud).scaling_rules
    count = conn.execute(
        select(func.count()).select_from(scaling_rules).where(scaling_rules.c.group_id == group_id)
    ).scalar_one()
    if limit is not None and count >= limit:
        raise Refusal("scaling_rule.quota", group=group, limit=limit)


def _check_name(conn: Connection, group_id: str, name: str | None, own: str | None = None) -> None:
    if name is None:
        return
    taken = conn.execute(
        select(scaling_rules.c.id).where(
            scaling_rules.c.group_id == group_id, scaling_rules.c.name == name
        )
    ).scalar()
    if taken is not None and taken != own:
        raise Refusal("scaling_rule.exists", name=name)


# what a rule is changed to, from what it is: (name, rule, data) from the stored row
Rewrite = Callable[[Any], tuple[str, ScalingRule, dict[str, Any]]]


def modify(ctx: Context, scope: Scope, rule_id: str, rewrite: Rewrite) -> None:
    """Change a rule by its id (ESS ModifyScalingRule), in its group's transaction."""
    with ctx.change(scope) as books:
        books.groups.lock_id(_by_id(books.conn, scope, rule_id).group_id)
        row = _by_id(books.conn, scope, rule_id)  # read again under the group's lock
        name, rule, data = rewrite(row)
        _check_name(books.conn, row.group_id, name, own=row.id)
        books.conn.execute(
            update(scaling_rules)
            .where(scaling_rules.c.id == rule_id)
            .values(name=name, data=data, **columns(rule))
        )
        tracking.keep_tasks(books.conn, scope, rule_id, ctx.clock.now())


def delete_by_id(ctx: Context, scope: Scope, rule_id: str) -> None:
    """Delete a rule by its id (ESS DeleteScalingRule)."""
    with ctx.change(scope) as books:
        row = _by_id(books.conn, scope, rule_id)
        books.groups.lock_id(row.group_id)
        tracking.drop_tasks(books.conn, [row])
        books.conn.execute(delete(scaling_rules).where(scaling_rules.c.id == rule_id))


def _by_id(conn: Connection, scope: Scope, rule_id: str) -> Any:
    row = owned_row(conn, scaling_rules, scaling_rules.c.id == rule_id, scope)
    if row is None:
        raise Refusal("scaling_rule.id_not_found", rule_id=rule_id)
    return row


def _chosen(group_id: str | None, names: Sequence[str] | None) -> list[Any]:
    """Conditions naming a group's rules by name or ARN."""
    found: list[Any] = []
    if group_id is not None:
        found.append(scaling_rules.c.group_id == group_id)
    if names:
        listed = list(names)
        found.append(scaling_rules.c.name.in_(listed) | scaling_rules.c.ari.in_(listed))
    return found


def page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    names: Sequence[str] | None,
    kinds: Sequence[RuleKind] | None,
    token: str | None,
    size: int,
) -> Page:
    """One page of rules with their group's name, oldest first, in one query."""
    with ctx.read(scope) as books:
        group_id = None if group is None else books.groups.find(group).id
        statement = (
            select(scaling_rules, groups.c.name.label("group_name"))
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(in_scope(groups, scope), *_chosen(group_id, names))
            .order_by(scaling_rules.c.seq)
        )
        if kinds:
            statement = statement.where(scaling_rules.c.kind.in_([k.value for k in kinds]))
        after = decode_token(token)
        if after is not None:
            statement = statement.where(scaling_rules.c.seq > int(after))
        rows = list(books.conn.execute(statement.limit(size + 1)).all())
    more = encode_token(rows[size - 1].seq) if len(rows) > size else None
    return Page(rows[:size], more)


def _named(books: Books, scope: Scope, group: str | None, name: str, lock: bool) -> Any:
    """The rule named in a group, or named by its ARN (the group locked when `lock`)."""
    group_id = None if group is None else books.groups.find(group, lock=lock).id
    found = books.conn.execute(
        select(scaling_rules.c.id, scaling_rules.c.ari, scaling_rules.c.alarms)
        .join(groups, groups.c.id == scaling_rules.c.group_id)
        .where(in_scope(groups, scope), *_chosen(group_id, [name]))
    ).first()
    if found is None:
        raise Refusal("policy.not_found", name=name, group=group)
    return found


def remove(ctx: Context, scope: Scope, group: str | None, name: str) -> None:
    """Delete one rule, by its name in a group or by its ARN."""
    with ctx.change(scope) as books:
        found = _named(books, scope, group, name, lock=True)
        tracking.drop(ctx, books.conn, scope, [found])
        books.conn.execute(delete(scaling_rules).where(scaling_rules.c.id == found.id))


def find(ctx: Context, scope: Scope, group: str | None, name: str) -> str:
    """The ARN of a rule named in a group, or named by its ARN."""
    with ctx.read(scope) as books:
        return str(_named(books, scope, group, name, lock=False).ari)


def _warming(conn: Connection, group_id: str, since: datetime) -> int:
    """Instances still warming up: launching, or in service since `since` only."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(members)
            .where(
                members.c.group_id == group_id,
                members.c.state.in_([s.value for s in WARMING])
                | ((members.c.state == Lifecycle.IN_SERVICE.value) & (members.c.joined_at > since)),
            )
        ).scalar()
        or 0
    )


def asked(
    conn: Connection,
    rule: ScalingRule,
    grow: Any,
    breach: Breach | None,
    rounding: Rounding,
    now: datetime,
) -> int | None:
    """The capacity the rule asks for; a scale-out does not count warming instances twice.

    While instances warm up, a new scale-out is computed from the capacity without them and
    only adds what goes beyond the capacity already asked for, and a scale-in waits (AWS user
    guide, "Set the default instance warmup").
    """
    current: int = grow.desired
    wanted = rule.asked(current, breach, rounding)
    if wanted is None or wanted == current or rule.kind not in WARMED:
        return wanted
    warmup = rule.warmup if rule.warmup is not None else grow.default_cooldown
    warming = _warming(conn, grow.id, now - timedelta(seconds=warmup))
    if not warming:
        return wanted
    if wanted < current:
        return None  # scale-in waits until the new instances have warmed up
    again = rule.asked(max(current - warming, 0), breach, rounding)
    return current if again is None else max(current, again)


def fire(
    ctx: Context,
    scope: Scope,
    ari: str,
    breach: Breach | None,
    *,
    honor_cooldown: bool,
    alarm: str | None = None,
    client_token: str | None = None,
) -> dict[str, Any] | None:
    """Run a policy or rule once: the request's activity (ESS) or the group's new trigger, or
    None when nothing changes and the cloud takes that quietly.

    The one path for ExecutePolicy, ExecuteScalingRule and an alarm's breach (`alarm` names it,
    for the activity's cause; only an alarm may run a target tracking rule).
    """
    now = ctx.clock.now()
    firing = FIRING[scope.cloud]

    def body(books: Books) -> dict[str, Any] | None:
        found = books.conn.execute(
            select(scaling_rules.c.group_id, groups.c.name)
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(scaling_rules.c.ari == ari, in_scope(groups, scope))
        ).first()
        if found is None:
            raise Refusal("policy.not_found", name=ari, group=None)
        key = ctx.profile(scope.cloud).key_of(found.group_id, found.name)
        grow, group = books.hold(key)
        already = books.activities.by_token(client_token)
        if already is not None:
            return already
        row = books.conn.execute(select(scaling_rules).where(scaling_rules.c.ari == ari)).one()
        rule = rule_of(row)
        if alarm is None and rule.kind in (RuleKind.TARGET_TRACKING, RuleKind.PREDICTIVE):
            raise Refusal("policy.not_executable", kind=rule.kind, name=row.name)
        simple_breach = rule.kind is RuleKind.SIMPLE and breach is not None
        if alarm is None and simple_breach and firing.breach_only_for_steps:
            raise Refusal("policy.breach_unsupported", kind=rule.kind, name=row.name)
        if not rule.enabled:
            raise Refusal("policy.disabled", name=row.name, group=found.name)
        books.admit(group, key)
        if honor_cooldown and rule.kind is RuleKind.SIMPLE:
            cooling = grow.cooldown_until is not None and grow.cooldown_until > now
            if cooling or books.activities.busy(grow.id):
                raise Refusal("cooldown", group=found.name)
        wanted = asked(books.conn, rule, grow, breach, firing.rounding, now)
        if wanted is None and not firing.quiet:
            raise Refusal("policy.no_step", metric=None if breach is None else breach.metric)
        bounded = grow.desired if wanted is None else max(grow.min_size, min(grow.max_size, wanted))
        if bounded == grow.desired:
            if firing.quiet:
                return None
            raise Refusal("capacity.no_change", group=key)
        values: dict[str, Any] = {}
        cause = {"policy": row.name, "rule": row.id, **({"alarm": alarm} if alarm else {})}
        if rule.kind is RuleKind.SIMPLE:
            cooldown = rule.cooldown if rule.cooldown is not None else grow.default_cooldown
            values["cooldown_until"] = now + timedelta(seconds=cooldown)
            cause["cooldown"] = cooldown  # what the activity's end starts again (machinery)
        if firing.own_activity:
            return requested(
                books,
                grow,
                grow.desired,
                bounded,
                now,
                client_token,
                cause,
                {"kind": "policy", **cause},
                **values,
            )
        trigger = {"kind": "policy", "at": now.isoformat(), "from": grow.desired, "to": bounded}
        trigger.update(cause)
        books.groups.change(grow.id, desired=bounded, dirty=True, trigger=trigger, **values)
        return trigger

    # rehearsed: a refusal (cooldown, disabled, no step) or a quiet no-change takes no lock
    return ctx.attempt(scope, body, rehearse=client_token is None)
