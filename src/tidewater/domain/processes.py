"""What each suspendable process stops, per cloud: one table the engine asks, never a branch.

A `Gate` names a decision the engine (or a later feature) takes on its own; each cloud's table
says which of its process names, while suspended, hold that decision back. Sources and the
reasoning behind every row are in docs/facts/suspended-processes.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tidewater.domain.scope import Cloud


class Gate(StrEnum):
    SCALE_OUT = "scale_out"  # launches that bring the group up to its desired capacity
    SCALE_IN = "scale_in"  # terminations that bring it down to its desired capacity
    REPLACE_UNHEALTHY = "replace_unhealthy"  # ending members marked unhealthy
    MARK_UNHEALTHY = "mark_unhealthy"  # the cloud's own checks marking a member unhealthy
    REBALANCE = "rebalance"  # launches that even the zones out
    REGISTER = "register"  # a launched instance joining the group's balancers
    ATTACH = "attach"  # instances a user adds to the group
    REMOVE = "remove"  # instances a user removes from the group (ESS RemoveInstances)
    RETURN = "return"  # instances coming back from standby
    ALARM = "alarm"  # scaling policies run by alarms (built in a later issue)
    SCHEDULE = "schedule"  # scheduled actions (built in a later issue)
    REFRESH = "refresh"  # instance refresh replacing instances


@dataclass(frozen=True, slots=True)
class Processes:
    """One cloud's process names: which it accepts, which "all" means, and what each stops."""

    names: tuple[str, ...]  # the names SuspendProcesses accepts, in the cloud's order
    listed: tuple[str, ...]  # the names the cloud lists as its process types
    gates: Mapping[Gate, frozenset[str]] = field(default_factory=dict)

    def blocks(self, gate: Gate, suspended: Iterable[str]) -> bool:
        return not self.gates.get(gate, frozenset()).isdisjoint(suspended)

    def holding(self, gate: Gate, suspended: Iterable[str]) -> str | None:
        """The first suspended process that holds this decision back, if any."""
        names = self.gates.get(gate, frozenset())
        return next((p for p in suspended if p in names), None)

    def resumed(self, gate: Gate, before: Iterable[str], after: Iterable[str]) -> bool:
        """Whether a change to the suspended set lets a held-back decision go ahead again."""
        before = list(before)
        return self.blocks(gate, before) and not self.blocks(gate, after)


AWS_LISTED = (
    "Launch",
    "Terminate",
    "AddToLoadBalancer",
    "AlarmNotification",
    "AZRebalance",
    "HealthCheck",
    "InstanceRefresh",
    "ReplaceUnhealthy",
    "ScheduledActions",
)

AWS = Processes(
    # RemoveFromLoadBalancerLowPriority: deprecated, kept by AWS for backward compatibility;
    # accepted, stored and described, and it stops nothing
    names=(*AWS_LISTED, "RemoveFromLoadBalancerLowPriority"),
    listed=AWS_LISTED,
    gates={
        Gate.SCALE_OUT: frozenset({"Launch"}),
        Gate.SCALE_IN: frozenset({"Terminate"}),
        Gate.REPLACE_UNHEALTHY: frozenset({"ReplaceUnhealthy", "Terminate"}),
        Gate.MARK_UNHEALTHY: frozenset({"HealthCheck"}),
        # with Terminate suspended a rebalance still launches, and the extra stays
        Gate.REBALANCE: frozenset({"AZRebalance", "Launch"}),
        Gate.REGISTER: frozenset({"AddToLoadBalancer"}),
        Gate.ATTACH: frozenset({"Launch"}),
        Gate.RETURN: frozenset({"Launch"}),
        Gate.ALARM: frozenset({"AlarmNotification"}),
        Gate.SCHEDULE: frozenset({"ScheduledActions"}),
        Gate.REFRESH: frozenset({"InstanceRefresh", "Launch", "Terminate"}),
    },
)

ESS_LISTED = ("ScaleIn", "ScaleOut", "HealthCheck", "AlarmNotification", "ScheduledAction")

ESS = Processes(
    names=ESS_LISTED,
    listed=ESS_LISTED,
    gates={
        Gate.SCALE_OUT: frozenset({"ScaleOut"}),
        Gate.SCALE_IN: frozenset({"ScaleIn"}),
        Gate.REPLACE_UNHEALTHY: frozenset({"HealthCheck", "ScaleIn"}),
        Gate.MARK_UNHEALTHY: frozenset({"HealthCheck"}),
        Gate.REBALANCE: frozenset({"ScaleOut", "ScaleIn"}),
        Gate.ATTACH: frozenset({"ScaleOut"}),
        Gate.REMOVE: frozenset({"ScaleIn"}),
        Gate.ALARM: frozenset({"AlarmNotification"}),
        Gate.SCHEDULE: frozenset({"ScheduledAction"}),
    },
)

BY_CLOUD: dict[Cloud, Processes] = {Cloud.AWS: AWS, Cloud.ALIYUN: ESS}
