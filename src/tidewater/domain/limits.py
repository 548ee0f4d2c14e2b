"""The quotas a cloud puts on one account and region, held as data so each cloud brings its own."""

from __future__ import annotations

from dataclasses import dataclass

from tidewater.domain.lifecycle_hook import AWS_HOOKS, ESS_HOOKS, HookRules
from tidewater.domain.refusal import Refusal


@dataclass(frozen=True, slots=True)
class Limits:
    """One cloud's quotas; `None` means the cloud sets no such limit."""

    groups: int  # scaling groups per account and region
    group_size: int  # the most instances a bounded size (`sized`) may name
    sized: tuple[str, ...] = ("min", "max", "desired")  # the sizes group_size bounds
    instances: int | None = None  # AWS: pending and running instances per account and region
    tags_per_group: int | None = None
    launch_configurations: int | None = None  # AWS only: launch configurations per region
    scaling_configurations: int | None = None  # ESS only: per scaling group
    scaling_rules: int | None = None  # scaling rules (AWS: policies) per group
    load_balancers: int | None = None  # per scaling group
    db_instances: int | None = None  # per scaling group
    instances_per_activity: int | None = None  # ESS only: one scaling activity at most
    lifecycle_hooks: int | None = None  # per scaling group
    hooks: HookRules | None = None  # the bounds of one hook's settings
    notifications: int | None = None
    scheduled_tasks: int | None = None  # per account and region
    # what an attached instance must share with its group: AWS asks for one of the group's zones
    # and subnets, ESS only for the VPC of its vSwitches (AttachInstances references)
    attach_within: tuple[str, ...] = ("zone", "subnet")


# Amazon EC2 Auto Scaling quotas page: 500 groups and 200 launch configurations per Region;
# 50 tags per group (CreateAutoScalingGroup reference). AWS bounds instances per account (EC2
# On-Demand limits), not per group; Tidewater's simulated account allows 1,000 by default.
AWS = Limits(
    groups=500,
    group_size=1000,
    # AWS takes any MaxSize (a ceiling, not a demand); what a group must hold cannot exceed
    # what the account may run
    sized=("min", "desired"),
    instances=1000,
    tags_per_group=50,
    launch_configurations=200,
    scaling_rules=50,  # service quotas: scaling policies per Auto Scaling group
    load_balancers=50,
    lifecycle_hooks=50,
    hooks=AWS_HOOKS,
    notifications=10,
)

# ESS Limits page and DescribeLimitation: 100 groups per region, 2,000 instances per group,
# 20 scaling configurations and 20 rules per group, 5 CLB and 5 RDS instances per group,
# 500 instances per scaling activity. 10 lifecycle hooks per group: the current user guide and
# 2022 CreateLifecycleHook page (the 2014 page still says 6; one service, one quota).
ESS = Limits(
    groups=100,
    group_size=2000,
    scaling_configurations=20,
    scaling_rules=20,
    load_balancers=5,
    db_instances=5,
    instances_per_activity=500,
    lifecycle_hooks=10,
    hooks=ESS_HOOKS,
    notifications=6,
    scheduled_tasks=20,
    attach_within=("vpc",),
)


def check_sizes(
    limits: Limits, min_size: int | None, max_size: int | None, desired: int | None
) -> None:
    """No capacity may be negative; the bounded ones may not name more than a group may hold."""
    given = (("min", min_size), ("max", max_size), ("desired", desired))
    for field, value in given:
        if value is not None and value < 0:
            raise Refusal("size.negative", field=field, value=value)
    for field, value in given:
        if field in limits.sized and value is not None and value > limits.group_size:
            raise Refusal("size.above_limit", field=field, value=value, limit=limits.group_size)


def check_tags(limits: Limits, group: str, count: int) -> None:
    if limits.tags_per_group is not None and count > limits.tags_per_group:
        raise Refusal("tags.too_many", group=group, count=count, limit=limits.tags_per_group)
