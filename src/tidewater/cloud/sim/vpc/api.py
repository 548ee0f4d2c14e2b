"""The simulated VPC service object: every family joined for the dialect to map onto."""

from __future__ import annotations

from tidewater.cloud.sim.vpc.networks import Networks


class SimVpc(Networks):
    """VPC's VPC and vSwitch calls."""
