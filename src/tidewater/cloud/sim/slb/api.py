"""The simulated SLB service object: every family joined for the dialect to map onto."""

from __future__ import annotations

from tidewater.cloud.sim.slb.backends import BackendServers
from tidewater.cloud.sim.slb.load_balancers import LoadBalancers
from tidewater.cloud.sim.slb.port import EnginePort


class SimSlb(LoadBalancers, BackendServers, EnginePort):
    """SLB's load balancer and backend server calls, plus the port Auto Scaling uses."""
