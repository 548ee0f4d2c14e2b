"""The simulated ECS service object: every handler family joined for the dialect to map onto."""

from __future__ import annotations

from tidewater.cloud.sim.ecs.catalogue import Catalogue
from tidewater.cloud.sim.ecs.instances import Instances


class SimEcs(Instances, Catalogue):
    """ECS's instance, image, type and geography calls over the tables SimCompute keeps."""
