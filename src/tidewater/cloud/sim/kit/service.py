"""What every simulated service stands on: the sim's machines, its database, clock and timing."""

from __future__ import annotations

from tidewater.cloud.sim.compute import SimCompute


class SimService:
    """The base of each service's state: one place that says what a service may reach."""

    def __init__(self, compute: SimCompute) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.timing = compute.timing
