"""VPC (2016-04-28) for the Alibaba Cloud SDKs and CLI: each action goes straight to the sim."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.vpc import SimVpc, VpcFault
from tidewater.dialects.aliyun.errors import AliyunError
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Handler = Callable[[Scope, Mapping[str, str]], dict[str, Any]]


class VpcService:
    """The VPC product: turns faults into Alibaba errors, deciding nothing."""

    product = "Vpc"
    version = "2016-04-28"

    def __init__(self, sim: SimVpc) -> None:
        self.sim = sim
        operations: dict[str, Handler] = {
            "CreateVpc": sim.create_vpc,
            "DescribeVpcs": sim.describe_vpcs,
            "DeleteVpc": sim.delete_vpc,
            "CreateVSwitch": sim.create_vswitch,
            "DescribeVSwitches": sim.describe_vswitches,
            "DeleteVSwitch": sim.delete_vswitch,
        }
        self.handlers: dict[str, Handler] = front_door(operations, VpcFault, AliyunError)
