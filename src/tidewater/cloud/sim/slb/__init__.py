"""The simulated Server Load Balancer (SLB/CLB 2014-05-15), persisted in the service's database.

Every action takes the flat, URL-decoded request parameters (`BackendServers` is a JSON array
string) and returns the response body without its RequestId; refusals are `SlbFault`s carrying
SLB's code, message and HTTP status. Backend servers are the sim's own Alibaba Cloud machines.

The engine-facing port (`slb_exists`, `slb_usable`, `slb_add`, `slb_remove`, `slb_weight`) is
what Auto Scaling calls as instances join and leave; every call is idempotent and refuses nothing.

Health: a backend is `normal` while its machine runs, `abnormal` otherwise, and `unavailable`
while the load balancer is inactive or the backend's weight is 0. The sim has no listeners: a
backend's health is reported on its own `Port` (80 unless given), for any `ListenerPort` asked.
"""

from tidewater.cloud.sim.slb.api import SimSlb
from tidewater.cloud.sim.slb.faults import SlbFault
from tidewater.cloud.sim.slb.state import new_lb_id

__all__ = ["SimSlb", "SlbFault", "new_lb_id"]
