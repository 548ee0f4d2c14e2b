"""ELB request members in, checked plain values out: names, listeners, targets, attributes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row

from tidewater.cloud.sim.balancers.faults import BalancerFault, validation
from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.guards import guarded, refuse_nul

Params = Mapping[str, Any]
Output = dict[str, Any]

CLASSIC_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "SSL")
NAME = re.compile(r"[a-zA-Z0-9-]+")
INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
PAGE_SIZE = 400
HTTP_HEALTH = {
    "HealthCheckEnabled": True,
    "HealthCheckPort": "traffic-port",
    "HealthCheckIntervalSeconds": 30,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 5,
    "UnhealthyThresholdCount": 2,
}
TCP_HEALTH = {**HTTP_HEALTH, "HealthCheckTimeoutSeconds": 10, "UnhealthyThresholdCount": 2}
BOOLEAN_ATTRIBUTES = frozenset(
    {
        "stickiness.enabled",
        "deregistration_delay.connection_termination.enabled",
        "proxy_protocol_v2.enabled",
        "preserve_client_ip.enabled",
    }
)
SECONDS_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": (0, 3600),
    "slow_start.duration_seconds": (0, 900),
    "stickiness.lb_cookie.duration_seconds": (1, 604800),
    "stickiness.app_cookie.duration_seconds": (1, 604800),
}


def _nul() -> Exception:
    return validation("Parameter values may not contain the NUL character.")


# Marks an API action and holds its whole input to what the store can keep.
action = guarded(lambda params: refuse_nul(params, _nul))


def text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation("Expected a list of strings")
    return list(value)


def instance_ids(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise validation("Instances must be a list")
    ids: list[str] = []
    for item in value:
        instance_id = item.get("InstanceId") if isinstance(item, Mapping) else None
        if not isinstance(instance_id, str):
            raise validation(
                "Value null at 'instances.member.instanceId' failed to satisfy "
                "constraint: Member must not be null"
            )
        if instance_id not in ids:
            ids.append(instance_id)
    return ids


def integer(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise validation(
            f"1 validation error detected: Value '{value}' at '{name}' failed to satisfy "
            f"constraint: Member must have value between {low} and {high}"
        )
    return value


def page_size(params: Params) -> int:
    size = params.get("PageSize")
    return PAGE_SIZE if size is None else integer(size, "pageSize", 1, PAGE_SIZE)


def _bad_marker() -> Exception:
    return validation("Invalid Marker")


def decode_marker(kind: str, marker: Any) -> str | None:
    """The name a Marker of this listing continues after; None without one."""
    if marker is None:
        return None
    [name] = paging.decode(kind, str(marker), [str], _bad_marker, padded=True)
    return str(name)


def page(rows: list[Row[Any]], size: int, kind: str) -> tuple[list[Row[Any]], str | None]:
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, paging.encode(kind, [rows[-1].name], padded=True)


def check_classic_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise validation("LoadBalancer name cannot be empty")
    if len(name) > 32:
        raise validation("LoadBalancer name cannot be longer than 32 characters")
    if not NAME.fullmatch(name) or name.startswith("-") or name.endswith("-"):
        raise validation(
            "LoadBalancer name cannot contain characters that are not letters, or digits "
            "or the dash."
        )
    return name


def classic_listeners(value: Any) -> list[Output]:
    if not isinstance(value, list):
        raise validation("Listeners must be a list")
    listeners: list[Output] = []
    ports: set[int] = set()
    for item in value:
        if not isinstance(item, Mapping):
            raise validation("Listeners must be a list")
        protocol = str(item.get("Protocol") or "").upper()
        if protocol not in CLASSIC_PROTOCOLS:
            raise validation(f"Invalid LoadBalancer protocol: {item.get('Protocol')}")
        instance_protocol = str(item.get("InstanceProtocol") or protocol).upper()
        if instance_protocol not in CLASSIC_PROTOCOLS:
            raise validation(f"Invalid Instance protocol: {item.get('InstanceProtocol')}")
        port = integer(item.get("LoadBalancerPort"), "loadBalancerPort", 1, 65535)
        instance_port = integer(item.get("InstancePort"), "instancePort", 1, 65535)
        if port in ports:
            raise BalancerFault("DuplicateListener", f"A listener already exists for port {port}")
        ports.add(port)
        listener: Output = {
            "Protocol": protocol,
            "LoadBalancerPort": port,
            "InstanceProtocol": instance_protocol,
            "InstancePort": instance_port,
        }
        certificate = item.get("SSLCertificateId")
        if protocol in ("HTTPS", "SSL"):
            if not isinstance(certificate, str) or not certificate:
                raise validation("SSLCertificateId is required for HTTPS and SSL listeners")
            listener["SSLCertificateId"] = certificate
        listeners.append(listener)
    return listeners


def classic_attribute(key: str, change: Mapping[str, Any]) -> Output:
    enabled = bool(change["Enabled"])
    if key == "ConnectionDraining":
        timeout = change.get("Timeout", 300)
        return {
            "Enabled": enabled,
            "Timeout": integer(timeout, "connectionDraining.timeout", 1, 3600),
        }
    if key == "AccessLog" and enabled:
        bucket = change.get("S3BucketName")
        if not isinstance(bucket, str) or not bucket:
            raise validation("S3BucketName is required when access logs are enabled")
        out: Output = {"Enabled": True, "S3BucketName": bucket}
        out["EmitInterval"] = change.get("EmitInterval", 60)
        if out["EmitInterval"] not in (5, 60):
            raise validation("EmitInterval must be 5 or 60")
        out["S3BucketPrefix"] = str(change.get("S3BucketPrefix") or "")
        return out
    return {"Enabled": enabled}


def additional_attributes(current: list[Output], extra: Any) -> list[Output]:
    known = {"elb.http.desyncmitigationmode": ("monitor", "defensive", "strictest")}
    merged = {a["Key"]: a["Value"] for a in current}
    if not isinstance(extra, list):
        raise validation("AdditionalAttributes must be a list")
    for item in extra:
        key = item.get("Key") if isinstance(item, Mapping) else None
        value = item.get("Value") if isinstance(item, Mapping) else None
        if key not in known:
            raise validation(f"Unknown additional attribute: {key}")
        if value not in known[key]:
            raise validation(f"Invalid value for {key}: {value}")
        merged[key] = value
    return [{"Key": k, "Value": v} for k, v in merged.items()]


# == ELBv2 (2015-12-01) ===================================================================


def check_v2_name(name: Any, noun: str) -> str:
    if not isinstance(name, str) or not name:
        raise validation(f"{noun} name cannot be empty")
    if len(name) > 32:
        raise validation(f"{noun} name cannot be longer than '32' characters")
    if not NAME.fullmatch(name):
        raise validation(
            f"{noun} name '{name}' can only contain characters that are alphanumeric "
            "characters or hyphens(-)"
        )
    if name.startswith("-") or name.endswith("-"):
        raise validation(f"{noun} name '{name}' cannot begin or end with '-' character")
    return name


def health_check(params: Params, protocol: str) -> Output:
    http = protocol in ("HTTP", "HTTPS")
    out: Output = dict(HTTP_HEALTH if http else TCP_HEALTH)
    out["HealthCheckProtocol"] = params.get("HealthCheckProtocol") or (protocol if http else "TCP")
    for key, low, high in (
        ("HealthCheckIntervalSeconds", 5, 300),
        ("HealthCheckTimeoutSeconds", 2, 120),
        ("HealthyThresholdCount", 2, 10),
        ("UnhealthyThresholdCount", 2, 10),
    ):
        if params.get(key) is not None:
            out[key] = integer(params[key], key[0].lower() + key[1:], low, high)
    if out["HealthCheckTimeoutSeconds"] >= out["HealthCheckIntervalSeconds"]:
        raise validation("Health check timeout must be smaller than the interval")
    if params.get("HealthCheckEnabled") is not None:
        out["HealthCheckEnabled"] = bool(params["HealthCheckEnabled"])
    port = params.get("HealthCheckPort")
    if port is not None:
        if port != "traffic-port" and not (str(port).isdigit() and 1 <= int(port) <= 65535):
            raise validation(f"Health check port '{port}' must be 'traffic-port' or a port")
        out["HealthCheckPort"] = str(port)
    if out["HealthCheckProtocol"] in ("HTTP", "HTTPS"):
        path = params.get("HealthCheckPath") or "/"
        if not isinstance(path, str) or not path.startswith("/"):
            raise validation("Health check path must begin with a '/' character")
        out["HealthCheckPath"] = path
        matcher = params.get("Matcher")
        code = matcher.get("HttpCode") if isinstance(matcher, Mapping) else None
        out["Matcher"] = {"HttpCode": str(code) if code else "200"}
    return out


def targets(group: Row[Any], value: Any) -> list[tuple[str, int]]:
    if not isinstance(value, list):
        raise validation("Targets must be a list")
    pairs: list[tuple[str, int]] = []
    for item in value:
        target_id = item.get("Id") if isinstance(item, Mapping) else None
        if not isinstance(target_id, str):
            raise validation("A target ID must be specified")
        if not INSTANCE_ID.fullmatch(target_id):
            raise validation(f"Instance ID '{target_id}' is not valid")
        port = item.get("Port")
        port = group.port if port is None else integer(port, "targets.member.port", 1, 65535)
        if (target_id, port) not in pairs:
            pairs.append((target_id, port))
    return pairs


def attribute_value(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise validation(f"Target group attribute '{key}' must have a value")
    if key in BOOLEAN_ATTRIBUTES:
        if value not in ("true", "false"):
            raise validation(f"'{value}' must be one of the following values: true, false")
        return value
    if key in SECONDS_ATTRIBUTES:
        low, high = SECONDS_ATTRIBUTES[key]
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise validation(f"'{key}' value must be an integer between {low} and {high}")
        return str(int(value))
    if key == "stickiness.type" and value not in ("lb_cookie", "app_cookie", "source_ip"):
        raise validation(
            f"'{value}' must be one of the following values: lb_cookie, app_cookie, source_ip"
        )
    if key == "load_balancing.algorithm.type" and value not in (
        "round_robin",
        "least_outstanding_requests",
        "weighted_random",
    ):
        raise validation(f"Load balancing algorithm '{value}' is not supported")
    return value


def forwarded(actions: Any) -> list[str]:
    if not isinstance(actions, list) or not actions:
        raise validation("A default action must be specified")
    arns: list[str] = []
    for action in actions:
        if not isinstance(action, Mapping):
            raise validation("A default action must be specified")
        kind = action.get("Type")
        if kind != "forward":
            if kind in ("redirect", "fixed-response"):
                continue
            raise validation(
                f"1 validation error detected: Value '{kind}' at "
                "'defaultActions.1.member.type' failed to satisfy constraint: Member must "
                "satisfy enum value set: [forward, redirect, fixed-response]"
            )
        found = [action.get("TargetGroupArn")]
        config = action.get("ForwardConfig")
        if isinstance(config, Mapping) and isinstance(config.get("TargetGroups"), list):
            found += [
                t.get("TargetGroupArn") for t in config["TargetGroups"] if isinstance(t, Mapping)
            ]
        named = [f for f in found if isinstance(f, str)]
        if not named or len(named) != len([f for f in found if f is not None]):
            raise validation("A target group ARN must be specified")
        arns += [f for f in named if f not in arns]
    return arns
