"""EC2's geography and catalogue actions: zones and instance types, fixed per account and
region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    invalid,
    invalid_filter,
)
from tidewater.cloud.sim.ec2.filters import (
    TYPE_FILTERS,
    ZONE_FILTERS,
)
from tidewater.cloud.sim.ec2.params import (
    Params,
    action,
    parse_filters,
    static_page,
    unique,
)
from tidewater.cloud.sim.ec2.render import (
    instance_type_out,
    zone_out,
)
from tidewater.cloud.sim.ec2.state import Ec2State
from tidewater.cloud.sim.instance_types import KINDS, instance_kind
from tidewater.cloud.sim.kit import dryrun
from tidewater.cloud.sim.kit.filters import in_memory
from tidewater.domain.scope import Scope

Output = dict[str, Any]


class Catalogue(Ec2State):
    """What an account sees of the region: the same for every request."""

    @action
    def describe_availability_zones(self, scope: Scope, params: Params) -> Output:
        zones = [zone_out(scope, z) for z in network.zones(scope.region, scope.cloud)]
        for key, member in (("ZoneNames", "ZoneName"), ("ZoneIds", "ZoneId")):
            zones = self._chosen(
                zones,
                params,
                key,
                member,
                lambda unknown: invalid(f"Invalid availability zone: [{unknown[0]}]"),
            )
        zones = in_memory(zones, parse_filters(params), ZONE_FILTERS, invalid_filter)
        dryrun.aws(params)
        return {"AvailabilityZones": zones}

    @staticmethod
    def _chosen(
        items: list[Output],
        params: Params,
        key: str,
        member: str,
        fault: Callable[[list[str]], Ec2Fault],
    ) -> list[Output]:
        """Items named in `key`, in the catalogue's order; any unknown name is refused."""
        asked = unique(params.get(key) or [])
        if not asked:
            return items
        unknown = [a for a in asked if a not in {item[member] for item in items}]
        if unknown:
            raise fault(unknown)
        return [item for item in items if item[member] in asked]

    @action
    def describe_instance_types(self, scope: Scope, params: Params) -> Output:
        asked = unique(params.get("InstanceTypes") or [])
        unknown = [t for t in asked if instance_kind(t) is None]
        if unknown:
            raise Ec2Fault(
                "InvalidInstanceType",
                f"The following supplied instance types do not exist: [{', '.join(unknown)}]",
            )
        kinds = [instance_type_out(k) for k in KINDS if not asked or k.name in asked]
        kinds = in_memory(kinds, parse_filters(params), TYPE_FILTERS, invalid_filter)
        page, token = static_page(kinds, params, "types", 5, 100)
        dryrun.aws(params)
        out: Output = {"InstanceTypes": page}
        if token:
            out["NextToken"] = token
        return out
