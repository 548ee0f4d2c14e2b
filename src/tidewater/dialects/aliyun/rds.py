"""RDS (2014-08-15) for the Alibaba Cloud SDKs and CLI: each action goes straight to the sim."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.rds import RdsFault, SimRds
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Handler = Callable[[Scope, Mapping[str, str]], dict[str, Any]]

# Calls after which a scaling group's DB instance may have changed under it.
CHANGES_DATABASES = frozenset(
    {"ModifySecurityIps", "RestartDBInstance", "DeleteDBInstance", "CreateDBInstance"}
)


class RdsService:
    """The RDS product: turns faults into Alibaba errors and wakes the engine, deciding nothing."""

    product = "Rds"
    version = "2014-08-15"

    def __init__(self, sim: SimRds, wake: Callable[[], None]) -> None:
        self.sim = sim
        self.wake = wake
        operations: dict[str, Handler] = {
            "CreateDBInstance": sim.create_db_instance,
            "DescribeDBInstances": sim.describe_db_instances,
            "DescribeDBInstanceIPArrayList": sim.describe_db_instance_ip_array_list,
            "ModifySecurityIps": sim.modify_security_ips,
            "RestartDBInstance": sim.restart_db_instance,
            "DeleteDBInstance": sim.delete_db_instance,
        }
        self.handlers: dict[str, Handler] = front_door(
            operations, RdsFault, AliyunError, wake, CHANGES_DATABASES
        )
