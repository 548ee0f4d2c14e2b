"""The simulated Elastic Load Balancing service object: every family joined into one."""

from __future__ import annotations

from tidewater.cloud.sim.balancers.classic import Classic
from tidewater.cloud.sim.balancers.listeners import Listeners
from tidewater.cloud.sim.balancers.load_balancers import LoadBalancers
from tidewater.cloud.sim.balancers.port import EnginePort
from tidewater.cloud.sim.balancers.target_groups import TargetGroups


class SimBalancers(Classic, LoadBalancers, TargetGroups, Listeners, EnginePort):
    """Classic and ELBv2 load balancers of the simulated cloud, over the same machines."""
