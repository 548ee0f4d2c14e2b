"""The simulated Virtual Private Cloud (VPC 2016-04-28), persisted in the service's database.

Every region has a computed default VPC (172.16.0.0/12) with one default vSwitch per zone, both
reported with IsDefault true; VPCs and vSwitches users create are rows. ECS instances, ESS
groups, SLB and RDS find the created vSwitches through `SimCompute.subnets`. Every action takes
the flat RPC parameters and returns the response body without its RequestId; refusals are
`VpcFault`s carrying VPC's code, message and HTTP status.
"""

from tidewater.cloud.sim.vpc.api import SimVpc
from tidewater.cloud.sim.vpc.faults import VpcFault

__all__ = ["SimVpc", "VpcFault"]
