"""ESS handlers: parameters under their 2022 names in, engine calls, 2022-shaped results out.

The envelope (2014 list wrappers, JSON or XML) is applied afterwards by the wire layer, so each
handler is written once for both API versions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from tidewater.cloud.ports import Target
from tidewater.dialects.aliyun import rules
from tidewater.dialects.aliyun.alarms import AlarmTaskActions
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.hooks import (
    LifecycleHookActions,
    adjustment_hooks,
    removal_hooks,
)
from tidewater.dialects.aliyun.refreshes import InstanceRefreshActions
from tidewater.dialects.aliyun.tasks import ScheduledTaskActions
from tidewater.dialects.failures import status_message
from tidewater.domain.group import GroupStatus, Rules
from tidewater.domain.launch import Blueprint, ScalingConfiguration, source_of
from tidewater.domain.lifecycle_hook import HOLD, IGNORED
from tidewater.domain.policy import Breach
from tidewater.domain.refresh import STARTED_BY
from tidewater.domain.refusal import Refusal
from tidewater.domain.scaling_rule import ScalingRule
from tidewater.domain.scope import Scope
from tidewater.engine import (
    attachments,
    groups,
    instances,
    leaving,
    policies,
    queries,
    scaling_configurations,
    scaling_rules,
)
from tidewater.engine.context import Context, rehearsed
from tidewater.engine.groups import GroupSpec

Handler = Callable[[Scope, dict[str, Any]], Mapping[str, Any]]

STATES = {"InService": "Active", "Inactive": "Inactive", "Delete in progress": "Deleting"}
MEMBER_STATES = {
    "Pending": "Pending",
    "Pending:Wait": "Pending:Wait",
    "Pending:Proceed": "Pending",
    "InService": "InService",
    "EnteringStandby": "Standby",
    "Standby": "Standby",
    "Detaching": "Removing",
    "Terminating": "Removing",
    "Terminating:Wait": "Removing:Wait",
    "Terminating:Proceed": "Removing",
}
# RemovePolicy: what becomes of the instances the group owns
REMOVE_POLICIES = {"release": leaving.REMOVE, "recycle": leaving.REMOVE_TO_RECYCLE}
# The failures of activities worded as ESS shows them
# ESS's lifecycle states as (member state, protected): a protected InService member reads
# "Protected", so "InService" asks for the unprotected ones only; None is either
MEMBER_FILTER: dict[str, list[tuple[str, bool | None]]] = {
    "Pending": [("Pending", None), ("Pending:Proceed", None)],
    "Pending:Wait": [("Pending:Wait", None)],
    "Removing:Wait": [("Terminating:Wait", None)],
    "InService": [("InService", False)],
    "Protected": [("InService", True)],
    "Standby": [("Standby", None), ("EnteringStandby", None)],
    "Removing": [("Detaching", None), ("Terminating", None), ("Terminating:Proceed", None)],
}
ORIGIN = {"launched": "AutoCreated", "attached": "Attached"}
ORIGIN_FILTER = {"AutoCreated": "launched", "Attached": "attached"}
SETTINGS = (
    "ScalingPolicy",
    "RemovalPolicies",
    "MultiAZPolicy",
    "HealthCheckType",
    "HealthCheckTypes",
    "LoadBalancerIds",
    "DBInstanceIds",
    "GroupDeletionProtection",
    "StopInstanceTimeout",
    "MaxInstanceLifetime",
    "CompensateWithOnDemand",
    "SpotInstancePools",
    "OnDemandBaseCapacity",
    "OnDemandPercentageAboveBaseCapacity",
    "AzBalance",
    "AllocationStrategy",
    "GroupType",
    "ContainerGroupId",
    "ResourceGroupId",
    "Tags",
)


def stamp(moment: datetime | None) -> str | None:
    """ESS times read YYYY-MM-DDThh:mmZ."""
    return moment.strftime("%Y-%m-%dT%H:%MZ") if moment else None


def _scaling_instance(r: Any) -> dict[str, Any]:
    """One member as DescribeScalingInstances lists it."""
    joined = stamp(r.joined_at)  # reported twice, under two names
    return {
        "InstanceId": r.instance_id,
        "ScalingGroupId": r.group_id,
        "ScalingConfigurationId": configuration_id(r.launch),
        "LifecycleState": "Protected"
        if r.protected and r.state == "InService"
        else MEMBER_STATES.get(r.state, r.state),
        "HealthStatus": "Healthy" if r.healthy else "Unhealthy",
        "CreationType": ORIGIN.get(r.origin, r.origin),
        "Entrusted": bool(r.entrusted),
        "CreationTime": joined,
        "CreatedTime": joined,
        "ZoneId": r.zone,
        "LoadBalancerWeight": 50,
        "WarmupState": "NoNeedWarmup",
        "WeightedCapacity": r.weight or 1,
    }


def capacities(members: queries.StateCounts) -> dict[str, int]:
    """Members by state, the protected InService ones under ESS's own "Protected" state."""
    counts: dict[str, int] = {}
    for (state, protected), count in members.items():
        key = "Protected" if protected and state == "InService" else state
        counts[key] = counts.get(key, 0) + count
    return counts


def plural(count: int) -> str:
    return f'"{count}" ECS instance' + ("" if count == 1 else "s")


def _tasks(row: Any) -> list[dict[str, Any]]:
    """The event-triggered tasks a target tracking rule owns, as DescribeScalingRules lists
    them with ShowAlarmRules."""
    kept = ("ComparisonOperator", "Dimensions", "EvaluationCount", "MetricName", "MetricType")
    return [
        {
            "AlarmTaskId": a["task"],
            "AlarmTaskName": a["name"],
            **{k: a["spec"][k] for k in kept},
            "Statistics": a["spec"]["Statistics"],
            "Threshold": a["spec"]["Threshold"],
            "Period": a["spec"]["Period"],
        }
        for a in row.alarms or ()
        if "task" in a
    ]


class EssService(
    LifecycleHookActions, InstanceRefreshActions, AlarmTaskActions, ScheduledTaskActions
):
    """Every ESS action Tidewater serves, each a thin translation onto the engine."""

    product = "Ess"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.handlers: dict[str, Handler] = {
            name: getattr(self, name) for name in dir(self) if name[:1].isupper()
        }

    # -- groups -------------------------------------------------------------------------------

    def CreateScalingGroup(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        vswitches = list(p.get("VSwitchIds") or ([p["VSwitchId"]] if p.get("VSwitchId") else []))
        desired = p.get("DesiredCapacity")
        settings = {k: p[k] for k in SETTINGS if k in p}
        settings.setdefault("ScalingPolicy", "release")
        settings.setdefault("RemovalPolicies", ["OldestScalingConfiguration", "OldestInstance"])
        spec = GroupSpec(
            name=p.get("ScalingGroupName") or "",
            min_size=p["MinSize"],
            max_size=p["MaxSize"],
            desired=desired if desired is not None else p["MinSize"],
            launch=None,
            zones=None if vswitches else [f"{scope.region}-a"],
            subnets=vswitches or None,
            default_cooldown=p.get("DefaultCooldown", 300),
            health_check_type=p.get("HealthCheckType") or "ECS",
            termination_policies=list(settings["RemovalPolicies"]),
            settings=settings,
            rules=Rules(
                exclusive_activities=True,
                release_removed=True,
                batched_activities=True,
                tracks_desired=desired is not None,
                rebalances_zones=False,
            ),
            status=GroupStatus.INACTIVE,
            targets=[Target("slb", ref, 50) for ref in p.get("LoadBalancerIds") or []]
            + [Target("rds", ref) for ref in p.get("DBInstanceIds") or []],
        )
        if (
            spec.min_size is not None
            and spec.max_size is not None
            and spec.min_size > spec.max_size
        ):
            raise AliyunError(
                "InvalidParameter.Conflict",
                "The value of parameter MinSize and parameter MaxSize are conflict.",
            )
        return {"ScalingGroupId": groups.create(self.ctx, scope, spec)}

    def ModifyScalingGroup(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        group = p["ScalingGroupId"]
        settings = {k: p[k] for k in SETTINGS if k in p}
        groups.modify(
            self.ctx,
            scope,
            GroupSpec(
                name=group,
                min_size=p.get("MinSize"),
                max_size=p.get("MaxSize"),
                desired=p.get("DesiredCapacity"),
                default_cooldown=p.get("DefaultCooldown"),
                subnets=p.get("VSwitchIds"),
                settings=settings,
                termination_policies=p.get("RemovalPolicies"),
                rename=p.get("ScalingGroupName"),
            ),
        )
        if p.get("ActiveScalingConfigurationId"):
            launch = scaling_configurations.first_of(
                self.ctx, scope, group, p["ActiveScalingConfigurationId"]
            )
            groups.modify(self.ctx, scope, GroupSpec(name=group, launch=launch))
        return {}

    def DescribeScalingGroups(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = _paging(p, 50)
        names = p.get("ScalingGroupNames") or (
            [p["ScalingGroupName"]] if p.get("ScalingGroupName") else None
        )
        with self.ctx.db.read() as conn:  # one snapshot: the page, its total, the vSwitches
            page = queries.groups_by_number(
                conn, scope, p.get("ScalingGroupIds"), names, number, size
            )
            vpc_of = (
                {s.id: s.vpc_id for s in self.ctx.compute.subnets(scope, conn)}
                if any(row.subnets for row in page.rows)
                else {}
            )
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "ScalingGroups": [
                self._group(scope, row, page.extra["counts"][row.id], vpc_of) for row in page.rows
            ],
        }

    def _group(
        self, scope: Scope, row: Any, members: queries.StateCounts, vpc_of: dict[str, str]
    ) -> dict[str, Any]:
        """`vpc_of`: each vSwitch of the scope and its VPC; a group without any shows none."""
        settings = row.settings
        counts = capacities(members)
        total = sum(counts.values())
        out: dict[str, Any] = {
            "ScalingGroupId": row.id,
            "ScalingGroupName": row.name,
            "RegionId": scope.region,
            "LifecycleState": STATES.get(row.status, row.status),
            "MinSize": row.min_size,
            "MaxSize": row.max_size,
            "DefaultCooldown": row.default_cooldown,
            "ActiveScalingConfigurationId": configuration_id(row.launch),
            "VSwitchId": row.subnets[0] if row.subnets else "",
            "VSwitchIds": list(row.subnets),
            "VpcId": vpc_of.get(row.subnets[0], "") if row.subnets else "",
            "RemovalPolicies": list(settings.get("RemovalPolicies", [])),
            "ScalingPolicy": settings.get("ScalingPolicy", "release"),
            "MultiAZPolicy": settings.get("MultiAZPolicy", "PRIORITY"),
            "HealthCheckType": row.health_check_type,
            "GroupDeletionProtection": bool(settings.get("GroupDeletionProtection")),
            "LoadBalancerIds": [t["ref"] for t in row.targets if t["kind"] == "slb"],
            "DBInstanceIds": [t["ref"] for t in row.targets if t["kind"] == "rds"],
            "SuspendedProcesses": list(row.suspended),
            "GroupType": settings.get("GroupType", "ECS"),
            "CreationTime": stamp(row.created_at),
            "TotalCapacity": total,
            "TotalInstanceCount": total,
            "ActiveCapacity": counts.get("InService", 0),
            "PendingCapacity": counts.get("Pending", 0) + counts.get("Pending:Proceed", 0),
            "RemovingCapacity": counts.get("Detaching", 0)
            + counts.get("Terminating", 0)
            + counts.get("Terminating:Proceed", 0),
            "StandbyCapacity": counts.get("Standby", 0) + counts.get("EnteringStandby", 0),
            "ProtectedCapacity": counts.get("Protected", 0),
            "StoppedCapacity": 0,
            "PendingWaitCapacity": counts.get("Pending:Wait", 0),
            "RemovingWaitCapacity": counts.get("Terminating:Wait", 0),
        }
        if row.rules.get("tracks_desired", True):
            out["DesiredCapacity"] = row.desired
        if "StopInstanceTimeout" in settings:
            out["StopInstanceTimeout"] = settings["StopInstanceTimeout"]
        return out

    def DeleteScalingGroup(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        groups.delete_group(self.ctx, scope, p["ScalingGroupId"], bool(p.get("ForceDelete")))
        return {}

    def EnableScalingGroup(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        group = p["ScalingGroupId"]
        launch = scaling_configurations.first_of(
            self.ctx, scope, group, p.get("ActiveScalingConfigurationId")
        )
        groups.set_active(self.ctx, scope, group, True, launch)
        if p.get("InstanceIds"):
            instances.attach(self.ctx, scope, group, p.get("InstanceIds") or [])
        return {}

    def DisableScalingGroup(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        groups.set_active(self.ctx, scope, p["ScalingGroupId"], False)
        return {}

    def SetGroupDeletionProtection(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        groups.modify(
            self.ctx,
            scope,
            GroupSpec(
                name=p["ScalingGroupId"],
                settings={"GroupDeletionProtection": bool(p["GroupDeletionProtection"])},
            ),
        )
        return {}

    # -- scaling configurations --------------------------------------------------------------

    def CreateScalingConfiguration(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        types = list(
            p.get("InstanceTypes") or ([p["InstanceType"]] if p.get("InstanceType") else [])
        )
        if not p.get("ImageId"):
            raise AliyunError(
                "MissingParameter",
                'The input parameter "ImageId" that is mandatory for processing this request '
                "is not supplied.",
            )
        if not types:
            raise AliyunError(
                "MissingParameter",
                'The input parameter "InstanceType" that is mandatory for processing this '
                "request is not supplied.",
            )
        data = {k: v for k, v in p.items() if k not in ("ScalingGroupId", "ImageId")}
        weight = p.get("LoadBalancerWeight")
        blueprint = Blueprint(
            image_id=p["ImageId"],
            instance_type=types[0],
            key_name=p.get("KeyPairName"),
            security_groups=tuple(
                ([p["SecurityGroupId"]] if p.get("SecurityGroupId") else [])
                + list(p.get("SecurityGroupIds") or [])
            ),
            weight=int(weight) if weight is not None else None,
        )
        config_id = scaling_configurations.create(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            p.get("ScalingConfigurationName"),
            blueprint,
            types,
            data,
        )
        return {"ScalingConfigurationId": config_id}

    def DescribeScalingConfigurations(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = _paging(p, 50)
        page = scaling_configurations.page(
            self.ctx,
            scope,
            p.get("ScalingGroupId"),
            p.get("ScalingConfigurationIds"),
            p.get("ScalingConfigurationNames"),
            number,
            size,
        )
        rows = page.rows
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "ScalingConfigurations": [
                {
                    **{k: v for k, v in r.data.items() if not isinstance(v, (dict, list))},
                    "ScalingConfigurationId": r.id,
                    "ScalingConfigurationName": r.name,
                    "ScalingGroupId": r.group_id,
                    "ImageId": r.image_id,
                    "InstanceType": r.instance_types[0],
                    "InstanceTypes": list(r.instance_types),
                    "SecurityGroupId": r.data.get("SecurityGroupId", ""),
                    "LifecycleState": "Active"
                    if configuration_id(r.group_launch) == r.id
                    else "Inactive",
                    "CreationTime": stamp(r.created_at),
                }
                for r in rows
            ],
        }

    def DeleteScalingConfiguration(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        scaling_configurations.delete_one(self.ctx, scope, p["ScalingConfigurationId"])
        return {}

    # -- instances ----------------------------------------------------------------------------

    @rehearsed
    def RemoveInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        how = REMOVE_POLICIES.get(p.get("RemovePolicy") or "release", leaving.REMOVE)
        return self._leave(scope, p, how, removal_hooks(p, None))

    @rehearsed
    def DetachInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return self._leave(scope, p, leaving.HAND_BACK, removal_hooks(p, "LifecycleHook"))

    def _leave(
        self, scope: Scope, p: dict[str, Any], how: leaving.Leave, hooks: dict[str, Any]
    ) -> dict[str, Any]:
        """RemoveInstances and DetachInstances: refused whole, or done as one activity."""
        [activity] = leaving.leave(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            p.get("InstanceIds") or [],
            how,
            decrement=p.get("DecreaseDesiredCapacity", True),
            ignore_invalid=bool(p.get("IgnoreInvalidInstance")),
            client_token=p.get("ClientToken"),
            hooks=hooks,
        )
        return {"ScalingActivityId": activity["id"], **_ignored(activity)}

    @rehearsed
    def AttachInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        [activity] = instances.attach(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            p.get("InstanceIds") or [],
            bool(p.get("Entrusted")),
            hold=bool(p.get("LifecycleHook")),
        )
        return {"ScalingActivityId": activity["id"]}

    @rehearsed
    def EnterStandby(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        [activity] = leaving.leave(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            p.get("InstanceIds") or [],
            leaving.ENTER_STANDBY,
            decrement=True,
        )
        return {"ScalingActivityId": activity["id"]}

    @rehearsed
    def ExitStandby(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        [activity] = leaving.leave(
            self.ctx, scope, p["ScalingGroupId"], p.get("InstanceIds") or [], leaving.EXIT_STANDBY
        )
        return {"ScalingActivityId": activity["id"]}

    def SuspendProcesses(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        groups.set_processes(self.ctx, scope, p["ScalingGroupId"], p["Processes"], suspend=True)
        return {}

    def ResumeProcesses(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        groups.set_processes(self.ctx, scope, p["ScalingGroupId"], p["Processes"], suspend=False)
        return {}

    @rehearsed
    def SetInstancesProtection(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        instances.set_protection(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            p.get("InstanceIds") or [],
            bool(p["ProtectedFromScaleIn"]),
        )
        return {}

    def DescribeScalingInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = _paging(p, 50)
        wanted = p.get("LifecycleStates") or (
            [p["LifecycleState"]] if p.get("LifecycleState") else None
        )
        states = None
        if wanted is not None:
            states = [s for w in wanted for s in MEMBER_FILTER.get(w, [(w, None)])]
        kinds = p.get("CreationTypes") or ([p["CreationType"]] if p.get("CreationType") else None)
        origins = None if kinds is None else [ORIGIN_FILTER.get(k, k) for k in kinds]
        health = p.get("HealthStatus")
        page = queries.instances_by_number(
            self.ctx,
            scope,
            p.get("ScalingGroupId"),
            p.get("InstanceIds"),
            states,
            origins,
            None if health is None else health == "Healthy",
            number,
            size,
        )
        rows = page.rows
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "ScalingInstances": [_scaling_instance(r) for r in rows],
        }

    # -- activities ---------------------------------------------------------------------------

    def DescribeScalingActivities(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = _paging(p, 50)
        page = queries.activities_by_number(
            self.ctx,
            scope,
            p.get("ScalingGroupId"),
            p.get("ScalingActivityIds"),
            p.get("StatusCode"),
            number,
            size,
            refresh=p.get("InstanceRefreshTaskId"),
        )
        children = queries.children_of(self.ctx, [r.id for r in page.rows])
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "ScalingActivities": [activity(r, children[r.id]) for r in page.rows],
        }

    def DescribeScalingActivityDetail(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        row = queries.activity_by_id(self.ctx, scope, p["ScalingActivityId"])
        if row is None:
            raise AliyunError(
                "InvalidScalingActivityId.NotFound",
                "The specified scaling activity does not exist.",
                404,
            )
        children = queries.children_of(self.ctx, [row.id])[row.id]
        detail = "; ".join(
            f"{c.instance_id}: {c.status}" + (f" ({message})" if message else "")
            for c in children
            for message in [status_message(c.status_message, c.facts)]
        )
        return {"ScalingActivityId": row.id, "Detail": detail}

    # -- rules --------------------------------------------------------------------------------

    def CreateScalingRule(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        kind = p.get("ScalingRuleType") or "SimpleScalingRule"
        if kind == "SimpleScalingRule":
            if p.get("AdjustmentType") not in rules.ADJUSTMENT_TYPES:
                raise rules.invalid_adjustment()
            if p.get("AdjustmentValue") is None:
                raise AliyunError(
                    "MissingParameter",
                    'The input parameter "AdjustmentValue" that is mandatory for processing this '
                    "request is not supplied.",
                )
        rule = rules.rule_of(p)
        rule_id, ari = policies.create(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            p.get("ScalingRuleName"),
            rule,
            rules.settings(p, rule),
        )
        return {"ScalingRuleId": rule_id, "ScalingRuleAri": ari}

    def ModifyScalingRule(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        def rewrite(row: Any) -> tuple[str, ScalingRule, dict[str, Any]]:
            """The stored rule with the request's parameters over it, checked as a new one."""
            merged = {**row.data, **rules.wire(policies.rule_of(row)), **p}
            rule = rules.rule_of(merged)
            return p.get("ScalingRuleName") or row.name, rule, rules.settings(merged, rule)

        policies.modify(self.ctx, scope, p["ScalingRuleId"], rewrite)
        return {}

    def DeleteScalingRule(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        policies.delete_by_id(self.ctx, scope, p["ScalingRuleId"])
        return {}

    def DescribeScalingRules(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        number, size = _paging(p, 50)
        page = scaling_rules.page(
            self.ctx,
            scope,
            p.get("ScalingGroupId"),
            p.get("ScalingRuleIds"),
            p.get("ScalingRuleNames"),
            p.get("ScalingRuleAris"),
            number,
            size,
            rules.kinds_of(p.get("ScalingRuleType")),
        )
        return {
            "TotalCount": page.extra["total"],
            "PageNumber": number,
            "PageSize": size,
            "ScalingRules": [
                {
                    **rules.wire(policies.rule_of(r)),
                    **{k: v for k, v in r.data.items() if not isinstance(v, dict)},
                    "ScalingRuleId": r.id,
                    "ScalingRuleAri": r.ari,
                    "ScalingRuleName": r.name,
                    "ScalingGroupId": r.group_key,
                    "Alarms": _tasks(r) if p.get("ShowAlarmRules") else [],
                }
                for r in page.rows
            ],
        }

    @rehearsed
    def ExecuteScalingRule(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        metric, threshold = p.get("MetricValue"), p.get("BreachThreshold")
        breach = None
        if metric is not None and threshold is not None:
            breach = Breach(float(metric), float(threshold))
        try:
            made = policies.fire(
                self.ctx,
                scope,
                p["ScalingRuleAri"],
                breach,
                honor_cooldown=False,  # ExecuteScalingRule does not wait for the cooldown
                client_token=p.get("ClientToken"),
            )
        except Refusal as refusal:
            if refusal.reason == "policy.breach_required":
                refusal.facts["missing"] = "MetricValue" if metric is None else "BreachThreshold"
            raise
        assert made is not None  # ESS answers a change it cannot make with a refusal
        return {"ScalingActivityId": made["id"]}

    def ScaleWithAdjustment(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        made = scaling_rules.adjust(
            self.ctx,
            scope,
            p["ScalingGroupId"],
            rules.adjustment_of(p),
            p.get("ClientToken"),
            hooks=adjustment_hooks(p),
        )
        return {"ScalingActivityId": made["id"], "ActivityType": "ScalingActivity"}

    # -- load balancers and DB whitelists -----------------------------------------------------

    def AttachLoadBalancers(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        new = [Target("slb", ref, 50) for ref in p.get("LoadBalancers") or []]
        new += [
            Target("slb", c["LoadBalancerId"], c.get("Weight", 50))
            for c in p.get("LoadBalancerConfigs") or []
            if c.get("LoadBalancerId")
        ]
        attachments.attach(self.ctx, scope, p["ScalingGroupId"], new)
        return {}

    def DetachLoadBalancers(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        gone = [Target("slb", ref) for ref in p["LoadBalancers"]]
        attachments.detach(self.ctx, scope, p["ScalingGroupId"], gone)
        return {}

    def AttachDBInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        new = [Target("rds", ref) for ref in p["DBInstances"]]
        attachments.attach(self.ctx, scope, p["ScalingGroupId"], new)
        return {}

    def DetachDBInstances(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        gone = [Target("rds", ref) for ref in p["DBInstances"]]
        attachments.detach(self.ctx, scope, p["ScalingGroupId"], gone)
        return {}

    def DescribeLimitation(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        """The quotas the engine enforces, from the same table of data."""
        limits = self.ctx.limits(scope.cloud)
        found = {
            "MaxNumberOfScalingGroups": limits.groups,
            "MaxNumberOfMaxSize": limits.group_size,
            "MaxNumberOfMinSize": limits.group_size,
            "MaxNumberOfScalingConfigurations": limits.scaling_configurations,
            "MaxNumberOfScalingRules": limits.scaling_rules,
            "MaxNumberOfLoadBalancers": limits.load_balancers,
            "MaxNumberOfDBInstances": limits.db_instances,
            "MaxNumberOfScalingInstances": limits.instances_per_activity,
            "MaxNumberOfLifecycleHooks": limits.lifecycle_hooks,
            "MaxNumberOfNotificationConfigurations": limits.notifications,
            "MaxNumberOfScheduledTasks": limits.scheduled_tasks,
        }
        return {key: value for key, value in found.items() if value is not None}

    def DescribeRegions(self, scope: Scope, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "Regions": [
                {
                    "RegionId": region,
                    "LocalName": name,
                    "RegionEndpoint": f"ess.{region}.aliyuncs.com",
                    "ClassicUnavailable": True,
                    "VpcUnavailable": False,
                }
                for region, name in REGIONS
            ]
        }


REGIONS = (
    ("cn-hangzhou", "China (Hangzhou)"),
    ("cn-shanghai", "China (Shanghai)"),
    ("cn-beijing", "China (Beijing)"),
    ("cn-shenzhen", "China (Shenzhen)"),
    ("cn-hongkong", "China (Hong Kong)"),
    ("ap-southeast-1", "Singapore"),
    ("ap-northeast-1", "Japan (Tokyo)"),
    ("eu-central-1", "Germany (Frankfurt)"),
    ("us-west-1", "US (Silicon Valley)"),
    ("us-east-1", "US (Virginia)"),
)


def _paging(p: Mapping[str, Any], limit: int) -> tuple[int, int]:
    number = int(p.get("PageNumber") or 1)
    size = int(p.get("PageSize") or 10)
    if number < 1:
        raise AliyunError(
            "InvalidParameter", "The specified value of parameter PageNumber is not valid."
        )
    if size < 1 or size > limit:
        raise AliyunError(
            "InvalidParameter", "The specified value of parameter PageSize is not valid."
        )
    return number, size


def _ignored(activity: Mapping[str, Any]) -> dict[str, Any]:
    ignored = (activity.get("facts") or {}).get("ignored") or []
    if not ignored:
        return {}
    return {
        "IgnoredInstances": [
            {
                "InstanceId": i,
                "Code": "InvalidInstanceId.NotFound",
                "Message": f'Instance "{i}" does not exist.',
            }
            for i in ignored
        ]
    }


def configuration_id(launch: dict[str, Any] | None) -> str:
    """The scaling configuration a group or an instance launches from; "" for none."""
    source = source_of(launch)
    return source.id if isinstance(source, ScalingConfiguration) else ""


DESCRIPTIONS = {
    "remove": "Remove {n}",
    "detach": "Detach {n}",
    "attach": "Attach {n}",
    "enter_standby": "Move {n} to standby",
    "exit_standby": "Move {n} out of standby",
}
CAUSES = {
    "remove": "A user requests to remove instances from the scaling group.",
    "detach": "A user requests to detach instances from the scaling group.",
    "attach": "A user requests to attach instances to the scaling group.",
    "enter_standby": "A user requests to move instances to the standby state.",
    "exit_standby": "A user requests to move instances out of the standby state.",
}


# What a request's activity says when one of its instances failed this way (ESS troubleshooting
# page, aliyun-error-codes.md §A.4)
CHILD_FAILURES = {
    "hook.abandoned": 'Fail to create Instances into scaling group("Abandon '
    'lifecycleActionResult parameter caused the instance to rollback.").',
}


def activity(row: Any, children: list[Any]) -> dict[str, Any]:
    """An ESS activity, rendered from its own facts and its instances' activities."""
    facts = row.facts or {}
    launched = [c for c in children if c.kind == "launch"]
    ended = [c for c in children if c.kind != "launch"]
    if row.kind == "scale":
        if launched:
            description = f"Add {plural(len(launched))}"
        else:
            description = f"Remove {plural(len(ended))}"
        if facts.get("rule"):
            cause = (
                f'A user requests to execute scaling rule "{facts["rule"]}", changing the Total '
                f'Capacity from "{facts.get("from")}" to "{facts.get("to")}".'
            )
        elif facts.get("kind"):
            cause = (
                "A user requests to scale with adjustment, changing the Total Capacity from "
                f'"{facts.get("from")}" to "{facts.get("to")}".'
            )
        else:
            cause = (
                "The number of instances in the scaling group differs from the expected number, "
                f'changing the Total Capacity from "{facts.get("from")}" to "{facts.get("to")}".'
            )
    else:
        count = len(children) or len(facts.get("instances") or [])
        description = DESCRIPTIONS.get(row.kind, row.kind).format(n=plural(count))
        cause = CAUSES.get(row.kind, "A user request.")
    done = [c for c in children if c.status == "Successful"]
    message = status_message(row.status_message, facts) or ""
    failed = {((c.facts or {}).get("failure") or {}).get("reason") for c in children}
    message = next((CHILD_FAILURES[r] for r in failed if r in CHILD_FAILURES), message)
    if row.status in ("Successful", "Warning") and not message:
        verb = "added" if launched else "removed"
        message = f'"{len(done)}" ECS instances are {verb}'
    return {
        "ScalingActivityId": row.id,
        "ScalingGroupId": row.group_id,
        "Description": description,
        "Cause": cause,
        "StartTime": stamp(row.started_at),
        "EndTime": stamp(row.ended_at),
        "Progress": row.progress if row.ended_at else _progress(children),
        "StatusCode": row.status,
        "StatusMessage": message,
        "ScalingInstanceNumber": len(children),
        "TotalCapacity": str(facts.get("to", facts.get("total_before", 0))),
        "AttachedCapacity": str(facts.get("attached", 0)),
        "AutoCreatedCapacity": str(facts.get("auto_created", len(launched))),
        "CreatedCapacity": len(launched),
        "CreatedInstances": [c.instance_id for c in launched if c.instance_id],
        "DestroyedCapacity": sum(1 for c in ended if c.kind == "terminate"),
        "DestroyedInstances": [c.instance_id for c in ended if c.kind == "terminate"],
        "TriggerSourceType": "APIs" if facts.get("trigger") == "user" else "Ess",
        "LifecycleHookContext": {
            "DisableLifecycleHook": facts.get(HOLD) == "",
            "IgnoredLifecycleHookIds": list(facts.get(IGNORED) or []),
        },
        **({"InstanceRefreshTaskId": facts[STARTED_BY]} if STARTED_BY in facts else {}),
    }


def _progress(children: list[Any]) -> int:
    if not children:
        return 0
    total: int = sum(c.progress for c in children)  # activities.progress is an integer column
    return total // len(children)
