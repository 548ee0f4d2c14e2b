"""ESS's rule listing and direct adjustments: a capacity change answered with one activity id.

Storing and firing rules of every kind is engine/policies.py's; `requested` records a request's
change as its own activity for both."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tidewater.domain.activity import Kind, Trigger
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import Adjustment
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.gateways import Books
from tidewater.engine.queries import Page, owned_page
from tidewater.store.tables import groups, scaling_rules


def page(
    ctx: Context,
    scope: Scope,
    group: str | None,
    ids: Sequence[str] | None,
    names: Sequence[str] | None,
    aris: Sequence[str] | None,
    number: int,
    size: int,
    kinds: Sequence[str] | None = None,
) -> Page:
    chosen = {
        scaling_rules.c.id: ids,
        scaling_rules.c.name: names,
        scaling_rules.c.ari: aris,
        scaling_rules.c.kind: kinds,
    }
    extra = groups.c.id.label("group_key")
    return owned_page(ctx, scope, scaling_rules, extra, group, chosen, number, size)


def adjust(
    ctx: Context,
    scope: Scope,
    group: str,
    adjustment: Adjustment,
    client_token: str | None = None,
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
        facts = {"kind": adjustment.change.value, "value": adjustment.value, **(hooks or {})}
        trigger = {"kind": "adjust", **({"hooks": hooks} if hooks else {})}
        return requested(books, row, group_.desired, bounded, now, client_token, facts, trigger)


def requested(
    books: Books,
    row: Any,
    before: int,
    after: int,
    now: datetime,
    client_token: str | None,
    facts: dict[str, Any],
    trigger: dict[str, Any],
    **values: Any,
) -> dict[str, Any]:
    """Record a request's change of desired capacity as its own activity (ESS's way), the
    reconciler's launches and removals to follow under it."""
    facts = {"at": now.isoformat(), "trigger": Trigger.USER, "from": before, "to": after, **facts}
    parent = books.activities.add(
        row, Kind.SCALE, now, runs=False, client_token=client_token, facts=facts
    )
    books.groups.change(
        row.id,
        desired=after,
        dirty=True,
        trigger={
            "at": now.isoformat(),
            "from": before,
            "to": after,
            "activity": parent["id"],
            **trigger,
        },
        **values,
    )
    return parent
