"""The simulated RDS service object: every family joined for the dialect to map onto."""

from __future__ import annotations

from tidewater.cloud.sim.rds.instances import Instances
from tidewater.cloud.sim.rds.port import EnginePort
from tidewater.cloud.sim.rds.whitelists import Whitelists


class SimRds(Instances, Whitelists, EnginePort):
    """RDS's DB instance and whitelist calls, plus the port Auto Scaling uses."""
