"""The simulated Elastic Load Balancing: Classic (2012-06-01) and ELBv2 (2015-12-01), persisted.

Operations take the parsed input dict of their botocore operation and return its output dict;
refusals are `BalancerFault`s with AWS's code and text. Health and draining are not timers that
fire: each registration stores when its health checks pass (`healthy_at`) and, once
deregistered, when its draining ends (`draining_until`), and every answer is computed from
`compute.clock.now()`. Rows whose draining has ended are ignored and purged on the next write.

Choices where AWS leaves room:

- Classic, connection draining enabled: a deregistered instance leaves the load balancer's
  `Instances` at once; until the timeout ends `DescribeInstanceHealth` still lists it as
  `OutOfService` / `ELB` / "Instance deregistration currently in progress.", then it is gone.
  Draining disabled: it is gone at once.
- ELBv2: `initial` (Elb.RegistrationInProgress) until the simulated health checks pass, then
  `healthy`; `draining` (Target.DeregistrationInProgress) for exactly
  `deregistration_delay.timeout_seconds`, then gone. A target group no listener forwards to
  reports its targets `unused` (Target.NotInUse). A target whose instance is not running is
  `unhealthy` (Target.FailedHealthChecks) once its initial checks are over.
- The engine port counts a registration still in its initial checks as healthy (Auto Scaling's
  grace period covers it); only a failed check makes `healthy()` False.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Table,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import SimCompute
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import (
    machines,
    sim_listeners,
    sim_load_balancers,
    sim_target_groups,
    sim_targets,
)

Params = Mapping[str, Any]
Output = dict[str, Any]


# -- faults -----------------------------------------------------------------------------------


class BalancerFault(Exception):
    """An ELB error code and exact message, decided in the sim so every caller words it alike."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _validation(message: str) -> BalancerFault:
    return BalancerFault("ValidationError", message)


def _no_active(name: str) -> BalancerFault:
    return BalancerFault("LoadBalancerNotFound", f"There is no ACTIVE Load Balancer named '{name}'")


def _tg_not_found(arn: str) -> BalancerFault:
    return BalancerFault("TargetGroupNotFound", f"Target groups '{arn}' not found")


def _lbs_not_found() -> BalancerFault:
    return BalancerFault("LoadBalancerNotFound", "One or more load balancers not found")


def _tgs_not_found() -> BalancerFault:
    return BalancerFault("TargetGroupNotFound", "One or more target groups not found")


def _refuse_nul(value: Any) -> None:
    """PostgreSQL text cannot hold NUL, so no request carrying one may reach a query."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _validation("Parameter values may not contain the NUL character.")
    elif isinstance(value, Mapping):
        for item in value.values():
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)


def _operation(
    method: Callable[[SimBalancers, Scope, Params], Output],
) -> Callable[[SimBalancers, Scope, Params], Output]:
    """Marks an API action and holds its whole input to what the store can keep."""

    @functools.wraps(method)
    def checked(self: SimBalancers, scope: Scope, params: Params) -> Output:
        _refuse_nul(params)
        return method(self, scope, params)

    return checked


def _quoted(ids: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)


# -- constants --------------------------------------------------------------------------------

CLASSIC_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "SSL")
NAME = re.compile(r"[a-zA-Z0-9-]+")
INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
DRAINING_TEXT = "Instance deregistration currently in progress."
PAGE_SIZE = 400
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
HTTP_HEALTH = {
    "HealthCheckEnabled": True,
    "HealthCheckPort": "traffic-port",
    "HealthCheckIntervalSeconds": 30,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 5,
    "UnhealthyThresholdCount": 2,
}
TCP_HEALTH = {**HTTP_HEALTH, "HealthCheckTimeoutSeconds": 10, "UnhealthyThresholdCount": 2}
HTTP_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": "300",
    "stickiness.enabled": "false",
    "stickiness.type": "lb_cookie",
    "stickiness.lb_cookie.duration_seconds": "86400",
    "stickiness.app_cookie.cookie_name": "",
    "stickiness.app_cookie.duration_seconds": "86400",
    "slow_start.duration_seconds": "0",
    "load_balancing.algorithm.type": "round_robin",
    "load_balancing.algorithm.anomaly_mitigation": "off",
    "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
}
TCP_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": "300",
    "deregistration_delay.connection_termination.enabled": "false",
    "stickiness.enabled": "false",
    "stickiness.type": "source_ip",
    "proxy_protocol_v2.enabled": "false",
    "preserve_client_ip.enabled": "true",
    "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
}
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
CLASSIC_ATTRIBUTES: Output = {
    "CrossZoneLoadBalancing": {"Enabled": False},
    "AccessLog": {"Enabled": False},
    "ConnectionDraining": {"Enabled": False, "Timeout": 300},
    "ConnectionSettings": {"IdleTimeout": 60},
    "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "defensive"}],
}


def _hex16() -> str:
    return secrets.token_hex(8)


def _digits(*parts: str) -> str:
    return str(int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16))[:10]


def _arn(scope: Scope, resource: str) -> str:
    return f"arn:aws:elasticloadbalancing:{scope.region}:{scope.account}:{resource}"


def _classic_arn(scope: Scope, name: str) -> str:
    return _arn(scope, f"loadbalancer/{name}")


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _validation("Expected a list of strings")
    return list(value)


def _instance_ids(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _validation("Instances must be a list")
    ids: list[str] = []
    for item in value:
        instance_id = item.get("InstanceId") if isinstance(item, Mapping) else None
        if not isinstance(instance_id, str):
            raise _validation(
                "Value null at 'instances.member.instanceId' failed to satisfy "
                "constraint: Member must not be null"
            )
        if instance_id not in ids:
            ids.append(instance_id)
    return ids


def _int(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _validation(
            f"1 validation error detected: Value '{value}' at '{name}' failed to satisfy "
            f"constraint: Member must have value between {low} and {high}"
        )
    return value


def _page_size(params: Params) -> int:
    size = params.get("PageSize")
    return PAGE_SIZE if size is None else _int(size, "pageSize", 1, PAGE_SIZE)


def _encode_marker(kind: str, name: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, name]).encode()).decode()


def _decode_marker(kind: str, marker: Any) -> str | None:
    if marker is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(marker).encode("ascii")))
    except (ValueError, UnicodeError) as error:
        raise _validation("Invalid Marker") from error
    if not isinstance(decoded, list) or len(decoded) != 2 or decoded[0] != kind:
        raise _validation("Invalid Marker")
    if not isinstance(decoded[1], str):
        raise _validation("Invalid Marker")
    return decoded[1]


def _page(rows: list[Row[Any]], size: int, kind: str) -> tuple[list[Row[Any]], str | None]:
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, _encode_marker(kind, rows[-1].name)


class SimBalancers:
    """Classic and ELBv2 load balancers of the simulated cloud, over the same machines."""

    def __init__(self, compute: SimCompute, health_check: float = 10.0) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.timing = compute.timing
        self.health_check = health_check  # seconds, scaled, until a new target passes its checks

    # -- shared -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now()

    @staticmethod
    def _scoped(table: Table, scope: Scope) -> list[Any]:
        return [table.c.account == scope.account, table.c.region == scope.region]

    def _purge(self, conn: Connection, now: datetime) -> None:
        conn.execute(
            delete(sim_targets).where(
                sim_targets.c.draining_until.is_not(None), sim_targets.c.draining_until <= now
            )
        )

    def _machines(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = conn.execute(
            select(machines.c.id, machines.c.state).where(
                machines.c.id.in_(list(ids)), *self._scoped(machines, scope)
            )
        ).all()
        return {row.id: row.state for row in rows}

    def _live_targets(
        self, conn: Connection, owner: str, now: datetime, *, draining: bool = True
    ) -> list[Row[Any]]:
        query = select(sim_targets).where(sim_targets.c.owner == owner)
        if draining:
            query = query.where(
                or_(sim_targets.c.draining_until.is_(None), sim_targets.c.draining_until > now)
            )
        else:
            query = query.where(sim_targets.c.draining_until.is_(None))
        return list(
            conn.execute(query.order_by(sim_targets.c.registered_at, sim_targets.c.instance_id))
        )

    def _register_rows(
        self,
        conn: Connection,
        scope: Scope,
        kind: str,
        owner: str,
        pairs: Sequence[tuple[str, int]],
    ) -> None:
        now = self._now()
        self._purge(conn, now)
        healthy_at = now + self.timing.delay(self.health_check)
        for instance_id, port in pairs:
            key = [
                sim_targets.c.owner == owner,
                sim_targets.c.instance_id == instance_id,
                sim_targets.c.port == port,
            ]
            row = conn.execute(select(sim_targets).where(*key)).first()
            if row is None:
                conn.execute(
                    insert(sim_targets).values(
                        owner=owner,
                        instance_id=instance_id,
                        port=port,
                        account=scope.account,
                        region=scope.region,
                        kind=kind,
                        registered_at=now,
                        healthy_at=healthy_at,
                        draining_until=None,
                    )
                )
            elif row.draining_until is not None:
                conn.execute(
                    update(sim_targets)
                    .where(*key)
                    .values(registered_at=now, healthy_at=healthy_at, draining_until=None)
                )

    def _deregister_rows(
        self,
        conn: Connection,
        owner: str,
        instance_ids: Sequence[str],
        seconds: float | None,
        ports: Sequence[int] | None = None,
    ) -> datetime | None:
        """Starts draining (or drops at once when `seconds` is None or 0); the latest end."""
        now = self._now()
        self._purge(conn, now)
        query = select(sim_targets).where(
            sim_targets.c.owner == owner, sim_targets.c.instance_id.in_(list(instance_ids))
        )
        rows = [r for r in conn.execute(query) if ports is None or r.port in ports]
        until = now + self.timing.delay(seconds) if seconds else None
        latest: datetime | None = None
        for row in rows:
            key = [
                sim_targets.c.owner == owner,
                sim_targets.c.instance_id == row.instance_id,
                sim_targets.c.port == row.port,
            ]
            if row.draining_until is not None:
                latest = max(latest or row.draining_until, row.draining_until)
            elif until is None:
                conn.execute(delete(sim_targets).where(*key))
            else:
                conn.execute(update(sim_targets).where(*key).values(draining_until=until))
                latest = max(latest or until, until)
        return latest

    # == Classic (2012-06-01) =================================================================

    def _classic(self, conn: Connection, scope: Scope, name: Any) -> Row[Any]:
        row = conn.execute(
            select(sim_load_balancers).where(
                *self._scoped(sim_load_balancers, scope),
                sim_load_balancers.c.family == "classic",
                sim_load_balancers.c.name == name,
            )
        ).first()
        if row is None:
            raise _no_active(str(name))
        return row

    @staticmethod
    def _check_classic_name(name: Any) -> str:
        if not isinstance(name, str) or not name:
            raise _validation("LoadBalancer name cannot be empty")
        if len(name) > 32:
            raise _validation("LoadBalancer name cannot be longer than 32 characters")
        if not NAME.fullmatch(name) or name.startswith("-") or name.endswith("-"):
            raise _validation(
                "LoadBalancer name cannot contain characters that are not letters, or digits "
                "or the dash."
            )
        return name

    @staticmethod
    def _classic_listeners(value: Any) -> list[Output]:
        if not isinstance(value, list):
            raise _validation("Listeners must be a list")
        listeners: list[Output] = []
        ports: set[int] = set()
        for item in value:
            if not isinstance(item, Mapping):
                raise _validation("Listeners must be a list")
            protocol = str(item.get("Protocol") or "").upper()
            if protocol not in CLASSIC_PROTOCOLS:
                raise _validation(f"Invalid LoadBalancer protocol: {item.get('Protocol')}")
            instance_protocol = str(item.get("InstanceProtocol") or protocol).upper()
            if instance_protocol not in CLASSIC_PROTOCOLS:
                raise _validation(f"Invalid Instance protocol: {item.get('InstanceProtocol')}")
            port = _int(item.get("LoadBalancerPort"), "loadBalancerPort", 1, 65535)
            instance_port = _int(item.get("InstancePort"), "instancePort", 1, 65535)
            if port in ports:
                raise BalancerFault(
                    "DuplicateListener", f"A listener already exists for port {port}"
                )
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
                    raise _validation("SSLCertificateId is required for HTTPS and SSL listeners")
                listener["SSLCertificateId"] = certificate
            listeners.append(listener)
        return listeners

    def _classic_placement(self, scope: Scope, params: Params) -> tuple[list[str], list[str]]:
        zones = _text_list(params.get("AvailabilityZones"))
        subnet_ids = _text_list(params.get("Subnets"))
        defaults = {s.id: s for s in network.default_subnets(scope)}
        if zones and subnet_ids:
            raise _validation("Only one of SubnetIds or AvailabilityZones may be specified")
        if subnet_ids:
            for subnet_id in subnet_ids:
                if subnet_id not in defaults:
                    raise BalancerFault("SubnetNotFound", "One or more subnets could not be found.")
            subnet_ids = list(dict.fromkeys(subnet_ids))
            return [defaults[s].zone for s in subnet_ids], subnet_ids
        if not zones:
            raise _validation("Either AvailabilityZones or SubnetIds must be specified")
        by_zone = {s.zone: s.id for s in defaults.values()}
        for zone in zones:
            if zone not in by_zone:
                raise _validation(f"Invalid Availability Zone: {zone}")
        zones = list(dict.fromkeys(zones))
        return zones, [by_zone[z] for z in zones]

    @_operation
    def clb_create_load_balancer(self, scope: Scope, params: Params) -> Output:
        name = self._check_classic_name(params.get("LoadBalancerName"))
        listeners = self._classic_listeners(params.get("Listeners"))
        zones, subnets = self._classic_placement(scope, params)
        scheme = params.get("Scheme") or "internet-facing"
        if scheme not in ("internet-facing", "internal"):
            raise _validation(f"Invalid value for scheme: {scheme}")
        groups = _text_list(params.get("SecurityGroups")) or [network.default_security_group(scope)]
        settings = {
            "Listeners": listeners,
            "Zones": sorted(zones),
            "Scheme": scheme,
            "SecurityGroups": sorted(groups),
        }
        prefix = "internal-" if scheme == "internal" else ""
        dns = f"{prefix}{name}-{_digits(scope.account, scope.region, name)}"
        dns += f".{scope.region}.elb.amazonaws.com"
        with self.db.write() as conn:
            existing = conn.execute(
                select(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "classic",
                    sim_load_balancers.c.name == name,
                )
            ).first()
            if existing is not None:
                if existing.settings != json.loads(json.dumps(settings)):
                    raise BalancerFault(
                        "DuplicateLoadBalancerName",
                        f"Load Balancer named {name} already exists and it is configured "
                        "with different parameters.",
                    )
                return {"DNSName": existing.dns_name}
            conn.execute(
                insert(sim_load_balancers).values(
                    arn=_classic_arn(scope, name),
                    account=scope.account,
                    region=scope.region,
                    family="classic",
                    name=name,
                    type="classic",
                    scheme=scheme,
                    dns_name=dns,
                    vpc_id=network.default_vpc(scope),
                    zones=zones,
                    subnets=subnets,
                    security_groups=groups,
                    listeners=listeners,
                    settings=settings,
                    attributes=CLASSIC_ATTRIBUTES,
                    created_at=self._now(),
                )
            )
        return {"DNSName": dns}

    def _classic_out(self, scope: Scope, row: Row[Any], instances: list[str]) -> Output:
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

    @_operation
    def clb_describe_load_balancers(self, scope: Scope, params: Params) -> Output:
        names = list(dict.fromkeys(_text_list(params.get("LoadBalancerNames"))))
        size = _page_size(params)
        after = _decode_marker("clb", params.get("Marker"))
        with self.db.read() as conn:
            query = select(sim_load_balancers).where(
                *self._scoped(sim_load_balancers, scope),
                sim_load_balancers.c.family == "classic",
            )
            if names:
                found = set(
                    conn.execute(
                        select(sim_load_balancers.c.name).where(
                            *self._scoped(sim_load_balancers, scope),
                            sim_load_balancers.c.family == "classic",
                            sim_load_balancers.c.name.in_(names),
                        )
                    ).scalars()
                )
                for name in names:
                    if name not in found:
                        raise BalancerFault(
                            "LoadBalancerNotFound", f"Cannot find Load Balancer {name}"
                        )
                query = query.where(sim_load_balancers.c.name.in_(names))
            if after is not None:
                query = query.where(sim_load_balancers.c.name > after)
            rows = list(conn.execute(query.order_by(sim_load_balancers.c.name).limit(size + 1)))
            rows, marker = _page(rows, size, "clb")
            instances: dict[str, list[str]] = {row.arn: [] for row in rows}
            if rows:
                for target in conn.execute(
                    select(sim_targets.c.owner, sim_targets.c.instance_id)
                    .where(
                        sim_targets.c.owner.in_(list(instances)),
                        sim_targets.c.draining_until.is_(None),
                    )
                    .order_by(sim_targets.c.registered_at, sim_targets.c.instance_id)
                ):
                    instances[target.owner].append(target.instance_id)
        out: Output = {
            "LoadBalancerDescriptions": [
                self._classic_out(scope, row, instances[row.arn]) for row in rows
            ]
        }
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @_operation
    def clb_delete_load_balancer(self, scope: Scope, params: Params) -> Output:
        name = params.get("LoadBalancerName")
        if not isinstance(name, str):
            raise _validation("LoadBalancerName is required")
        with self.db.write() as conn:
            arn = _classic_arn(scope, name)
            conn.execute(
                delete(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "classic",
                    sim_load_balancers.c.name == name,
                )
            )
            conn.execute(delete(sim_targets).where(sim_targets.c.owner == arn))
        return {}

    def _check_classic_instances(
        self, conn: Connection, scope: Scope, ids: Sequence[str], *, running: bool
    ) -> None:
        states = self._machines(conn, scope, ids)
        for instance_id in ids:
            state = states.get(instance_id)
            if state is None or state == "terminated":
                raise BalancerFault(
                    "InvalidInstance", f"Could not find EC2 instance {instance_id}."
                )
            if running and state != "running":
                raise BalancerFault(
                    "InvalidInstance", f"EC2 instance {instance_id} is not in running state."
                )

    @_operation
    def clb_register_instances_with_load_balancer(self, scope: Scope, params: Params) -> Output:
        ids = _instance_ids(params.get("Instances"))
        with self.db.write() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            self._check_classic_instances(conn, scope, ids, running=True)
            self._register_rows(conn, scope, "clb", row.arn, [(i, 0) for i in ids])
            live = self._live_targets(conn, row.arn, self._now(), draining=False)
        return {"Instances": [{"InstanceId": t.instance_id} for t in live]}

    @_operation
    def clb_deregister_instances_from_load_balancer(self, scope: Scope, params: Params) -> Output:
        ids = _instance_ids(params.get("Instances"))
        with self.db.write() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            self._check_classic_instances(conn, scope, ids, running=False)
            self._deregister_rows(conn, row.arn, ids, self._classic_drain(row))
            live = self._live_targets(conn, row.arn, self._now(), draining=False)
        return {"Instances": [{"InstanceId": t.instance_id} for t in live]}

    @staticmethod
    def _classic_drain(row: Row[Any]) -> float | None:
        draining = row.attributes.get("ConnectionDraining") or {}
        return float(draining.get("Timeout", 300)) if draining.get("Enabled") else None

    def _classic_state(self, target: Row[Any], state: str | None, now: datetime) -> Output:
        if target.draining_until is not None:
            return {"State": "OutOfService", "ReasonCode": "ELB", "Description": DRAINING_TEXT}
        if state in ("stopped", "stopping"):
            return {
                "State": "OutOfService",
                "ReasonCode": "Instance",
                "Description": "Instance is in stopped state.",
            }
        if state in (None, "shutting-down", "terminated"):
            return {
                "State": "OutOfService",
                "ReasonCode": "Instance",
                "Description": "Instance is in terminated state.",
            }
        if now < target.healthy_at:
            return {
                "State": "OutOfService",
                "ReasonCode": "ELB",
                "Description": "Instance registration is still in progress.",
            }
        if state != "running":
            return {
                "State": "OutOfService",
                "ReasonCode": "Instance",
                "Description": "Instance has failed at least the UnhealthyThreshold number "
                "of health checks consecutively.",
            }
        return {"State": "InService", "ReasonCode": "N/A", "Description": "N/A"}

    @_operation
    def clb_describe_instance_health(self, scope: Scope, params: Params) -> Output:
        ids = _instance_ids(params.get("Instances"))
        now = self._now()
        with self.db.read() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            if ids:
                self._check_classic_instances(conn, scope, ids, running=False)
            targets = {t.instance_id: t for t in self._live_targets(conn, row.arn, now)}
            wanted = ids or list(targets)
            states = self._machines(conn, scope, wanted)
        out: list[Output] = []
        for instance_id in wanted:
            target = targets.get(instance_id)
            if target is None:
                health = {
                    "State": "OutOfService",
                    "ReasonCode": "N/A",
                    "Description": "Instance is not currently registered with the LoadBalancer.",
                }
            else:
                health = self._classic_state(target, states.get(instance_id), now)
            out.append({"InstanceId": instance_id, **health})
        return {"InstanceStates": out}

    @_operation
    def clb_describe_load_balancer_attributes(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
        return {"LoadBalancerAttributes": dict(row.attributes)}

    @_operation
    def clb_modify_load_balancer_attributes(self, scope: Scope, params: Params) -> Output:
        changes = params.get("LoadBalancerAttributes")
        if not isinstance(changes, Mapping):
            raise _validation("LoadBalancerAttributes is required")
        with self.db.write() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            attributes: Output = json.loads(json.dumps(row.attributes))
            for key in ("CrossZoneLoadBalancing", "AccessLog", "ConnectionDraining"):
                change = changes.get(key)
                if change is None:
                    continue
                if not isinstance(change, Mapping) or not isinstance(change.get("Enabled"), bool):
                    raise _validation(f"{key}.Enabled is required")
                attributes[key] = self._classic_attribute(key, change)
            settings = changes.get("ConnectionSettings")
            if settings is not None:
                idle = settings.get("IdleTimeout") if isinstance(settings, Mapping) else None
                attributes["ConnectionSettings"] = {
                    "IdleTimeout": _int(idle, "connectionSettings.idleTimeout", 1, 3600)
                }
            extra = changes.get("AdditionalAttributes")
            if extra is not None:
                attributes["AdditionalAttributes"] = self._additional(
                    attributes["AdditionalAttributes"], extra
                )
            conn.execute(
                update(sim_load_balancers)
                .where(sim_load_balancers.c.arn == row.arn)
                .values(attributes=attributes)
            )
        return {"LoadBalancerName": row.name, "LoadBalancerAttributes": attributes}

    @staticmethod
    def _classic_attribute(key: str, change: Mapping[str, Any]) -> Output:
        enabled = bool(change["Enabled"])
        if key == "ConnectionDraining":
            timeout = change.get("Timeout", 300)
            return {
                "Enabled": enabled,
                "Timeout": _int(timeout, "connectionDraining.timeout", 1, 3600),
            }
        if key == "AccessLog" and enabled:
            bucket = change.get("S3BucketName")
            if not isinstance(bucket, str) or not bucket:
                raise _validation("S3BucketName is required when access logs are enabled")
            out: Output = {"Enabled": True, "S3BucketName": bucket}
            out["EmitInterval"] = change.get("EmitInterval", 60)
            if out["EmitInterval"] not in (5, 60):
                raise _validation("EmitInterval must be 5 or 60")
            out["S3BucketPrefix"] = str(change.get("S3BucketPrefix") or "")
            return out
        return {"Enabled": enabled}

    @staticmethod
    def _additional(current: list[Output], extra: Any) -> list[Output]:
        known = {"elb.http.desyncmitigationmode": ("monitor", "defensive", "strictest")}
        merged = {a["Key"]: a["Value"] for a in current}
        if not isinstance(extra, list):
            raise _validation("AdditionalAttributes must be a list")
        for item in extra:
            key = item.get("Key") if isinstance(item, Mapping) else None
            value = item.get("Value") if isinstance(item, Mapping) else None
            if key not in known:
                raise _validation(f"Unknown additional attribute: {key}")
            if value not in known[key]:
                raise _validation(f"Invalid value for {key}: {value}")
            merged[key] = value
        return [{"Key": k, "Value": v} for k, v in merged.items()]

    # == ELBv2 (2015-12-01) ===================================================================

    @staticmethod
    def _check_v2_name(name: Any, noun: str) -> str:
        if not isinstance(name, str) or not name:
            raise _validation(f"{noun} name cannot be empty")
        if len(name) > 32:
            raise _validation(f"{noun} name cannot be longer than '32' characters")
        if not NAME.fullmatch(name):
            raise _validation(
                f"{noun} name '{name}' can only contain characters that are alphanumeric "
                "characters or hyphens(-)"
            )
        if name.startswith("-") or name.endswith("-"):
            raise _validation(f"{noun} name '{name}' cannot begin or end with '-' character")
        return name

    def _v2_subnets(self, scope: Scope, params: Params, kind: str) -> list[Any]:
        ids = _text_list(params.get("Subnets"))
        mappings = params.get("SubnetMappings")
        if mappings is not None:
            if ids:
                raise _validation("You can specify subnets or subnet mappings, not both")
            if not isinstance(mappings, list):
                raise _validation("SubnetMappings must be a list")
            given = [m.get("SubnetId") for m in mappings if isinstance(m, Mapping)]
            ids = [i for i in given if isinstance(i, str)]
            if len(ids) != len(mappings):
                raise _validation("A subnet ID must be specified for each subnet mapping")
        defaults = {s.id: s for s in network.default_subnets(scope)}
        if not ids:
            return list(defaults.values())
        for subnet_id in ids:
            if subnet_id not in defaults:
                raise BalancerFault("SubnetNotFound", f"The subnet ID '{subnet_id}' is not valid")
        subnets = [defaults[i] for i in dict.fromkeys(ids)]
        zones = {s.zone for s in subnets}
        if len(zones) != len(subnets):
            raise _validation("You cannot specify multiple subnets in the same Availability Zone")
        if kind == "application" and len(subnets) < 2:
            raise _validation(
                "At least two subnets in two different Availability Zones must be specified"
            )
        return subnets

    def _lb_out(self, row: Row[Any]) -> Output:
        by_id = {
            s.id: s for s in network.default_subnets(Scope(row.account, row.region, Cloud.AWS))
        }
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

    @_operation
    def elbv2_create_load_balancer(self, scope: Scope, params: Params) -> Output:
        name = self._check_v2_name(params.get("Name"), "Load balancer")
        if name.lower().startswith("internal-"):
            raise _validation("Load balancer name cannot start with 'internal-'")
        kind = params.get("Type") or "application"
        if kind not in ("application", "network"):
            raise _validation(f"Load balancer type '{kind}' is not supported")
        scheme = params.get("Scheme") or "internet-facing"
        if scheme not in ("internet-facing", "internal"):
            raise _validation(f"Invalid scheme '{scheme}'")
        address = params.get("IpAddressType") or "ipv4"
        if address not in ("ipv4", "dualstack", "dualstack-without-public-ipv4"):
            raise _validation(f"Invalid IP address type '{address}'")
        subnets = self._v2_subnets(scope, params, kind)
        groups = _text_list(params.get("SecurityGroups"))
        if kind == "application" and not groups:
            groups = [network.default_security_group(scope)]
        settings = {
            "Type": kind,
            "Scheme": scheme,
            "IpAddressType": address,
            "Subnets": sorted(s.id for s in subnets),
            "SecurityGroups": sorted(groups),
        }
        with self.db.write() as conn:
            existing = conn.execute(
                select(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "v2",
                    sim_load_balancers.c.name == name,
                )
            ).first()
            if existing is not None:
                if existing.settings != settings:
                    raise BalancerFault(
                        "DuplicateLoadBalancerName",
                        f"A load balancer with the same name '{name}' exists, but with "
                        "different settings",
                    )
                return {"LoadBalancers": [self._lb_out(existing)]}
            short = "app" if kind == "application" else "net"
            suffix = _hex16()
            prefix = "internal-" if scheme == "internal" else ""
            if kind == "application":
                dns = f"{prefix}{name}-{_digits(suffix)}.{scope.region}.elb.amazonaws.com"
            else:
                dns = f"{name}-{suffix}.elb.{scope.region}.amazonaws.com"
            conn.execute(
                insert(sim_load_balancers).values(
                    arn=_arn(scope, f"loadbalancer/{short}/{name}/{suffix}"),
                    account=scope.account,
                    region=scope.region,
                    family="v2",
                    name=name,
                    type=kind,
                    scheme=scheme,
                    dns_name=dns,
                    vpc_id=subnets[0].vpc_id,
                    zones=[s.zone for s in subnets],
                    subnets=[s.id for s in subnets],
                    security_groups=groups,
                    listeners=[],
                    settings=settings,
                    attributes={},
                    created_at=self._now(),
                )
            )
            row = conn.execute(
                select(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "v2",
                    sim_load_balancers.c.name == name,
                )
            ).one()
        return {"LoadBalancers": [self._lb_out(row)]}

    @_operation
    def elbv2_describe_load_balancers(self, scope: Scope, params: Params) -> Output:
        arns = list(dict.fromkeys(_text_list(params.get("LoadBalancerArns"))))
        names = list(dict.fromkeys(_text_list(params.get("Names"))))
        if arns and names:
            raise _validation(
                "Load balancer names and load balancer ARNs cannot be specified at the same time"
            )
        size = _page_size(params)
        after = _decode_marker("lb", params.get("Marker"))
        with self.db.read() as conn:
            query = select(sim_load_balancers).where(
                *self._scoped(sim_load_balancers, scope), sim_load_balancers.c.family == "v2"
            )
            if arns:
                query = query.where(sim_load_balancers.c.arn.in_(arns))
                found = {r.arn for r in conn.execute(query)}
                if any(a not in found for a in arns):
                    raise _lbs_not_found()
            if names:
                query = query.where(sim_load_balancers.c.name.in_(names))
                found = {r.name for r in conn.execute(query)}
                missing = [n for n in names if n not in found]
                if missing:
                    raise BalancerFault(
                        "LoadBalancerNotFound",
                        f"Load balancers '[{', '.join(missing)}]' not found",
                    )
            if after is not None:
                query = query.where(sim_load_balancers.c.name > after)
            rows = list(conn.execute(query.order_by(sim_load_balancers.c.name).limit(size + 1)))
        rows, marker = _page(rows, size, "lb")
        out: Output = {"LoadBalancers": [self._lb_out(r) for r in rows]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @_operation
    def elbv2_delete_load_balancer(self, scope: Scope, params: Params) -> Output:
        arn = params.get("LoadBalancerArn")
        if not isinstance(arn, str):
            raise _validation("A load balancer ARN must be specified")
        with self.db.write() as conn:
            conn.execute(
                delete(sim_listeners).where(
                    *self._scoped(sim_listeners, scope), sim_listeners.c.load_balancer_arn == arn
                )
            )
            conn.execute(
                delete(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "v2",
                    sim_load_balancers.c.arn == arn,
                )
            )
        return {}

    # -- target groups ---------------------------------------------------------------------

    def _group(self, conn: Connection, scope: Scope, arn: Any) -> Row[Any]:
        row = None
        if isinstance(arn, str):
            row = conn.execute(
                select(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == arn
                )
            ).first()
        if row is None:
            raise _tg_not_found(str(arn))
        return row

    def _group_balancers(self, conn: Connection, scope: Scope) -> dict[str, list[str]]:
        """Target group ARN → the load balancers whose listeners forward to it."""
        out: dict[str, list[str]] = {}
        for row in conn.execute(
            select(sim_listeners.c.load_balancer_arn, sim_listeners.c.target_groups)
            .where(*self._scoped(sim_listeners, scope))
            .order_by(sim_listeners.c.created_at, sim_listeners.c.arn)
        ):
            for arn in row.target_groups:
                balancers = out.setdefault(arn, [])
                if row.load_balancer_arn not in balancers:
                    balancers.append(row.load_balancer_arn)
        return out

    @staticmethod
    def _group_out(row: Row[Any], balancers: list[str]) -> Output:
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

    def _health_check(self, params: Params, protocol: str) -> Output:
        http = protocol in ("HTTP", "HTTPS")
        out: Output = dict(HTTP_HEALTH if http else TCP_HEALTH)
        out["HealthCheckProtocol"] = params.get("HealthCheckProtocol") or (
            protocol if http else "TCP"
        )
        for key, low, high in (
            ("HealthCheckIntervalSeconds", 5, 300),
            ("HealthCheckTimeoutSeconds", 2, 120),
            ("HealthyThresholdCount", 2, 10),
            ("UnhealthyThresholdCount", 2, 10),
        ):
            if params.get(key) is not None:
                out[key] = _int(params[key], key[0].lower() + key[1:], low, high)
        if out["HealthCheckTimeoutSeconds"] >= out["HealthCheckIntervalSeconds"]:
            raise _validation("Health check timeout must be smaller than the interval")
        if params.get("HealthCheckEnabled") is not None:
            out["HealthCheckEnabled"] = bool(params["HealthCheckEnabled"])
        port = params.get("HealthCheckPort")
        if port is not None:
            if port != "traffic-port" and not (str(port).isdigit() and 1 <= int(port) <= 65535):
                raise _validation(f"Health check port '{port}' must be 'traffic-port' or a port")
            out["HealthCheckPort"] = str(port)
        if out["HealthCheckProtocol"] in ("HTTP", "HTTPS"):
            path = params.get("HealthCheckPath") or "/"
            if not isinstance(path, str) or not path.startswith("/"):
                raise _validation("Health check path must begin with a '/' character")
            out["HealthCheckPath"] = path
            matcher = params.get("Matcher")
            code = matcher.get("HttpCode") if isinstance(matcher, Mapping) else None
            out["Matcher"] = {"HttpCode": str(code) if code else "200"}
        return out

    @_operation
    def elbv2_create_target_group(self, scope: Scope, params: Params) -> Output:
        name = self._check_v2_name(params.get("Name"), "Target group")
        target_type = params.get("TargetType") or "instance"
        if target_type != "instance":
            raise _validation(f"Target type '{target_type}' is not supported")
        protocol = params.get("Protocol")
        if protocol is None:
            raise _validation("A protocol must be specified")
        if protocol not in ("HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"):
            raise _validation(f"Protocol '{protocol}' is not supported")
        if params.get("Port") is None:
            raise _validation("A port must be specified")
        port = _int(params.get("Port"), "port", 1, 65535)
        vpc = params.get("VpcId") or network.default_vpc(scope)
        if not isinstance(vpc, str) or not re.fullmatch(r"vpc-[0-9a-f]{8,17}", vpc):
            raise _validation(f"The VPC ID '{vpc}' is not found")
        health = self._health_check(params, protocol)
        version = params.get("ProtocolVersion") or "HTTP1"
        settings = {
            "Protocol": protocol,
            "Port": port,
            "VpcId": vpc,
            "ProtocolVersion": version,
            "HealthCheck": health,
        }
        attributes = dict(HTTP_ATTRIBUTES if protocol in ("HTTP", "HTTPS") else TCP_ATTRIBUTES)
        with self.db.write() as conn:
            existing = conn.execute(
                select(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.name == name
                )
            ).first()
            if existing is None:
                arn = _arn(scope, f"targetgroup/{name}/{_hex16()}")
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(sim_target_groups).values(
                                arn=arn,
                                account=scope.account,
                                region=scope.region,
                                name=name,
                                protocol=protocol,
                                port=port,
                                vpc_id=vpc,
                                target_type=target_type,
                                health_check=health,
                                settings=settings,
                                attributes=attributes,
                                created_at=self._now(),
                            )
                        )
                except IntegrityError:  # pragma: no cover - a concurrent create won
                    pass
                existing = self._group(conn, scope, arn)
            elif existing.settings != settings:
                raise BalancerFault(
                    "DuplicateTargetGroupName",
                    f"A target group with the same name '{name}' exists, but with different "
                    "settings",
                )
            balancers = self._group_balancers(conn, scope).get(existing.arn, [])
        return {"TargetGroups": [self._group_out(existing, balancers)]}

    @_operation
    def elbv2_describe_target_groups(self, scope: Scope, params: Params) -> Output:
        arns = list(dict.fromkeys(_text_list(params.get("TargetGroupArns"))))
        names = list(dict.fromkeys(_text_list(params.get("Names"))))
        balancer = params.get("LoadBalancerArn")
        if sum(bool(x) for x in (arns, names, balancer)) > 1:
            raise _validation(
                "Target group names, target group ARNs, and a load balancer ARN cannot be "
                "specified at the same time"
            )
        size = _page_size(params)
        after = _decode_marker("tg", params.get("Marker"))
        with self.db.read() as conn:
            balancers = self._group_balancers(conn, scope)
            query = select(sim_target_groups).where(*self._scoped(sim_target_groups, scope))
            if balancer is not None:
                exists = conn.execute(
                    select(sim_load_balancers.c.arn).where(
                        *self._scoped(sim_load_balancers, scope),
                        sim_load_balancers.c.family == "v2",
                        sim_load_balancers.c.arn == balancer,
                    )
                ).first()
                if exists is None:
                    raise _lbs_not_found()
                attached = [arn for arn, lbs in balancers.items() if balancer in lbs]
                query = query.where(sim_target_groups.c.arn.in_(attached))
            if arns or names:
                column = sim_target_groups.c.arn if arns else sim_target_groups.c.name
                wanted = arns or names
                query = query.where(column.in_(wanted))
                found = {r._mapping[column.name] for r in conn.execute(query)}
                if any(w not in found for w in wanted):
                    raise _tgs_not_found()
            if after is not None:
                query = query.where(sim_target_groups.c.name > after)
            rows = list(conn.execute(query.order_by(sim_target_groups.c.name).limit(size + 1)))
        rows, marker = _page(rows, size, "tg")
        out: Output = {"TargetGroups": [self._group_out(r, balancers.get(r.arn, [])) for r in rows]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @_operation
    def elbv2_delete_target_group(self, scope: Scope, params: Params) -> Output:
        arn = params.get("TargetGroupArn")
        if not isinstance(arn, str):
            raise _validation("A target group ARN must be specified")
        with self.db.write() as conn:
            if arn in self._group_balancers(conn, scope):
                raise BalancerFault(
                    "ResourceInUse",
                    f"Target group '{arn}' is currently in use by a listener or a rule",
                )
            conn.execute(
                delete(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == arn
                )
            )
            conn.execute(
                delete(sim_targets).where(
                    *self._scoped(sim_targets, scope), sim_targets.c.owner == arn
                )
            )
        return {}

    # -- targets -------------------------------------------------------------------------------

    @staticmethod
    def _targets(group: Row[Any], value: Any) -> list[tuple[str, int]]:
        if not isinstance(value, list):
            raise _validation("Targets must be a list")
        pairs: list[tuple[str, int]] = []
        for item in value:
            target_id = item.get("Id") if isinstance(item, Mapping) else None
            if not isinstance(target_id, str):
                raise _validation("A target ID must be specified")
            if not INSTANCE_ID.fullmatch(target_id):
                raise _validation(f"Instance ID '{target_id}' is not valid")
            port = item.get("Port")
            port = group.port if port is None else _int(port, "targets.member.port", 1, 65535)
            if (target_id, port) not in pairs:
                pairs.append((target_id, port))
        return pairs

    def _check_targets(
        self, conn: Connection, scope: Scope, group: Row[Any], ids: Sequence[str]
    ) -> None:
        rows = {
            r.id: r
            for r in conn.execute(
                select(machines.c.id, machines.c.state, machines.c.vpc_id).where(
                    machines.c.id.in_(list(ids)), *self._scoped(machines, scope)
                )
            )
        }
        unknown = [i for i in ids if i not in rows or rows[i].state == "terminated"]
        if unknown:
            raise BalancerFault(
                "InvalidTarget",
                f"The following targets are not valid instances: {_quoted(unknown)}",
            )
        idle = [i for i in ids if rows[i].state != "running"]
        if idle:
            raise BalancerFault(
                "InvalidTarget",
                "The following targets are not in a running state and cannot be registered: "
                + _quoted(idle),
            )
        elsewhere = [i for i in ids if rows[i].vpc_id != group.vpc_id]
        if elsewhere:
            raise BalancerFault(
                "InvalidTarget",
                f"The following targets are not in the target group VPC '{group.vpc_id}': "
                + _quoted(elsewhere),
            )

    @_operation
    def elbv2_register_targets(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            pairs = self._targets(group, params.get("Targets"))
            self._check_targets(conn, scope, group, list(dict.fromkeys(i for i, _ in pairs)))
            self._register_rows(conn, scope, "target_group", group.arn, pairs)
        return {}

    @_operation
    def elbv2_deregister_targets(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            pairs = self._targets(group, params.get("Targets"))
            for instance_id, port in pairs:
                self._deregister_rows(
                    conn, group.arn, [instance_id], self._group_drain(group), [port]
                )
        return {}

    @staticmethod
    def _group_drain(group: Row[Any]) -> float:
        return float(group.attributes.get("deregistration_delay.timeout_seconds", "300"))

    def _target_health(
        self, target: Row[Any] | None, state: str | None, in_use: bool, now: datetime
    ) -> Output:
        if target is None:
            return {
                "State": "unused",
                "Reason": "Target.NotRegistered",
                "Description": "Target is not registered to the target group",
            }
        if target.draining_until is not None:
            return {
                "State": "draining",
                "Reason": "Target.DeregistrationInProgress",
                "Description": "Target deregistration is in progress",
            }
        if not in_use:
            return {
                "State": "unused",
                "Reason": "Target.NotInUse",
                "Description": "Target group is not configured to receive traffic from the "
                "load balancer",
            }
        if now < target.healthy_at:
            return {
                "State": "initial",
                "Reason": "Elb.RegistrationInProgress",
                "Description": "Target registration is in progress",
            }
        if state != "running":
            return {
                "State": "unhealthy",
                "Reason": "Target.FailedHealthChecks",
                "Description": "Health checks failed",
            }
        return {"State": "healthy"}

    @_operation
    def elbv2_describe_target_health(self, scope: Scope, params: Params) -> Output:
        now = self._now()
        with self.db.read() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            live = self._live_targets(conn, group.arn, now)
            asked = params.get("Targets")
            if asked:
                pairs = self._targets(group, asked)
                known = self._machines(conn, scope, [i for i, _ in pairs])
                unknown = [i for i, _ in pairs if i not in known]
                if unknown:
                    raise BalancerFault(
                        "InvalidTarget",
                        f"The following targets are not valid instances: {_quoted(unknown)}",
                    )
            else:
                pairs = [(t.instance_id, t.port) for t in live]
            by_key = {(t.instance_id, t.port): t for t in live}
            states = self._machines(conn, scope, [i for i, _ in pairs])
            in_use = group.arn in self._group_balancers(conn, scope)
        out: list[Output] = []
        for instance_id, port in pairs:
            check_port = group.health_check.get("HealthCheckPort", "traffic-port")
            out.append(
                {
                    "Target": {"Id": instance_id, "Port": port},
                    "HealthCheckPort": str(port) if check_port == "traffic-port" else check_port,
                    "TargetHealth": self._target_health(
                        by_key.get((instance_id, port)), states.get(instance_id), in_use, now
                    ),
                }
            )
        return {"TargetHealthDescriptions": out}

    @_operation
    def elbv2_describe_target_group_attributes(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
        return {"Attributes": [{"Key": k, "Value": v} for k, v in group.attributes.items()]}

    @_operation
    def elbv2_modify_target_group_attributes(self, scope: Scope, params: Params) -> Output:
        changes = params.get("Attributes")
        if not isinstance(changes, list) or not changes:
            raise _validation("At least one attribute must be specified")
        with self.db.write() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            attributes = dict(group.attributes)
            for item in changes:
                key = item.get("Key") if isinstance(item, Mapping) else None
                value = item.get("Value") if isinstance(item, Mapping) else None
                if not isinstance(key, str) or key not in attributes:
                    raise _validation(f"Target group attribute key '{key}' is not recognized")
                attributes[key] = self._attribute_value(key, value)
            conn.execute(
                update(sim_target_groups)
                .where(sim_target_groups.c.arn == group.arn)
                .values(attributes=attributes)
            )
        return {"Attributes": [{"Key": k, "Value": v} for k, v in attributes.items()]}

    @staticmethod
    def _attribute_value(key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise _validation(f"Target group attribute '{key}' must have a value")
        if key in BOOLEAN_ATTRIBUTES:
            if value not in ("true", "false"):
                raise _validation(f"'{value}' must be one of the following values: true, false")
            return value
        if key in SECONDS_ATTRIBUTES:
            low, high = SECONDS_ATTRIBUTES[key]
            if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
                raise _validation(f"'{key}' value must be an integer between {low} and {high}")
            return str(int(value))
        if key == "stickiness.type" and value not in ("lb_cookie", "app_cookie", "source_ip"):
            raise _validation(
                f"'{value}' must be one of the following values: lb_cookie, app_cookie, source_ip"
            )
        if key == "load_balancing.algorithm.type" and value not in (
            "round_robin",
            "least_outstanding_requests",
            "weighted_random",
        ):
            raise _validation(f"Load balancing algorithm '{value}' is not supported")
        return value

    # -- listeners -----------------------------------------------------------------------------

    @staticmethod
    def _forwarded(actions: Any) -> list[str]:
        if not isinstance(actions, list) or not actions:
            raise _validation("A default action must be specified")
        arns: list[str] = []
        for action in actions:
            if not isinstance(action, Mapping):
                raise _validation("A default action must be specified")
            kind = action.get("Type")
            if kind != "forward":
                if kind in ("redirect", "fixed-response"):
                    continue
                raise _validation(
                    f"1 validation error detected: Value '{kind}' at "
                    "'defaultActions.1.member.type' failed to satisfy constraint: Member must "
                    "satisfy enum value set: [forward, redirect, fixed-response]"
                )
            found = [action.get("TargetGroupArn")]
            config = action.get("ForwardConfig")
            if isinstance(config, Mapping) and isinstance(config.get("TargetGroups"), list):
                found += [
                    t.get("TargetGroupArn")
                    for t in config["TargetGroups"]
                    if isinstance(t, Mapping)
                ]
            named = [f for f in found if isinstance(f, str)]
            if not named or len(named) != len([f for f in found if f is not None]):
                raise _validation("A target group ARN must be specified")
            arns += [f for f in named if f not in arns]
        return arns

    @staticmethod
    def _listener_out(row: Row[Any]) -> Output:
        return {
            "ListenerArn": row.arn,
            "LoadBalancerArn": row.load_balancer_arn,
            "Port": row.port,
            "Protocol": row.protocol,
            **row.data,
        }

    @_operation
    def elbv2_create_listener(self, scope: Scope, params: Params) -> Output:
        port = _int(params.get("Port"), "port", 1, 65535)
        groups = self._forwarded(params.get("DefaultActions"))
        with self.db.write() as conn:
            lb = conn.execute(
                select(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "v2",
                    sim_load_balancers.c.arn == params.get("LoadBalancerArn"),
                )
            ).first()
            if lb is None:
                raise _lbs_not_found()
            protocol = params.get("Protocol") or ("HTTP" if lb.type == "application" else "TCP")
            allowed = (
                ("HTTP", "HTTPS") if lb.type == "application" else ("TCP", "TLS", "UDP", "TCP_UDP")
            )
            if protocol not in allowed:
                raise _validation(f"Protocol '{protocol}' must be one of '{', '.join(allowed)}'")
            taken = self._group_balancers(conn, scope)
            for arn in groups:
                group = conn.execute(
                    select(sim_target_groups).where(
                        *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == arn
                    )
                ).first()
                if group is None:
                    raise _tgs_not_found()
                if any(other != lb.arn for other in taken.get(arn, [])):
                    raise BalancerFault(
                        "TargetGroupAssociationLimit",
                        "The following target groups cannot be associated with more than one "
                        f"load balancer: {arn}",
                    )
            existing = conn.execute(
                select(sim_listeners).where(
                    sim_listeners.c.load_balancer_arn == lb.arn, sim_listeners.c.port == port
                )
            ).first()
            data: Output = {"DefaultActions": list(params["DefaultActions"])}
            if params.get("SslPolicy"):
                data["SslPolicy"] = params["SslPolicy"]
            if params.get("Certificates"):
                data["Certificates"] = list(params["Certificates"])
            if existing is not None:
                if existing.protocol == protocol and existing.data == json.loads(json.dumps(data)):
                    return {"Listeners": [self._listener_out(existing)]}
                raise BalancerFault(
                    "DuplicateListener",
                    "A listener already exists on this port for this load balancer",
                )
            short = "app" if lb.type == "application" else "net"
            lb_tail = lb.arn.split(":loadbalancer/", 1)[1].split("/", 1)[1]
            arn = _arn(scope, f"listener/{short}/{lb_tail}/{_hex16()}")
            conn.execute(
                insert(sim_listeners).values(
                    arn=arn,
                    load_balancer_arn=lb.arn,
                    account=scope.account,
                    region=scope.region,
                    port=port,
                    protocol=protocol,
                    target_groups=groups,
                    data=data,
                    created_at=self._now(),
                )
            )
            row = conn.execute(select(sim_listeners).where(sim_listeners.c.arn == arn)).one()
        return {"Listeners": [self._listener_out(row)]}

    @_operation
    def elbv2_describe_listeners(self, scope: Scope, params: Params) -> Output:
        arns = list(dict.fromkeys(_text_list(params.get("ListenerArns"))))
        balancer = params.get("LoadBalancerArn")
        if not arns and balancer is None:
            raise _validation("You must specify either listener ARNs or a load balancer ARN")
        size = _page_size(params)
        after = _decode_marker("listener", params.get("Marker"))
        with self.db.read() as conn:
            query = select(sim_listeners).where(*self._scoped(sim_listeners, scope))
            if balancer is not None:
                lb = conn.execute(
                    select(sim_load_balancers.c.arn).where(
                        *self._scoped(sim_load_balancers, scope),
                        sim_load_balancers.c.family == "v2",
                        sim_load_balancers.c.arn == balancer,
                    )
                ).first()
                if lb is None:
                    raise _lbs_not_found()
                query = query.where(sim_listeners.c.load_balancer_arn == balancer)
            if arns:
                query = query.where(sim_listeners.c.arn.in_(arns))
                found = {r.arn for r in conn.execute(query)}
                if any(a not in found for a in arns):
                    raise BalancerFault("ListenerNotFound", "One or more listeners not found")
            if after is not None:
                query = query.where(sim_listeners.c.arn > after)
            rows = list(conn.execute(query.order_by(sim_listeners.c.arn).limit(size + 1)))
        marker = None
        if len(rows) > size:
            rows = rows[:size]
            marker = _encode_marker("listener", rows[-1].arn)
        out: Output = {"Listeners": [self._listener_out(r) for r in rows]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @_operation
    def elbv2_delete_listener(self, scope: Scope, params: Params) -> Output:
        arn = params.get("ListenerArn")
        with self.db.write() as conn:
            row = conn.execute(
                select(sim_listeners.c.arn).where(
                    *self._scoped(sim_listeners, scope), sim_listeners.c.arn == arn
                )
            ).first()
            if row is None:
                raise BalancerFault("ListenerNotFound", "One or more listeners not found")
            conn.execute(delete(sim_listeners).where(sim_listeners.c.arn == arn))
        return {}

    # == the engine-facing port ===============================================================

    def _owner(self, conn: Connection, scope: Scope, kind: str, ref: str) -> Row[Any] | None:
        if kind not in ("clb", "target_group"):
            raise ValueError(f"unknown load balancer kind {kind!r}")
        if "\x00" in ref:
            return None
        if kind == "clb":
            return conn.execute(
                select(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "classic",
                    sim_load_balancers.c.name == ref,
                )
            ).first()
        if kind == "target_group":
            return conn.execute(
                select(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == ref
                )
            ).first()
        raise ValueError(f"unknown load balancer kind {kind!r}")

    def _owner_or_fault(self, conn: Connection, scope: Scope, kind: str, ref: str) -> Row[Any]:
        row = self._owner(conn, scope, kind, ref)
        if row is None:
            raise _no_active(ref) if kind == "clb" else _tg_not_found(ref)
        return row

    def exists(self, scope: Scope, kind: str, ref: str) -> bool:
        with self.db.read() as conn:
            return self._owner(conn, scope, kind, ref) is not None

    def usable(self, scope: Scope, kind: str, ref: str) -> bool:
        """Can take instances now: the simulated ones are active as soon as they exist."""
        return self.exists(scope, kind, ref)

    def register(self, scope: Scope, kind: str, ref: str, instance_ids: Sequence[str]) -> None:
        """Registers the instances that exist (any state); already registered ones stay."""
        with self.db.write() as conn:
            owner = self._owner_or_fault(conn, scope, kind, ref)
            wanted = [i for i in dict.fromkeys(instance_ids) if "\x00" not in i]
            known = self._machines(conn, scope, wanted)
            ids = [i for i in dict.fromkeys(instance_ids) if i in known]
            port = 0 if kind == "clb" else owner.port
            self._register_rows(conn, scope, kind, owner.arn, [(i, port) for i in ids])

    def deregister(
        self, scope: Scope, kind: str, ref: str, instance_ids: Sequence[str]
    ) -> datetime | None:
        """Starts draining; when it ends, or None when nothing is left to wait for."""
        with self.db.write() as conn:
            owner = self._owner(conn, scope, kind, ref)
            if owner is None:
                return None
            seconds = self._classic_drain(owner) if kind == "clb" else self._group_drain(owner)
            ids = [i for i in instance_ids if "\x00" not in i]
            return self._deregister_rows(conn, owner.arn, ids, seconds)

    def drained(self, scope: Scope, kind: str, ref: str, instance_ids: Sequence[str]) -> bool:
        now = self._now()
        with self.db.read() as conn:
            owner = self._owner(conn, scope, kind, ref)
            if owner is None:
                return True
            live = self._live_targets(conn, owner.arn, now)
        wanted = set(instance_ids)
        return not any(t.instance_id in wanted for t in live)

    def healthy(self, scope: Scope, instance_id: str) -> bool | None:
        if "\x00" in instance_id:
            return None
        now = self._now()
        with self.db.read() as conn:
            rows = list(
                conn.execute(
                    select(sim_targets).where(
                        *self._scoped(sim_targets, scope),
                        sim_targets.c.instance_id == instance_id,
                        sim_targets.c.draining_until.is_(None),
                    )
                )
            )
            if not rows:
                return None
            state = self._machines(conn, scope, [instance_id]).get(instance_id)
            in_use = self._group_balancers(conn, scope)
        for row in rows:
            if row.kind == "target_group" and row.owner not in in_use:
                continue  # unused: no load balancer checks it
            if now >= row.healthy_at and state != "running":
                return False
        return True
