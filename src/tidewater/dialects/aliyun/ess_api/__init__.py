"""ESS (Auto Scaling) request specs for API 2014-08-28 and 2022-02-22, and response shaping.

``parse(action, version, params)`` turns the flat wire parameters of either API version into
one dict keyed by the **2022-02-22 names**, so that each handler is written once:

* repeated parameters become lists, ordered by their index: 2014 ``InstanceId.N`` and 2022
  ``InstanceIds.N`` both give ``"InstanceIds"``; 2014 ``Tag.N.Key`` / 2022 ``Tags.N.Key`` give
  ``"Tags": [{"Key": ...}]``; nested lists nest (``VServerGroups[].VServerGroupAttributes[]``);
* dotted structs become dicts (``CapacityOptions.OnDemandBaseCapacity``, ``SystemDisk.Category``);
* booleans (``True``/``False``/``true``/``false``, any case) become ``bool``; integers ``int``;
  floats ``float``;
* JSON-string parameters are parsed: ``LifecycleHookContext``, ``Overrides``,
  ``SchedulerOptions`` and CreateScalingConfiguration ``Tags`` (objects), CreateScalingGroup
  ``LoadBalancerIds`` / ``DBInstanceIds`` (arrays of IDs);
* unknown parameters are ignored.

The tables were derived from the SDKs (``aliyunsdkess.request.v20140828`` setters for the 2014
wire names, ``alibabacloud_ess20220222`` request models and ``Client.*_with_options`` for the
2022 names, types and JSON "shrink" parameters); ranges, enumerations and list limits come from
the 2014 API reference and the 2022 model docstrings.

Errors (texts from shared/reference/aliyun-error-codes.md Part A/B):

* a required parameter absent (or empty) -> 400 ``MissingParameter``
  ``The input parameter "<Name>" that is mandatory for processing this request is not
  supplied.`` (the documented form, with the quoted name ESS's own
  ``TemplateMissingParameter.*`` messages use);
* malformed number/boolean/JSON, a value outside its enumeration or range, or a list longer
  than its documented N -> 400 ``InvalidParameter``
  ``The specified value of parameter "<Name>" is not valid.`` (the quoted ESS form);
* CreateScalingGroup/ModifyScalingGroup size conflicts -> 400 ``InvalidParameter.Conflict``
  ``The value of parameter MinSize and parameter MaxSize are conflict.`` (ModifyScalingGroup's
  documented text says ``confilict``); DesiredCapacity outside the request's own bounds gives
  ``The value of parameter DesiredCapacity and parameter MinSize|MaxSize are conflict.``
  (inferred: the docs keep the ``<parameter name>`` placeholders);
* CreateScalingRule: AdjustmentType is required for Simple/Step rules, AdjustmentValue for
  Simple rules, TargetValue (> 0) for TargetTracking/Predictive rules; AdjustmentValue is bounded
  by AdjustmentType (-1000..1000, -100..10000, 0..2000) there and in ScaleWithAdjustment;
* an action without a spec -> 404 ``InvalidAction.NotFound`` ``Specified api is not found,
  please check your url and method.``; a version other than the two -> 400 ``NoSuchVersion``
  ``The specified version does not exist.``

``<Name>`` is the parameter's name on the wire of the request's version, with ``.N`` standing
for a list index (``InstanceId.N`` for 2014, ``InstanceIds.N`` for 2022,
``LifecycleHook.N.LifecycleTransition``), as the ESS docs write repeated parameters.

``aliyun-python-sdk-core`` sends a Python ``None`` as the text ``None`` (its RepeatList and
Struct setters emit every sub-key, e.g. ``Tag.1.Propagate=None``): for 2014-08-28 the value
``None`` is treated as absent inside structs and lists and for non-string parameters. An empty
value is kept for an optional free-text string and means "not supplied" everywhere else.
CreateScalingGroup ``LoadBalancerIds``/``DBInstanceIds`` not starting with ``[`` are read as a
comma-separated list (older docs describe them that way).
"""

from __future__ import annotations

from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.aliyun.ess_api.errors import conflict, invalid_parameter, missing_parameter
from tidewater.dialects.aliyun.ess_api.params import Kind, Param
from tidewater.dialects.aliyun.ess_api.parsing import ACTIONS, known, param_label, parse, spec
from tidewater.dialects.aliyun.ess_api.shapes import LIST_WRAPPERS, shape
from tidewater.dialects.aliyun.ess_api.versions import V2014, V2022, VERSIONS

__all__ = [
    "ACTIONS",
    "LIST_WRAPPERS",
    "V2014",
    "V2022",
    "VERSIONS",
    "AliyunError",
    "Kind",
    "Param",
    "conflict",
    "invalid_parameter",
    "known",
    "missing_parameter",
    "param_label",
    "parse",
    "shape",
    "spec",
]
