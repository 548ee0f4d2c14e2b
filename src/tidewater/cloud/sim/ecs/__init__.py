"""The simulated ECS API (2014-05-26) over SimCompute's tables, in ECS's own JSON wire shapes.

Every action takes the flat, URL-decoded request parameters (`InstanceId.1`, `Tag.1.Key`, a JSON
array string for `InstanceIds`, booleans as `True`/`False`) and returns the response body without
its RequestId; refusals are `EcsFault`s carrying ECS's code, message and HTTP status.

States: SimCompute's pending is ECS's Pending during the first half of a fresh instance's boot and
Starting otherwise; running, stopping and stopped map one to one. A released instance goes
shutting-down then terminated, which ECS never shows: it simply disappears.
"""

from tidewater.cloud.sim.ecs.api import SimEcs
from tidewater.cloud.sim.ecs.faults import EcsFault
from tidewater.cloud.sim.ecs.launching import default_security_group
from tidewater.cloud.sim.ecs.render import REGIONS

__all__ = ["REGIONS", "EcsFault", "SimEcs", "default_security_group"]
