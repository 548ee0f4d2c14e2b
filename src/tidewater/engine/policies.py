"""Scaling policies (AWS) and rules (ESS) kept by name, and fired through one path.

`fire` is the one way a policy or rule changes a group's capacity, whether a request
(ExecutePolicy, ExecuteScalingRule) or an alarm breach asks: the rule must be enabled, a simple
rule honours its cooldown when asked to, a step or target tracking rule does not count again the
instances still warming up, and the change is recorded on the group's desired-capacity path with
the policy (and alarm) that caused it, for the dialects to word.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_scope
from tidewater.engine.profile import Record
from tidewater.engine.queries import Page, decode_token, encode_token
from tidewater.store.tables import groups, members, scaling_rules

# How each cloud turns a percentage into instances (domain.scaling_rule.Rounding)
ROUNDING: dict[Cloud, Rounding] = {Cloud.AWS: AWS_ROUNDING, Cloud.ALIYUN: ESS_ROUNDING}
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
            return found.id, found.ari
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
        return rule_id, ari


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


def remove(ctx: Context, scope: Scope, group: str | None, name: str) -> None:
    """Delete one rule, by its name in a group or by its ARN."""
    with ctx.change(scope) as books:
        group_id = None if group is None else books.groups.lock(group).id
        found = books.conn.execute(
            select(scaling_rules.c.id)
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(in_scope(groups, scope), *_chosen(group_id, [name]))
        ).first()
        if found is None:
            raise Refusal("policy.not_found", name=name, group=group)
        books.conn.execute(delete(scaling_rules).where(scaling_rules.c.id == found.id))


def find(ctx: Context, scope: Scope, group: str | None, name: str) -> str:
    """The ARN of a rule named in a group, or named by its ARN."""
    with ctx.read(scope) as books:
        group_id = None if group is None else books.groups.find(group).id
        ari = books.conn.execute(
            select(scaling_rules.c.ari)
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(in_scope(groups, scope), *_chosen(group_id, [name]))
        ).scalar()
    if ari is None:
        raise Refusal("policy.not_found", name=name, group=group)
    return str(ari)


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
) -> dict[str, Any] | None:
    """Run a policy or rule once; the group's new trigger, or None when nothing changes.

    The one path for ExecutePolicy, ExecuteScalingRule and an alarm's breach (`alarm` names it,
    for the activity's cause).
    """
    now = ctx.clock.now()
    profile = ctx.profile(scope.cloud)
    with ctx.change(scope) as books:
        found = books.conn.execute(
            select(scaling_rules.c.group_id, groups.c.name)
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(scaling_rules.c.ari == ari, in_scope(groups, scope))
        ).first()
        if found is None:
            raise Refusal("policy.not_found", name=ari, group=None)
        key = profile.key_of(found.group_id, found.name)
        grow, group = books.hold(key)
        group.require_active()
        row = books.conn.execute(select(scaling_rules).where(scaling_rules.c.ari == ari)).one()
        rule = rule_of(row)
        if alarm is None and rule.kind in (RuleKind.TARGET_TRACKING, RuleKind.PREDICTIVE):
            raise Refusal("policy.not_executable", kind=rule.kind, name=row.name)
        if alarm is None and rule.kind is RuleKind.SIMPLE and breach is not None:
            raise Refusal("policy.breach_unsupported", kind=rule.kind, name=row.name)
        if not rule.enabled:
            raise Refusal("policy.disabled", name=row.name, group=found.name)
        if honor_cooldown and rule.kind is RuleKind.SIMPLE:
            cooling = grow.cooldown_until is not None and grow.cooldown_until > now
            if cooling or books.activities.busy(grow.id):
                raise Refusal("cooldown", group=found.name)
        wanted = asked(books.conn, rule, grow, breach, ROUNDING[scope.cloud], now)
        if wanted is None:
            return None
        bounded = max(grow.min_size, min(grow.max_size, wanted))
        if bounded == grow.desired:
            return None
        trigger = {
            "kind": "policy",
            "at": now.isoformat(),
            "from": grow.desired,
            "to": bounded,
            "policy": row.name,
            "rule": row.id,
            **({"alarm": alarm} if alarm else {}),
        }
        values: dict[str, Any] = {"desired": bounded, "dirty": True, "trigger": trigger}
        if rule.kind is RuleKind.SIMPLE:
            cooldown = rule.cooldown if rule.cooldown is not None else grow.default_cooldown
            values["cooldown_until"] = now + timedelta(seconds=cooldown)
        books.groups.change(grow.id, **values)
        return trigger
