"""The simulated ECS service object: every handler family joined for the dialect to map onto."""

from __future__ import annotations

from tidewater.cloud.sim.ecs.catalogue import Catalogue
from tidewater.cloud.sim.ecs.instances import Instances
from tidewater.cloud.sim.ecs.security_groups import SecurityGroups


class SimEcs(Instances, SecurityGroups, Catalogue):
    """ECS's instance, security group, image, type and geography calls."""
