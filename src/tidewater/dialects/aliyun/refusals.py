"""The engine's neutral refusals in Alibaba Cloud's own codes, statuses and words.

Texts marked "inferred" have no documented source; they follow the sibling messages.
"""

from __future__ import annotations

from typing import Any

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.rules import RULE_TYPE_NAMES
from tidewater.domain.refusal import Refusal

GROUP_STATUS = "The current status of the specified scaling group does not support this action."
IN_PROGRESS = (
    "You cannot delete a scaling group or launch a new scaling activity while there is a "
    "scaling activity in progress for the specified scaling group."
)
NOT_FOUND_RULE = (
    "InvalidScalingRuleAri.NotFound",
    404,
    "The specified scaling rule Ari does not exist.",
)
NO_GROUP = ("InvalidScalingGroupId.NotFound", 404, "The specified scaling group does not exist.")
NO_INSTANCE = ("InvalidInstanceId.NotFound", 404, 'Instance "{instance_id}" does not exist.')
IN_USE = (
    "InstanceInUse",
    400,
    "You cannot delete a scaling configuration or scaling group while there is an instance "
    "associated with it.",
)

# A RegionId that is not a region. ESS's API pages word it one way, ECS's and SLB's another;
# RDS is inferred to speak as ECS does.
UNKNOWN_REGION = {"Ess": "The specified region does not exist."}
UNKNOWN_REGION_ID = "The specified RegionId does not exist."


def unknown_region(product: str) -> AliyunError:
    return AliyunError(
        "InvalidRegionId.NotFound", UNKNOWN_REGION.get(product, UNKNOWN_REGION_ID), 404
    )


TASK_STATUS = (
    "IncorrectInstanceRefreshTaskStatus",
    400,
    "The current status of the specified instance refresh task does not support this action.",
)

LAUNCH_TIME = (
    "InvalidParameter",
    400,
    'The specified value of parameter "LaunchTime" is not valid.',
)
END_TIME = (
    "InvalidParameter",
    400,
    'The specified value of parameter "RecurrenceEndTime" is not valid.',
)

MESSAGES: dict[str, tuple[str, int, str]] = {
    "contention": ("ScalingActivityInProgress", 400, IN_PROGRESS),
    # Instance refresh: ESS documents no codes for these; each follows its siblings' pattern
    # (docs/facts/instance-refresh.md §7).
    "refresh.in_progress": (
        "IncorrectScalingGroupStatus",
        400,
        "An instance refresh task is already running in the specified scaling group.",
    ),
    "refresh.none_active": (
        "InvalidInstanceRefreshTaskId.NotFound",
        404,
        "The specified instance refresh task does not exist or is not running.",
    ),
    "refresh.not_active": TASK_STATUS,
    "refresh.irreversible_no_desired": TASK_STATUS,
    "refresh.irreversible_version": TASK_STATUS,
    "refresh.spread": (
        "InvalidParameter.Conflict",
        400,
        "The value of parameter MinHealthyPercentage and parameter MaxHealthyPercentage are "
        "conflict.",
    ),
    "refresh.checkpoints": (
        "InvalidParameter",
        400,
        "The specified value of parameter Checkpoints is not valid.",
    ),
    "group.not_found": NO_GROUP,
    "group.exists": (
        "InvalidScalingGroupName.Duplicate",
        400,
        "The specified value of parameter ScalingGroupName is duplicated.",
    ),
    "group.inactive": ("IncorrectScalingGroupStatus", 400, GROUP_STATUS),
    "group.deleting": ("IncorrectScalingGroupStatus", 400, GROUP_STATUS),
    # inferred: ESS documents that a suspended process makes it reject the request, not how
    "process.suspended": ("IncorrectScalingGroupStatus", 400, GROUP_STATUS),
    # inferred: the docs name no code for a protected group; its status forbids the deletion
    "group.deletion_protected": ("IncorrectScalingGroupStatus", 400, GROUP_STATUS),
    "group.activity_in_progress": ("ScalingActivityInProgress", 400, IN_PROGRESS),
    "group.in_use": IN_USE,
    "bounds.max_below_min": (
        "InvalidParameter.Conflict",
        400,
        "The value of parameter MinSize and parameter MaxSize are conflict.",
    ),
    "bounds.desired_outside": (
        "InvalidParameter.Conflict",
        400,
        "The value of parameter DesiredCapacity and parameter MinSize are conflict.",
    ),
    "capacity.min": (
        "IncorrectCapacity.MinSize",
        400,
        "To remove the instances, the total capacity will be lesser than the MinSize.",
    ),
    "capacity.max": (
        "IncorrectCapacity.MaxSize",
        400,
        "To attach the instances, the total capacity will be greater than the MaxSize.",
    ),
    "capacity.no_change": (
        "IncorrectCapacity.NoChange",
        400,
        "To execute the specified scaling rule, the total capacity will not change.",
    ),
    "instance.not_member": NO_INSTANCE,
    "instance.not_found": NO_INSTANCE,
    "instance.unmanaged": NO_INSTANCE,
    "instance.bad_state": (
        "IncorrectInstanceStatus",
        400,
        'The current status of instance "{instance_id}" does not support this action.',
    ),
    "instance.not_running": (
        "IncorrectInstanceStatus",
        400,
        'The current status of instance "{instance_id}" does not support this action.',
    ),
    "instance.in_group": (
        "InvalidInstanceId.InUse",
        400,
        'Instance "{instance_id}" is already attached to another scaling group.',
    ),
    # ESS checks only the VPC (AttachInstances reference): zone and vSwitch are AWS's checks.
    "instance.wrong_vpc": (
        "InvalidInstanceId.VPCMismatch",
        400,
        'Instance "{instance_id}" and the specified scaling group are not in the same VPC.',
    ),
    "remove_policy.unsupported": (
        "InvalidParameter",
        400,
        "The specified group does not support the specified RemovePolicy.",
    ),
    "batch.empty": (
        "MissingParameter",
        400,
        'The input parameter "InstanceIds" that is mandatory for processing this request is '
        "not supplied.",
    ),
    # inferred: the documented limit is 20 ids; the gateway reports it as an invalid parameter
    "batch.too_many": (
        "InvalidParameter",
        400,
        "The specified value of parameter InstanceIds is not valid.",
    ),
    "placement.none": (
        "MissingParameter",
        400,
        'The input parameter "VSwitchId" that is mandatory for processing this request is '
        "not supplied.",
    ),
    "subnet.not_found": (
        "InvalidVSwitchId.NotFound",
        404,
        "The specified virtual switch does not exist.",
    ),
    "zones.mismatch": (
        "InvalidVSwitchId.NotFound",
        404,
        "The specified virtual switch does not exist.",
    ),
    "zone.invalid": (
        "InvalidVSwitchId.NotFound",
        404,
        "The specified virtual switch does not exist.",
    ),
    "launch.missing": (
        "MissingActiveScalingConfiguration",
        400,
        "An active scaling configuration for the specified scaling group is not supplied.",
    ),
    "image.not_found": ("InvalidImageId.NotFound", 404, "The specified image does not exist."),
    "security_group.not_found": (
        "InvalidSecurityGroupId.NotFound",
        404,
        "The specified security group does not exist.",
    ),
    "security_group.vpc_mismatch": (
        "InvalidSecurityGroupId.VPCMismatch",
        400,
        "The specified security group and the specified virtual switch are not in the same VPC.",
    ),
    "scaling_configuration.not_found": (
        "InvalidScalingConfigurationId.NotFound",
        404,
        "The specified scaling configuration does not exist.",
    ),
    "scaling_configuration.exists": (
        "InvalidScalingConfigurationName.Duplicate",
        400,
        "The specified value of parameter ScalingConfigurationName is duplicated.",
    ),
    "scaling_configuration.active": (
        "IncorrectScalingConfigurationLifecycleState",
        400,
        "The current lifecycle state of specified scaling configuration does not support this "
        "action.",
    ),
    "scaling_rule.quota": (
        "QuotaExceeded.ScalingRule",
        400,
        "Scaling rule quota exceeded in the specified scaling group.",
    ),
    "scaling_configuration.quota": (
        "QuotaExceeded.ScalingConfiguration",
        400,
        "Scaling configuration quota exceeded in the specified scaling group.",
    ),
    "scaling_rule.exists": (
        "InvalidScalingRuleName.Duplicate",
        400,
        "The specified value of parameter ScalingRuleName is duplicated.",
    ),
    "scaling_rule.not_found": NOT_FOUND_RULE,
    "scaling_rule.not_executable": (
        "ScalingRule.InvalidScalingRuleType",
        400,
        "Specific scaling rule type: {kind} can not be executed.",
    ),
    # scaling rules of every type (shared/reference/aliyun-error-codes.md, CreateScalingRule
    # and ExecuteScalingRule); the `%s` ESS leaves in some texts is filled as noted (inferred)
    "policy.not_found": NOT_FOUND_RULE,
    "policy.not_executable": (
        "ScalingRule.InvalidScalingRuleType",
        400,
        "Specific scaling rule type: {kind} can not be executed.",
    ),
    "policy.breach_required.MetricValue": (
        "MissingParameter.MetricValue",
        400,
        "Metric value must be specified for StepScalingRule.",
    ),
    "policy.breach_required.BreachThreshold": (
        "MissingParameter.BreachThreshold",
        400,
        "Breach threshold must be specified for StepScalingRule.",
    ),
    "policy.no_step": (
        "InvalidStepAdjustments.NoStepFound",
        400,
        "No adjustment step found for a metric value of: {metric}.",
    ),
    "policy.magnitude_needs_percent": (
        "InvalidMinAdjustmentMagnitudeMismatchAdjustmentType",
        400,
        "MinAdjustmentMagnitude is not supported by the specified adjustment type.",
    ),
    "policy.step_unbounded": (
        "InvalidStepAdjustments.BothNull",
        400,
        "Both lower and upper bounds of a StepAdjustment can not be left unspecified.",
    ),
    "policy.step_inverted": (
        "InvalidStepAdjustments.LowerGtUpper",
        400,
        "LowerBound must be less than the UpperBound for StepAdjustment :{lower}-{upper}.",
    ),
    "policy.steps_overlap": (
        "InvalidStepAdjustments.Overlap",
        400,
        "StepAdjustment intervals can not overlap.",
    ),
    "policy.steps_gap": (
        "InvalidStepAdjustments.Gap",
        400,
        "StepAdjustment intervals can not have gaps between them.",
    ),
    "policy.steps_many_open_lower": (
        "InvalidStepAdjustments.MultipleNullLowerBound",
        400,
        "At most one StepAdjustment may have an unspecified lower bound.",
    ),
    "policy.steps_many_open_upper": (
        "InvalidStepAdjustments.MultipleNullUpperBound",
        400,
        "At most one StepAdjustment may have an unspecified upper bound.",
    ),
    "policy.steps_need_open_lower": (
        "InvalidStepAdjustments.NoNullLowerBound",
        400,
        "There must be a StepAdjustment with an unspecified lower bound when one "
        "StepAdjustment has a negative lower bound.",
    ),
    "policy.steps_need_open_upper": (
        "InvalidStepAdjustments.NoNullUpperBound",
        400,
        "There must be a StepAdjustment with an unspecified upper bound when one "
        "StepAdjustment has a positive upper bound.",
    ),
    "scaling_rule.id_not_found": (  # inferred: no documented table for Modify/DeleteScalingRule
        "InvalidScalingRuleId.NotFound",
        404,
        "The specified scaling rule does not exist.",
    ),
    "adjustment.invalid": (
        "InvalidParameter",
        400,
        "The specified value of parameter AdjustmentType is not valid.",
    ),
    "slb.unusable": (
        "IncorrectLoadBalancerStatus",
        400,
        "The current status of the specified load balancer does not support this action.",
    ),
    "rds.unusable": (
        "IncorrectDBInstanceStatus",
        400,
        'The current status of DB instance "{ref}" does not support this action.',
    ),
    "slb.not_found": (
        "InvalidLoadBalancerId.NotFound",
        404,
        "The specified Load Balancer does not exist.",
    ),
    "rds.not_found": ("InvalidDBInstanceId.NotFound", 404, 'DB instance "{ref}" does not exist.'),
    "token.invalid": (
        "InvalidParameter",
        400,
        "The specified value of parameter NextToken is not valid.",
    ),
    # lifecycle hooks: the DOC14 error tables (docs/facts/ess-lifecycle-hooks.md §7); Modify's
    # own texts are worded by dialects/aliyun/hooks.WORDING
    "hook.duplicate": (
        "InvalidLifecycleHookName.Duplicate",
        400,
        "The specified value of parameter lifecycleHookName is duplicated.",
    ),
    "hook.limit": (
        "QuotaExceeded.LifecycleHook",
        400,
        "Lifecycle hook quota exceeded in the specified scaling group.",
    ),
    "hook.id_not_found": (
        "InvalidLifecycleHookId.NotExist",
        400,
        "The specified lifecycleHookId does not exist.",
    ),
    "hook.name_not_found": (
        "InvalidLifecycleHookName.NotExist",
        400,
        "The specified lifecycleHookName you provided does not exist.",
    ),
    "hook.no_action_pair": (
        "LifecycleHookIdAndLifecycleActionToken.Invalid",
        400,
        "The specified lifecycleActionToken and lifecycleHookId you provided does not match any "
        "in process lifecycle action.",
    ),
    "hook.past_cap": (
        "LifecycleAction.TimeExceeded",
        400,
        "The specified parameter heartbeatTime exceed lifecycleAction max suspend time.",
    ),
    "hook.beats": (
        "LifecycleAction.RecordTimesExceeded",
        400,
        "The specified lifecycleAction exceed lifecycleAction max record times.",
    ),
    # documented for CreateScalingGroup: the region's scaling group quota is used up
    "group.quota": ("QuotaExceeded.ScalingGroup", 400, "Scaling group quota exceeded."),
    # inferred: the docs bound MinSize/MaxSize by the "instances per scaling group" quota but
    # name no code; a value outside a parameter's range is ESS's InvalidParameter
    "size.above_limit": (
        "InvalidParameter",
        400,
        'The specified value of parameter "{parameter}" is not valid.',
    ),
    # ESS event-triggered tasks: no documented codes; [NO SOURCE], after the siblings' pattern
    "alarm.not_found": (
        "InvalidAlarmTaskId.NotFound",
        404,
        "The specified alarm task does not exist.",
    ),
    "alarm.quota": (
        "QuotaExceeded.AlarmTask",
        400,
        "Alarm task quota exceeded in the specified scaling group.",
    ),
    "size.negative": (
        "InvalidParameter",
        400,
        'The specified value of parameter "{parameter}" is not valid.',
    ),
    # Scheduled tasks (docs/facts/scheduled-actions.md): the first four are documented
    # (CreateScheduledTask and ModifyScheduledTask error tables); the timing ones are inferred,
    # ESS's InvalidParameter on the parameter at fault
    "task.not_found": (
        "InvalidScheduledTaskId.NotFound",
        404,
        "The specified scheduled task does not exist.",
    ),
    "task.name_taken": (
        "InvalidScheduledTaskName.Duplicate",
        400,
        "The specified value of parameter ScheduledTaskName is duplicated.",
    ),
    "task.limit": ("QuotaExceeded.ScheduledTask", 400, "Scheduled task quota exceeded."),
    "task.region_mismatch": (
        "ScheduledAction.RegionMismatch",
        400,
        "The specified scheduled task and the specified scheduled action are not in the same "
        "Region.",
    ),
    "schedule.start_in_past": LAUNCH_TIME,
    "schedule.start_too_late": LAUNCH_TIME,
    "schedule.end_in_past": END_TIME,
    "schedule.end_too_late": END_TIME,
    "schedule.start_after_end": (
        "InvalidParameter.Conflict",
        400,
        "The value of parameter LaunchTime and parameter RecurrenceEndTime are conflict.",
    ),
    "schedule.recurrence": (
        "InvalidParameter",
        400,
        'The specified value of parameter "RecurrenceValue" is not valid.',
    ),
}

# neutral size fields -> ESS parameter names (the same in 2014-08-28 and 2022-02-22)
SIZE_PARAMETERS = {"min": "MinSize", "max": "MaxSize", "desired": "DesiredCapacity"}


def render(refusal: Refusal) -> AliyunError:
    facts: dict[str, Any] = dict(refusal.facts)
    if "field" in facts:
        facts["parameter"] = SIZE_PARAMETERS.get(facts["field"], facts["field"])
    reason = refusal.reason
    if reason in ("scaling_rule.not_executable", "policy.not_executable"):
        facts["kind"] = RULE_TYPE_NAMES[facts["kind"]]
    if reason == "policy.breach_required":
        reason += "." + facts.get("missing", "MetricValue")
    code, status, template = MESSAGES.get(reason, ("InvalidParameter", 400, reason))
    try:
        message = template.format(**facts)
    except (KeyError, IndexError):
        message = template
    return AliyunError(code, message, status)
