"""ECS (2014-05-26) for the Alibaba Cloud SDKs and CLI: each action goes straight to the sim."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.ecs import EcsFault, SimEcs
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Handler = Callable[[Scope, Mapping[str, str]], dict[str, Any]]

# Calls after which an instance may be in a new state, so the Auto Scaling engine must look.
CHANGES_INSTANCES = frozenset(
    {
        "RunInstances",
        "CreateInstance",
        "StartInstance",
        "StartInstances",
        "StopInstance",
        "StopInstances",
        "DeleteInstance",
        "DeleteInstances",
    }
)


class EcsService:
    """The ECS product: turns faults into Alibaba errors and wakes the engine, deciding nothing."""

    product = "Ecs"
    version = "2014-05-26"

    def __init__(self, sim: SimEcs, wake: Callable[[], None]) -> None:
        self.sim = sim
        self.wake = wake
        operations: dict[str, Handler] = {
            "RunInstances": sim.run_instances,
            "CreateInstance": sim.create_instance,
            "DescribeInstances": sim.describe_instances,
            "DescribeInstanceStatus": sim.describe_instance_status,
            "StartInstance": sim.start_instance,
            "StartInstances": sim.start_instances,
            "StopInstance": sim.stop_instance,
            "StopInstances": sim.stop_instances,
            "DeleteInstance": sim.delete_instance,
            "DeleteInstances": sim.delete_instances,
            "DescribeImages": sim.describe_images,
            "DescribeInstanceTypes": sim.describe_instance_types,
            "DescribeZones": sim.describe_zones,
            "DescribeRegions": sim.describe_regions,
            "CreateSecurityGroup": sim.create_security_group,
            "DescribeSecurityGroups": sim.describe_security_groups,
            "DescribeSecurityGroupAttribute": sim.describe_security_group_attribute,
            "AuthorizeSecurityGroup": sim.authorize_security_group,
            "DeleteSecurityGroup": sim.delete_security_group,
        }
        self.handlers: dict[str, Handler] = front_door(
            operations, EcsFault, AliyunError, wake, CHANGES_INSTANCES
        )
