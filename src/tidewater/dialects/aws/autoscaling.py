"""Auto Scaling (2011-01-01) handlers: model-shaped dicts in, engine calls, model dicts out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tidewater.cloud.ports import Target
from tidewater.dialects.aws import activities
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.hooks import LifecycleHookActions, hook_of
from tidewater.dialects.aws.policies import PolicyActions
from tidewater.dialects.aws.refreshes import InstanceRefreshActions
from tidewater.dialects.aws.schedules import ScheduledActionActions
from tidewater.dialects.aws.service import Handler
from tidewater.domain.instance import WARM as WARM_STATES
from tidewater.domain.launch import (
    TYPE_SOURCES,
    TYPES,
    WEIGHTS,
    Blueprint,
    LaunchConfiguration,
    TemplateVersion,
    source_of,
)
from tidewater.domain.processes import AWS as AWS_PROCESSES
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Scope
from tidewater.domain.warm_pool import POOL, PoolState, WarmPool
from tidewater.engine import (
    attachments,
    groups,
    instances,
    launch_configurations,
    leaving,
    queries,
    warm_pools,
)
from tidewater.engine.context import Context, rehearsed
from tidewater.engine.groups import GroupSpec, Tag

METRICS = (
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "GroupInServiceCapacity",
    "GroupPendingCapacity",
    "GroupStandbyCapacity",
    "GroupTerminatingCapacity",
    "GroupTotalCapacity",
    "WarmPoolDesiredCapacity",
    "WarmPoolWarmedCapacity",
    "WarmPoolPendingCapacity",
    "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity",
    "GroupAndWarmPoolDesiredCapacity",
    "GroupAndWarmPoolTotalCapacity",
)
TERMINATION_POLICIES = (
    "ClosestToNextInstanceHour",
    "Default",
    "NewestInstance",
    "OldestInstance",
    "OldestLaunchConfiguration",
    "OldestLaunchTemplate",
    "AllocationStrategy",
)
# Stored as given and reported back; Tidewater does not act on them (yet).
ECHOED = (
    "MixedInstancesPolicy",
    "PlacementGroup",
    "ServiceLinkedRoleARN",
    "MaxInstanceLifetime",
    "CapacityRebalance",
    "Context",
    "DesiredCapacityType",
    "DefaultInstanceWarmup",
    "LoadBalancerNames",
    "TargetGroupARNs",
    "TrafficSources",
    "InstanceMaintenancePolicy",
    "AvailabilityZoneDistribution",
    "AvailabilityZoneImpairmentPolicy",
    "CapacityReservationSpecification",
    "SkipZonalShiftValidation",
)
LC_FIELDS = (
    "ImageId",
    "KeyName",
    "SecurityGroups",
    "ClassicLinkVPCId",
    "ClassicLinkVPCSecurityGroups",
    "UserData",
    "InstanceType",
    "KernelId",
    "RamdiskId",
    "BlockDeviceMappings",
    "InstanceMonitoring",
    "SpotPrice",
    "IamInstanceProfile",
    "EbsOptimized",
    "AssociatePublicIpAddress",
    "PlacementTenancy",
    "MetadataOptions",
)


def _launch(params: Mapping[str, Any]) -> dict[str, Any] | None:
    sources = [
        k
        for k in ("LaunchConfigurationName", "LaunchTemplate", "MixedInstancesPolicy")
        if params.get(k)
    ]
    if len(sources) != 1:
        return None
    if sources[0] == "LaunchConfigurationName":
        return LaunchConfiguration(params["LaunchConfigurationName"]).stored()
    template = params.get("LaunchTemplate")
    overrides: list[dict[str, Any]] = []
    if template is None:
        policy = params["MixedInstancesPolicy"].get("LaunchTemplate") or {}
        template = policy.get("LaunchTemplateSpecification") or {}
        overrides = policy.get("Overrides") or []
    stored = _template(template)
    types = [o["InstanceType"] for o in overrides if o.get("InstanceType")]
    if types:  # the overrides' instance types, first preferred (`prioritized`)
        stored[TYPES] = types
    weights = _weights(overrides)
    if weights:
        stored[WEIGHTS] = weights
    own = {  # an override may name its own template for its type
        o["InstanceType"]: _template(o["LaunchTemplateSpecification"])
        for o in overrides
        if o.get("InstanceType") and o.get("LaunchTemplateSpecification")
    }
    if own:
        stored[TYPE_SOURCES] = own
    return stored


def _template(given: Mapping[str, Any]) -> dict[str, Any]:
    return TemplateVersion(
        given.get("LaunchTemplateId"),
        given.get("LaunchTemplateName"),
        given.get("Version") or None,  # none given: the default version, and none shown
    ).stored()


def _weights(overrides: list[dict[str, Any]]) -> dict[str, int]:
    """The units each override's instance type counts for: all of them weighed, or none."""
    given = [o for o in overrides if o.get("WeightedCapacity") is not None]
    if not given:
        return {}
    if len(given) != len(overrides):
        raise AwsError("ValidationError", WEIGHTS_FOR_ALL)
    weights: dict[str, int] = {}
    for override in given:
        text = str(override["WeightedCapacity"])
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 999):
            raise AwsError("ValidationError", WEIGHT_RANGE.format(text))
        if override.get("InstanceType"):
            weights[override["InstanceType"]] = int(text)
    return weights


# No public source gives these texts; they say what the API reference says (inferred)
WEIGHTS_FOR_ALL = (
    "If you specify a value for WeightedCapacity for one instance type, you must specify a "
    "value for WeightedCapacity for all of them."
)
WEIGHT_RANGE = "Invalid WeightedCapacity {}: it must be a whole number from 1 to 999."
POOL_MIN_ABOVE_MAX = "MinSize must be less than or equal to MaxGroupPreparedCapacity."


LAUNCH_SOURCES = ("LaunchConfigurationName", "LaunchTemplate", "MixedInstancesPolicy")


def _configuration(
    p: Mapping[str, Any], derived: Blueprint | None
) -> tuple[Blueprint, dict[str, Any]]:
    """A launch configuration's blueprint and wire fields: what the request names, over what an
    instance it names gives (CreateLaunchConfiguration's InstanceId: never block devices)."""
    base = derived or Blueprint("", "")
    # detailed monitoring is a launch configuration's own default (InstanceMonitoring), unless
    # an instance it is made from says otherwise
    monitoring = base.machine.get("monitoring", False) if derived is not None else True
    if p.get("InstanceMonitoring") is not None:
        monitoring = p["InstanceMonitoring"].get("Enabled", True)
    machine = {
        "ebs_optimized": bool(p.get("EbsOptimized", base.machine.get("ebs_optimized", False))),
        "monitoring": bool(monitoring),
    }
    blueprint = Blueprint(
        image_id=p.get("ImageId") or base.image_id,
        instance_type=p.get("InstanceType") or base.instance_type,
        key_name=p.get("KeyName") or base.key_name,
        security_groups=tuple(p.get("SecurityGroups") or base.security_groups),
        machine=machine,
    )
    data = {k: p[k] for k in LC_FIELDS if k in p}
    if derived is not None:  # described as if the request had named them
        data.setdefault("ImageId", blueprint.image_id)
        data.setdefault("InstanceType", blueprint.instance_type)
        if blueprint.key_name:
            data.setdefault("KeyName", blueprint.key_name)
        data.setdefault("SecurityGroups", list(blueprint.security_groups))
        data.setdefault("EbsOptimized", machine["ebs_optimized"])
        data.setdefault("InstanceMonitoring", {"Enabled": machine["monitoring"]})
    return blueprint, data


def _subnets(params: Mapping[str, Any]) -> list[str] | None:
    value = params.get("VPCZoneIdentifier")
    if value is None:
        return None
    return [s.strip() for s in value.split(",") if s.strip()]


def _tags(tags: list[dict[str, Any]] | None, group: str | None = None) -> list[Tag]:
    return [
        Tag(t["Key"], t.get("Value") or "", bool(t.get("PropagateAtLaunch"))) for t in tags or ()
    ]


def _spec(params: Mapping[str, Any], create: bool) -> GroupSpec:
    launch = _launch(params)
    if create and launch is None:
        launch = {}
    settings = {k: params[k] for k in ECHOED if k in params and k not in TRAFFIC_KEYS}
    if launch and not params.get("MixedInstancesPolicy"):
        settings["MixedInstancesPolicy"] = None  # another source replaces a mixed policy
    return GroupSpec(
        name=params["AutoScalingGroupName"],
        min_size=params.get("MinSize"),
        max_size=params.get("MaxSize"),
        desired=params.get("DesiredCapacity"),
        launch=launch,
        zones=params.get("AvailabilityZones") or None,
        subnets=_subnets(params),
        default_cooldown=params.get("DefaultCooldown"),
        health_check_type=params.get("HealthCheckType") or ("EC2" if create else None),
        health_check_grace=params.get("HealthCheckGracePeriod"),
        termination_policies=params.get("TerminationPolicies"),
        new_instances_protected=params.get("NewInstancesProtectedFromScaleIn"),
        tags=_tags(params.get("Tags")) if create else [],
        settings=settings,
        targets=_targets(params) if create else [],
        hooks=[hook_of(h) for h in params.get("LifecycleHookSpecificationList") or ()],
    )


def _filters(params: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    return [(f.get("Name") or "", f.get("Values") or []) for f in params.get("Filters") or ()]


TRAFFIC_KEYS = ("LoadBalancerNames", "TargetGroupARNs", "TrafficSources")
SOURCE_KINDS = {"elb": "clb", "elbv2": "target_group"}
KIND_SOURCES = {kind: source for source, kind in SOURCE_KINDS.items()}


def _targets(params: Mapping[str, Any]) -> list[Target]:
    found = [Target("clb", name) for name in params.get("LoadBalancerNames") or []]
    found += [Target("target_group", arn) for arn in params.get("TargetGroupARNs") or []]
    for source in params.get("TrafficSources") or []:
        kind = SOURCE_KINDS.get(source.get("Type") or "elbv2")
        if kind is None:
            raise AwsError(
                "ValidationError", f"Traffic source type {source.get('Type')} is not supported."
            )
        found.append(Target(kind, source["Identifier"]))
    return found


# What AWS fills in for a mixed instances policy that leaves its distribution out
DISTRIBUTION = {
    "OnDemandAllocationStrategy": "prioritized",
    "OnDemandBaseCapacity": 0,
    "OnDemandPercentageAboveBaseCapacity": 100,
    "SpotAllocationStrategy": "lowest-price",
    "SpotInstancePools": 2,
}


def _source_out(launch: dict[str, Any] | None, mixed: dict[str, Any] | None) -> dict[str, Any]:
    """A group's launch source as AWS describes it: a mixed instances policy normalized (the
    template named by id and name, `Overrides` always a list, the default distribution filled
    in) in place of the top-level LaunchTemplate."""
    if not mixed:
        return _launch_out(launch)
    template = _launch_out(launch).get("LaunchTemplate") or {}
    given = mixed.get("LaunchTemplate") or {}
    return {
        "MixedInstancesPolicy": {
            "LaunchTemplate": {
                "LaunchTemplateSpecification": template,
                "Overrides": list(given.get("Overrides") or []),
            },
            "InstancesDistribution": {**DISTRIBUTION, **(mixed.get("InstancesDistribution") or {})},
        }
    }


def _launch_out(launch: dict[str, Any] | None) -> dict[str, Any]:
    source = source_of(launch)
    if isinstance(source, LaunchConfiguration):
        return {"LaunchConfigurationName": source.name}
    if isinstance(source, TemplateVersion):
        named = {"LaunchTemplateId": source.id, "LaunchTemplateName": source.name}
        return {"LaunchTemplate": named | ({"Version": source.version} if source.version else {})}
    return {}


def _pool_out(pool: WarmPool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MinSize": pool.min_size,
        "PoolState": pool.state.value,
        "InstanceReusePolicy": {"ReuseOnScaleIn": pool.reuse},
    }
    if pool.max_prepared is not None:
        out["MaxGroupPreparedCapacity"] = pool.max_prepared
    if pool.deleting:
        out["Status"] = "PendingDelete"
    return out


def _weight_out(weight: int | None) -> dict[str, str]:
    """An instance's WeightedCapacity, shown only in a group that weighs instance types."""
    return {} if weight is None else {"WeightedCapacity": str(weight)}


class AutoScalingService(
    LifecycleHookActions, InstanceRefreshActions, ScheduledActionActions, PolicyActions
):
    """Every Auto Scaling action Tidewater serves, each a thin translation onto the engine."""

    signing_name = "autoscaling"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.handlers: dict[str, Handler] = {
            name: getattr(self, name) for name in dir(self) if name[:1].isupper()
        }

    # -- groups -------------------------------------------------------------------------------

    def CreateAutoScalingGroup(self, scope: Scope, p: dict[str, Any]) -> None:
        for tag in p.get("Tags") or ():
            _check_tag(tag, p["AutoScalingGroupName"], require_resource=False)
        if not p.get("InstanceId"):
            groups.create(self.ctx, scope, _spec(p, create=True))
            return
        if _launch(p) is not None or any(p.get(k) for k in LAUNCH_SOURCES):
            raise Refusal("launch.missing")  # an instance is a source: no second one beside it
        # AWS makes a launch configuration named after the group from the instance, and places
        # the group where the instance runs unless told where (create-asg-from-instance)
        name = p["AutoScalingGroupName"]
        blueprint, subnet = launch_configurations.from_instance(self.ctx, scope, p["InstanceId"])
        blueprint, data = _configuration({}, blueprint)
        launch_configurations.create(self.ctx, scope, name, blueprint, data)
        placed = dict(p, LaunchConfigurationName=name)
        if not p.get("AvailabilityZones") and not p.get("VPCZoneIdentifier"):
            placed["VPCZoneIdentifier"] = subnet.id
        try:
            groups.create(self.ctx, scope, _spec(placed, create=True))
        except Refusal:
            launch_configurations.delete_one(self.ctx, scope, name)
            raise

    def UpdateAutoScalingGroup(self, scope: Scope, p: dict[str, Any]) -> None:
        groups.modify(self.ctx, scope, _spec(p, create=False))

    def DeleteAutoScalingGroup(self, scope: Scope, p: dict[str, Any]) -> None:
        groups.delete_group(self.ctx, scope, p["AutoScalingGroupName"], bool(p.get("ForceDelete")))

    def DescribeAutoScalingGroups(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 50, 100)
        filters = _filters(p)
        page = queries.groups_page(
            self.ctx,
            scope,
            p.get("AutoScalingGroupNames"),
            filters,
            p.get("NextToken"),
            size,
            with_instances=p.get("IncludeInstances", True),
        )
        tags, members = page.extra["tags"], page.extra["instances"]
        return {
            "AutoScalingGroups": [
                self._group(row, tags[row.id], members[row.id]) for row in page.rows
            ],
            "NextToken": page.next_token,
        }

    def _group(self, row: Any, tags: list[Any], members: list[Any]) -> dict[str, Any]:
        settings = row.settings
        out: dict[str, Any] = {
            "AutoScalingGroupName": row.name,
            "AutoScalingGroupARN": row.arn,
            **_source_out(row.launch, settings.get("MixedInstancesPolicy")),
            "MinSize": row.min_size,
            "MaxSize": row.max_size,
            "DesiredCapacity": row.desired,
            "DefaultCooldown": row.default_cooldown,
            "AvailabilityZones": row.zones,
            "LoadBalancerNames": [t["ref"] for t in row.targets if t["kind"] == "clb"],
            "TargetGroupARNs": [t["ref"] for t in row.targets if t["kind"] == "target_group"],
            "HealthCheckType": row.health_check_type,
            "HealthCheckGracePeriod": row.health_check_grace,
            "Instances": [self._member(m) for m in members if m.state not in WARM_STATES],
            "CreatedTime": row.created_at,
            "SuspendedProcesses": _suspensions(row.suspended, settings.get("suspended_at") or {}),
            "VPCZoneIdentifier": ",".join(row.subnets),
            "EnabledMetrics": [{"Metric": m, "Granularity": g} for m, g in row.metrics.items()],
            "Tags": [
                {
                    "ResourceId": row.name,
                    "ResourceType": "auto-scaling-group",
                    "Key": t.key,
                    "Value": t.value,
                    "PropagateAtLaunch": t.propagate,
                }
                for t in tags
            ],
            "TerminationPolicies": row.termination_policies,
            "NewInstancesProtectedFromScaleIn": row.new_instances_protected,
            "ServiceLinkedRoleARN": settings.get(
                "ServiceLinkedRoleARN",
                f"arn:aws:iam::{row.account}:role/aws-service-role/autoscaling.amazonaws.com/"
                "AWSServiceRoleForAutoScaling",
            ),
            "TrafficSources": [
                {"Identifier": t["ref"], "Type": KIND_SOURCES[t["kind"]]} for t in row.targets
            ],
        }
        if row.status != "InService":
            out["Status"] = row.status
        pool = WarmPool.of(settings.get(POOL))
        if pool is not None:
            out["WarmPoolConfiguration"] = _pool_out(pool)
            out["WarmPoolSize"] = sum(1 for m in members if m.state in WARM_STATES)
        for key in ECHOED:
            if settings.get(key) is not None and key not in out:
                out[key] = settings[key]
        return out

    @staticmethod
    def _member(m: Any) -> dict[str, Any]:
        return {
            "InstanceId": m.instance_id,
            "InstanceType": m.instance_type,
            "AvailabilityZone": m.zone,
            "LifecycleState": m.state,
            "HealthStatus": "Healthy" if m.healthy else "Unhealthy",
            **_launch_out(m.launch),
            "ProtectedFromScaleIn": m.protected,
            **_weight_out(m.weight),
        }

    # -- warm pools ---------------------------------------------------------------------------

    def PutWarmPool(self, scope: Scope, p: dict[str, Any]) -> None:
        prepared = p.get("MaxGroupPreparedCapacity")
        minimum = p.get("MinSize") or 0
        if prepared is not None and prepared != -1 and minimum > prepared:
            raise AwsError("ValidationError", POOL_MIN_ABOVE_MAX)
        pool = WarmPool(
            min_size=minimum,
            max_prepared=None if prepared in (None, -1) else prepared,
            state=PoolState(p.get("PoolState") or "Stopped"),
            reuse=bool((p.get("InstanceReusePolicy") or {}).get("ReuseOnScaleIn")),
        )
        warm_pools.put(self.ctx, scope, p["AutoScalingGroupName"], pool)

    def DescribeWarmPool(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 50, 50)
        after = queries.decode_token(p.get("NextToken"))
        pool, rows = warm_pools.described(self.ctx, scope, p["AutoScalingGroupName"], after, size)
        out: dict[str, Any] = {"Instances": [self._member(m) for m in rows[:size]]}
        if pool is not None:
            out["WarmPoolConfiguration"] = _pool_out(pool)
        if len(rows) > size:
            out["NextToken"] = queries.encode_token(rows[size - 1].instance_id)
        return out

    def DeleteWarmPool(self, scope: Scope, p: dict[str, Any]) -> None:
        name = p["AutoScalingGroupName"]
        warm_pools.delete(self.ctx, scope, name, bool(p.get("ForceDelete")))

    def DescribeAutoScalingInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 50, 50)
        page = queries.instances_page(
            self.ctx, scope, p.get("InstanceIds"), p.get("NextToken"), size
        )
        return {
            "AutoScalingInstances": [
                {
                    "InstanceId": m.instance_id,
                    "InstanceType": m.instance_type,
                    "AutoScalingGroupName": m.group_name,
                    "AvailabilityZone": m.zone,
                    "LifecycleState": m.state,
                    "HealthStatus": "HEALTHY" if m.healthy else "UNHEALTHY",
                    **_launch_out(m.launch),
                    "ProtectedFromScaleIn": m.protected,
                    **_weight_out(m.weight),
                }
                for m in page.rows
            ],
            "NextToken": page.next_token,
        }

    @rehearsed
    def SetDesiredCapacity(self, scope: Scope, p: dict[str, Any]) -> None:
        groups.set_desired(
            self.ctx,
            scope,
            p["AutoScalingGroupName"],
            p["DesiredCapacity"],
            bool(p.get("HonorCooldown")),
        )

    def SuspendProcesses(self, scope: Scope, p: dict[str, Any]) -> None:
        groups.set_processes(
            self.ctx, scope, p["AutoScalingGroupName"], p.get("ScalingProcesses"), suspend=True
        )

    def ResumeProcesses(self, scope: Scope, p: dict[str, Any]) -> None:
        groups.set_processes(
            self.ctx, scope, p["AutoScalingGroupName"], p.get("ScalingProcesses"), suspend=False
        )

    def EnableMetricsCollection(self, scope: Scope, p: dict[str, Any]) -> None:
        if p.get("Granularity") != "1Minute":
            raise AwsError("ValidationError", f"Unsupported granularity {p.get('Granularity')}")
        groups.set_metrics(
            self.ctx,
            scope,
            p["AutoScalingGroupName"],
            p.get("Metrics"),
            p["Granularity"],
            True,
            METRICS,
        )

    def DisableMetricsCollection(self, scope: Scope, p: dict[str, Any]) -> None:
        groups.set_metrics(
            self.ctx, scope, p["AutoScalingGroupName"], p.get("Metrics"), None, False, METRICS
        )

    # -- instances ----------------------------------------------------------------------------

    @rehearsed
    def DetachInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        made = leaving.leave(
            self.ctx,
            scope,
            p["AutoScalingGroupName"],
            p.get("InstanceIds") or [],
            leaving.DETACH,
            decrement=p["ShouldDecrementDesiredCapacity"],
        )
        return {"Activities": [activities.render(a) for a in made]}

    @rehearsed
    def AttachInstances(self, scope: Scope, p: dict[str, Any]) -> None:
        instances.attach(self.ctx, scope, p["AutoScalingGroupName"], p.get("InstanceIds") or [])

    @rehearsed
    def EnterStandby(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        made = leaving.leave(
            self.ctx,
            scope,
            p["AutoScalingGroupName"],
            p.get("InstanceIds") or [],
            leaving.ENTER_STANDBY,
            decrement=p["ShouldDecrementDesiredCapacity"],
        )
        return {"Activities": [activities.render(a) for a in made]}

    @rehearsed
    def ExitStandby(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        made = leaving.leave(
            self.ctx,
            scope,
            p["AutoScalingGroupName"],
            p.get("InstanceIds") or [],
            leaving.EXIT_STANDBY,
        )
        return {"Activities": [activities.render(a) for a in made]}

    @rehearsed
    def TerminateInstanceInAutoScalingGroup(
        self, scope: Scope, p: dict[str, Any]
    ) -> dict[str, Any]:
        single = p.get("InstanceId")
        ids = [single] if single else list(p.get("InstanceIds") or [])
        if not ids:
            raise AwsError(
                "ValidationError",
                "1 validation error detected: Value null at "
                "'instanceId' failed to satisfy constraint: Member must not be null",
            )
        made = leaving.leave(
            self.ctx,
            scope,
            p.get("AutoScalingGroupName"),
            ids,
            leaving.TERMINATE,
            decrement=p["ShouldDecrementDesiredCapacity"],
        )
        rendered = [activities.render(a) for a in made]
        if single and not p.get("InstanceIds"):
            return {"Activity": rendered[0]}
        return {"Activities": rendered}

    @rehearsed
    def SetInstanceProtection(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        instances.set_protection(
            self.ctx, scope, p["AutoScalingGroupName"], p["InstanceIds"], p["ProtectedFromScaleIn"]
        )
        return {}

    @rehearsed
    def SetInstanceHealth(self, scope: Scope, p: dict[str, Any]) -> None:
        status = p["HealthStatus"]
        if status not in ("Healthy", "Unhealthy"):
            raise AwsError(
                "ValidationError",
                f"Valid values for HealthStatus are Healthy and Unhealthy; got {status}",
            )
        instances.set_health(self.ctx, scope, p["InstanceId"], status == "Healthy")

    # -- activities, tags, launch configurations ---------------------------------------------

    def DescribeScalingActivities(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 100, 100)
        page = queries.activities_page(
            self.ctx,
            scope,
            p.get("AutoScalingGroupName"),
            p.get("ActivityIds"),
            bool(p.get("IncludeDeletedGroups")),
            p.get("NextToken"),
            size,
        )
        return {
            "Activities": [activities.render(r) for r in page.rows],
            "NextToken": page.next_token,
        }

    def CreateOrUpdateTags(self, scope: Scope, p: dict[str, Any]) -> None:
        pairs = []
        for tag in p["Tags"]:
            _check_tag(tag, None, require_resource=True)
            pairs.append((tag["ResourceId"], _tags([tag])[0]))
        groups.put_tags(self.ctx, scope, pairs)

    def DeleteTags(self, scope: Scope, p: dict[str, Any]) -> None:
        for tag in p["Tags"]:
            _check_tag(tag, None, require_resource=True)
        groups.delete_tags(self.ctx, scope, [(t["ResourceId"], t["Key"]) for t in p["Tags"]])

    def DescribeTags(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 50, 100)
        filters = _filters(p)
        page = queries.tags_page(self.ctx, scope, filters, p.get("NextToken"), size)
        return {
            "Tags": [
                {
                    "ResourceId": r.group_name,
                    "ResourceType": "auto-scaling-group",
                    "Key": r.key,
                    "Value": r.value,
                    "PropagateAtLaunch": r.propagate,
                }
                for r in page.rows
            ],
            "NextToken": page.next_token,
        }

    def CreateLaunchConfiguration(self, scope: Scope, p: dict[str, Any]) -> None:
        derived = None
        if p.get("InstanceId"):
            derived, _ = launch_configurations.from_instance(self.ctx, scope, p["InstanceId"])
        blueprint, data = _configuration(p, derived)
        launch_configurations.create(self.ctx, scope, p["LaunchConfigurationName"], blueprint, data)

    def DeleteLaunchConfiguration(self, scope: Scope, p: dict[str, Any]) -> None:
        launch_configurations.delete_one(self.ctx, scope, p["LaunchConfigurationName"])

    def DescribeLaunchConfigurations(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        size = queries.page_size(p.get("MaxRecords"), 50, 100)
        page = queries.launch_configurations_page(
            self.ctx, scope, p.get("LaunchConfigurationNames"), p.get("NextToken"), size
        )
        return {
            "LaunchConfigurations": [
                {
                    "KernelId": "",
                    "RamdiskId": "",
                    "SecurityGroups": [],
                    "BlockDeviceMappings": [],
                    "InstanceMonitoring": {"Enabled": True},
                    "EbsOptimized": False,
                    "ClassicLinkVPCSecurityGroups": [],
                    "UserData": "",
                    **r.data,
                    "LaunchConfigurationName": r.name,
                    "LaunchConfigurationARN": r.arn,
                    "CreatedTime": r.created_at,
                }
                for r in page.rows
            ],
            "NextToken": page.next_token,
        }

    # -- load balancers, target groups and traffic sources ------------------------------------

    def _attached(self, scope: Scope, group: str, kind: str) -> list[Target]:
        return [t for t in attachments.targets(self.ctx, scope, group) if t.kind == kind]

    def AttachLoadBalancers(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        targets = [Target("clb", n) for n in p.get("LoadBalancerNames") or []]
        attachments.attach(self.ctx, scope, p["AutoScalingGroupName"], targets)
        return {}

    def DetachLoadBalancers(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        targets = [Target("clb", n) for n in p.get("LoadBalancerNames") or []]
        attachments.detach(self.ctx, scope, p["AutoScalingGroupName"], targets)
        return {}

    def DescribeLoadBalancers(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        found = self._attached(scope, p["AutoScalingGroupName"], "clb")
        return {"LoadBalancers": [{"LoadBalancerName": t.ref, "State": "InService"} for t in found]}

    def AttachLoadBalancerTargetGroups(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        targets = [Target("target_group", a) for a in p.get("TargetGroupARNs") or []]
        attachments.attach(self.ctx, scope, p["AutoScalingGroupName"], targets)
        return {}

    def DetachLoadBalancerTargetGroups(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        targets = [Target("target_group", a) for a in p.get("TargetGroupARNs") or []]
        attachments.detach(self.ctx, scope, p["AutoScalingGroupName"], targets)
        return {}

    def DescribeLoadBalancerTargetGroups(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        found = self._attached(scope, p["AutoScalingGroupName"], "target_group")
        return {
            "LoadBalancerTargetGroups": [
                {"LoadBalancerTargetGroupARN": t.ref, "State": "InService"} for t in found
            ]
        }

    def AttachTrafficSources(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        attachments.attach(self.ctx, scope, p["AutoScalingGroupName"], _targets(p))
        return {}

    def DetachTrafficSources(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        attachments.detach(self.ctx, scope, p["AutoScalingGroupName"], _targets(p))
        return {}

    def DescribeTrafficSources(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        wanted = p.get("TrafficSourceType")
        found = [
            t
            for t in attachments.targets(self.ctx, scope, p["AutoScalingGroupName"])
            if t.kind in KIND_SOURCES and wanted in (None, KIND_SOURCES[t.kind])
        ]
        return {
            "TrafficSources": [
                {
                    "TrafficSource": t.ref,
                    "Identifier": t.ref,
                    "Type": KIND_SOURCES[t.kind],
                    "State": "InService",
                }
                for t in found
            ]
        }

    # -- what tools call on every run; empty until those features exist -----------------------

    def _require_group(self, scope: Scope, name: str | None) -> None:
        if name is not None and not queries.group_exists(self.ctx, scope, name):
            raise AwsError("ValidationError", "AutoScalingGroup name not found - null")

    def DescribeNotificationConfigurations(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"NotificationConfigurations": []}

    def DescribeAccountLimits(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        counts = queries.account_counts(self.ctx, scope)
        limits = self.ctx.limits(scope.cloud)
        return {
            "MaxNumberOfAutoScalingGroups": limits.groups,
            "MaxNumberOfLaunchConfigurations": limits.launch_configurations,
            "NumberOfAutoScalingGroups": counts["groups"],
            "NumberOfLaunchConfigurations": counts["launch_configurations"],
        }

    def DescribeAdjustmentTypes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "AdjustmentTypes": [
                {"AdjustmentType": t}
                for t in ("ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity")
            ]
        }

    def DescribeAutoScalingNotificationTypes(
        self, scope: Scope, p: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "AutoScalingNotificationTypes": [
                "autoscaling:EC2_INSTANCE_LAUNCH",
                "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
                "autoscaling:EC2_INSTANCE_TERMINATE",
                "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
                "autoscaling:TEST_NOTIFICATION",
            ]
        }

    def DescribeMetricCollectionTypes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "Metrics": [{"Metric": m} for m in METRICS],
            "Granularities": [{"Granularity": "1Minute"}],
        }

    def DescribeScalingProcessTypes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        # AWS lists its nine process types in code-point order (its sample response)
        return {"Processes": [{"ProcessName": p} for p in sorted(AWS_PROCESSES.listed)]}

    def DescribeTerminationPolicyTypes(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {"TerminationPolicyTypes": list(TERMINATION_POLICIES)}


def _check_tag(tag: Mapping[str, Any], group: str | None, *, require_resource: bool) -> None:
    """AWS insists on ResourceId and ResourceType for tag calls, and says so in this odd form."""
    if require_resource and (not tag.get("ResourceId") or not tag.get("ResourceType")):
        propagate = tag.get("PropagateAtLaunch")
        raise AwsError(
            "ValidationError",
            "Incomplete tags information for these tags. Tag - 'Key:{},PropagateAtLaunch:{},"
            "ResourceId:{},ResourceType:{}' , ".format(
                tag.get("Key"),
                "null" if propagate is None else str(propagate).lower(),
                tag.get("ResourceId") or "null",
                tag.get("ResourceType") or "null",
            ),
        )


def _suspensions(suspended: list[str], since: dict[str, str]) -> list[dict[str, str]]:
    """AWS words a user's suspension as "User suspended at" its time, to the second."""
    out = []
    for process in suspended:
        at = since.get(process)  # none for a suspension stored before its time was kept
        when = datetime.fromisoformat(at).astimezone(UTC) if at else None
        reason = f"User suspended at {when:%Y-%m-%dT%H:%M:%SZ}" if when else ""
        out.append({"ProcessName": process, "SuspensionReason": reason})
    return out
