"""ECS's catalogue actions: images, instance types, zones and regions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ecs.faults import EcsFault, type_not_supported
from tidewater.cloud.sim.ecs.params import (
    READ,
    SPOT_STRATEGIES,
    Params,
    accept_language,
    action,
    charge_type,
    decimal,
    offset_token,
)
from tidewater.cloud.sim.ecs.render import REGIONS, image_out, region_out, type_out, zone_out
from tidewater.cloud.sim.ecs.state import EcsState
from tidewater.cloud.sim.ecs_types import TYPES, ecs_type
from tidewater.cloud.sim.kit import dryrun, paging, rpc
from tidewater.domain.scope import Scope
from tidewater.store.tables import machines

Output = dict[str, Any]


class Catalogue(EcsState):
    """What an account sees of the region's images, types, zones and regions."""

    # -- images and instance types ----------------------------------------------------------------

    @action
    def describe_images(self, scope: Scope, params: Params) -> Output:
        number, size = READ.page(params, 10, 100)
        aliases = (rpc.value(params, "ImageOwnerAlias") or "system,self,others").split(",")
        if any(a not in ("system", "self", "others", "marketplace") for a in aliases):
            raise EcsFault(
                "InvalidImageOwnerAlias.ValueNotSupported",
                "The specified ImageOwnerAlias value is not supported.",
            )
        for name, allowed, code in (
            ("OSType", ("linux", "windows"), "InvalidOSType"),
            ("Architecture", ("i386", "x86_64", "arm64"), "InvalidArchitecture"),
            ("Usage", ("instance", "none"), "InvalidUsage"),
        ):
            value = rpc.value(params, name)
            if value is not None and value not in allowed:
                raise EcsFault(code, f"The specifed {name} is not valid", 404)
        instance_type = rpc.value(params, "InstanceType")
        if instance_type is not None and ecs_type(instance_type) is None:
            raise type_not_supported()
        if READ.boolean(params, "DryRun"):
            raise dryrun.aliyun_passed()
        with self.db.read() as conn:
            used = set(
                conn.execute(
                    select(machines.c.image_id).distinct().where(*self._in_scope(scope))
                ).scalars()
            )
        images = [image_out(image, image.id in used) for image in self.compute.images.listed(scope)]
        images = [i for i in images if self._image_wanted(i, params, aliases)]
        return {
            "Images": {"Image": paging.numbered(images, number, size)},
            "TotalCount": len(images),
            "PageNumber": number,
            "PageSize": size,
            "RegionId": scope.region,
        }

    @staticmethod
    def _image_wanted(image: Output, params: Params, aliases: Sequence[str]) -> bool:
        ids = (rpc.value(params, "ImageId") or "").split(",")
        statuses = (rpc.value(params, "Status") or "Available").split(",")
        name = rpc.value(params, "ImageName")
        checks = (
            image["ImageOwnerAlias"] in aliases,
            ids == [""] or image["ImageId"] in ids,
            image["Status"] in statuses,
            name is None or name in image["ImageName"],
            rpc.value(params, "OSType") in (None, image["OSType"]),
            rpc.value(params, "Architecture") in (None, image["Architecture"]),
            rpc.value(params, "Usage") in (None, image["Usage"]),
        )
        return all(checks)

    @action
    def describe_instance_types(self, scope: Scope, params: Params) -> Output:
        """The whole catalogue, or the types asked for; NextToken pages through it."""
        asked = rpc.indexed(params, "InstanceTypes")
        family = rpc.value(params, "InstanceTypeFamily")
        low_cpu = READ.integer(params, "MinimumCpuCoreCount", 0, 0, 10_000)
        high_cpu = READ.integer(params, "MaximumCpuCoreCount", 10_000, 0, 10_000)
        low_memory = decimal(params, "MinimumMemorySize", 0.0)
        high_memory = decimal(params, "MaximumMemorySize", float("inf"))
        limit = READ.integer(params, "MaxResults", 1600, 1, 1600)
        start = offset_token(params)
        kinds = [
            t
            for t in TYPES
            if (not asked or t.id in asked)
            and family in (None, t.family)
            and low_cpu <= t.cpus <= high_cpu
            and low_memory <= t.memory_gib <= high_memory
        ]
        page = kinds[start : start + limit]
        token = paging.encode("types", [start + limit]) if start + limit < len(kinds) else ""
        return {
            "InstanceTypes": {"InstanceType": [type_out(t) for t in page]},
            "NextToken": token,
        }

    # -- geography --------------------------------------------------------------------------------

    @action
    def describe_zones(self, scope: Scope, params: Params) -> Output:
        language = accept_language(params)
        charge_type(params)
        READ.choice(
            params,
            "SpotStrategy",
            "NoSpot",
            SPOT_STRATEGIES,
            EcsFault("InvalidSpotStrategy", "The specified SpotStrategy is not valid."),
        )
        verbose = READ.boolean(params, "Verbose", True)
        zones = [
            zone_out(scope, zone, language, verbose)
            for zone in network.zones(scope.region, scope.cloud)
        ]
        return {"Zones": {"Zone": zones}}

    @action
    def describe_regions(self, scope: Scope, params: Params) -> Output:
        language = accept_language(params)
        known = {r[0] for r in REGIONS}
        regions = [region_out(r, language) for r in REGIONS]
        if scope.region not in known:  # the sim serves any region name; list the caller's own
            regions.append(region_out((scope.region, scope.region, scope.region), language))
        return {"Regions": {"Region": regions}}
