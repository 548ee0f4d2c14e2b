"""SLB's refusals: each builds the one Alibaba fault with SLB's exact code, text and status."""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AliyunFault, aliyun_missing

SlbFault = AliyunFault  # SLB raises the Alibaba cloud's one fault type
missing = aliyun_missing

BACKEND_LIMIT = 20  # servers one Add/Remove/SetBackendServers may name


def invalid() -> SlbFault:
    """SLB's own error example; about 45 texts share the code, none names the parameter."""
    return SlbFault("InvalidParameter", "The specified parameter is not valid.")


def not_found() -> SlbFault:
    return SlbFault(
        "InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist.", 404
    )


def malformed() -> SlbFault:
    return SlbFault(
        "BackendServersMalformed", "the specified parameter BackendServers is unavailable."
    )


def too_many() -> SlbFault:
    return SlbFault(
        "TooManyBackendServers",
        f"The total number of input real servers exceeds max supported number: {BACKEND_LIMIT}",
    )


def bad_backends() -> SlbFault:
    return SlbFault("InvalidParameter", "The specified BackendServers is invalid.")


def bad_port() -> SlbFault:
    return SlbFault(
        "InvalidParameter",
        "The specified BackendServers is invalid, as the Port value should be in [1, 65535].",
    )


def server_not_found() -> SlbFault:
    return SlbFault("InvalidServerId.NotFound", "The specified ServerId does not exist.", 404)


def not_running() -> SlbFault:
    return SlbFault(
        "ObtainIpFail",
        "The specified BackendServers is invalid; some of the specified backend servers do not "
        "exist or are not running.",
    )
