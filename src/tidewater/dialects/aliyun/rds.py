"""RDS (2014-08-15) for the Alibaba Cloud SDKs and CLI: each action goes straight to the sim."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.rds import RdsFault, SimRds
from tidewater.dialects.aliyun.errors import AliyunError
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
        self.handlers: dict[str, Handler] = {
            action: self._handler(operation, wakes=action in CHANGES_DATABASES)
            for action, operation in operations.items()
        }

    def _handler(self, operation: Handler, *, wakes: bool) -> Handler:
        """Wraps one action so its fault surfaces as the Alibaba error the codec renders."""

        def handle(scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
            try:
                result = operation(scope, params)
            except RdsFault as fault:
                raise AliyunError(fault.code, fault.message, fault.status) from None
            if wakes:
                self.wake()
            return result

        return handle
