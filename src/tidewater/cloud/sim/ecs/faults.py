"""ECS's refusals: each builds the one Alibaba fault with ECS's exact code, text and status."""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AliyunFault, aliyun_missing

EcsFault = AliyunFault  # ECS raises the Alibaba cloud's one fault type
missing = aliyun_missing


def invalid(name: str) -> EcsFault:
    return EcsFault("InvalidParameter", f'The specified parameter "{name}" is not valid.')


def not_found() -> EcsFault:
    return EcsFault("InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404)


def incorrect_status() -> EcsFault:
    return EcsFault(
        "IncorrectInstanceStatus",
        "The current status of the resource does not support this operation.",
        403,
    )


def too_many_ids() -> EcsFault:
    return EcsFault(
        "InvalidParameter.TooManyInstanceIds", "Instance ids cannot be more than 100.", 403
    )


def custom_malformed() -> EcsFault:
    return EcsFault(
        "InvalidInstanceName.CustomMalformed",
        "Customized section of instance or host name is invalid, please use valid format: "
        "[], [,], [m,], [,n], [m,n].",
    )


def type_not_supported() -> EcsFault:
    return EcsFault(
        "InvalidInstanceType.ValueNotSupported",
        "The specified InstanceType does not exist or beyond the permitted range.",
    )


def group_not_found() -> EcsFault:
    return EcsFault(
        "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.", 404
    )


def vpc_not_found() -> EcsFault:
    """The VPC product's own text, which ECS repeats (inferred)."""
    return EcsFault("InvalidVpcId.NotFound", "Specified VPC does not exist.", 404)


def group_in_use() -> EcsFault:
    """Inferred wording: instances (or, for the default group, the sim itself) still use it."""
    return EcsFault(
        "DependencyViolation", "There is still instance(s) in the specified security group.", 403
    )


def bad_protocol() -> EcsFault:
    return EcsFault("InvalidIpProtocol.Malformed", "Specified IP protocol is not valid.")


def bad_ports() -> EcsFault:
    return EcsFault("InvalidPortRange.Malformed", "Specified port range is not valid.")


def bad_source() -> EcsFault:
    return EcsFault("InvalidSourceCidrIp.Malformed", "Specified source CIDR IP is not valid.")
