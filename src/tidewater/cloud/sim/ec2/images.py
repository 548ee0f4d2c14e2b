"""EC2's images: the catalogue (built in and seeded) every account sees, and each account's own,
made from an instance, registered or copied from another region, kept as rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    combination,
    image_gone,
    image_name_taken,
    image_not_found,
    image_not_yours,
    invalid,
    invalid_filter,
    malformed_image_id,
    missing,
)
from tidewater.cloud.sim.ec2.filters import IMAGE_FILTERS
from tidewater.cloud.sim.ec2.network_state import NetworkState, new_id, tags_for
from tidewater.cloud.sim.ec2.params import (
    IMAGE_ID,
    Params,
    action,
    check_image_ids,
    check_instance_ids,
    image_name,
    parse_filters,
    static_page,
    unique,
)
from tidewater.cloud.sim.ec2.render import image_alias, image_out, root_volume, snapshot_id
from tidewater.cloud.sim.ec2.state import GONE
from tidewater.cloud.sim.images import Image, stored_image
from tidewater.cloud.sim.kit import dryrun
from tidewater.cloud.sim.kit.filters import in_memory
from tidewater.cloud.sim.kit.rows import owned
from tidewater.domain.scope import Scope, region_name_ok
from tidewater.store.tables import sim_images

Output = dict[str, Any]
VIRTUALIZATION = ("hvm", "paravirtual")
DEVICE_MEMBERS = ("DeviceName", "VirtualName", "NoDevice")


class Images(NetworkState):
    """CreateImage, RegisterImage, CopyImage, DeregisterImage and DescribeImages."""

    @action
    def create_image(self, scope: Scope, params: Params) -> Output:
        instance_id = params.get("InstanceId")
        if not instance_id:
            raise missing("InstanceId")
        check_instance_ids([str(instance_id)])
        name = image_name(params)
        tags = _image_tags(params.get("TagSpecifications"))
        with self.db.read() as conn:
            machine = self._existing(conn, scope, [str(instance_id)])[str(instance_id)]
        if machine.state in GONE:
            raise Ec2Fault(  # inferred wording
                "IncorrectInstanceState",
                f"The instance '{machine.id}' is not in a state from which it can be imaged.",
            )
        source = self.compute.image(scope, machine.image_id)
        attributes = machine.attributes or {}
        image = {
            "name": name,
            "description": str(params.get("Description") or ""),
            "architecture": source.architecture
            if source
            else attributes.get("architecture", "x86_64"),
            "platform": source.platform if source else attributes.get("platform", "Linux/UNIX"),
            "root_device_name": source.root_device_name if source else "/dev/xvda",
            "virtualization_type": "hvm",
            "source": machine.id,
        }
        return self._keep_image(scope, params, image, params.get("BlockDeviceMappings"), tags, True)

    @action
    def register_image(self, scope: Scope, params: Params) -> Output:
        name = image_name(params)
        architecture = str(params.get("Architecture") or "x86_64")  # the model holds its enum
        virtualization = str(params.get("VirtualizationType") or "paravirtual")  # EC2's default
        if virtualization not in VIRTUALIZATION:
            raise invalid(
                f"Value ({virtualization}) for parameter virtualizationType is invalid."
            )  # inferred wording
        image = {
            "name": name,
            "description": str(params.get("Description") or ""),
            "architecture": architecture,
            "platform": "Linux/UNIX",
            "root_device_name": str(params.get("RootDeviceName") or "/dev/xvda"),
            "virtualization_type": virtualization,
            "source": None,
        }
        tags = _image_tags(params.get("TagSpecifications"))
        return self._keep_image(
            scope, params, image, params.get("BlockDeviceMappings"), tags, False
        )

    @action
    def copy_image(self, scope: Scope, params: Params) -> Output:
        for member in ("SourceImageId", "SourceRegion"):
            if not params.get(member):
                raise missing(member)
        source_id, region = str(params["SourceImageId"]), str(params["SourceRegion"])
        if not region_name_ok(region):
            raise invalid(f"Invalid region: {region}")  # inferred wording
        if not IMAGE_ID.fullmatch(source_id):
            raise malformed_image_id(source_id)
        name = image_name(params)
        origin = Scope(scope.account, region, scope.cloud)
        source = self.compute.image(origin, source_id)
        if source is None:
            raise image_not_found([source_id])
        if source.state == "deregistered":
            raise image_gone(source_id)
        tags = _image_tags(params.get("TagSpecifications"))
        if params.get("CopyImageTags"):
            tags = [{"Key": k, "Value": v} for k, v in source.tags] + tags
        image = {
            "name": name,
            "description": str(params.get("Description") or source.description),
            "architecture": source.architecture,
            "platform": source.platform,
            "root_device_name": source.root_device_name,
            "virtualization_type": source.virtualization_type,
            "source": f"{region}/{source_id}",
        }
        return self._keep_image(
            scope, params, image, list(source.block_devices) or None, tags, True
        )

    def _keep_image(
        self,
        scope: Scope,
        params: Params,
        image: Mapping[str, Any],
        devices: Sequence[Mapping[str, Any]] | None,
        tags: list[dict[str, str]],
        pending: bool,
    ) -> Output:
        """Stores a new image under its unique name; made ones are pending for a boot time."""
        now = self.clock.now()
        image_id = new_id("ami")
        row = {
            **image,
            "id": image_id,
            "account": scope.account,
            "region": scope.region,
            "block_devices": _devices(image_id, str(image["root_device_name"]), devices),
            "state": "available",
            "ready_at": now + self.timing.delay(self.timing.boot) if pending else now,
            "tags": tags,
            "created_at": now,
        }
        try:
            with self.db.write() as conn:
                self._check_name_free(conn, scope, str(image["name"]))
                dryrun.aws(params)
                conn.execute(insert(sim_images).values(row))
        except IntegrityError:  # a twin took the name between the look and the insert
            with self.db.read() as conn:
                self._check_name_free(conn, scope, str(image["name"]))
            raise
        return {"ImageId": image_id}

    @staticmethod
    def _check_name_free(conn: Connection, scope: Scope, name: str) -> None:
        """Names are unique among the account's images in the region; a deregistered one frees
        its name."""
        query = select(sim_images.c.id).where(
            *owned(sim_images, scope),
            sim_images.c.name == name,
            sim_images.c.state != "deregistered",
        )
        taken = conn.execute(query).first()
        if taken is not None:
            raise image_name_taken(name, taken.id)

    @action
    def deregister_image(self, scope: Scope, params: Params) -> Output:
        image_id = params.get("ImageId")
        if not image_id:
            raise missing("ImageId")
        if not IMAGE_ID.fullmatch(str(image_id)):
            raise malformed_image_id(str(image_id))
        with self.db.write() as conn:
            row = self._owned_row(conn, sim_images, scope, str(image_id))
            if row is None:
                if self.compute.images.find(scope, str(image_id)) is not None:
                    raise image_not_yours(str(image_id))
                raise image_not_found([str(image_id)])
            if row.state == "deregistered":
                raise image_gone(row.id)
            dryrun.aws(params)
            conn.execute(
                update(sim_images).where(sim_images.c.id == row.id).values(state="deregistered")
            )
        return {"Return": True}

    @action
    def describe_images(self, scope: Scope, params: Params) -> Output:
        ids = unique(params.get("ImageIds") or [])
        if ids and params.get("MaxResults") is not None:
            raise combination("imageIdsSet")
        listed = self.compute.images.listed(scope)
        with self.db.read() as conn:
            rows = self._owned_rows(conn, sim_images, scope)
        now = self.clock.now()
        own = [stored_image(row, scope.account, now) for row in rows]
        check_image_ids(ids, {i.id for i in listed} | {i.id for i in own})
        listed += [i for i in own if i.state != "deregistered"]  # asked for, they answer nothing
        owners = unique(scope.account if o == "self" else o for o in params.get("Owners") or [])
        users = unique(params.get("ExecutableUsers") or [])
        images = [
            image_out(i)
            for i in listed
            if (not ids or i.id in ids)
            and (not owners or owned_by(i, owners))
            and (users != ["all"] or i.public)
        ]
        images = in_memory(images, parse_filters(params), IMAGE_FILTERS, invalid_filter)
        page, token = static_page(images, params, "images", 5, 1000)
        dryrun.aws(params)
        return {"Images": page, "NextToken": token} if token else {"Images": page}


def owned_by(image: Image, owners: Sequence[str]) -> bool:
    """Owners names account ids or aliases; no image of the sim is the marketplace's."""
    return image.owner in owners or image_alias(image) in owners


def _image_tags(specs: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """The image's tags; its snapshots keep none in the sim, so theirs are accepted and dropped."""
    return tags_for([s for s in specs or [] if s.get("ResourceType") != "snapshot"], "image")


def _devices(
    image_id: str, root: str, asked: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """The image's block devices: each EBS one gets a snapshot; the root volume is always there."""
    devices: list[dict[str, Any]] = []
    for mapping in asked or []:
        device = {
            k: v for k, v in mapping.items() if k in ("DeviceName", "VirtualName", "NoDevice")
        }
        if mapping.get("Ebs") is not None:
            ebs = dict(mapping["Ebs"])
            device["Ebs"] = {
                "DeleteOnTermination": bool(ebs.get("DeleteOnTermination", True)),
                "SnapshotId": ebs.get("SnapshotId") or snapshot_id(image_id, str(len(devices))),
                "VolumeSize": int(ebs.get("VolumeSize") or 8),
                "VolumeType": str(ebs.get("VolumeType") or "gp2"),
                "Encrypted": bool(ebs.get("Encrypted", False)),
            }
        devices.append(device)
    if not any(d.get("DeviceName") == root for d in devices):
        devices.insert(0, root_volume(image_id, root))
    return devices
