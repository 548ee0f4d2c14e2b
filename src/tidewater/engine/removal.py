"""ESS removals: instances leave as one activity; those the group owns are stopped and ended."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from tidewater.cloud.ports import Target
from tidewater.domain import group as rules
from tidewater.domain.activity import Kind, Status, Trigger
from tidewater.domain.instance import Lifecycle, Member, Origin
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine.attachments import check_usable
from tidewater.engine.context import Context
from tidewater.engine.steps import finish
from tidewater.engine.steps.paths import PATHS

LIMIT = 20
RELEASE, RECYCLE, HAND_BACK = PATHS["release"], PATHS["recycle"], PATHS["hand_back"]


def path_for(member: Member, policy: str, detach_only: bool) -> tuple[str, ...]:
    """What leaving means for this instance: ESS ends what it owns and hands back the rest."""
    owned = member.origin is Origin.LAUNCHED or member.entrusted
    if detach_only or not owned:
        return HAND_BACK
    return RECYCLE if policy == "recycle" else RELEASE


def remove(
    ctx: Context,
    scope: Scope,
    group: str,
    ids: Sequence[str],
    *,
    policy: str = "release",
    decrease: bool = True,
    ignore_invalid: bool = False,
    client_token: str | None = None,
    detach_only: bool = False,
) -> dict[str, Any]:
    """RemoveInstances (and DetachInstances, with detach_only): refuse whole, or do all of it."""
    ids = list(dict.fromkeys(ids))
    now = ctx.clock.now()
    with ctx.change(scope) as books:
        # the group's lock first: a retry queued behind its original then finds its activity
        books.groups.lock(group)
        already = books.activities.by_token(client_token)
        if already is not None:
            return already
        row, group_, current = books.open(group)
        rules.check_batch(ids, "remove", LIMIT)
        check_usable(
            ctx, scope, [Target(t["kind"], t["ref"]) for t in row.targets], within=books.conn
        )
        if policy == "recycle" and row.settings.get("ScalingPolicy") != "recycle":
            raise Refusal("remove_policy.unsupported", group=group, policy=policy)
        chosen: list[Member] = []
        ignored: list[str] = []
        for instance_id in ids:
            member = current.get(instance_id)
            if member is None or member.state not in (Lifecycle.IN_SERVICE, Lifecycle.STANDBY):
                if not ignore_invalid:
                    raise Refusal("instance.not_member", instance_id=instance_id, group=group)
                ignored.append(instance_id)
                continue
            chosen.append(member)
        total = sum(1 for m in current.values() if m.counted or m.state is Lifecycle.STANDBY)
        if total - len(chosen) < group_.min_size:
            raise Refusal("capacity.min", verb="remove", count=len(chosen), **group_.sizes())
        before = after = group_.desired
        if decrease or not group_.rules.tracks_desired:
            after = max(group_.desired - len(chosen), group_.min_size)
        books.groups.change(row.id, desired=after, dirty=True)
        books.members.move([m.instance_id for m in chosen], Lifecycle.DETACHING)
        facts = {
            "at": now.isoformat(),
            "trigger": Trigger.USER,
            "decrement": decrease,
            "from": before,
            "to": after,
            "total_before": total,
            "instances": [m.instance_id for m in chosen],
            "ignored": ignored,
            "policy": policy,
            "attached": sum(1 for m in chosen if m.origin is Origin.ATTACHED),
            "auto_created": sum(1 for m in chosen if m.origin is Origin.LAUNCHED),
        }
        parent = books.activities.add(
            row,
            Kind.DETACH if detach_only else Kind.REMOVE,
            now,
            runs=False,
            client_token=client_token,
            facts=facts,
        )
        for member in chosen:
            path = path_for(member, policy, detach_only)
            books.activities.add(
                row,
                Kind.TERMINATE if path[-1] == "gone" else Kind.DETACH,
                now,
                instance_id=member.instance_id,
                zone=member.zone,
                subnet_id=member.subnet_id,
                step=path[0],
                parent_id=parent["id"],
                facts={**facts, "path": path, "instances": [member.instance_id]},
            )
        if not chosen:
            finish(
                books.conn,
                SimpleNamespace(**parent),
                now,
                Status.WARNING,
                "No instance was removed.",
            )
            parent.update(status=Status.WARNING.value, progress=100, ended_at=now)
        return parent
