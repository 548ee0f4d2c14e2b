"""Scaling rules and direct adjustments: a capacity change answered with one activity id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from tidewater.domain.activity import Kind, Trigger
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import Adjustment, Change, RuleKind, ScalingRule
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways.groups import in_scope
from tidewater.engine.profile import Record
from tidewater.engine.queries import Page, owned_page
from tidewater.store.tables import groups, scaling_rules


def rule_of(row: Any) -> ScalingRule:
    """The rule a stored row holds."""
    return ScalingRule(
        kind=RuleKind(row.kind),
        change=None if row.change is None else Change(row.change),
        value=row.value,
        min_step=row.min_step,
        cooldown=row.cooldown,
    )


def create(
    ctx: Context,
    scope: Scope,
    group: str,
    name: str | None,
    rule: ScalingRule,
    data: dict[str, Any],
) -> tuple[str, str]:
    """Store a rule; `data` holds the dialect's other settings, reported back but not acted on."""
    profile = ctx.profile(scope.cloud)
    rule_id = profile.new_id(Record.SCALING_RULE)
    ari = profile.arn(Record.SCALING_RULE, scope, rule_id, name or rule_id)
    with ctx.change(scope) as books:
        conn = books.conn
        row = books.groups.lock(group)
        taken = conn.execute(
            select(scaling_rules.c.id).where(
                scaling_rules.c.group_id == row.id, scaling_rules.c.name == (name or rule_id)
            )
        ).first()
        if taken is not None:
            raise Refusal("scaling_rule.exists", name=name)
        conn.execute(
            insert(scaling_rules).values(
                id=rule_id,
                ari=ari,
                group_id=row.id,
                name=name or rule_id,
                kind=rule.kind.value,
                change=None if rule.change is None else rule.change.value,
                value=rule.value,
                min_step=rule.min_step,
                cooldown=rule.cooldown,
                data=data,
                created_at=ctx.clock.now(),
            )
        )
    return rule_id, ari


def page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    names: Sequence[str] | None,
    aris: Sequence[str] | None,
    number: int,
    size: int,
) -> Page:
    chosen = {scaling_rules.c.id: ids, scaling_rules.c.name: names, scaling_rules.c.ari: aris}
    extra = groups.c.id.label("group_key")
    return owned_page(ctx, scope, scaling_rules, extra, group, chosen, number, size)


def execute(
    ctx: Context, scope: Scope, ari: str, client_token: str | None = None
) -> dict[str, Any]:
    with ctx.db.read() as conn:
        row = conn.execute(
            select(scaling_rules, groups.c.id.label("group_key"))
            .join(groups, groups.c.id == scaling_rules.c.group_id)
            .where(scaling_rules.c.ari == ari, in_scope(groups, scope))
        ).first()
    if row is None:
        raise Refusal("scaling_rule.not_found", ari=ari)
    adjustment = rule_of(row).adjustment()
    return adjust(ctx, scope, row.group_key, adjustment, client_token, rule_id=row.id)


def adjust(
    ctx: Context,
    scope: Scope,
    group: str,
    adjustment: Adjustment,
    client_token: str | None = None,
    rule_id: str | None = None,
    hooks: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Move the expected capacity and record the activity the reconciler will carry out.

    `hooks` are facts by which the request says which lifecycle hooks hold its instances (ESS
    ScaleWithAdjustment's LifecycleHookContext); they ride on the trigger to its activities."""
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        # the group's lock first: a retry queued behind its original then finds its activity
        books.groups.lock(group)
        already = books.activities.by_token(client_token)
        if already is not None:
            return already
        row, group_, _ = books.open(group)
        bounded = adjustment.bounded(group_.desired, group_.min_size, group_.max_size)
        if bounded == group_.desired:
            raise Refusal("capacity.no_change", group=group)
        facts = {
            "at": now.isoformat(),
            "trigger": Trigger.USER,
            "from": group_.desired,
            "to": bounded,
            "rule": rule_id,
            "kind": adjustment.change.value,
            "value": adjustment.value,
            **(hooks or {}),
        }
        parent = books.activities.add(
            row, Kind.SCALE, now, runs=False, client_token=client_token, facts=facts
        )
        books.groups.change(
            row.id,
            desired=bounded,
            dirty=True,
            trigger={
                "kind": "rule" if rule_id else "adjust",
                "at": now.isoformat(),
                "from": group_.desired,
                "to": bounded,
                "activity": parent["id"],
                **({"hooks": hooks} if hooks else {}),
            },
        )
        return parent
