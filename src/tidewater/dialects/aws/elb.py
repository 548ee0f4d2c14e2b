"""Classic Elastic Load Balancing (2012-06-01): each action goes straight to the simulated cloud.

Classic ELB and ELBv2 share the signing name "elasticloadbalancing"; the server tells them
apart by the request's `Version`, so each product carries its `api_version`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.balancers import BalancerFault, SimBalancers
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.service import Handler
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Operation = Callable[[Scope, Mapping[str, Any]], Mapping[str, Any] | None]


class ElbService:
    """The Classic load balancer product; decides nothing itself."""

    signing_name = "elasticloadbalancing"
    service_name = "elb"
    api_version = "2012-06-01"

    def __init__(self, sim: SimBalancers) -> None:
        self.sim = sim
        operations: dict[str, Operation] = {
            "CreateLoadBalancer": sim.clb_create_load_balancer,
            "DescribeLoadBalancers": sim.clb_describe_load_balancers,
            "DeleteLoadBalancer": sim.clb_delete_load_balancer,
            "RegisterInstancesWithLoadBalancer": sim.clb_register_instances_with_load_balancer,
            "DeregisterInstancesFromLoadBalancer": (
                sim.clb_deregister_instances_from_load_balancer
            ),
            "DescribeInstanceHealth": sim.clb_describe_instance_health,
            "ModifyLoadBalancerAttributes": sim.clb_modify_load_balancer_attributes,
            "DescribeLoadBalancerAttributes": sim.clb_describe_load_balancer_attributes,
        }
        self.handlers: dict[str, Handler] = front_door(operations, BalancerFault, AwsError)
