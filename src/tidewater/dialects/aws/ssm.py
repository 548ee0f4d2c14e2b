"""Systems Manager (2014-11-06, awsJson 1.1) for boto3 and the aws CLI: straight to the sim."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.ssm import SimSsm, SsmFault
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.service import Handler
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Operation = Callable[[Scope, Mapping[str, Any]], Mapping[str, Any] | None]


class SsmService:
    """The Parameter Store product: translates faults into AWS errors, deciding nothing."""

    signing_name = "ssm"
    service_name = "ssm"

    def __init__(self, sim: SimSsm) -> None:
        operations: dict[str, Operation] = {
            "PutParameter": sim.put_parameter,
            "GetParameter": sim.get_parameter,
            "GetParameters": sim.get_parameters,
            "GetParametersByPath": sim.get_parameters_by_path,
            "DeleteParameter": sim.delete_parameter,
            "DeleteParameters": sim.delete_parameters,
            "DescribeParameters": sim.describe_parameters,
        }
        self.handlers: dict[str, Handler] = front_door(operations, SsmFault, AwsError)
