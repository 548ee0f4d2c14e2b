"""Amazon CloudWatch (2010-08-01) for boto3 and the aws CLI: straight to the sim, in Smithy
RPC v2 CBOR (what boto3 sends) or in AWS JSON 1.0 (what the aws CLI sends), both
query-compatible."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

from tidewater.cloud.sim.cloudwatch import CloudWatchFault, SimCloudWatch
from tidewater.cloud.sim.cloudwatch.alarms import SimAlarms
from tidewater.dialects.aws import cbor
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.json_protocol import JsonProtocol, _serialization
from tidewater.dialects.aws.service import Handler
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Operation = Callable[[Scope, Mapping[str, Any]], Mapping[str, Any] | None]

# The Query code of each refusal and its shape's name, from the botocore model's error shapes
SHAPES: Final = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
    "InvalidParameterCombination": "InvalidParameterCombinationException",
    "InvalidNextToken": "InvalidNextToken",
    "InternalFailure": "InternalServiceFault",
    "ResourceNotFound": "ResourceNotFound",
    "LimitExceeded": "LimitExceededFault",
    "InvalidFormat": "InvalidFormatFault",
}


class CloudWatchJson(JsonProtocol):
    """AWS JSON 1.0 with query-compatible errors: `__type` and `x-amzn-query-error`."""

    content_type = "application/x-amz-json-1.0"

    def __init__(self) -> None:
        super().__init__("cloudwatch")

    def shape_of(self, code: str) -> str:
        return f"com.amazonaws.cloudwatch#{SHAPES.get(code, code)}"

    def error(self, code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
        return super().error(self.shape_of(code), message, request_id)

    def error_headers(self, code: str, sender: bool) -> dict[str, str]:
        return {"x-amzn-query-error": f"{code};{'Sender' if sender else 'Receiver'}"}


class CloudWatchCbor(CloudWatchJson):
    """Smithy RPC v2 CBOR: the operation in the path, bodies as CBOR, the same model checks."""

    protocol = "smithy-rpc-v2-cbor"
    content_type = "application/cbor"
    in_path = True
    float_words: ClassVar[dict[str, float]] = {}

    def reply_headers(self) -> dict[str, str]:
        return {"smithy-protocol": "rpc-v2-cbor"}

    def load(self, body: bytes) -> Any:
        if not body:
            return {}
        try:
            return cbor.decode(body)
        except cbor.CborError:
            raise _serialization("Unable to parse the request body as CBOR.") from None

    def serialize(self, action: str, result: Mapping[str, Any] | None, request_id: str) -> bytes:
        return cbor.encode(_kept(result or {}))

    def error(self, code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
        return cbor.encode({"__type": self.shape_of(code), "message": message})

    def error_headers(self, code: str, sender: bool) -> dict[str, str]:
        return {**super().error_headers(code, sender), **self.reply_headers()}


def _kept(value: Any) -> Any:
    """The answer without the members it leaves out."""
    if isinstance(value, Mapping):
        return {k: _kept(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_kept(v) for v in value]
    return value


class CloudWatchService:
    """The metrics product: translates faults into AWS errors, deciding nothing."""

    signing_name = "monitoring"
    service_name = "cloudwatch"

    def __init__(self, sim: SimCloudWatch, alarms: SimAlarms) -> None:
        operations: dict[str, Operation] = {
            "PutMetricAlarm": alarms.put_metric_alarm,
            "DescribeAlarms": alarms.describe_alarms,
            "DescribeAlarmsForMetric": alarms.describe_alarms_for_metric,
            "DeleteAlarms": alarms.delete_alarms,
            "SetAlarmState": alarms.set_alarm_state,
            "DescribeAlarmHistory": alarms.describe_alarm_history,
            "EnableAlarmActions": alarms.enable_alarm_actions,
            "DisableAlarmActions": alarms.disable_alarm_actions,
            "PutMetricData": sim.put_metric_data,
            "GetMetricStatistics": sim.get_metric_statistics,
            "GetMetricData": sim.get_metric_data,
            "ListMetrics": sim.list_metrics,
        }
        self.handlers: dict[str, Handler] = front_door(operations, CloudWatchFault, AwsError)
