"""ESS's names for the engine's records: prefixed ids, `acs:`/`ari:` names, groups known by id."""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Callable

from tidewater.domain.scope import Scope
from tidewater.engine.profile import Profile, Record

_ALNUM = string.ascii_lowercase + string.digits


def _hex(prefix: str) -> Callable[[], str]:
    return lambda: prefix + uuid.uuid4().hex[:20]


def _alnum(prefix: str) -> Callable[[], str]:
    return lambda: prefix + "".join(secrets.choice(_ALNUM) for _ in range(20))


def _token() -> str:
    """ESS's lifecycle action tokens are upper-case UUIDs (DescribeLifecycleActions example)."""
    return str(uuid.uuid4()).upper()


def _group_arn(scope: Scope, group_id: str, name: str) -> str:
    return f"acs:ess:{scope.region}:{scope.account}:scalinggroup/{group_id}"


def _rule_ari(scope: Scope, rule_id: str, name: str) -> str:
    return f"ari:acs:ess:{scope.region}:{scope.account}:scalingrule/{rule_id}"


ESS = Profile(
    group_tag="acs:autoscaling:scalingGroupId",
    group_key="id",
    ids={
        Record.GROUP: _alnum("asg-"),
        Record.ACTIVITY: _hex("asa-"),
        Record.SCALING_CONFIGURATION: _hex("asc-"),
        Record.SCALING_RULE: _hex("asr-"),
        Record.LIFECYCLE_HOOK: _alnum("ash-"),
        Record.LIFECYCLE_ACTION: _token,
        Record.INSTANCE_REFRESH: _hex("ir-"),  # inferred: no task id is shown in the docs
    },
    arns={
        Record.GROUP: _group_arn,
        Record.SCALING_RULE: _rule_ari,
    },
)
