"""The simulated ApsaraDB RDS (2014-08-15): DB instances and their IP whitelists, persisted.

Every action takes the flat, URL-decoded request parameters and returns the response body
without its RequestId; refusals are `RdsFault`s carrying RDS's code, message and HTTP status.

States follow the injected clock: a new instance is `Creating` and a restarted one `Rebooting`
until its `due_at`, then `Running`. The row keeps the transitional status and its deadline; every
read derives the status from them, so no timer has to run for an instance to become Running.

The engine-facing port (`rds_exists`, `rds_usable`, `rds_allow`, `rds_revoke`) is what Auto
Scaling calls as instances join and leave: it keeps the instances' private IPs in the whitelist
group `ESS_GROUP`. Every call is idempotent and refuses nothing.
"""

from tidewater.cloud.sim.rds.api import SimRds
from tidewater.cloud.sim.rds.faults import RdsFault
from tidewater.cloud.sim.rds.state import ESS_GROUP, new_db_id
from tidewater.store.tables import sim_rds_instances

__all__ = ["ESS_GROUP", "RdsFault", "SimRds", "new_db_id", "sim_rds_instances"]
