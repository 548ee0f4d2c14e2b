"""SLB (2014-05-15) for the Alibaba Cloud SDKs and CLI: each action goes straight to the sim."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.slb import SimSlb, SlbFault
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Handler = Callable[[Scope, Mapping[str, str]], dict[str, Any]]

# Calls after which a scaling group's load balancer may have changed under it.
CHANGES_BALANCERS = frozenset(
    {
        "AddBackendServers",
        "RemoveBackendServers",
        "SetBackendServers",
        "SetLoadBalancerStatus",
        "DeleteLoadBalancer",
    }
)


class SlbService:
    """The SLB product: turns faults into Alibaba errors and wakes the engine, deciding nothing."""

    product = "Slb"
    version = "2014-05-15"

    def __init__(self, sim: SimSlb, wake: Callable[[], None]) -> None:
        self.sim = sim
        self.wake = wake
        operations: dict[str, Handler] = {
            "CreateLoadBalancer": sim.create_load_balancer,
            "DescribeLoadBalancers": sim.describe_load_balancers,
            "DescribeLoadBalancerAttribute": sim.describe_load_balancer_attribute,
            "AddBackendServers": sim.add_backend_servers,
            "RemoveBackendServers": sim.remove_backend_servers,
            "SetBackendServers": sim.set_backend_servers,
            "DescribeHealthStatus": sim.describe_health_status,
            "SetLoadBalancerStatus": sim.set_load_balancer_status,
            "DeleteLoadBalancer": sim.delete_load_balancer,
        }
        self.handlers: dict[str, Handler] = front_door(
            operations, SlbFault, AliyunError, wake, CHANGES_BALANCERS
        )
