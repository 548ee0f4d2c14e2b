"""VPC's refusals: each builds the one Alibaba fault with VPC's exact code, text and status.

The texts are the VPC API reference's (2016-04-28), kept as printed there, including its
spellings (`InvalidVpcDiscription`, `InvalidCirdrBlock.MaskLength`, the space before a period).
"""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AliyunFault, aliyun_missing

VpcFault = AliyunFault  # VPC raises the Alibaba cloud's one fault type
missing = aliyun_missing


def invalid(name: str) -> VpcFault:
    """Inferred: the reference words no paging refusal; the gateway's InvalidParameter."""
    return VpcFault("InvalidParameter", f'The specified parameter "{name}" is not valid.')


def cidr_malformed() -> VpcFault:
    return VpcFault("InvalidCidrBlock.Malformed", "Specified CIDR block is not valid.")


def cidr_mask() -> VpcFault:
    return VpcFault("InvalidCirdrBlock.MaskLength", "Specified CIDR block is not valid .")


def cidr_outside_vpc() -> VpcFault:
    return VpcFault("InvalidParameter", "Specified CIDR block is not valid in VPC.")


def cidr_overlapped() -> VpcFault:
    return VpcFault(
        "InvalidCidrBlock.Overlapped", "Specified CIDR block overlapped with other subnets."
    )


def vpc_not_found() -> VpcFault:
    return VpcFault("InvalidVpcId.NotFound", "Specified VPC does not exist.", 404)


def zone_not_found() -> VpcFault:
    return VpcFault("InvalidZoneId.NotFound", "Specified zone does not exist.", 404)


def vswitch_not_found() -> VpcFault:
    return VpcFault("InvalidVSwitchId.NotFound", "VSwitch not exist.", 404)


def vpc_name() -> VpcFault:
    return VpcFault("InvalidVpcName.Malformed", "Specified VPC name is not valid.")


def vpc_description() -> VpcFault:
    return VpcFault("InvalidVpcDiscription.Malformed", "Specified VPC description is not valid.")


def vswitch_name() -> VpcFault:
    return VpcFault("InvalidVSwitchName.Malformed", "Specified virtual switch name is not valid.")


def vswitch_description() -> VpcFault:
    return VpcFault(
        "InvalidVSwitchDiscription.Malformed",
        "Specified virtual switch description is not valid.",
    )


# What keeps a VPC from being deleted, in the order DeleteVpc looks: its code and its text.
VPC_DEPENDENCIES = {
    "vswitch": ("DependencyViolation.VSwitch", "Specified object has dependent resources"),
    "security_group": (
        "DependencyViolation.SecurityGroup",
        "Specified object has dependent resources SecurityGroup.",
    ),
}


def vpc_in_use(blocker: str) -> VpcFault:
    return VpcFault(*VPC_DEPENDENCIES[blocker])


def vswitch_in_use() -> VpcFault:
    return VpcFault("DependencyViolation", "Specified object has dependent resources.")
