"""EC2's instance attributes and the volumes its instances run on: DescribeInstanceAttribute,
ModifyInstanceAttribute and DescribeVolumes.

Each attribute is one row of `ATTRIBUTES`: the name EC2 takes, the key it answers under, how it
is read from the machine and, for the ones that change, where the change is kept and whether the
instance must be stopped first. Each instance boots from one root volume of its own (8 GiB gp3,
deleted with the instance), named after the instance: `vol-` and the instance id's own digits.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, update

from tidewater.cloud.ports import Subnet
from tidewater.cloud.sim.ec2.faults import Ec2Fault, invalid, missing
from tidewater.cloud.sim.ec2.network_state import check_groups
from tidewater.cloud.sim.ec2.params import Params, action, check_instance_ids, unique
from tidewater.cloud.sim.ec2.state import GONE, Ec2State
from tidewater.cloud.sim.instance_types import instance_kind
from tidewater.cloud.sim.kit import dryrun
from tidewater.domain.scope import Scope
from tidewater.store.tables import machines

Output = dict[str, Any]
ROOT_DEVICE = "/dev/xvda"


def _kept(row: Row[Any], key: str, default: Any) -> Any:
    return (row.attributes or {}).get(key, default)


def _value(value: Any) -> Output:
    return {"Value": value}


@dataclass(frozen=True, slots=True)
class Attribute:
    """One instance attribute: how EC2 names and answers it, and how a change is kept."""

    answer: str  # the key DescribeInstanceAttribute answers under
    read: Callable[[Row[Any]], Any]
    kept: str | None = None  # the machine attribute a change is kept in; None: not changeable
    stopped: bool = False  # changed only while the instance is stopped
    check: Callable[[Any], Any] | None = None  # a new value as EC2 takes it, or a fault


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise invalid(f"Invalid value '{value}' for boolean.")


def _instance_type(value: Any) -> str:
    if instance_kind(str(value)) is None:
        raise invalid(f"Invalid value '{value}' for InstanceType.")
    return str(value)


def _behaviour(value: Any) -> str:
    if value not in ("stop", "terminate"):
        raise invalid(
            f"Value ({value}) for parameter instanceInitiatedShutdownBehavior is invalid."
        )
    return str(value)


def _user_data(value: Any) -> str:
    """Kept as the SDKs send it, base64; EC2 answers it back the same way."""
    text = value if isinstance(value, str) else base64.b64encode(value).decode()
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("Invalid BASE64 encoding of user data.") from None
    return text


def _root(row: Row[Any]) -> list[Output]:
    return [
        {
            "DeviceName": ROOT_DEVICE,
            "Ebs": {
                "AttachTime": row.launched_at,
                "DeleteOnTermination": True,
                "Status": "attached",
                "VolumeId": volume_id(row.id),
            },
        }
    ]


ATTRIBUTES: dict[str, Attribute] = {
    "instanceType": Attribute(
        "InstanceType", lambda r: _value(r.instance_type), "instance_type", True, _instance_type
    ),
    "kernel": Attribute("KernelId", lambda r: {}),
    "ramdisk": Attribute("RamdiskId", lambda r: {}),
    "userData": Attribute(
        "UserData",
        lambda r: _value(v) if (v := _kept(r, "user_data", None)) else {},
        "user_data",
        True,
        _user_data,
    ),
    "disableApiTermination": Attribute(
        "DisableApiTermination",
        lambda r: _value(bool(_kept(r, "disable_api_termination", False))),
        "disable_api_termination",
        check=_flag,
    ),
    "disableApiStop": Attribute(
        "DisableApiStop",
        lambda r: _value(bool(_kept(r, "disable_api_stop", False))),
        "disable_api_stop",
        check=_flag,
    ),
    "instanceInitiatedShutdownBehavior": Attribute(
        "InstanceInitiatedShutdownBehavior",
        lambda r: _value(_kept(r, "shutdown_behavior", "stop")),
        "shutdown_behavior",
        check=_behaviour,
    ),
    "rootDeviceName": Attribute("RootDeviceName", lambda r: _value(ROOT_DEVICE)),
    "blockDeviceMapping": Attribute("BlockDeviceMappings", _root),
    "productCodes": Attribute("ProductCodes", lambda r: []),
    "sourceDestCheck": Attribute(
        "SourceDestCheck",
        lambda r: _value(bool(_kept(r, "source_dest_check", True))),
        "source_dest_check",
        check=_flag,
    ),
    "groupSet": Attribute("Groups", lambda r: [{"GroupId": g} for g in r.security_groups or ()]),
    "ebsOptimized": Attribute(
        "EbsOptimized",
        lambda r: _value(bool(_kept(r, "ebs_optimized", False))),
        "ebs_optimized",
        True,
        _flag,
    ),
    "sriovNetSupport": Attribute("SriovNetSupport", lambda r: {}),
    "enaSupport": Attribute(
        "EnaSupport",
        lambda r: _value(bool(_kept(r, "ena_support", True))),
        "ena_support",
        True,
        _flag,
    ),
    "enclaveOptions": Attribute("EnclaveOptions", lambda r: {"Enabled": False}),
}
# ModifyInstanceAttribute's own members, each naming one attribute ({"Value": …} each)
MEMBERS = {attribute.answer: name for name, attribute in ATTRIBUTES.items() if attribute.kept}


def volume_id(instance_id: str) -> str:
    return "vol-" + instance_id.removeprefix("i-")


class Attributes(Ec2State):
    def _instance(self, scope: Scope, params: Params) -> Row[Any]:
        instance_id = params.get("InstanceId")
        if not instance_id:
            raise missing("InstanceId")
        check_instance_ids([instance_id])
        with self.db.read() as conn:
            return self._existing(conn, scope, [instance_id])[instance_id]

    @action
    def describe_instance_attribute(self, scope: Scope, params: Params) -> Output:
        name = params.get("Attribute")
        if not name:
            raise missing("Attribute")
        attribute = ATTRIBUTES.get(name)
        if attribute is None:
            raise invalid(f"Value ({name}) for parameter attribute is invalid. Unknown attribute.")
        row = self._instance(scope, params)
        dryrun.aws(params)
        return {"InstanceId": row.id, attribute.answer: attribute.read(row)}

    @action
    def modify_instance_attribute(self, scope: Scope, params: Params) -> None:
        """One attribute per call, named either by `Attribute` and `Value` or by its own
        member; the security groups by `Groups`."""
        asked = [(MEMBERS[k], (params[k] or {}).get("Value")) for k in MEMBERS if k in params]
        if params.get("Attribute"):
            name = params["Attribute"]
            known = ATTRIBUTES.get(name)
            if known is None or (known.kept is None and name != "groupSet"):
                raise invalid(f"Value ({name}) for parameter attribute is invalid.")
            asked.append((name, params.get("Value")))
        if params.get("Groups"):
            asked.append(("groupSet", params["Groups"]))
        if not asked:
            raise missing("Attribute")
        if len(asked) > 1:
            raise invalid("Only one attribute may be modified at a time.")
        name, value = asked[0]
        row = self._instance(scope, params)
        if row.state in GONE:
            raise Ec2Fault(
                "IncorrectInstanceState", f"The instance '{row.id}' is not in a valid state."
            )
        if name == "groupSet":
            groups = unique(list(value) if isinstance(value, list) else [str(value)])
            dryrun.aws(params)
            self._set_instance(row, {"security_groups": self._known_groups(scope, row, groups)})
            return
        attribute = ATTRIBUTES[name]
        if value is None:
            raise missing("Value")
        if attribute.stopped and row.state != "stopped":
            raise Ec2Fault(
                "IncorrectInstanceState", f"The instance '{row.id}' is not in the 'stopped' state."
            )
        checked = attribute.check(value) if attribute.check else value
        dryrun.aws(params)
        if attribute.kept == "instance_type":
            self._set_instance(row, {"instance_type": checked})
        else:
            self._set_instance(
                row, {"attributes": {**(row.attributes or {}), str(attribute.kept): checked}}
            )

    def _set_instance(self, row: Row[Any], values: dict[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(update(machines).where(machines.c.id == row.id).values(**values))

    def _known_groups(self, scope: Scope, row: Row[Any], groups: list[str]) -> list[str]:
        """Security groups of the instance's own VPC, checked as a launch checks them."""
        with self.db.read() as conn:
            check_groups(conn, scope, groups, Subnet(row.subnet_id, row.zone, row.vpc_id))
        return groups

    @action
    def describe_volumes(self, scope: Scope, params: Params) -> Output:
        """The root volume of every instance not yet gone, filtered as EC2 filters them."""
        asked = unique(params.get("VolumeIds") or [])
        filters = {f.get("Name"): set(f.get("Values") or []) for f in params.get("Filters") or []}
        dryrun.aws(params)
        with self.db.read() as conn:
            rows = conn.execute(
                select(machines)
                .where(*self._in_scope(scope), machines.c.state.not_in(list(GONE)))
                .order_by(machines.c.launched_at, machines.c.id)
            ).all()
        volumes = [_volume(row) for row in rows]
        if asked:
            found = {v["VolumeId"] for v in volumes}
            missing_ids = [v for v in asked if v not in found]
            if missing_ids:
                noun = "volume" if len(missing_ids) == 1 else "volumes"
                quoted = ", ".join(f"'{v}'" for v in missing_ids)
                verb = "does" if len(missing_ids) == 1 else "do"
                raise Ec2Fault("InvalidVolume.NotFound", f"The {noun} {quoted} {verb} not exist.")
            volumes = [v for v in volumes if v["VolumeId"] in asked]
        for name, values in filters.items():
            read = VOLUME_FILTERS.get(str(name))
            if read is None:
                raise invalid(f"The filter '{name}' is invalid")
            volumes = [v for v in volumes if read(v) in values]
        return {"Volumes": volumes}


def _volume(row: Row[Any]) -> Output:
    vol = volume_id(row.id)
    return {
        "Attachments": [
            {
                "AttachTime": row.launched_at,
                "Device": ROOT_DEVICE,
                "InstanceId": row.id,
                "State": "attached",
                "VolumeId": vol,
                "DeleteOnTermination": True,
            }
        ],
        "AvailabilityZone": row.zone,
        "CreateTime": row.launched_at,
        "Encrypted": False,
        "Size": 8,
        "SnapshotId": "",
        "State": "in-use",
        "VolumeId": vol,
        "Iops": 3000,
        "VolumeType": "gp3",
        "MultiAttachEnabled": False,
        "Throughput": 125,
    }


VOLUME_FILTERS: dict[str, Callable[[Output], Any]] = {
    "attachment.instance-id": lambda v: v["Attachments"][0]["InstanceId"],
    "attachment.device": lambda v: v["Attachments"][0]["Device"],
    "attachment.status": lambda v: v["Attachments"][0]["State"],
    "attachment.delete-on-termination": lambda v: "true",
    "availability-zone": lambda v: v["AvailabilityZone"],
    "volume-id": lambda v: v["VolumeId"],
    "status": lambda v: v["State"],
    "volume-type": lambda v: v["VolumeType"],
    "size": lambda v: str(v["Size"]),
    "encrypted": lambda v: "false",
}
