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
