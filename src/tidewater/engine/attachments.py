"""Balancers and DB whitelists attached to a group: its members join them, and leave them first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from tidewater.cloud.ports import Target
from tidewater.domain.instance import Lifecycle
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.context import Context
from tidewater.engine.groups import target_json


def targets(ctx: Context, scope: Scope, group: str) -> list[Target]:
    with ctx.read(scope) as books:
        row = books.groups.find(group)
    return [Target(t["kind"], t["ref"], t.get("weight")) for t in row.targets]


def check_usable(
    ctx: Context, scope: Scope, attached: Sequence[Target], *, within: Connection
) -> None:
    """ESS refuses to move instances while a balancer or DB instance cannot take the change.

    Asked in the caller's transaction: it holds the write lock, and validates what it reads.
    """
    for target in attached:
        if ctx.traffic.usable(scope, target, within=within):
            continue
        raise Refusal(f"{target.kind}.unusable", ref=target.ref)


def attach(ctx: Context, scope: Scope, group: str, new: Sequence[Target]) -> None:
    """Add balancers to a group; its serving instances join them at once."""
    for target in new:
        if not ctx.traffic.exists(scope, target):
            raise Refusal(f"{target.kind}.not_found", ref=target.ref)
    with ctx.change(scope) as books:
        row = books.groups.lock(group)
        current = [Target(t["kind"], t["ref"], t.get("weight")) for t in row.targets]
        known = {(t.kind, t.ref) for t in current}
        added = [t for t in new if (t.kind, t.ref) not in known]
        books.groups.change(row.id, targets=[target_json(t) for t in current + added])
        serving = books.members.ids(row.id, Lifecycle.IN_SERVICE)
    for target in added:
        ctx.traffic.register(scope, target, serving)


def detach(ctx: Context, scope: Scope, group: str, gone: Sequence[Target]) -> None:
    """Take balancers off a group; its instances leave them (connections drain on their own)."""
    with ctx.change(scope) as books:
        row = books.groups.lock(group)
        leaving = {(t.kind, t.ref) for t in gone}
        kept = [t for t in row.targets if (t["kind"], t["ref"]) not in leaving]
        books.groups.change(row.id, targets=kept)
        ids = books.members.ids(row.id)
    for target in gone:
        ctx.traffic.deregister(scope, target, ids)
