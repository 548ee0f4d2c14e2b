"""Load balancers, target groups and listeners out as model dicts, in botocore's names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from tidewater.cloud.sim import network
from tidewater.domain.scope import Cloud, Scope

Output = dict[str, Any]

# Route 53 zones of the load balancers' DNS names, as AWS publishes them; others are derived.
CLASSIC_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
}
NLB_ZONES = {
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-west-2": "Z18D5FSROUN65G",
    "eu-west-1": "Z2IFOLAFXWLO4F",
}


def classic_out(scope: Scope, row: Row[Any], instances: list[str]) -> Output:
    first_port = row.listeners[0]["InstancePort"] if row.listeners else 80
    return {
        "LoadBalancerName": row.name,
        "DNSName": row.dns_name,
        "CanonicalHostedZoneName": row.dns_name,
        "CanonicalHostedZoneNameID": CLASSIC_ZONES.get(
            row.region, "Z" + network.hex_id(row.region, length=13).upper()
        ),
        "ListenerDescriptions": [{"Listener": lst, "PolicyNames": []} for lst in row.listeners],
        "Policies": {
            "AppCookieStickinessPolicies": [],
            "LBCookieStickinessPolicies": [],
            "OtherPolicies": [],
        },
        "BackendServerDescriptions": [],
        "AvailabilityZones": list(row.zones),
        "Subnets": list(row.subnets),
        "VPCId": row.vpc_id,
        "Instances": [{"InstanceId": i} for i in instances],
        "HealthCheck": {
            "Target": f"TCP:{first_port}",
            "Interval": 30,
            "Timeout": 5,
            "UnhealthyThreshold": 2,
            "HealthyThreshold": 10,
        },
        "SourceSecurityGroup": {"OwnerAlias": scope.account, "GroupName": "default"},
        "SecurityGroups": list(row.security_groups),
        "CreatedTime": row.created_at,
        "Scheme": row.scheme,
    }


def lb_out(row: Row[Any]) -> Output:
    by_id = {s.id: s for s in network.default_subnets(Scope(row.account, row.region, Cloud.AWS))}
    zones = [
        {"ZoneName": by_id[s].zone, "SubnetId": s, "LoadBalancerAddresses": []}
        for s in row.subnets
        if s in by_id
    ]
    table = NLB_ZONES if row.type == "network" else CLASSIC_ZONES
    out: Output = {
        "LoadBalancerArn": row.arn,
        "DNSName": row.dns_name,
        "CanonicalHostedZoneId": table.get(
            row.region, "Z" + network.hex_id(row.type, row.region, length=13).upper()
        ),
        "CreatedTime": row.created_at,
        "LoadBalancerName": row.name,
        "Scheme": row.scheme,
        "VpcId": row.vpc_id,
        "State": {"Code": "active"},
        "Type": row.type,
        "AvailabilityZones": zones,
        "IpAddressType": row.settings.get("IpAddressType", "ipv4"),
    }
    if row.type == "application" or row.security_groups:
        out["SecurityGroups"] = list(row.security_groups)
    return out


def group_out(row: Row[Any], balancers: list[str]) -> Output:
    out: Output = {
        "TargetGroupArn": row.arn,
        "TargetGroupName": row.name,
        "TargetType": row.target_type,
        "LoadBalancerArns": list(balancers),
        **row.health_check,
    }
    if row.protocol is not None:
        out["Protocol"] = row.protocol
        out["Port"] = row.port
        out["VpcId"] = row.vpc_id
        out["IpAddressType"] = "ipv4"
        if row.protocol in ("HTTP", "HTTPS"):
            out["ProtocolVersion"] = row.settings.get("ProtocolVersion", "HTTP1")
    return out


def listener_out(row: Row[Any]) -> Output:
    return {
        "ListenerArn": row.arn,
        "LoadBalancerArn": row.load_balancer_arn,
        "Port": row.port,
        "Protocol": row.protocol,
        **row.data,
    }
