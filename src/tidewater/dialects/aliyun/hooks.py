"""ESS lifecycle hook actions: ESS's names for transitions, results and states, onto the engine's.

Both API versions share these handlers (parameters under their 2022 names; the 2014 list
wrappers are applied afterwards). Notification targets (MNS queues and topics, OOS templates,
EventBridge) are stored and reported back, but Tidewater delivers nothing to them: a wait's
token is always found with DescribeLifecycleActions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.ess_api import invalid_parameter, missing_parameter
from tidewater.domain.lifecycle_hook import HOLD, IGNORED, Hook, Result, Transition
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.engine import named_hooks
from tidewater.engine.context import Context

TRANSITIONS = {"SCALE_OUT": Transition.LAUNCHING, "SCALE_IN": Transition.TERMINATING}
NAMES = {transition: name for name, transition in TRANSITIONS.items()}
STATUS = {"Active": True, "InActive": False}

# MNS queues and topics, OOS templates, the EventBridge bus (CreateLifecycleHook reference), and
# the older acs:ess forms ROS documents (docs/facts/ess-lifecycle-hooks.md §2)
ARN = re.compile(
    r"acs:(mns|oos|eventbridge|ess):[a-z0-9-]+:\d+:(queue|topic|template|eventbus|oos)/[^/\s]+"
)

# How each action words a refusal where ESS's pages word it by action (DOC14 error tables)
WORDING: dict[tuple[str, str], tuple[str, int, str]] = {
    ("ModifyLifecycleHook", "hook.id_not_found"): (
        "InvalidLifecycleHookId.NotExist",
        400,
        "The specified lifecycleHookId not exist.",
    ),
    ("ModifyLifecycleHook", "hook.name_not_found"): (
        "InvalidLifecycleHookName.NotExist",
        400,
        "The specified lifecycleHookName you provided not exist.",
    ),
    ("DescribeLifecycleActions", "activity.not_found"): (
        "InvalidParameter",
        400,
        'The specified value of parameter "ScalingActivityId" is not valid.',
    ),
}


@contextmanager
def _worded(action: str) -> Iterator[None]:
    """Refusals this action words its own way; the rest go to the common table."""
    try:
        yield
    except Refusal as refusal:
        found = WORDING.get((action, refusal.reason))
        if found is None:
            raise
        code, status, message = found
        raise AliyunError(code, message, status) from None


def _target(p: Mapping[str, Any], action: str) -> str | None:
    arn = p.get("NotificationArn")
    if arn and not ARN.fullmatch(arn):
        letter = "n" if action == "CreateLifecycleHook" else "N"
        raise AliyunError(
            "InvalidNotificationArn", f"The specified parameter {letter}otificationArn is invalid."
        )
    return arn


def hook_of(p: Mapping[str, Any], action: str) -> Hook:
    """A Create or Modify request in neutral words; what it leaves out stays unset."""
    transition, result = p.get("LifecycleTransition"), p.get("DefaultResult")
    status = p.get("LifecycleHookStatus")
    return Hook(
        name=p.get("LifecycleHookName") or "",
        transition=TRANSITIONS[transition] if transition else None,
        heartbeat=p.get("HeartbeatTimeout"),
        default_result=Result(result) if result else None,
        metadata=p.get("NotificationMetadata"),
        target=_target(p, action),
        active=STATUS[status] if status else None,
    )


def _ref(p: Mapping[str, Any]) -> named_hooks.HookRef:
    if not p.get("LifecycleHookId") and not (
        p.get("ScalingGroupId") and p.get("LifecycleHookName")
    ):
        raise missing_parameter("LifecycleHookId")
    return named_hooks.HookRef(
        p.get("LifecycleHookId"), p.get("ScalingGroupId"), p.get("LifecycleHookName")
    )


def _context(p: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """LifecycleHookContext (a JSON object): whether hooks are off, and the hook ids passed by."""
    context = p.get("LifecycleHookContext") or {}
    disabled = context.get("DisableLifecycleHook")
    ignored = context.get("IgnoredLifecycleHookIds") or []
    if not isinstance(disabled, bool | None) or not isinstance(ignored, list):
        raise invalid_parameter("LifecycleHookContext")
    return bool(disabled), [str(i) for i in ignored]


def removal_hooks(p: Mapping[str, Any], switch: str | None) -> dict[str, Any]:
    """Which SCALE_IN hooks hold a removal: RemoveInstances' LifecycleHookContext (2022; hooks
    run unless it turns them off), or DetachInstances' LifecycleHook switch (off by default)."""
    if switch is not None:
        return {HOLD: Transition.TERMINATING.value if p.get(switch) else ""}
    disabled, ignored = _context(p)
    if disabled:
        return {HOLD: ""}
    return {HOLD: Transition.TERMINATING.value, IGNORED: ignored}


def adjustment_hooks(p: Mapping[str, Any]) -> dict[str, Any]:
    """ScaleWithAdjustment's LifecycleHookContext (2022): hooks off, or some passed by."""
    disabled, ignored = _context(p)
    if disabled:
        return {HOLD: ""}
    return {IGNORED: ignored} if ignored else {}


def _arn(scope: Scope, row: Any) -> str:
    """A hook without a target shows ESS's placeholder (DOC14, SDK22)."""
    return row.target or f"acs:ess:{scope.region}:{scope.account}:null/null"


class LifecycleHookActions:
    """CreateLifecycleHook and its siblings, mixed into the ESS service."""

    ctx: Context

    def CreateLifecycleHook(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        hook = hook_of(p, "CreateLifecycleHook")
        made = named_hooks.create(self.ctx, scope, p["ScalingGroupId"], hook)
        return {"LifecycleHookId": made}

    def DescribeLifecycleHooks(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = p.get("PageNumber") or 1, p.get("PageSize") or 50
        page = named_hooks.page(
            self.ctx,
            scope,
            p.get("ScalingGroupId"),
            p.get("LifecycleHookIds"),
            p.get("LifecycleHookName"),
            number,
            size,
        )
        return {
            "TotalCount": page.total,
            "PageNumber": number,
            "PageSize": size,
            "LifecycleHooks": [
                {
                    "ScalingGroupId": row.group_id,
                    "LifecycleHookId": row.hook_id,
                    "LifecycleHookName": row.name,
                    "DefaultResult": row.default_result,
                    "HeartbeatTimeout": row.heartbeat,
                    "LifecycleTransition": NAMES[Transition(row.transition)],
                    "NotificationMetadata": row.metadata,
                    "NotificationArn": _arn(scope, row),
                    "LifecycleHookStatus": "Active" if row.active else "InActive",
                }
                for row in page.rows
            ],
        }

    def ModifyLifecycleHook(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        with _worded("ModifyLifecycleHook"):
            named_hooks.modify(self.ctx, scope, _ref(p), hook_of(p, "ModifyLifecycleHook"))
        return {}

    def DeleteLifecycleHook(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        named_hooks.delete(self.ctx, scope, _ref(p))
        return {}

    def CompleteLifecycleAction(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        result = p.get("LifecycleActionResult")
        named_hooks.complete(
            self.ctx,
            scope,
            p["LifecycleHookId"],
            p["LifecycleActionToken"],
            Result(result) if result else None,
        )
        return {}

    def RecordLifecycleActionHeartbeat(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        hook_id = p.get("lifecycleHookId") or p.get("LifecycleHookId")
        token = p.get("lifecycleActionToken") or p.get("LifecycleActionToken")
        if not hook_id:
            raise missing_parameter("lifecycleHookId")
        if not token:
            raise missing_parameter("lifecycleActionToken")
        timeout = p.get("heartbeatTimeout") or p.get("HeartbeatTimeout")
        named_hooks.heartbeat(self.ctx, scope, hook_id, token, timeout)
        return {}

    def DescribeLifecycleActions(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = p.get("MaxResults") or 10
        with _worded("DescribeLifecycleActions"):
            waits = named_hooks.waits(self.ctx, scope, p["ScalingActivityId"])
        wanted = p.get("LifecycleActionStatus")
        waits = [w for w in waits if not wanted or w.status == wanted]
        start = 0
        if p.get("NextToken"):
            tokens = [w.token for w in waits]
            if p["NextToken"] not in tokens:
                raise AliyunError(
                    "InvalidParameter", 'The specified value of parameter "NextToken" is not valid.'
                )
            start = tokens.index(p["NextToken"]) + 1
        shown = waits[start : start + size]
        more = start + size < len(waits)
        return {
            "TotalCount": len(waits),
            "MaxResults": size,
            "NextToken": shown[-1].token if more else "",
            "LifecycleActions": [
                {
                    "LifecycleActionToken": w.token,
                    "LifecycleHookId": w.hook_id,
                    "LifecycleActionStatus": w.status,
                    "LifecycleActionResult": w.result,
                    "InstanceIds": w.instance_ids,
                }
                for w in shown
            ],
        }
