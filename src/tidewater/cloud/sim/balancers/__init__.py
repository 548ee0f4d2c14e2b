"""The simulated Elastic Load Balancing: Classic (2012-06-01) and ELBv2 (2015-12-01), persisted.

Operations take the parsed input dict of their botocore operation and return its output dict;
refusals are `BalancerFault`s with AWS's code and text. Health and draining are not timers that
fire: each registration stores when its health checks pass (`healthy_at`) and, once
deregistered, when its draining ends (`draining_until`), and every answer is computed from
`compute.clock.now()`. Rows whose draining has ended are ignored and purged on the next write.

Choices where AWS leaves room:

- Classic, connection draining enabled: a deregistered instance leaves the load balancer's
  `Instances` at once; until the timeout ends `DescribeInstanceHealth` still lists it as
  `OutOfService` / `ELB` / "Instance deregistration currently in progress.", then it is gone.
  Draining disabled: it is gone at once.
- ELBv2: `initial` (Elb.RegistrationInProgress) until the simulated health checks pass, then
  `healthy`; `draining` (Target.DeregistrationInProgress) for exactly
  `deregistration_delay.timeout_seconds`, then gone. A target group no listener forwards to
  reports its targets `unused` (Target.NotInUse). A target whose instance is not running is
  `unhealthy` (Target.FailedHealthChecks) once its initial checks are over.
- The engine port counts a registration still in its initial checks as healthy (Auto Scaling's
  grace period covers it); only a failed check makes `healthy()` False.
"""

from tidewater.cloud.sim.balancers.api import SimBalancers
from tidewater.cloud.sim.balancers.faults import BalancerFault

__all__ = ["BalancerFault", "SimBalancers"]
