"""Elastic Load Balancing v2 (2015-12-01): each action goes straight to the simulated cloud.

Shares the signing name "elasticloadbalancing" with Classic ELB; `api_version` tells them apart.
"""

from __future__ import annotations

from tidewater.cloud.sim.balancers import BalancerFault, SimBalancers
from tidewater.dialects.aws.elb import Operation
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.service import Handler
from tidewater.dialects.sim_products import front_door


class Elbv2Service:
    """Application and Network Load Balancers with their target groups and listeners."""

    signing_name = "elasticloadbalancing"
    service_name = "elbv2"
    api_version = "2015-12-01"

    def __init__(self, sim: SimBalancers) -> None:
        self.sim = sim
        operations: dict[str, Operation] = {
            "CreateLoadBalancer": sim.elbv2_create_load_balancer,
            "DescribeLoadBalancers": sim.elbv2_describe_load_balancers,
            "DeleteLoadBalancer": sim.elbv2_delete_load_balancer,
            "CreateTargetGroup": sim.elbv2_create_target_group,
            "DescribeTargetGroups": sim.elbv2_describe_target_groups,
            "DeleteTargetGroup": sim.elbv2_delete_target_group,
            "RegisterTargets": sim.elbv2_register_targets,
            "DeregisterTargets": sim.elbv2_deregister_targets,
            "DescribeTargetHealth": sim.elbv2_describe_target_health,
            "ModifyTargetGroupAttributes": sim.elbv2_modify_target_group_attributes,
            "DescribeTargetGroupAttributes": sim.elbv2_describe_target_group_attributes,
            "CreateListener": sim.elbv2_create_listener,
            "DescribeListeners": sim.elbv2_describe_listeners,
            "DeleteListener": sim.elbv2_delete_listener,
        }
        self.handlers: dict[str, Handler] = front_door(operations, BalancerFault, AwsError)
