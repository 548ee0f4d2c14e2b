"""What the engine needs from a cloud: machines to launch, watch, tag and end."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tidewater.domain.scope import Scope

if TYPE_CHECKING:
    from sqlalchemy import Connection, Select

    from tidewater.store.checks import Violation
    from tidewater.store.database import Database


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    zone: str
    vpc_id: str


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    image_id: str
    instance_type: str
    key_name: str | None = None
    security_groups: tuple[str, ...] = ()
    template_id: str | None = None
    template_version: str | None = None
    template_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    # what the machine carries for describing it: ebs_optimized, monitoring
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Machine:
    id: str
    zone: str
    subnet_id: str
    vpc_id: str
    state: str  # pending | running | stopping | stopped | shutting-down | terminated
    image_id: str
    instance_type: str
    launched_at: datetime
    settles_at: datetime | None  # when the current transitional state is expected to end

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def up(self) -> bool:
        """Serving or about to: what the health check counts as healthy."""
        return self.state in UP


UP = ("pending", "running")


@dataclass(frozen=True, slots=True)
class Target:
    """Something that sends traffic to a group's instances: a balancer, or a DB whitelist."""

    kind: str  # "clb", "target_group" (AWS); "slb", "rds" (Alibaba Cloud)
    ref: str  # balancer name, target group ARN, SLB id or RDS instance id
    weight: int | None = None  # SLB backend weight for new instances


class Traffic(Protocol):
    """Balancers and whitelists; every call is idempotent so a resumed step may repeat it."""

    def exists(self, scope: Scope, target: Target) -> bool: ...

    def usable(self, scope: Scope, target: Target, within: Connection | None = None) -> bool:
        """Whether it is in a state that allows instances to join or leave (active, Running).

        `within`: the caller's transaction, for a cloud kept in the same database.
        """
        ...

    def register(self, scope: Scope, target: Target, ids: Sequence[str]) -> None: ...

    def deregister(self, scope: Scope, target: Target, ids: Sequence[str]) -> datetime | None:
        """Take instances out; returns when their connections will have drained, if later."""
        ...

    def drained(self, scope: Scope, target: Target, ids: Sequence[str]) -> bool: ...

    def set_weight(self, scope: Scope, target: Target, ids: Sequence[str], weight: int) -> None:
        """SLB: a standby instance stays a backend with weight 0."""
        ...


class Compute(Protocol):
    """A cloud's virtual machines; every call is idempotent so a resumed step may repeat it."""

    def launch(self, scope: Scope, spec: LaunchSpec, subnet: Subnet, token: str) -> Machine: ...

    def machines(
        self, scope: Scope, ids: Iterable[str], within: Connection | None = None
    ) -> dict[str, Machine]:
        """`within`: the caller's transaction, for a cloud kept in the same database."""
        ...

    def launched(self, scope: Scope, token: str) -> Machine | None:
        """The machine an earlier launch with this idempotency token made, if any."""
        ...

    def launched_like(self, scope: Scope, instance_id: str) -> tuple[LaunchSpec, Subnet] | None:
        """What launching this instance again takes, and where it runs; None when the cloud
        has no such instance (or only a terminated one)."""
        ...

    def in_use(self, scope: Scope, within: Connection | None = None) -> int:
        """How many of the account's machines count against its instance limit."""
        ...

    def terminate(self, scope: Scope, ids: Sequence[str]) -> None: ...

    def stop(self, scope: Scope, ids: Sequence[str]) -> None: ...

    def start(self, scope: Scope, ids: Sequence[str]) -> None:
        """Start stopped machines again (a warm pool's, drawn into its group)."""
        ...

    def tag(self, scope: Scope, ids: Sequence[str], tags: Mapping[str, str]) -> None: ...

    def untag(self, scope: Scope, ids: Sequence[str], keys: Sequence[str]) -> None: ...

    def subnets(self, scope: Scope, within: Connection | None = None) -> list[Subnet]:
        """The scope's subnets; `within`: a read already open on the same database, which a
        simulated cloud joins (one snapshot, no second transaction) and a real one ignores."""
        ...

    def template(
        self, scope: Scope, template_id: str | None, name: str | None, version: str | None
    ) -> LaunchSpec:
        """Resolve a launch template version; raises Refusal('template.*') when it is not there."""
        ...

    def image_exists(self, scope: Scope, image_id: str) -> bool: ...

    def key_pair_exists(self, scope: Scope, name: str) -> bool: ...

    def security_groups(self, scope: Scope) -> dict[str, str]:
        """Each security group of the scope and the VPC it belongs to."""
        ...

    def zones(self, scope: Scope) -> list[str]: ...

    def advance(self, now: datetime) -> list[str]:
        """Move due timed transitions; returns every changed machine not yet `observed`."""
        ...

    def observed(self, ids: Sequence[str], within: Connection) -> None:
        """The engine has taken note of these machines, in the transaction that recorded it."""
        ...


@dataclass(frozen=True, slots=True)
class LifecycleNotice:
    """What a hook's target is told when an action opens, in neutral words; each cloud's
    notifier lays it out as its messages do (AWS's JSON body: docs/facts/aws-lifecycle-hooks.md
    §7)."""

    target: str  # the hook's notification target (an ARN, a queue's name)
    role: str | None
    token: str
    group_id: str
    group_name: str
    hook: str
    instance_id: str
    transition: str  # domain.lifecycle_hook.Transition
    metadata: str | None
    at: datetime
    activity_id: str = ""  # the activity the wait belongs to (AWS: the message's RequestId)
    group_arn: str = ""


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """A hook's target being set: the cloud proves it can deliver there (AWS: a test message)."""

    target: str
    role: str | None
    group_name: str
    group_arn: str
    at: datetime


class Notices(Protocol):
    """Where lifecycle notices go. Called inside the transaction that opens the action, or
    that puts the hook (`within`), so a queue kept in the same database sends exactly when the
    wait begins, and never for a change that was rolled back."""

    def lifecycle_action(
        self, scope: Scope, notice: LifecycleNotice, within: Connection
    ) -> None: ...

    def reaches(self, scope: Scope, check: TargetCheck, within: Connection) -> bool:
        """Deliver the target's test message; False when the target cannot be reached."""
        ...


class Unsent:
    """No notifier: a hook's target is stored and reported, and nothing is sent."""

    def lifecycle_action(self, scope: Scope, notice: LifecycleNotice, within: Connection) -> None:
        return None

    def reaches(self, scope: Scope, check: TargetCheck, within: Connection) -> bool:
        return True


class Queues(Protocol):
    """Message queues a lifecycle hook notifies (SQS on AWS), named by ARN within a scope."""

    def exists(self, scope: Scope, queue_arn: str, within: Connection | None = None) -> bool: ...

    def send(
        self, scope: Scope, queue_arn: str, body: str, within: Connection | None = None
    ) -> bool:
        """Post one message; False when the ARN names no queue of the scope.

        `within`: the caller's transaction, so the message commits (or not) with it."""
        ...


class Agreement(Protocol):
    """A cloud's word on whether its balancers and whitelists agree with the groups at rest."""

    def violations(self, db: Database) -> list[Violation]: ...


@dataclass(frozen=True, slots=True)
class MetricId:
    """One metric: namespace, name and its dimensions (name → value)."""

    namespace: str
    name: str
    dimensions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of a metric at a time, as a publisher puts it."""

    metric: MetricId
    value: float
    at: datetime
    unit: str = "None"


@dataclass(frozen=True, slots=True)
class Reading:
    """One period's statistics of a metric: its start, and each statistic asked for (a
    statistic the period's data cannot answer is left out)."""

    at: datetime
    unit: str
    statistics: Mapping[str, float]


class Metrics(Protocol):
    """The metrics store (CloudWatch on AWS) as the alarm evaluator and the load publisher use
    it: put a value at a time, read a metric's statistics over periods."""

    def put(
        self,
        scope: Scope,
        data: Sequence[Sample],
        within: Connection | None = None,
    ) -> None:
        """Store the data in one statement (the caller's transaction, when given)."""
        ...

    def statistics(
        self,
        scope: Scope,
        metric: MetricId,
        start: datetime,
        end: datetime,
        period: int,
        statistics: Sequence[str],
        unit: str | None = None,
    ) -> list[Reading]:
        """Periods in [start, end) with data, oldest first; reads only that metric's range."""
        ...


@dataclass(frozen=True, slots=True)
class AlarmAction:
    """One action an alarm evaluation asks for: whose, which ARN, in which new state, with the
    newest value of its metric (None when there was none) and its threshold."""

    scope: Scope
    alarm: str
    arn: str
    state: str
    value: float | None
    threshold: float


class Alarms(Protocol):
    """The metric alarms (CloudWatch's on AWS) as the runner drives them on the service clock."""

    def due(self) -> Select[Any] | None:
        """The keys of alarms whose next evaluation time has come at the bound parameter `now`,
        oldest first (the runner asks it together with its other timed rows)."""
        ...

    def evaluate(self, key: int, now: datetime) -> list[AlarmAction] | None:
        """Evaluate one due alarm in one transaction that also moves its next time on; None when
        it was not due (another node got there first), else the actions it asks for."""
        ...

    def acted(self, action: AlarmAction, error: str | None, at: datetime) -> None:
        """Record an action's outcome in the alarm's history (error None: it succeeded)."""
        ...

    def own(self, scope: Scope, name: str, config: Mapping[str, Any], within: Connection) -> str:
        """Create or update an alarm a scaling policy owns (target tracking) with
        PutMetricAlarm's members, in the policy's transaction; its ARN."""
        ...

    def disown(self, scope: Scope, names: Sequence[str], within: Connection) -> None:
        """Delete the alarms a policy owned, in its transaction; those already gone quietly."""
        ...


class NoAlarms:
    """A cloud without alarms: nothing is ever due."""

    def due(self) -> Select[Any] | None:
        return None

    def evaluate(self, key: int, now: datetime) -> list[AlarmAction] | None:
        return None

    def acted(self, action: AlarmAction, error: str | None, at: datetime) -> None:
        return None

    def own(self, scope: Scope, name: str, config: Mapping[str, Any], within: Connection) -> str:
        return name

    def disown(self, scope: Scope, names: Sequence[str], within: Connection) -> None:
        return None
